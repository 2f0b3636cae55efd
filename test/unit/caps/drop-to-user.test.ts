import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropPrivileges, execRunsAsRoot, type PrivilegeRequest } from '../../../src/caps/drop-to-user';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState, rootState, type FakeStateOverrides, type FakeState } from '../../helpers/fake-libc';

const NET_BIND_SERVICE = 10;
const NET_ADMIN = 12;
const NET_RAW = 13;
const LAST_CAP = 40;
const ALL = (1n << 41n) - 1n;
const bit = (cap: number): bigint => 1n << BigInt(cap);

const toWwwData = (caps: number[], more: Partial<PrivilegeRequest> = {}): PrivilegeRequest => ({
  identity: { uid: 33, gid: 33, groups: [33, 1001, 1002] },
  caps,
  keepBounding: false,
  noNewPrivs: false,
  lastCap: LAST_CAP,
  ...more,
});

function root(overrides: FakeStateOverrides = {}): FakeLibc {
  return new FakeLibc(rootState(overrides));
}

function refusal(c: FakeLibc, request: PrivilegeRequest): CapexecError {
  try {
    dropPrivileges(c, request);
  } catch (error) {
    assert.instance(error, CapexecError);
    return error as CapexecError;
  }
  throw new assert.Assertion({ message: 'the drop succeeded', operator: 'throws', expects: 'an error', actual: 'none' });
}

test('root becomes the user, holding exactly the request in every set', () => {
  const c = root();
  dropPrivileges(c, toWwwData([NET_BIND_SERVICE]));
  const { uids, gids, supplementary: groups, caps, securebits } = c.state;
  assert.equal(uids, [33, 33, 33]);
  assert.equal(gids, [33, 33, 33]);
  assert.equal(groups, [33, 1001, 1002]);
  for (const set of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding'] as const) {
    assert.is(caps[set], bit(NET_BIND_SERVICE), set);
  }
  assert.is(securebits, 0, 'keep-caps is off again');
  assert.is(c.state.noNewPrivs, false);
});

test('the steps come in setpriv.c\'s order', () => {
  const c = root();
  dropPrivileges(c, toWwwData([NET_BIND_SERVICE, NET_ADMIN], { noNewPrivs: true }));
  const calls = c.state.trace;
  const at = (call: string): number => {
    const index = calls.indexOf(call);
    assert.ok(index >= 0, `${call} was not called: ${calls.join(' ')}`);
    return index;
  };
  const order = [
    at('prctl(8, 1, 0)'), // keep-caps on
    at('setgroups(33, 1001, 1002)'),
    at('setresgid(33, 33, 33)'),
    at('setresuid(33, 33, 33)'),
    at('prctl(24, 0, 0)'), // the first bounding drop, cap_chown
    calls.lastIndexOf('capset'),
    at('prctl(47, 2, 10)'), // ambient raises
    at('prctl(47, 2, 12)'),
    at('prctl(8, 0, 0)'), // keep-caps off
    at('prctl(38, 1, 0)'), // no_new_privs
  ];
  assert.equal(order, [...order].sort((a, b) => a - b), calls.join(' '));
  assert.ok(calls.indexOf('capset', at('setresuid(33, 33, 33)')) < at('prctl(24, 0, 0)'), 'cap_setpcap is effective again before the drop');
  assert.is(c.state.noNewPrivs, true);
});

