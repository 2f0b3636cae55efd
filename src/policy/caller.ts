import type { Libc } from '../kernel/libc';
import type { Caller } from './match';

// Who asks, as the policy matches it: the real uid, and the real gid with the
// supplementary groups as the kernel holds them for this process, never as NSS lists
// them now (a group added since login does not count, as for file permissions).
export function currentCaller(c: Libc): Caller {
  const uid = process.getuid?.() ?? -1;
  // Node's getgroups() may list the effective gid, often the real one again.
  const gids = [...new Set([process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])])];
  return { uid, gids, name: c.userById(uid)?.name ?? String(uid) };
}

// Another user, for capexec --check --user: their groups as a login would give them,
// from NSS (getgrouplist). undefined when NSS knows no such user.
export function namedCaller(c: Libc, name: string): Caller | undefined {
  const account = /^\d+$/.test(name) ? c.userById(Number(name)) : c.userByName(name);
  if (account === undefined) return undefined;
  const gids = [account.gid, ...c.getgrouplist(account.name, account.gid).filter((gid) => gid !== account.gid)];
  return { uid: account.uid, gids, name: account.name };
}
