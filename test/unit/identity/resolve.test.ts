import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveIdentity, type IdentityRequest } from '../../../src/identity/resolve';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, rootState, type FakeState } from '../../helpers/fake-libc';
import { GROUPS, USERS } from '../../helpers/fake-users';

const nss = (failures: FakeState['failures'] = {}): FakeLibc => new FakeLibc(rootState({ users: USERS, groups: GROUPS, failures }));
const request = (user: string, more: Partial<IdentityRequest> = {}): IdentityRequest => ({ user, group: undefined, groups: undefined, clearGroups: false, ...more });

function refusal(ask: IdentityRequest, failures: FakeState['failures'] = {}): CapexecError {
  try {
    resolveIdentity(nss(failures), ask);
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).exitCode, 125);
    return error as CapexecError;
  }
  throw new assert.Assertion({ message: `resolved ${ask.user}`, operator: 'throws', expects: 'an error', actual: 'none' });
}

test('a user name gives its uid, primary group and the groups it is a member of', () => {
  const target = resolveIdentity(nss(), request('www-data'));
  assert.is(target.uid, 33);
  assert.is(target.gid, 33);
  assert.equal(target.groups, [33, 1001, 1002]);
  assert.is(target.user.home, '/var/www');
});

test('a number is a uid, looked up by uid', () => {
  const target = resolveIdentity(nss(), request('33'));
  assert.is(target.user.name, 'www-data');
  assert.is(target.uid, 33);
});

test('--group sets the primary gid; --groups and --clear-groups the supplementary list', () => {
  assert.is(resolveIdentity(nss(), request('www-data', { group: 'web' })).gid, 1001);
  assert.is(resolveIdentity(nss(), request('www-data', { group: '65534' })).gid, 65534);
  assert.equal(resolveIdentity(nss(), request('www-data', { group: 'web' })).groups, [33, 1001, 1002]);
  assert.equal(resolveIdentity(nss(), request('www-data', { groups: ['logs', '0', 'logs'] })).groups, [0, 1002]);
  assert.equal(resolveIdentity(nss(), request('www-data', { clearGroups: true })).groups, []);
});

test('an unknown user is refused, with the closest name when one is close', () => {
  const typo = refusal(request('www-dta'));
  assert.is(typo.code, 'unknown_user');
  assert.is(typo.message, "--user 'www-dta': no such user");
  assert.is(typo.fix, 'did you mean www-data?');
  assert.is(refusal(request('postgres')).fix, 'getent passwd lists the users');
  assert.is(refusal(request('4242')).message, "--user '4242': no user has this uid");
  assert.match(refusal(request('4294967295')).message, /not a uid/);
});

test('an unknown group is refused the same way, for --group and for --groups', () => {
  const typo = refusal(request('www-data', { group: 'webb' }));
  assert.is(typo.code, 'unknown_group');
  assert.is(typo.message, "--group 'webb': no such group");
  assert.is(typo.fix, 'did you mean web?');
  assert.is(refusal(request('www-data', { groups: ['web', 'lgos'] })).message, "--groups 'lgos': no such group");
  assert.is(refusal(request('www-data', { group: '4242' })).message, "--group '4242': no group has this gid");
});

test('a group database that cannot be asked is a failure, not "no groups"', () => {
  const error = refusal(request('www-data'), { getgrouplist: 'EIO' });
  assert.is(error.code, 'group_lookup_failed');
  assert.is(error.message, "cannot list the groups of user 'www-data': getgrouplist: fake EIO");
  assert.is(refusal(request('www-dta'), { getpwent: 'EIO' }).code, 'user_lookup_failed');
});

test('hostile text in a name is escaped in the message', () => {
  assert.is(refusal(request('x\x1b[2J')).what, "--user 'x\\x1b[2J'");
});

// An LDAP server down is no answer about the user: never "no such user".
test('a user or group NSS cannot look up stops with the call that failed', () => {
  const user = refusal(request('www-data'), { getpwnam_r: 'EIO' });
  assert.is(user.code, 'user_lookup_failed');
  assert.is(user.what, "cannot look up --user 'www-data'");
  assert.is(user.why, 'getpwnam_r: fake EIO');
  assert.is(user.fix, 'check that NSS answers: getent passwd www-data');
  assert.is(refusal(request('33'), { getpwuid_r: 'EIO' }).code, 'user_lookup_failed');
  const group = refusal(request('www-data', { group: 'netadmins' }), { getgrnam_r: 'EIO' });
  assert.is(group.code, 'group_lookup_failed');
  assert.is(group.what, "cannot look up --group 'netadmins'");
});

test.run();
