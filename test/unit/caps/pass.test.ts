import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapsNotPermittedError, passCapabilities } from '../../../src/caps/pass';
import { maskOf } from '../../../src/caps/sets';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState, type FakeStateOverrides } from '../../helpers/fake-libc';

const NET_ADMIN = 12;
const NET_RAW = 13;
const SYS_TIME = 25;

// capexec as the kernel leaves it after the exec of a file with these permitted caps.
const holding = (...caps: number[]) => fakeState({ caps: { permitted: maskOf(caps) } });

test('the requested caps become exactly inheritable and ambient; nothing stays effective', () => {
  const state = holding(NET_ADMIN, NET_RAW, SYS_TIME);
  passCapabilities(new FakeLibc(state), [NET_ADMIN, NET_RAW]);
  assert.equal(state.caps, {
    effective: 0n,
    permitted: maskOf([NET_ADMIN, NET_RAW]),
    inheritable: maskOf([NET_ADMIN, NET_RAW]),
    ambient: maskOf([NET_ADMIN, NET_RAW]),
    bounding: state.caps.bounding,
  });
});

test('all or nothing: one cap missing changes nothing at all', () => {
  const state = holding(NET_ADMIN);
  const before = { ...state.caps };
  const error = (() => {
    try {
      passCapabilities(new FakeLibc(state), [NET_ADMIN, NET_RAW]);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.instance(error, CapsNotPermittedError);
  assert.is((error as CapsNotPermittedError).code, 'caps_not_permitted');
  assert.equal((error as CapsNotPermittedError).missing, [NET_RAW]);
  assert.equal(state.caps, before);
  assert.equal(state.calls, ['capget']);
});

test('a raise the kernel accepts but does not keep is caught by the re-check', () => {
  const state = holding(NET_ADMIN);
  state.ambientKept = false;
  assert.throws(() => passCapabilities(new FakeLibc(state), [NET_ADMIN]), (error: unknown) =>
    error instanceof CapexecError && error.code === 'ambient_not_kept' && error.what === 'cannot raise cap_net_admin into the ambient set');
});

test('each refused step is its own error, with the system call as its cause', () => {
  const cases: [FakeStateOverrides, string][] = [
    [{ failures: { capset: 'EPERM' } }, 'caps_not_inheritable'],
    [{ failures: { prctl: (_option, arg2) => (arg2 === 4 ? 'EINVAL' : undefined) } }, 'ambient_not_cleared'],
    [{ securebits: 1 << 6 }, 'ambient_raise_refused'],
  ];
  for (const [overrides, code] of cases) {
    const state = fakeState({ ...overrides, caps: { permitted: maskOf([NET_ADMIN]) } });
    assert.throws(() => passCapabilities(new FakeLibc(state), [NET_ADMIN]), (error: unknown) =>
      error instanceof CapexecError && error.code === code && error.cause !== undefined, code);
  }
});

test('a raise refused midway leaves the earlier caps raised and the error names the refused one', () => {
  const state = holding(NET_ADMIN, NET_RAW);
  state.failures['prctl'] = (_option, arg2, cap) => (arg2 === 2 && cap === NET_RAW ? 'EPERM' : undefined);
  assert.throws(() => passCapabilities(new FakeLibc(state), [NET_ADMIN, NET_RAW]), /cannot raise cap_net_raw into the ambient set/);
});

test.run();
