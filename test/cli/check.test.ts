import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// Black-box runs of --check and --list through bin/capexec on the system Node. Nothing
// here needs privilege: both only read. Candidate files live in a fresh temp directory.
const capexec = (...args: string[]) => execa(join(ROOT, 'bin', 'capexec'), args, { reject: false });
const dir = mkdtempSync(join(tmpdir(), 'capexec-check-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const TRUE = '/usr/bin/true';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a valid candidate: exit 0, its warnings printed, its own mode not judged', async () => {
  const path = write('valid.conf', [
    '# tap devices for the netadmins',
    'permit :nogroup cap net_admin cmd /usr/sbin/ip',
    'permit nobody cap net_admin cmd /usr/sbin/ip args tuntap add tap0 mode tap',
    'deny :nogroup cap sys_admin',
  ].join('\n'));
  // A candidate is checked before it is installed: a mode no installed policy may have is
  // not its problem.
  chmodSync(path, 0o666);
  const result = await capexec('--check', path);
  assert.is(result.exitCode, 0);
  assert.is(result.stderr, '');
  assert.equal(result.stdout.split('\n'), [
    `${path}:2:35: warning: cmd /usr/sbin/ip runs any command through 'ip netns exec', and every program it starts inherits the ambient capabilities (restrict its arguments with args, in words that cannot be options)`,
    `${path}: valid, 3 rules, 1 warning`,
  ]);
});

test('an invalid candidate: every problem at FILE:LINE:COL, exit 1', async () => {
  const path = write('invalid.conf', 'permit nobody cap net_admn cmd /usr/sbin/ip\npermit no-such-user-here cap net_admin\ndeny :nogroup cmd usr/bin/true\n');
  const result = await capexec('--check', path);
  assert.is(result.exitCode, 1);
  assert.equal(result.stdout.split('\n'), [
    `${path}:1:19: unknown capability 'net_admn' (did you mean net_admin?)`,
    `${path}:2:8: no user 'no-such-user-here' (check the name, or give a uid)`,
    `${path}:3:19: cmd usr/bin/true is not a normalized absolute path (give the full path, e.g. cmd /usr/bin/tunctl)`,
    `${path}: 3 errors, so capexec would refuse every launch by a user other than root`,
  ]);
});

test('a cmd anyone but root can replace is an error, unless its content is pinned', async () => {
  const program = join(dir, 'program');
  copyFileSync(TRUE, program);
  chmodSync(program, 0o777);
  const unpinned = await capexec('--check', write('unsafe.conf', `permit nobody cap net_admin cmd ${program}\n`));
  assert.is(unpinned.exitCode, 1);
  assert.match(unpinned.stdout, new RegExp(`:1:33: cmd ${program}: ${program} is writable by others than root \\(mode 0777\\), so its owner could replace the program this rule allows \\(`));
  const pinned = await capexec('--check', write('pinned.conf', `permit nobody cap net_admin cmd ${program} sha256 ${sha256(program)}\n`));
  assert.is(pinned.exitCode, 0);
});

test('--check FILE --user: permit or deny with the deciding rule, exit 0 or 1', async () => {
  const path = write('query.conf', [
    `permit :nogroup cap net_raw cmd ${TRUE} args -c ? \${USER}`,
    `deny nobody cap net_raw cmd ${TRUE} args -c 9 nobody`,
    `permit nobody cap net_admin cmd ${TRUE} sha256 ${sha256(TRUE)}`,
    `permit nobody cap sys_time cmd ${TRUE} sha256 ${'0'.repeat(64)}`,
  ].join('\n'));
  const ask = (caps: string, ...command: string[]) => capexec('--check', path, '--user', 'nobody', '--cap', caps, '--', ...command);
  const byGroup = await ask('net_raw', 'true', '-c', '1', 'nobody');
  assert.equal([byGroup.exitCode, byGroup.stdout], [0, `permit ${path}:1`]);
  const lastWins = await ask('net_raw', 'true', '-c', '9', 'nobody');
  assert.equal([lastWins.exitCode, lastWins.stdout.split('\n')[0]], [1, `deny ${path}:2`]);
  const otherUser = await ask('net_raw', 'true', '-c', '1', 'root');
  assert.is(otherUser.exitCode, 1);
  // Of the rules as near, the last is named: here one that differs by a capability.
  assert.equal(otherUser.stdout.split('\n'), ['deny (no rule)', `  the closest rule, ${path}:3, does not fit: it does not permit cap_net_raw`]);
  const pinned = await ask('net_admin', TRUE);
  assert.equal([pinned.exitCode, pinned.stdout], [0, `permit ${path}:3`]);
  const changed = await ask('sys_time', TRUE);
  assert.is(changed.exitCode, 1);
  assert.match(changed.stdout, /no longer has the content its sha256 pins$/);
  const everyCap = await ask('net_admin,net_raw', TRUE);
  assert.is(everyCap.exitCode, 1);
  const root = await capexec('--check', path, '--user', 'root', '--cap', 'sys_admin', '--', 'true');
  assert.equal([root.exitCode, root.stdout], [0, 'permit (root needs no rule)']);
});

test('--check: what is not a verdict is capexec\'s own error, exit 125 or 127', async () => {
  const missing = await capexec('--check', join(dir, 'no-such.conf'));
  assert.equal([missing.exitCode, missing.stdout], [125, '']);
  assert.is(missing.stderr, `capexec: ${join(dir, 'no-such.conf')} does not exist (give the path of the file to check)`);
  const path = write('empty.conf', '');
  const noUser = await capexec('--check', path, '--user', 'no-such-user-here', '--cap', 'net_admin', '--', 'true');
  assert.equal([noUser.exitCode, noUser.stderr], [125, "capexec: --user 'no-such-user-here': no such user (getent passwd lists the users)"]);
  const noCommand = await capexec('--check', path, '--user', 'nobody', '--cap', 'net_admin', '--', 'no-such-command-here');
  assert.is(noCommand.exitCode, 127);
  const empty = await capexec('--check', path);
  assert.equal([empty.exitCode, empty.stdout], [0, `${path}: valid, 0 rules`]);
});

test('--check and --list without /etc/capexec.conf: no policy, exit 0', async () => {
  if (existsSync('/etc/capexec.conf')) return;
  const checked = await capexec('--check');
  assert.equal([checked.exitCode, checked.stdout], [0, 'no /etc/capexec.conf: no policy, so whoever may run capexec may pass any capability it holds to any command']);
  const listed = await capexec('--list');
  assert.is(listed.exitCode, 0);
  assert.match(listed.stdout, /^no \/etc\/capexec\.conf: no policy/m);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
