import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { currentCaller, namedCaller } from '../../../src/policy/caller';
import { sha256OfOpened, sha256Reading } from '../../../src/policy/hash';
import { O_PATH } from '../../../src/kernel/constants';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';

test('namedCaller: the account through NSS, by name or uid, with its primary group first and getgrouplist\'s', () => {
  const c = new FakeLibc(fakeState({
    users: [{ name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/sh' }],
    groups: [{ name: 'alice', gid: 1000, members: ['alice'] }, { name: 'netadmins', gid: 500, members: ['alice'] }, { name: 'sudo', gid: 27, members: ['bob', 'alice'] }, { name: 'staff', gid: 50, members: ['bob'] }],
  }));
  assert.equal(namedCaller(c, 'alice'), { uid: 1000, gids: [1000, 27, 500], name: 'alice' });
  assert.equal(namedCaller(c, '1000'), { uid: 1000, gids: [1000, 27, 500], name: 'alice' });
  const unknown = (error: unknown): boolean => error instanceof CapexecError && error.code === 'unknown_user';
  assert.throws(() => namedCaller(c, 'bob'), unknown);
  // A uid beyond 32 bits, which koffi would cut to another (4294967296 to root).
  assert.throws(() => namedCaller(c, '4294967296'), unknown);
});

test('currentCaller: the real ids of this process, the real gid first, each gid once', () => {
  const caller = currentCaller(new FakeLibc(fakeState()));
  assert.is(caller.uid, process.getuid?.());
  assert.is(caller.gids[0], process.getgid?.());
  assert.is(new Set(caller.gids).size, caller.gids.length);
  assert.ok((process.getgroups?.() ?? []).every((gid) => caller.gids.includes(gid)));
});

// The policy matches names: a caller NSS cannot look up is not one without a name.
test('a caller or a named user NSS cannot look up stops the launch, the --check or the --list', () => {
  const failing = new FakeLibc(fakeState({ failures: { getpwuid_r: 'EIO', getpwnam_r: 'EIO' } }));
  const unanswered = (error: unknown): boolean =>
    error instanceof CapexecError && error.code === 'user_lookup_failed' && /^getpw(uid|nam)_r: fake EIO$/.test(error.why ?? '');
  assert.throws(() => currentCaller(failing), unanswered);
  assert.throws(() => namedCaller(failing, 'alice'), unanswered);
  assert.throws(() => namedCaller(failing, '1000'), unanswered);
  const noGroups = new FakeLibc(fakeState({ failures: { getgrouplist: 'EIO' } }));
  assert.throws(() => namedCaller(noGroups, 'nobody'), (error: unknown) =>
    error instanceof CapexecError && error.code === 'group_lookup_failed' && error.fix === 'check that NSS answers: getent initgroups nobody');
});

test('sha256: of what the fd reads, every chunk handed on; an O_PATH fd hashed through a readable open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capexec-hash-'));
  try {
    const path = join(dir, 'file');
    const content = Buffer.alloc(3 * (1 << 20) + 17, 0x61);
    writeFileSync(path, content);
    const expected = createHash('sha256').update(content).digest('hex');
    const fd = openSync(path, 'r');
    const chunks: Buffer[] = [];
    try {
      assert.is(sha256Reading(fd, (chunk) => chunks.push(Buffer.from(chunk))), expected);
    } finally {
      closeSync(fd);
    }
    assert.ok(Buffer.concat(chunks).equals(content));
    const opened = openSync(path, O_PATH);
    try {
      assert.is(sha256OfOpened(opened), expected);
      // Root reads any file; for anyone else a mode 0 file is unreadable, and matches no pin.
      chmodSync(path, 0);
      assert.is(sha256OfOpened(opened), process.getuid?.() === 0 ? expected : '');
    } finally {
      closeSync(opened);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
