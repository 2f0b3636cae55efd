import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statusFields } from '../helpers/proc-status';
import { installCopy, privileged, privilegedSetup, ROOT, scratchDirectory, type Installed } from '../helpers/privileged';
import { isOneErrorLine, runAsNobody, runAsRoot, shQuote } from '../helpers/run';
import { tunOpenToAll } from '../helpers/tun-node';

// capexec run by root, as a container's entrypoint or an init script runs it, with no
// file capabilities: a temporary user in two temporary groups, made for this suite and
// removed after it. What the command gets is compared with what setpriv gives it.
const rootMode = suite('root mode: --user, and root\'s own launch');
const USER = `cxr${process.pid}`;
const PRIMARY = `${USER}a`;
const OTHER = `${USER}b`;
const FIELDS = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs'];
// npm puts its own node first in PATH; bin/capexec must work on the machine's.
const SYSTEM_PATH = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');

let copy: Installed;
let scratch: string;
let created: string[] = [];

privilegedSetup(rootMode, () => {
  for (const group of [PRIMARY, OTHER]) {
    execFileSync('groupadd', [group]);
    created.push(`group:${group}`);
  }
  execFileSync('useradd', ['-M', '-N', '-g', PRIMARY, '-G', OTHER, '-d', `/home/${USER}`, '-s', '/bin/sh', USER]);
  created.push(`user:${USER}`);
  copy = installCopy(undefined);
  scratch = scratchDirectory('root-mode');
  chmodSync(scratch, 0o777);
});
rootMode.after(() => {
  copy?.remove();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  for (const entry of created.reverse()) {
    const [kind, name = ''] = entry.split(':');
    execFileSync(kind === 'user' ? 'userdel' : 'groupdel', [name]);
  }
  created = [];
});

const capexec = (...args: string[]) => runAsRoot(copy.exe, args);
const gid = (group: string): string => execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2] ?? '';

function statusOf(result: { exitCode?: number | undefined; stdout: unknown; stderr: unknown }): Map<string, string> {
  assert.is(result.exitCode, 0, String(result.stderr));
  const fields = statusFields(String(result.stdout));
  return new Map(FIELDS.map((name) => [name, fields.get(name) ?? `(no ${name})`]));
}

// setpriv's line for the same request, with every set given explicitly.
function setprivFor(caps: string[], more: string[] = []): string[] {
  const list = caps.map((cap) => `,+${cap}`).join('');
  return [`--reuid=${USER}`, `--regid=${PRIMARY}`, '--init-groups', `--inh-caps=-all${list}`, `--ambient-caps=-all${list}`, `--bounding-set=-all${list}`, ...more];
}

for (const caps of [['net_bind_service'], ['net_bind_service', 'net_raw'], []]) {
  privileged(rootMode, `--user with ${caps.length === 0 ? 'no capability' : caps.join(' and ')}: the command's state is setpriv's`, async () => {
    const through = statusOf(await capexec('--user', USER, ...caps.flatMap((cap) => ['--cap', cap]), '--', 'cat', '/proc/self/status'));
    const expected = statusOf(await runAsRoot('setpriv', [...setprivFor(caps), '--', 'cat', '/proc/self/status']));
    assert.equal(Object.fromEntries(through), Object.fromEntries(expected));
    assert.equal(through.get('Groups')?.split(' ').sort(), [gid(PRIMARY), gid(OTHER)].sort());
  });
}

privileged(rootMode, '--no-new-privs gives what setpriv --no-new-privs gives', async () => {
  const through = statusOf(await capexec('--user', USER, '--cap', 'net_raw', '--no-new-privs', '--', 'cat', '/proc/self/status'));
  const expected = statusOf(await runAsRoot('setpriv', [...setprivFor(['net_raw'], ['--no-new-privs']), '--', 'cat', '/proc/self/status']));
  assert.equal(Object.fromEntries(through), Object.fromEntries(expected));
  assert.is(through.get('NoNewPrivs'), '1');
});

privileged(rootMode, 'bin/capexec on the system Node switches the same way, with no file capabilities', async () => {
  const args = ['--user', USER, '--cap', 'net_bind_service', '--', 'cat', '/proc/self/status'];
  const onNode = statusOf(await runAsRoot(join(ROOT, 'bin', 'capexec'), args, { env: { PATH: SYSTEM_PATH }, extendEnv: false }));
  assert.equal(Object.fromEntries(onNode), Object.fromEntries(statusOf(await capexec(...args))));
});

privileged(rootMode, '--keep-bounding leaves the bounding set; the other sets are still the request', async () => {
  const status = statusOf(await capexec('--user', USER, '--cap', 'net_raw', '--keep-bounding', '--', 'cat', '/proc/self/status'));
  const rootBounding = statusFields(String((await runAsRoot('cat', ['/proc/self/status'])).stdout)).get('CapBnd');
  assert.is(status.get('CapBnd'), rootBounding);
  assert.is(status.get('CapAmb'), '0000000000002000');
});