test('with no capabilities asked, the command starts with none, and no bounding set', () => {
  const c = root();
  dropPrivileges(c, toWwwData([]));
  for (const set of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding'] as const) assert.is(c.state.caps[set], 0n, set);
});

test('--keep-bounding leaves the bounding set as it was', () => {
  const c = root();
  dropPrivileges(c, toWwwData([NET_RAW], { keepBounding: true }));
  assert.is(c.state.caps.bounding, ALL);
  assert.is(c.state.caps.ambient, bit(NET_RAW));
  assert.not.ok(c.state.trace.some((call) => call.startsWith('prctl(24,')));
});

test('root without a user keeps uid 0, and its bounding, inheritable and ambient sets shrink', () => {
  const c = root({ caps: { ambient: bit(NET_RAW), inheritable: bit(NET_RAW) } });
  dropPrivileges(c, toWwwData([NET_ADMIN], { identity: undefined }));
  assert.equal(c.state.uids, [0, 0, 0]);
  assert.not.ok(c.state.trace.some((call) => /^(setres[ug]id|setgroups|prctl\(8,)/.test(call)), c.state.trace.join(' '));
  for (const set of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding'] as const) assert.is(c.state.caps[set], bit(NET_ADMIN), set);
});

test('a caller who is not root may not switch, and nothing changes', () => {
  const c = new FakeLibc(fakeState({ caps: { permitted: bit(NET_ADMIN) } }));
  const error = refusal(c, toWwwData([NET_ADMIN]));
  assert.is(error.code, 'user_switch_not_permitted');
  assert.is(error.exitCode, 125);
  assert.is(error.message, '--user needs root: capexec runs as uid 65534');
  assert.equal(c.state.calls, ['capget', 'getresuid']);
});

test('neither may a caller holding cap_setuid and cap_setgid, nor root without them', () => {
  const withCaps = new FakeLibc(fakeState({ caps: { permitted: ALL, effective: ALL } }));
  assert.is(refusal(withCaps, toWwwData([NET_ADMIN])).message, '--user needs root: capexec runs as uid 65534');
  const permitted = ALL & ~(bit(6) | bit(7));
  const restricted = root({ caps: { permitted, effective: permitted } });
  assert.is(refusal(restricted, toWwwData([NET_ADMIN])).message, '--user needs root: capexec lacks cap_setgid, cap_setuid');
  assert.equal(restricted.state.uids, [0, 0, 0]);
});

test('without cap_setpcap the bounding set cannot shrink: refused, unless --keep-bounding', () => {
  const permitted = ALL & ~bit(8);
  const error = refusal(root({ caps: { permitted, effective: permitted } }), toWwwData([NET_ADMIN]));
  assert.is(error.code, 'bounding_not_permitted');
  assert.is(error.fix, 'add --keep-bounding to leave the bounding set as it is');
  const c = root({ caps: { permitted, effective: permitted } });
  dropPrivileges(c, toWwwData([NET_ADMIN], { keepBounding: true }));
  assert.is(c.state.caps.ambient, bit(NET_ADMIN));
});

test('a capability root itself lacks is refused before anything changes', () => {
  const permitted = ALL & ~bit(NET_ADMIN);
  const c = root({ caps: { permitted, effective: permitted } });
  const error = refusal(c, toWwwData([NET_ADMIN, NET_RAW]));
  assert.is(error.code, 'caps_not_permitted');
  assert.match(error.what, /^cannot keep cap_net_admin$/);
  assert.equal(c.state.uids, [0, 0, 0]);
});

// Fault injection: each step refused by the kernel stops capexec with that step named.
const FAULTS: [string, FakeState['failures'], RegExp, string][] = [
  ['keep-caps', { prctl: (option, arg2) => (option === 8 && arg2 === 1 ? 'EPERM' : undefined) }, /^cannot keep the capabilities across the uid change \(prctl PR_SET_KEEPCAPS\)$/, 'keep_caps_failed'],
  ['setgroups', { setgroups: 'EPERM' }, /^cannot set the supplementary groups to 33,1001,1002 \(setgroups\)$/, 'setgroups_failed'],
  ['setresgid', { setresgid: 'EPERM' }, /^cannot change the gid to 33 \(setresgid\)$/, 'setresgid_failed'],
  ['setresuid', { setresuid: 'EPERM' }, /^cannot change the uid to 33 \(setresuid\)$/, 'setresuid_failed'],
  ['capset', { capset: 'EPERM' }, /\(capset\)$/, 'capset_failed'],
  ['the bounding drop', { prctl: (option, arg2) => (option === 24 && arg2 === 5 ? 'EPERM' : undefined) }, /^cannot drop cap_kill from the bounding set \(prctl PR_CAPBSET_DROP\)$/, 'bounding_drop_failed'],
  ['the first ambient raise', { prctl: (option, arg2, arg3) => (option === 47 && arg2 === 2 && arg3 === NET_BIND_SERVICE ? 'EPERM' : undefined) }, /^cannot raise cap_net_bind_service into the ambient set/, 'ambient_raise_refused'],
  ['the second ambient raise', { prctl: (option, arg2, arg3) => (option === 47 && arg2 === 2 && arg3 === NET_ADMIN ? 'EPERM' : undefined) }, /^cannot raise cap_net_admin into the ambient set/, 'ambient_raise_refused'],
  ['keep-caps off', { prctl: (option, arg2) => (option === 8 && arg2 === 0 ? 'EPERM' : undefined) }, /^cannot clear keep-caps/, 'keep_caps_failed'],
  ['no_new_privs', { prctl: (option) => (option === 38 ? 'EPERM' : undefined) }, /^cannot set no_new_privs/, 'no_new_privs_failed'],
];

for (const [step, failures, what, code] of FAULTS) {
  test(`a refused ${step} is exit 125, naming the step`, () => {
    const error = refusal(root({ failures }), toWwwData([NET_BIND_SERVICE, NET_ADMIN], { noNewPrivs: true }));
    assert.is(error.code, code);
    assert.is(error.exitCode, 125);
    assert.match(error.what, what);
    assert.is(error.why, 'fake EPERM');
  });
}

test('each capset is refused in turn: the one before the uid change, after it, and the final one', () => {
  for (const [nth, what] of [[1, /effective \(capset\)$/], [2, /again after the uid change/], [3, /^cannot set the permitted, effective and inheritable sets to cap_net_admin/]] as const) {
    let seen = 0;
    const c = root({ failures: { capset: () => (++seen === nth ? 'EPERM' : undefined) } });
    assert.match(refusal(c, toWwwData([NET_ADMIN])).what, what);
  }
});

// A kernel that reports success without doing it: the read-back catches each.
class LyingKernel extends FakeLibc {
  constructor(private readonly ignore: 'setresuid' | 'setgroups' | 'bounding') {
    super(rootState());
  }

  override setresuid(real: number, effective: number, saved: number): void {
    if (this.ignore !== 'setresuid') super.setresuid(real, effective, saved);
  }

  override setgroups(gids: readonly number[]): void {
    if (this.ignore !== 'setgroups') super.setgroups(gids);
  }

  override prctl(option: number, arg2: number, arg3: number): number {
    if (this.ignore === 'bounding' && option === 24) return 0;
    return super.prctl(option, arg2, arg3);
  }
}

test('a state that differs from the request when read back is exit 125', () => {
  const cases = [
    [new LyingKernel('setresuid'), /uids 0 0 0, not 33 33 33/],
    [new LyingKernel('setgroups'), /groups none, not 33,1001,1002/],
    [new LyingKernel('bounding'), /bounding cap_chown,.*, not cap_net_admin/],
    [root({ ambientKept: false }), /ambient empty, not cap_net_admin/],
  ] as const;
  for (const [c, why] of cases) {
    const error = refusal(c, toWwwData([NET_ADMIN]));
    assert.is(error.code, 'privileges_not_as_asked');
    assert.is(error.exitCode, 125);
    assert.match(error.why ?? '', why);
  }
});

test('the kernel treats an exec as root\'s for a real or effective uid 0, unless SECBIT_NOROOT', () => {
  assert.is(execRunsAsRoot(root()), true);
  assert.is(execRunsAsRoot(root({ uids: [1000, 0, 0] })), true);
  assert.is(execRunsAsRoot(root({ uids: [0, 1000, 1000] })), true);
  assert.is(execRunsAsRoot(root({ securebits: 1 })), false);
  assert.is(execRunsAsRoot(new FakeLibc(fakeState())), false);
});

test.run();
