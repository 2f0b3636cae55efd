import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findUntrustedComponent, findUntrustedEntry, findUntrustedTarget, lstatPath, untrustedPathError, type PathStat, type StatPath } from '../../../src/support/trusted-path';

const dir = (mode: number, uid = 0): PathStat => ({ kind: 'directory', uid, mode: 0o040000 | mode, links: 1 });
const file = (mode: number, uid = 0): PathStat => ({ kind: 'file', uid, mode: 0o100000 | mode, links: 1 });

// A made-up filesystem: the standard layout, with `changes` on top.
function fs(changes: Record<string, PathStat> = {}): StatPath {
  const entries: Record<string, PathStat> = {
    '/': dir(0o755),
    '/opt': dir(0o755),
    '/opt/capexec': dir(0o755),
    '/opt/capexec/koffi.node': file(0o644),
    '/tmp': dir(0o1777),
    '/tmp/capexec-x': dir(0o755),
    '/tmp/capexec-x/koffi.node': file(0o755),
    ...changes,
  };
  return (path) => entries[path] ?? { error: 'does not exist', missing: true };
}

const check = (path: string, stat: StatPath, expected: 'file' | 'directory' = 'file') => findUntrustedComponent(path, expected, stat);

test('a file with a second name is refused: the other name may be somewhere others control', () => {
  const linked: PathStat = { ...file(0o644), links: 2 };
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': linked }))?.why, 'has 2 hard links');
});

test('a root-owned file in root-owned, unwritable directories is trusted', () => {
  assert.is(check('/opt/capexec/koffi.node', fs()), undefined);
  assert.is(check('/opt/capexec', fs(), 'directory'), undefined);
});

test('a sticky world-writable directory above a root-owned one is acceptable', () => {
  assert.is(check('/tmp/capexec-x/koffi.node', fs()), undefined);
});

test('a world-writable directory without the sticky bit is not', () => {
  const problem = check('/tmp/capexec-x/koffi.node', fs({ '/tmp': dir(0o777) }));
  assert.equal(problem?.path, '/tmp');
  assert.match(problem?.why ?? '', /^is writable by group and others \(mode 0777\)$/);
  assert.is(problem?.fix, undefined);
});

test('the sticky exception never covers the target itself', () => {
  assert.equal(check('/tmp', fs(), 'directory')?.path, '/tmp');
});

test('every component is checked, from the root down', () => {
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/': dir(0o775) }))?.path, '/');
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt': dir(0o755, 1000) }))?.why, 'is owned by uid 1000, not root');
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec': dir(0o757) }))?.why, 'is writable by others (mode 0757)');
});

