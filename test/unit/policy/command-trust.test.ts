import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findUnsafeCommand, type CommandTrustFs } from '../../../src/policy/command-trust';
import type { PathStat } from '../../../src/support/trusted-path';

// A file system of lstat() results and link targets.
type Entry = PathStat & { target?: string };
const dir = (mode = 0o755, uid = 0): Entry => ({ kind: 'directory', uid, mode, links: 2 });
const file = (mode = 0o755, uid = 0): Entry => ({ kind: 'file', uid, mode, links: 1 });
const link = (target: string, uid = 0): Entry => ({ kind: 'symlink', uid, mode: 0o777, links: 1, target });

function fs(entries: Record<string, Entry>): CommandTrustFs {
  return {
    lstat: (path) => entries[path] ?? { error: 'does not exist', missing: true },
    readlink: (path) => entries[path]?.target ?? '',
  };
}
const SYSTEM: Record<string, Entry> = { '/': dir(), '/usr': dir(), '/usr/bin': dir(), '/usr/bin/tunctl': file(), '/tmp': dir(0o1777) };

test('root\'s all the way, writable by no one else: safe', () => {
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs(SYSTEM)), undefined);
});

test('a program owned by a user, or writable by group or others', () => {
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/usr/bin/tunctl': file(0o755, 1000) })), '/usr/bin/tunctl is owned by uid 1000');
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/usr/bin/tunctl': file(0o775) })), '/usr/bin/tunctl is writable by others than root (mode 0775)');
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/usr/bin/tunctl': { kind: 'other', uid: 0, mode: 0o755, links: 1 } })), '/usr/bin/tunctl is not a regular file');
});

test('a directory on the way owned by a user, or writable by others', () => {
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/usr/bin': dir(0o755, 1000) })), '/usr/bin is owned by uid 1000');
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/usr': dir(0o777) })), '/usr is writable by others than root (mode 0777)');
  assert.is(findUnsafeCommand('/usr/bin/tunctl', fs({ ...SYSTEM, '/': dir(0o757) })), '/ is writable by others than root (mode 0757)');
  assert.is(findUnsafeCommand('/usr/bin/missing', fs(SYSTEM)), '/usr/bin/missing does not exist');
});

// lstat() saw a link that readlink() then could not read: the path changed under the
// walk, which a plain error would have turned into capexec's internal error.
test('a link that changes while the path is examined is unsafe, not an error', () => {
  const changing: CommandTrustFs = { ...fs({ ...SYSTEM, '/usr/bin/tool': link('tunctl') }), readlink: () => undefined };
  assert.is(findUnsafeCommand('/usr/bin/tool', changing), '/usr/bin/tool changed while it was examined');
});

test('a sticky shared directory: only a root-owned entry in it is safe', () => {
  assert.is(findUnsafeCommand('/tmp/tool', fs({ ...SYSTEM, '/tmp/tool': file() })), undefined);
  assert.is(findUnsafeCommand('/tmp/tool', fs({ ...SYSTEM, '/tmp/tool': file(0o755, 1000) })), '/tmp/tool is in a shared sticky directory and owned by uid 1000');
  assert.is(findUnsafeCommand('/tmp/d/tool', fs({ ...SYSTEM, '/tmp/d': dir(0o755, 1000), '/tmp/d/tool': file() })), '/tmp/d is in a shared sticky directory and owned by uid 1000');
});

test('symbolic links are followed link by link, as the kernel does: every entry on the way counts', () => {
  const chain = { ...SYSTEM, '/usr/bin/a': link('b'), '/usr/bin/b': link('/opt/tools/tunctl'), '/opt': dir(), '/opt/tools': dir(), '/opt/tools/tunctl': file() };
  assert.is(findUnsafeCommand('/usr/bin/a', fs(chain)), undefined);
  assert.is(findUnsafeCommand('/usr/bin/a', fs({ ...chain, '/opt/tools': dir(0o755, 1000) })), '/opt/tools is owned by uid 1000');
  assert.is(findUnsafeCommand('/usr/bin/a', fs({ ...chain, '/opt/tools/tunctl': file(0o755, 1000) })), '/opt/tools/tunctl is owned by uid 1000');
  // A relative link with .. resolves from the link's own directory.
  const relative = { ...SYSTEM, '/usr/bin/up': link('../lib/tool'), '/usr/lib': dir(), '/usr/lib/tool': file(0o755, 1000) };
  assert.is(findUnsafeCommand('/usr/bin/up', fs(relative)), '/usr/lib/tool is owned by uid 1000');
  // A link a user owns in a sticky directory could be replaced by them.
  assert.is(findUnsafeCommand('/tmp/l', fs({ ...SYSTEM, '/tmp/l': link('/usr/bin/tunctl', 1000) })), '/tmp/l is in a shared sticky directory and owned by uid 1000');
});

test('a link loop ends with an error, not a hang', () => {
  const loop = { ...SYSTEM, '/usr/bin/a': link('b'), '/usr/bin/b': link('a') };
  assert.is(findUnsafeCommand('/usr/bin/a', fs(loop)), '/usr/bin/a has too many levels of symbolic links');
});

test('after .. or an absolute link, an entry is judged by the directory it is really in', () => {
  // /tmp/d is root's and 0755, so a user's link in it is safe; /tmp/d/../l is the same
  // user's link straight in sticky /tmp, which they could replace.
  const tree = { ...SYSTEM, '/tmp/d': dir(), '/tmp/l': link('/usr/bin/tunctl', 1000), '/tmp/d/l': link('/usr/bin/tunctl', 1000) };
  assert.is(findUnsafeCommand('/tmp/d/l', fs(tree)), undefined);
  assert.is(findUnsafeCommand('/tmp/d/../l', fs(tree)), '/tmp/l is in a shared sticky directory and owned by uid 1000');
  // An absolute link out of /tmp/d leads back to / before its target is walked.
  const out = { ...SYSTEM, '/tmp/d': dir(), '/tmp/d/x': link('/tmp/l2'), '/tmp/l2': link('/usr/bin/tunctl', 1000) };
  assert.is(findUnsafeCommand('/tmp/d/x', fs(out)), '/tmp/l2 is in a shared sticky directory and owned by uid 1000');
});

test.run();
