import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { privileged, privilegedFixture } from '../helpers/privileged';
import { isOneErrorLine, nobodyShellLine, runAsNobody, runAsRoot } from '../helpers/run';

const NET_ADMIN = 1n << 12n;
const NET_RAW = 1n << 13n;

const launch = suite('launch as nobody through the setcap\'d executable');
const fixture = privilegedFixture(launch, 'cap_net_admin,cap_net_raw+p', 'scratch');

const capexec = (...args: string[]): string[] => [fixture.installed.exe, ...args];
// The whole nobody-side command line, as one string for sh -c.
const nobodyLine = (...args: string[]): string => nobodyShellLine(capexec(...args));

privileged(launch, 'the helper holds exactly the requested cap, though the launcher holds more', async () => {
  const result = await runAsNobody(capexec('--cap', 'net_admin', '--', 'cat', '/proc/self/status'));
  assert.is(result.exitCode, 0, String(result.stderr));
  const status = statusFields(String(result.stdout));
  for (const set of ['CapAmb', 'CapPrm', 'CapEff', 'CapInh']) assert.is(capMaskField(status, set), NET_ADMIN, set);
});

privileged(launch, 'several caps pass together, in any spelling', async () => {
  const result = await runAsNobody(capexec('-c', 'CAP_NET_RAW', '--cap=12', 'cat', '/proc/self/status'));
  assert.is(result.exitCode, 0, String(result.stderr));
  const status = statusFields(String(result.stdout));
  for (const set of ['CapAmb', 'CapPrm', 'CapEff']) assert.is(capMaskField(status, set), NET_ADMIN | NET_RAW, set);
});

privileged(launch, 'without capexec the same helper has no capabilities', async () => {
  const result = await runAsNobody(['cat', '/proc/self/status']);
  const status = statusFields(String(result.stdout));
  for (const set of ['CapAmb', 'CapPrm', 'CapEff']) assert.is(capMaskField(status, set), 0n, set);
});

privileged(launch, 'a cap the launcher lacks is refused with 125 and nothing runs', async () => {
  const marker = join(fixture.scratch, 'ran');
  const result = await runAsNobody(capexec('--cap', 'net_admin,sys_admin,sys_time', '--', 'sh', '-c', `: > ${marker}`));
  assert.is(result.exitCode, 125);
  const firstLine = String(result.stderr).split('\n')[0] ?? '';
  assert.match(firstLine, /^capexec: cannot pass cap_sys_admin, cap_sys_time: /);
  assert.not.match(firstLine, /net_admin/);
  assert.not.ok(existsSync(marker));
});

privileged(launch, 'the helper keeps the launcher\'s PID', async () => {
  const subprocess = runAsNobody(capexec('--cap', 'net_admin', '--', 'sh', '-c', 'echo $$'));
  const result = await subprocess;
  assert.is(result.exitCode, 0);
  assert.ok(subprocess.pid !== undefined && subprocess.pid > 0);
  assert.is(Number(result.stdout), subprocess.pid);
});

privileged(launch, 'the helper\'s exit status and death by signal pass through', async () => {
  const exited = await runAsNobody(capexec('--cap', 'net_admin', '--', 'sh', '-c', 'exit 42'));
  assert.is(exited.exitCode, 42);
  const killed = await runAsNobody(capexec('--cap', 'net_admin', '--', 'sh', '-c', 'kill -TERM $$'));
  assert.is(killed.signal, 'SIGTERM');
});

privileged(launch, 'not found is 127, found but not runnable is 126, bad usage is 125', async () => {
  const cases: [string[], number][] = [
    [['--cap', 'net_admin', '--', 'no-such-command-here'], 127],
    [['--cap', 'net_admin', '--', '/no/such/file'], 127],
    [['--cap', 'net_admin', '--', '/etc'], 126],
    [['--cap', 'net_admin', '--', '/etc/passwd'], 126],
    [['--cap', 'net_admn', '--', 'true'], 125],
    [['--bogus', 'true'], 125],
    [['--cap', 'net_admin'], 125],
  ];
  for (const [args, status] of cases) {
    const result = await runAsNobody(capexec(...args));
    assert.is(result.exitCode, status, args.join(' '));
    assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
    assert.is(result.stdout, '');
  }
});

privileged(launch, 'non-UTF-8 bytes in arguments and the environment arrive unchanged', async () => {
  const script = `X="$(printf 'a\\376b')" exec ${nobodyLine('--cap', 'net_admin', '--', 'sh', '-c', 'printf %s "$1"; printf "|"; printf %s "$X"', 'sh')} "$(printf '\\377\\300')"`;
  const result = await runAsRoot('sh', ['-c', script], { encoding: 'buffer' });
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.equal([...(result.stdout as unknown as Uint8Array)], [0xff, 0xc0, 0x7c, 0x61, 0xfe, 0x62]);
});

