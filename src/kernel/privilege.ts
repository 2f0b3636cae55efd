import { maskValue, statusField } from './proc-parse';
import { readOwnStatus } from './proc';

// Privileged means anything an unprivileged user could not do alone: capabilities in
// the permitted or effective set, effective uid 0, or ids that differ as after a
// set-user-ID exec. An unreadable status counts as privileged.
export function holdsPrivilege(status: string): boolean {
  // The kernel separates the four ids with tabs.
  const ids = (name: string): string[] => (statusField(status, name) ?? '').split('\t');
  const uids = ids('Uid');
  const gids = ids('Gid');
  const permitted = maskValue(statusField(status, 'CapPrm'));
  const effective = maskValue(statusField(status, 'CapEff'));
  if (uids.length !== 4 || gids.length !== 4 || permitted === undefined || effective === undefined) return true;
  const differ = (list: string[]): boolean => list.some((id) => id !== list[0]);
  return permitted !== 0n || effective !== 0n || uids[1] === '0' || differ(uids) || differ(gids);
}

// Whether this process held privilege as capexec started, from one read of
// /proc/self/status: the addon check and the first look at the environment both ask
// before anything has changed, and a launch only gives privilege up after them.
let atStart: boolean | undefined;
export function startedPrivileged(): boolean {
  atStart ??= holdsPrivilege(readOwnStatus());
  return atStart;
}
