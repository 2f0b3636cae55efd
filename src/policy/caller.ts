import type { Account, Libc } from '../kernel/libc';
import { CapexecError, SyscallError } from '../support/errors';
import { printable } from '../support/messages';
import type { Caller } from './match';

// Who asks, as the policy matches it: the real uid, and the real gid with the
// supplementary groups as the kernel holds them for this process, never as NSS lists
// them now (a group added since login does not count, as for file permissions).
export function currentCaller(c: Libc): Caller {
  const uid = process.getuid?.() ?? -1;
  // Node's getgroups() may list the effective gid, often the real one again.
  const gids = [...new Set([process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])])];
  const account = answered(() => c.userById(uid), `cannot look up uid ${uid}, who runs capexec`, `getent passwd ${uid}`);
  return { uid, gids, name: account?.name ?? String(uid) };
}

// Another user, for capexec --check --user: their groups as a login would give them,
// from NSS (getgrouplist). undefined when NSS knows no such user.
export function namedCaller(c: Libc, name: string): Caller | undefined {
  const account = answered(() => (/^\d+$/.test(name) ? c.userById(Number(name)) : c.userByName(name)), `cannot look up user '${printable(name)}'`, `getent passwd ${printable(name)}`);
  if (account === undefined) return undefined;
  const gids = [account.gid, ...c.getgrouplist(account.name, account.gid).filter((gid) => gid !== account.gid)];
  return { uid: account.uid, gids, name: account.name };
}

// A user NSS cannot say anything about (an LDAP server down) is not a user without a
// name: the policy matches names, and a launch, a --check or a --list stops instead.
function answered(lookUp: () => Account | undefined, what: string, check: string): Account | undefined {
  try {
    return lookUp();
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new CapexecError('user_lookup_failed', what, `${error.call}: ${error.description}`, { fix: `check that the user database answers: ${check}`, cause: error });
  }
}