privileged(launch, 'the helper\'s signals are neither ignored nor blocked', async () => {
  const result = await runAsNobody(capexec('--cap', 'net_admin', '--', 'cat', '/proc/self/status'));
  const status = statusFields(String(result.stdout));
  assert.is(status.get('SigIgn'), '0000000000000000');
  assert.is(status.get('SigBlk'), '0000000000000000');
});

privileged(launch, '`capexec … -- yes | head -1` ends, the helper killed by SIGPIPE', async () => {
  const pipeline = `${nobodyLine('--cap', 'net_admin', '--', 'yes')} | head -1; echo "\${PIPESTATUS[0]}" >&2`;
  const result = await runAsRoot('bash', ['-c', pipeline], { timeout: 10_000 });
  assert.is(result.timedOut, false);
  assert.is(result.stdout, 'y');
  assert.is(result.stderr, String(128 + 13));
});

privileged(launch, 'stdout and stderr work to a pipe, a file and a pty', async () => {
  const helper = ['--cap', 'net_admin', '--', 'sh', '-c', 'echo out; echo err >&2'];
  const piped = await runAsNobody(capexec(...helper));
  assert.is(piped.stdout, 'out');
  assert.is(piped.stderr, 'err');

  const file = join(fixture.scratch, 'out.txt');
  const toFile = await runAsRoot('sh', ['-c', `${nobodyLine(...helper)} > ${file} 2>&1`]);
  assert.is(toFile.exitCode, 0);
  assert.is(readFileSync(file, 'utf8'), 'out\nerr\n');

  const tty = ['--cap', 'net_admin', '--', 'sh', '-c', 'test -t 0 && test -t 1 && test -t 2 && echo all-tty'];
  const onPty = await runAsRoot('script', ['-qec', nobodyLine(...tty), '/dev/null']);
  assert.match(String(onPty.stdout), /all-tty/);
});

privileged(launch, 'fd 0-2 flags in the helper equal those of the helper started directly', async () => {
  const flags = 'for f in 0 1 2; do grep ^flags /proc/$$/fdinfo/$f; done';
  const direct = await runAsNobody(['sh', '-c', flags]);
  const through = await runAsNobody(capexec('--cap', 'net_admin', '--', 'sh', '-c', flags));
  assert.is(direct.exitCode, 0);
  assert.is(through.stdout, direct.stdout);
});

privileged(launch, 'only stdio and the fds the caller keeps reach the helper', async () => {
  const probe = 'for f in 3 4 5 20; do [ -e /proc/$$/fd/$f ] && printf "$f "; done; true';
  const open = 'exec 3</dev/null 4</dev/null 5</dev/null 20</dev/null';
  const none = await runAsRoot('bash', ['-c', `${open}; exec ${nobodyLine('--cap', 'net_admin', '--', 'sh', '-c', probe)}`]);
  assert.is(none.stdout, '');
  const two = await runAsRoot('bash', ['-c', `${open}; exec ${nobodyLine('--cap', 'net_admin', '--preserve-fds', '2', '--', 'sh', '-c', probe)}`]);
  assert.is(two.stdout, '3 4 ');
});

privileged(launch, 'a kept range with a gap in the caller\'s fds is refused, not filled with Node\'s own', async () => {
  const probe = 'ls -l /proc/$$/fd';
  const result = await runAsRoot('bash', ['-c', `exec 3</dev/null; exec ${nobodyLine('--cap', 'net_admin', '--preserve-fds', '8', '--', 'sh', '-c', probe)}`]);
  assert.is(result.exitCode, 125);
  assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
  assert.match(String(result.stderr), /^capexec: cannot keep fd \d+ of 3-10: it is not the caller's but capexec's own anon_inode:\[/);
  assert.is(result.stdout, '');
});

privileged(launch, 'socket activation fds survive when LISTEN_PID is capexec\'s PID', async () => {
  const probe = 'for f in 3 4 5; do [ -e /proc/$$/fd/$f ] && printf "$f "; done; printf "$LISTEN_FDS"';
  const line = nobodyLine('--cap', 'net_admin', '--', 'sh', '-c', probe);
  const ours = await runAsRoot('sh', ['-c', `exec 3</dev/null 4</dev/null 5</dev/null; LISTEN_PID=$$ LISTEN_FDS=2 exec ${line}`]);
  assert.is(ours.stdout, '3 4 2');
  const other = await runAsRoot('sh', ['-c', `exec 3</dev/null 4</dev/null; LISTEN_PID=1 LISTEN_FDS=2 exec ${line}`]);
  assert.is(other.stdout, '2');
});

launch.run();