test('a group-writable or non-root addon is refused', () => {
  const writable = check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': file(0o664) }));
  assert.equal(writable, {
    path: '/opt/capexec/koffi.node',
    why: 'is writable by group (mode 0664)',
    fix: 'as root: chmod go-w /opt/capexec/koffi.node',
  });
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': file(0o644, 65534) }))?.why, 'is owned by uid 65534, not root');
  // Group-writable and sticky still is not a file anyone may replace.
  assert.ok(check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': file(0o1664) })));
});

test('symbolic links, wrong kinds and missing components are refused', () => {
  const link: PathStat = { kind: 'symlink', uid: 0, mode: 0o120777, links: 1 };
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt': link }))?.why, 'is a symbolic link');
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': link }))?.why, 'is a symbolic link');
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec/koffi.node': dir(0o755) }))?.why, 'is not a regular file');
  assert.equal(check('/opt/capexec', fs({ '/opt/capexec': file(0o755) }), 'directory')?.why, 'is not a directory');
  assert.equal(check('/opt/capexec/koffi.node', fs({ '/opt/capexec': { kind: 'other', uid: 0, mode: 0o020666, links: 1 } }))?.why, 'is not a directory');
  assert.equal(check('/opt/gone/koffi.node', fs()), { path: '/opt/gone', why: 'does not exist', fix: 'check the path', missing: true });
  // Only a component that is not there makes the target missing: one that cannot be
  // examined may still hide it.
  const denied: StatPath = (path) => (path === '/opt' ? { error: 'cannot be examined (permission denied)', missing: false } : dir(0o755));
  assert.is(check('/opt/capexec/koffi.node', denied)?.missing, false);
});

test('lstatPath() tells a missing path from one that cannot be examined', () => {
  assert.equal(lstatPath('/nonexistent/capexec-test'), { error: 'does not exist', missing: true });
  assert.equal(lstatPath('/etc/passwd/x'), { error: 'cannot be examined (ENOTDIR)', missing: false });
  assert.is((lstatPath('/') as PathStat).kind, 'directory');
});

test('findUntrustedTarget: a missing target is missing whatever is above it; one that exists gets the whole walk', () => {
  const base = mkdtempSync(join(tmpdir(), 'capexec-target-'));
  try {
    chmodSync(base, 0o777);
    assert.equal(findUntrustedTarget(join(base, 'absent'), 'file'), { path: join(base, 'absent'), why: 'does not exist', fix: 'check the path', missing: true });
    writeFileSync(join(base, 'present'), '');
    assert.equal(findUntrustedTarget(join(base, 'present'), 'file'), findUntrustedComponent(join(base, 'present'), 'file', lstatPath));
    assert.ok(findUntrustedTarget(join(base, 'present'), 'file'), 'a world-writable directory holds it');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('one entry on its own is judged as a target: no sticky allowance', () => {
  assert.is(findUntrustedEntry('/opt/share', dir(0o755), 'directory'), undefined);
  assert.equal(findUntrustedEntry('/opt/share', dir(0o1777), 'directory')?.why, 'is writable by group and others (mode 1777)');
  assert.equal(findUntrustedEntry('/opt/share', dir(0o755, 65534), 'directory')?.why, 'is owned by uid 65534, not root');
  assert.equal(findUntrustedEntry('/opt/share', { kind: 'symlink', uid: 0, mode: 0o120777, links: 1 }, 'directory')?.why, 'is a symbolic link');
});

test('only normalized absolute paths are judged', () => {
  for (const path of ['koffi.node', '/opt/../opt/capexec/koffi.node', '/opt//capexec/koffi.node', '/opt/capexec/koffi.node/']) {
    assert.match(check(path, fs())?.why ?? '', /normalized absolute path/, path);
  }
});

test('hostile path text is escaped in the suggested fix', () => {
  const stat: StatPath = (path) => (path === '/srv/\x1b[2J' ? dir(0o777) : dir(0o755));
  assert.is(check('/srv/\x1b[2J', stat, 'directory')?.fix, 'as root: chmod go-w /srv/\\x1b[2J');
  assert.match(untrustedPathError('refusing', { path: '/\x1b[2J', why: 'is writable', fix: undefined }).fix ?? '', /^leave \/\\x1b\[2J as it is; /);
});

test('no chown or chmod is suggested for /, system directories, homes, shared directories or directories further up', () => {
  const leftAlone: [string, 'file' | 'directory', Record<string, PathStat>][] = [
    ['/opt/capexec/koffi.node', 'file', { '/': dir(0o755, 65534) }],
    ['/opt/capexec/koffi.node', 'file', { '/': dir(0o775) }],
    ['/opt/capexec/koffi.node', 'file', { '/opt': dir(0o755, 1000) }],
    ['/tmp', 'directory', {}],
    ['/tmp/capexec-x/koffi.node', 'file', { '/tmp': dir(0o777) }],
    ['/usr/local/capexec', 'directory', { '/usr': dir(0o755), '/usr/local': dir(0o2775), '/usr/local/capexec': dir(0o755) }],
    ['/usr/local/capexec', 'directory', { '/usr': dir(0o755), '/usr/local': dir(0o755), '/usr/local/capexec': dir(0o775) }],
    ['/var/tmp', 'directory', { '/var': dir(0o755), '/var/tmp': dir(0o1777) }],
    ['/home/alice', 'directory', { '/home': dir(0o755), '/home/alice': dir(0o755, 1000) }],
    ['/home/alice/p', 'directory', { '/home': dir(0o755), '/home/alice': dir(0o755, 1000), '/home/alice/p': dir(0o755) }],
    ['/srv/shared', 'directory', { '/srv': dir(0o755), '/srv/shared': dir(0o1777) }],
    ['/srv/team/p', 'directory', { '/srv': dir(0o755), '/srv/team': dir(0o775), '/srv/team/p': dir(0o755) }],
  ];
  for (const [target, expected, changes] of leftAlone) {
    const problem = check(target, fs(changes), expected);
    assert.ok(problem, target);
    assert.is(problem?.fix, undefined, `${target}: ${problem?.path ?? ''} ${problem?.why ?? ''}`);
  }
  // What is capexec's own (the target, a file's own directory) may still be put right.
  assert.is(check('/opt/capexec/koffi.node', fs({ '/opt/capexec': dir(0o757) }))?.fix, 'as root: chmod go-w /opt/capexec');
  assert.is(check('/srv/team/p', fs({ '/srv': dir(0o755), '/srv/team': dir(0o755), '/srv/team/p': dir(0o755, 1000) }), 'directory')?.fix, 'as root: chown root /srv/team/p');
  assert.is(check('/home/alice/p', fs({ '/home': dir(0o755), '/home/alice': dir(0o755), '/home/alice/p': dir(0o775) }), 'directory')?.fix, 'as root: chmod go-w /home/alice/p');
});

test.run();