privileged(rootMode, '--group, --groups and --clear-groups choose the groups', async () => {
  const primary = statusOf(await capexec('--user', USER, '--group', OTHER, '--', 'cat', '/proc/self/status'));
  assert.match(primary.get('Gid') ?? '', new RegExp(`^${gid(OTHER)}\\s+${gid(OTHER)}\\s+${gid(OTHER)}\\s+${gid(OTHER)}$`));
  const exact = statusOf(await capexec('--user', USER, '--groups', `${OTHER},0`, '--', 'cat', '/proc/self/status'));
  assert.equal(exact.get('Groups')?.split(' ').sort(), ['0', gid(OTHER)].sort());
  const none = statusOf(await capexec('--user', USER, '--clear-groups', '--', 'cat', '/proc/self/status'));
  assert.is(none.get('Groups'), '');
  const numeric = statusOf(await capexec('--user', execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim(), '--', 'cat', '/proc/self/status'));
  assert.equal(numeric.get('Groups')?.split(' ').sort(), [gid(PRIMARY), gid(OTHER)].sort());
});

privileged(rootMode, 'root without --user keeps uid 0 and gets exactly the request, as setpriv gives it', async () => {
  const through = statusOf(await capexec('--cap', 'net_admin', '--', 'cat', '/proc/self/status'));
  const list = ',+net_admin';
  const expected = statusOf(await runAsRoot('setpriv', [`--inh-caps=-all${list}`, `--ambient-caps=-all${list}`, `--bounding-set=-all${list}`, '--', 'cat', '/proc/self/status']));
  assert.equal(Object.fromEntries(through), Object.fromEntries(expected));
  assert.match(through.get('Uid') ?? '', /^0\s+0\s+0\s+0$/);
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.is(through.get(set), '0000000000001000', set);
});

privileged(rootMode, 'HOME, USER, LOGNAME and SHELL are the user\'s; --reset-env keeps only TERM', async () => {
  const env = { PATH: '/usr/bin:/bin', TERM: 'vt100', HOME: '/root', KEEP_ME: 'x' };
  const show = ['sh', '-c', 'printf "%s|" "$HOME" "$USER" "$LOGNAME" "$SHELL" "$TERM" "$KEEP_ME" "$PATH"'];
  const kept = await runAsRoot(copy.exe, ['--user', USER, '--', ...show], { env, extendEnv: false });
  assert.is(kept.stdout, `/home/${USER}|${USER}|${USER}|/bin/sh|vt100|x|/usr/bin:/bin|`);
  const reset = await runAsRoot(copy.exe, ['--user', USER, '--reset-env', '--', ...show], { env, extendEnv: false });
  assert.is(reset.stdout, `/home/${USER}|${USER}|${USER}|/bin/sh|vt100||/usr/local/bin:/bin:/usr/bin|`);
});

privileged(rootMode, 'socket activation fds survive --reset-env', async () => {
  const probe = 'for f in 3 4 5; do [ -e /proc/$$/fd/$f ] && printf "$f "; done; printf "[$LISTEN_FDS]"';
  const line = [copy.exe, '--user', USER, '--reset-env', '--', 'sh', '-c', probe].map(shQuote).join(' ');
  const result = await runAsRoot('sh', ['-c', `exec 3</dev/null 4</dev/null 5</dev/null; LISTEN_PID=$$ LISTEN_FDS=2 exec ${line}`]);
  assert.is(result.stdout, '3 4 []');
});

