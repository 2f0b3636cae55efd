import type { Account, Libc } from '../kernel/libc';
import { isDigits } from '../support/characters';
import { CapexecError, SyscallError, type ErrorCode } from '../support/errors';
import { printable, shellWord } from '../support/messages';
import { closestMatch } from '../support/suggest';

// Who the command runs as, resolved through NSS before anything changes: a name that
// does not resolve stops capexec while it is still root and nothing has happened.
export interface TargetIdentity {
  user: Account;
  uid: number;
  gid: number;
  // Supplementary groups, sorted and without repeats, as the kernel keeps them.
  groups: readonly number[];
}

export interface IdentityRequest {
  user: string;
  group: string | undefined;
  groups: readonly string[] | undefined;
  clearGroups: boolean;
}

// How many names the suggestion compares with: enumerating a large LDAP directory would
// cost more than a suggestion is worth.
const SUGGESTION_CANDIDATES = 10000;
// -1 means "leave unchanged" to setresuid(2) and setresgid(2): never an id to switch to.
const MAX_ID = 0xfffffffe;

// USER's primary group and the groups the database lists USER in, as initgroups(3)
// and su(1) give them, unless --group, --groups or --clear-groups say otherwise.
export function resolveIdentity(c: Libc, request: IdentityRequest): TargetIdentity {
  const user = findUser(c, request.user);
  const gid = request.group === undefined ? user.gid : findGroup(c, request.group, '--group').gid;
  let groups: number[];
  if (request.clearGroups) groups = [];
  else if (request.groups !== undefined) groups = request.groups.map((name) => findGroup(c, name, '--groups').gid);
  else groups = asked(() => c.getgrouplist(user.name, user.gid), 'group_lookup_failed', `cannot list the groups of user '${printable(user.name)}'`, `getent initgroups ${shellWord(user.name)}`);
  return { user, uid: user.uid, gid, groups: [...new Set(groups)].sort((a, b) => a - b) };
}

function findUser(c: Libc, text: string): Account {
  const what = `--user '${printable(text)}'`;
  const numeric = isDigits(text, 10);
  if (numeric && Number(text) > MAX_ID) throw new CapexecError('unknown_user', what, `not a uid: the largest is ${MAX_ID}`);
  const user = asked(() => (numeric ? c.userById(Number(text)) : c.userByName(text)), 'user_lookup_failed', `cannot look up ${what}`, `getent passwd ${shellWord(text)}`);
  if (user === undefined || user.uid > MAX_ID || user.gid > MAX_ID) {
    const suggestion = numeric ? undefined : closestMatch(text, asked(() => c.userNames(SUGGESTION_CANDIDATES), 'user_lookup_failed', 'cannot list the users', 'getent passwd'));
    throw new CapexecError('unknown_user', what, numeric ? 'no user has this uid' : 'no such user', {
      fix: suggestion === undefined ? 'getent passwd lists the users' : `did you mean ${printable(suggestion)}?`,
    });
  }
  return user;
}

function findGroup(c: Libc, text: string, option: string): { name: string; gid: number } {
  const what = `${option} '${printable(text)}'`;
  const numeric = isDigits(text, 10);
  if (numeric && Number(text) > MAX_ID) throw new CapexecError('unknown_group', what, `not a gid: the largest is ${MAX_ID}`);
  const group = asked(() => (numeric ? c.groupById(Number(text)) : c.groupByName(text)), 'group_lookup_failed', `cannot look up ${what}`, `getent group ${shellWord(text)}`);
  if (group === undefined || group.gid > MAX_ID) {
    const suggestion = numeric ? undefined : closestMatch(text, asked(() => c.groupNames(SUGGESTION_CANDIDATES), 'group_lookup_failed', 'cannot list the groups', 'getent group'));
    throw new CapexecError('unknown_group', what, numeric ? 'no group has this gid' : 'no such group', {
      fix: suggestion === undefined ? 'getent group lists the groups' : `did you mean ${printable(suggestion)}?`,
    });
  }
  return group;
}

// A user, a group, a group list or a name list that NSS cannot give (an LDAP server
// down) is not a missing or an empty one: it stops capexec with the call that failed.
// `check`: the getent(1) command that asks NSS the same.
export function asked<T>(call: () => T, code: ErrorCode, what: string, check: string): T {
  try {
    return call();
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new CapexecError(code, what, `${error.call}: ${error.description}`, { fix: `check that NSS answers: ${check}`, cause: error });
  }
}
