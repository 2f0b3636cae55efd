import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCandidatePolicy } from '../../../src/policy/load';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';

// NSS down (an LDAP server that does not answer) says nothing of whether a name in the
// policy exists: the problem says so, where a missing name would say "no user".
test('a name NSS cannot look up is a problem of its own, not an unknown name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capexec-load-'));
  try {
    const file = join(dir, 'capexec.conf');
    writeFileSync(file, 'permit alice cap net_admin\npermit :staff cap net_raw\npermit nobody cap net_raw\n');
    const c = new FakeLibc(fakeState({ failures: { getpwnam_r: 'EIO', getgrnam_r: 'EIO' } }));
    const policy = readCandidatePolicy(c, file, 40);
    assert.ok(policy);
    assert.equal(policy.problems.filter((problem) => problem.severity === 'error').map(({ line, column, what, fix }) => [line, column, what, fix]), [
      [1, 8, "cannot look up user 'alice' (getpwnam_r: fake EIO)", 'check that the user database answers: getent passwd alice'],
      [2, 8, "cannot look up group 'staff' (getgrnam_r: fake EIO)", 'check that the group database answers: getent group staff'],
      [3, 8, "cannot look up user 'nobody' (getpwnam_r: fake EIO)", 'check that the user database answers: getent passwd nobody'],
    ]);
    // Each name once, however many rules name it, and whether NSS answered or not.
    writeFileSync(file, 'permit :staff cap net_admin\npermit :staff cap net_raw\npermit :staff cap sys_time\n');
    const asked = new FakeLibc(fakeState({ failures: { getgrnam_r: 'EIO' } }));
    assert.is(readCandidatePolicy(asked, file, 40)?.problems.length, 3);
    assert.is(asked.state.calls.filter((call) => call === 'getgrnam_r').length, 1);
    writeFileSync(file, 'permit alice cap net_admin\npermit :staff cap net_raw\npermit nobody cap net_raw\n');
    const answering = readCandidatePolicy(new FakeLibc(fakeState()), file, 40);
    assert.equal(answering?.problems.filter((problem) => problem.severity === 'error').map(({ what }) => what), ["no user 'alice'", "no group 'staff'"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
