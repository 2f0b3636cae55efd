import { closeSync, openSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { switchAndExec, type UserLaunchRequest } from '../../../src/commands/root-launch';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, rootState, type FakeStateOverrides } from '../../helpers/fake-libc';
import { GROUPS, USERS } from '../../helpers/fake-users';

const LAST_CAP = 40;
const argv = { block: Buffer.from('true\0-x\0'), count: 2 };
const request = (more: Partial<UserLaunchRequest> = {}): UserLaunchRequest => ({
  user: 'www-data', group: undefined, groups: undefined, clearGroups: false, caps: ['net_bind_service', 'net_admin'],
  keepBounding: false, noNewPrivs: false, resetEnv: false, preserveFds: 0, command: ['true', '-x'], ...more,
});
// The command the fake open() hands out: a real fd, since the launch fstat()s it.
const TRUE = openSync('/bin/true', 'r');
const root = (overrides: FakeStateOverrides = {}): FakeLibc =>
  new FakeLibc(rootState({
    users: USERS,
    groups: GROUPS,
    env: { PATH: '/usr/bin:/bin', HOME: '/root' },
    files: new Map([['/usr/bin/true', TRUE], ['/bin/true', TRUE]]),
    fds: new Map([[0, [0, 0]], [1, [0, 1]], [2, [0, 1]], [TRUE, [1, 0]]]),
    ...overrides,
  }));

// The fake execve fails with ENOENT, so reaching it is exit 127; anything before it is 125.
function launched(c: FakeLibc, ask: UserLaunchRequest): CapexecError {
  try {
    switchAndExec(c, ask, argv, LAST_CAP);
  } catch (error) {
    assert.instance(error, CapexecError);
    return error as CapexecError;
  }
  throw new Error('switchAndExec returned');
}

test('the exec comes last, as the user, with the user\'s environment', () => {
  const c = root();
  const result = launched(c, request({ resetEnv: true }));
  assert.is(result.exitCode, 127);
  assert.is(c.state.calls.at(-1), 'execveat');
  assert.equal(c.state.uids, [33, 33, 33]);
  assert.is(c.state.env['USER'], 'www-data');
  assert.is(c.state.env['PATH'], '/usr/local/bin:/bin:/usr/bin');
  assert.is(c.state.env['HOME'], '/var/www');
  assert.ok(c.state.trace.indexOf(`execveat(${TRUE})`) > c.state.trace.indexOf('setresuid(33, 33, 33)'));
  assert.ok(c.state.trace.indexOf('open(2621440)') > c.state.trace.indexOf('setresuid(33, 33, 33)'), 'the command is opened as the user');
});

// security.capability, revision 2, effective: cap_net_raw+ep, as Debian's ping has.
const NET_RAW_EP = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

test('an exec refused for file capabilities the request leaves out says which to add', () => {
  const xattrs = new Map([[`/proc/self/fd/${TRUE}\0security.capability`, NET_RAW_EP]]);
  const error = launched(root({ xattrs, failures: { execveat: 'EPERM' } }), request());
  assert.is(error.exitCode, 126);
  assert.is(error.code, 'command_not_runnable');
  assert.is(error.why, 'its file capabilities are cap_net_raw+ep, and the kernel runs such a file only with all of them; cap_net_raw is not requested');
  assert.is(error.fix, 'add --cap cap_net_raw, or --keep-bounding');
  const plain = launched(root({ failures: { execveat: 'EPERM' } }), request());
  assert.is(plain.why, 'fake EPERM');
  assert.is(plain.fix, undefined);
});

test('a caller who is not root hears so before any name is looked up, and nothing runs', () => {
  const c = new FakeLibc(rootState({ uids: [1000, 1000, 1000], caps: { permitted: 0n, effective: 0n }, users: USERS, groups: GROUPS }));
  const error = launched(c, request({ user: 'no-such-user' }));
  assert.is(error.code, 'user_switch_not_permitted');
  assert.is(error.exitCode, 125);
  assert.not.ok(c.state.calls.some((call) => call.startsWith('getpw')));
  assert.not.ok(c.state.calls.includes('execveat'));
});

const FAULTS: [string, FakeStateOverrides['failures']][] = [
  ['setgroups', { setgroups: 'EPERM' }],
  ['setresgid', { setresgid: 'EPERM' }],
  ['setresuid', { setresuid: 'EPERM' }],
  ['capset', { capset: 'EPERM' }],
  ['prctl PR_CAP_AMBIENT_RAISE', { prctl: (option, arg2, arg3) => (option === 47 && arg2 === 2 && arg3 === 12 ? 'EPERM' : undefined) }],
  ['prctl PR_CAPBSET_DROP', { prctl: (option) => (option === 24 ? 'EPERM' : undefined) }],
  ['getgrouplist', { getgrouplist: 'EIO' }],
];

for (const [step, failures] of FAULTS) {
  test(`a failed ${step} is exit 125 naming it, and never an exec`, () => {
    const c = root(failures === undefined ? {} : { failures });
    const error = launched(c, request());
    assert.is(error.exitCode, 125);
    assert.ok(error.message.includes(step), error.message);
    assert.not.ok(c.state.calls.includes('execveat'));
  });
}

test.after(() => closeSync(TRUE));

test.run();
