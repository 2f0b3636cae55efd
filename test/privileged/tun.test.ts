import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { privileged, privilegedFixture } from '../helpers/privileged';
import { nobodyShellLine, runAsRoot } from '../helpers/run';
import { tunOpenToAll } from '../helpers/tun-node';

// Each case runs in a throwaway network and mount namespace, where a fresh 0666 tun
// node is bind-mounted over /dev/net/tun: the machine's own device and network are
// never touched, and file permissions are out of the way so only capabilities count.
const tun = suite('tun/tap devices created by an unprivileged user through capexec');
const fixture = privilegedFixture(tun, 'cap_net_admin+p', 'tun');


async function inNamespace(script: string) {
  return runAsRoot('unshare', ['--net', '--mount', 'sh', '-c', `${tunOpenToAll(fixture.scratch)} && ${script}`]);
}

privileged(tun, 'tunctl -u nobody creates a tap device through capexec and fails without it', async () => {
  const direct = nobodyShellLine(['tunctl', '-u', 'nobody', '-t', 'tap7']);
  const through = nobodyShellLine([fixture.installed.exe, '--cap', 'net_admin', '--', 'tunctl', '-u', 'nobody', '-t', 'tap7']);
  const result = await inNamespace(
    `if ${direct} 2>&1; then echo direct-succeeded; fi; ${through} && ip -d link show tap7`,
  );
  assert.is(result.exitCode, 0, String(result.stderr));
  const output = String(result.stdout);
  assert.match(output, /TUNSETIFF: Operation not permitted/);
  assert.not.match(output, /direct-succeeded/);
  assert.match(output, /: tap7: /);
  assert.match(output, /tun type tap .*persist on user nobody/);
});

privileged(tun, 'ip tuntap add creates a tun device through capexec and fails without it', async () => {
  const direct = nobodyShellLine(['ip', 'tuntap', 'add', 'dev', 'tun7', 'mode', 'tun']);
  const through = nobodyShellLine([fixture.installed.exe, '--cap', 'net_admin', '--', 'ip', 'tuntap', 'add', 'dev', 'tun7', 'mode', 'tun']);
  const result = await inNamespace(
    `if ${direct} 2>&1; then echo direct-succeeded; fi; ${through} && ip -o link show tun7`,
  );
  assert.is(result.exitCode, 0, String(result.stderr));
  const output = String(result.stdout);
  assert.match(output, /Operation not permitted/);
  assert.not.match(output, /direct-succeeded/);
  assert.match(output, /: tun7: /);
});

tun.run();