privileged(rootMode, 'python3 binds port 80 as nobody with net_bind_service, and cannot without it', async () => {
  const bind = `import socket; s = socket.socket(); s.bind(("127.0.0.1", 80)); print("bound", s.getsockname()[1])`;
  const line = (...caps: string[]) => [copy.exe, '--user', 'nobody', ...caps, '--', '/usr/bin/python3', '-c', bind].map(shQuote).join(' ');
  const result = await runAsRoot('unshare', ['--net', 'sh', '-c', `ip link set lo up && ${line('--cap', 'net_bind_service')} && { ${line()} 2>&1 || true; }`]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const [first, ...rest] = String(result.stdout).split('\n');
  assert.is(first, 'bound 80');
  assert.match(rest.join('\n'), /PermissionError: \[Errno 13\] Permission denied/);
});

privileged(rootMode, 'ip tuntap add … user U creates a tap device as that user, in a throwaway namespace', async () => {
  const tunDir = join(scratch, 'tun');
  mkdirSync(tunDir);
  const add = [copy.exe, '--user', USER, '--cap', 'net_admin', '--', 'ip', 'tuntap', 'add', 'dev', 'tapcx', 'mode', 'tap', 'user', USER].map(shQuote).join(' ');
  const without = [copy.exe, '--user', USER, '--', 'ip', 'tuntap', 'add', 'dev', 'tapcy', 'mode', 'tap'].map(shQuote).join(' ');
  const result = await runAsRoot('unshare', ['--net', '--mount', 'sh', '-c', `${tunOpenToAll(tunDir)} && { ${without} 2>&1 || true; } && ${add} && ip -d link show tapcx`]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const output = String(result.stdout);
  assert.match(output, /Operation not permitted/);
  assert.match(output, /: tapcx: /);
  assert.match(output, new RegExp(`tun type tap .*user ${USER}`));
});

privileged(rootMode, 'a command whose effective file capabilities the request leaves out is refused by the kernel, and capexec says which to add', async () => {
  const file = join(scratch, 'true-with-net-raw');
  copyFileSync('/bin/true', file);
  chmodSync(file, 0o755);
  execFileSync('setcap', ['cap_net_raw+ep', file]);
  const starved = await capexec('--user', USER, '--cap', 'net_bind_service', '--', file);
  assert.is(starved.exitCode, 126);
  assert.ok(isOneErrorLine(starved.stderr), String(starved.stderr));
  assert.match(String(starved.stderr), /: its file capabilities are cap_net_raw\+ep, .*cap_net_raw is not requested \(add --cap cap_net_raw, or --keep-bounding\)$/);
  assert.is((await capexec('--user', USER, '--cap', 'net_raw', '--', file)).exitCode, 0);
  assert.is((await capexec('--user', USER, '--keep-bounding', '--', file)).exitCode, 0);
  const asRoot = await capexec('--cap', 'net_admin', '--', file);
  assert.is(asRoot.exitCode, 126);
  assert.match(String(asRoot.stderr), /\(add --cap cap_net_raw\)$/);
});

privileged(rootMode, 'PID, exit status and death by signal pass through', async () => {
  const subprocess = capexec('--user', USER, '--', 'sh', '-c', 'echo $$');
  const result = await subprocess;
  assert.is(Number(result.stdout), subprocess.pid);
  assert.is((await capexec('--user', USER, '--', 'sh', '-c', 'exit 42')).exitCode, 42);
  assert.is((await capexec('--user', USER, '--', 'sh', '-c', 'kill -TERM $$')).signal, 'SIGTERM');
  assert.is((await capexec('--cap', 'net_admin', '--', 'sh', '-c', 'exit 7')).exitCode, 7);
});

privileged(rootMode, 'every refusal is one line, exit 125, and nothing runs', async () => {
  const marker = join(scratch, 'ran');
  const touch = ['--', 'sh', '-c', `: > ${marker}`];
  const cases: [Promise<{ exitCode?: number | undefined; stderr: unknown; stdout: unknown }>, RegExp][] = [
    [runAsNobody([copy.exe, '--user', USER, ...touch]), /^capexec: --user needs root: capexec runs as uid 65534 \(/],
    [capexec('--user', USER.slice(0, -1), ...touch), new RegExp(`^capexec: --user '${USER.slice(0, -1)}': no such user \\(did you mean ${USER}\\?\\)$`)],
    [capexec('--user', 'cx-no-such-user-at-all', ...touch), /^capexec: --user 'cx-no-such-user-at-all': no such user \(getent passwd lists the users\)$/],
    [capexec('--user', '4000000000', ...touch), /^capexec: --user '4000000000': no user has this uid/],
    [capexec('--user', USER, '--group', `${PRIMARY}x`, ...touch), new RegExp(`^capexec: --group '${PRIMARY}x': no such group \\(did you mean ${PRIMARY}\\?\\)$`)],
    [capexec('--user', USER, '--groups', `${PRIMARY},${OTHER}x`, ...touch), new RegExp(`^capexec: --groups '${OTHER}x': no such group \\(did you mean ${OTHER}\\?\\)$`)],
    [capexec('--user', USER, '--cap', 'net_bind_servic', ...touch), /^capexec: unknown capability 'net_bind_servic' \(did you mean net_bind_service\?\)$/],
    [capexec('--user', USER, '--groups', 'a', '--clear-groups', ...touch), /^capexec: --groups and --clear-groups cannot be combined/],
    [capexec('--keep-bounding', '--cap', 'net_admin', ...touch), /^capexec: --keep-bounding needs --user/],
    [capexec('--user', USER), /^capexec: no command given/],
  ];
  for (const [run, line] of cases) {
    const result = await run;
    assert.is(result.exitCode, 125, String(result.stderr));
    assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
    assert.match(String(result.stderr), line);
    assert.is(result.stdout, '');
    assert.not.ok(existsSync(marker));
  }
  const missing = await capexec('--user', USER, '--', 'no-such-command-here');
  assert.is(missing.exitCode, 127);
  const notRunnable = await capexec('--user', USER, '--', '/etc');
  assert.is(notRunnable.exitCode, 126);
});

privileged(rootMode, 'the addon is checked before root mode loads it, from a copy with file capabilities or without', async () => {
  for (const fileCaps of ['cap_net_admin+p', undefined]) {
    const planted = installCopy(fileCaps);
    try {
      const addon = join(planted.dir, 'koffi.node');
      chmodSync(addon, 0o664);
      const result = await runAsRoot(planted.exe, ['--user', USER, '--', 'sh', '-c', `: > ${join(scratch, 'planted')}`]);
      assert.is(result.exitCode, 125);
      assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
      assert.match(String(result.stderr), `refusing to load ${addon}: it is writable by group`);
      assert.not.ok(existsSync(join(scratch, 'planted')));
    } finally {
      planted.remove();
    }
  }
});

rootMode.run();
