import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OpenedCommand } from '../../../src/exec/open-command';
import { applyPolicy } from '../../../src/policy/apply';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';

const command: OpenedCommand = { path: Buffer.from('/bin/true'), fd: -1, dev: 1n, ino: 2n, mode: 0o100755, uid: 0, gid: 0, capability: undefined };

// A launch NSS cannot name the caller of stops before the policy is read, and leaves a
// denial in the audit all the same, under the uid.
test('a caller NSS cannot look up is refused, and the refusal is logged under the uid', () => {
  const c = new FakeLibc(fakeState({ failures: { getpwuid_r: 'EIO' } }));
  assert.throws(() => applyPolicy(c, [12], command, { block: Buffer.from('/bin/true\0-x\0'), count: 2 }, 40),
    (error: unknown) => error instanceof CapexecError && error.code === 'user_lookup_failed');
  assert.is(c.state.logged.length, 1);
  assert.match(c.state.logged[0]?.message ?? '', new RegExp(`^${process.getuid?.() ?? -1} : command not allowed ; CAPS=cap_net_admin ; PWD=.* ; COMMAND=/bin/true -x$`));
});

test.run();
