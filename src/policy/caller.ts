import type { Libc } from '../kernel/libc';
import { asked, resolveIdentity } from '../identity/resolve';
import type { Caller } from './match';

// Who asks, as the policy matches it: the real uid, and the real gid with the
// supplementary groups as the kernel holds them for this process, never as NSS lists
// them now (a group added since login does not count, as for file permissions).
export function currentCaller(c: Libc): Caller {
  const uid = process.getuid?.() ?? -1;
  // Node's getgroups() may list the effective gid, often the real one again.
  const gids = [...new Set([process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])])];
  // A caller NSS cannot say anything about (an LDAP server down) is not one without a
  // name: ${USER} in a rule's args, CAPEXEC_USER and the audit line name the caller, so
  // a launch or a --list stops instead.
  const account = asked(() => c.userById(uid), 'user_lookup_failed', `cannot look up uid ${uid}, who runs capexec`, `getent passwd ${uid}`);
  return { uid, gids, name: account?.name ?? String(uid) };
}

// Another user, for capexec --check --user: resolved as --user resolves one, with the
// groups a login would give them (getgrouplist), the primary group first.
export function namedCaller(c: Libc, name: string): Caller {
  const target = resolveIdentity(c, { user: name, group: undefined, groups: undefined, clearGroups: false });
  return { uid: target.uid, gids: [target.gid, ...target.groups.filter((gid) => gid !== target.gid)], name: target.user.name };
}
