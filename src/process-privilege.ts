import { readFileSync } from 'node:fs';

// Read with Node's fs rather than through koffi: it decides whether koffi's addon may
// be loaded at all.
export function readOwnStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'latin1');
  } catch {
    return '';
  }
}

// Privileged means anything an unprivileged user could not do alone: capabilities in
// the permitted or effective set, effective uid 0, or ids that differ as after a
// set-user-ID exec. An unreadable status counts as privileged.
export function holdsPrivilege(status: string): boolean {
  const field = (name: string): string[] | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim().split(/\s+/);
  const uids = field('Uid');
  const gids = field('Gid');
  const permitted = field('CapPrm')?.[0];
  const effective = field('CapEff')?.[0];
  if (uids?.length !== 4 || gids?.length !== 4 || permitted === undefined || effective === undefined) return true;
  if (!/^[0-9a-f]+$/.test(permitted) || !/^[0-9a-f]+$/.test(effective)) return true;
  const differ = (ids: string[]): boolean => ids.some((id) => id !== ids[0]);
  return BigInt(`0x${permitted}`) !== 0n || BigInt(`0x${effective}`) !== 0n || uids[1] === '0' || differ(uids) || differ(gids);
}
