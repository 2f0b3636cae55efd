import { VFS_CAP_FLAGS_EFFECTIVE, VFS_CAP_REVISION_1, VFS_CAP_REVISION_2, VFS_CAP_REVISION_3, VFS_CAP_REVISION_MASK } from '../kernel/constants';
import { capName } from './names';
import { capsIn, hasCap, type CapMask } from './sets';
import type { UidMapEntry } from '../kernel/proc-parse';
import { isInitialUidMap } from '../kernel/proc-parse';

// struct vfs_cap_data / vfs_ns_cap_data from <linux/capability.h>, all little-endian:
// magic_etc (revision in the top byte, bit 0 = effective), then permitted/inheritable
// word pairs (one pair in revision 1, two from revision 2), then in revision 3 the
// root uid the capabilities belong to.

const SIZES: Record<number, number> = { [VFS_CAP_REVISION_1]: 12, [VFS_CAP_REVISION_2]: 20, [VFS_CAP_REVISION_3]: 24 };

export interface FileCaps {
  version: 1 | 2 | 3;
  effective: boolean;
  permitted: CapMask;
  inheritable: CapMask;
  // Revision 3 only: whose root the capabilities are for, as seen from this namespace.
  rootid: number | undefined;
}

export function decodeFileCaps(bytes: Buffer): FileCaps | undefined {
  if (bytes.length < 4) return undefined;
  const magic = bytes.readUInt32LE(0);
  const revision = (magic & VFS_CAP_REVISION_MASK) >>> 0;
  if (SIZES[revision] !== bytes.length) return undefined;
  const word = (index: number): CapMask => BigInt(bytes.readUInt32LE(4 + index * 4));
  const twoWords = revision !== VFS_CAP_REVISION_1;
  return {
    version: (revision >>> 24) as 1 | 2 | 3,
    effective: (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0,
    permitted: word(0) | (twoWords ? word(2) << 32n : 0n),
    inheritable: word(1) | (twoWords ? word(3) << 32n : 0n),
    rootid: revision === VFS_CAP_REVISION_3 ? bytes.readUInt32LE(20) : undefined,
  };
}

// The kernel honours namespaced file capabilities only when their root uid is root in
// this user namespace or an ancestor (commoncap.c, rootid_owns_currentns). getxattr(2)
// already returns them as revision 2 when the root uid is root here; what remains
// visible is one level up, through this namespace's uid_map.
export function rootidHonoured(caps: FileCaps, uidMap: readonly UidMapEntry[]): boolean {
  if (caps.rootid === undefined || caps.rootid === 0) return true;
  if (isInitialUidMap(uidMap)) return false;
  const rootid = caps.rootid;
  const entry = uidMap.find((range) => rootid >= range.inside && rootid - range.inside < range.count);
  return entry !== undefined && entry.outside + (rootid - entry.inside) === 0;
}

// What the kernel puts in the permitted set at exec from these file capabilities:
// (pI & fI) | (fP & bounding), capabilities(7).
export function grantedAtExec(caps: FileCaps, inheritable: CapMask, bounding: CapMask): CapMask {
  return (inheritable & caps.inheritable) | (caps.permitted & bounding);
}

// The text form getcap(8) prints, e.g. "cap_net_admin,cap_net_raw+ep cap_sys_time+i".
export function fileCapsText(caps: FileCaps): string {
  const groups = new Map<string, string[]>();
  for (const cap of capsIn(caps.permitted | caps.inheritable)) {
    const flags = `${caps.effective ? 'e' : ''}${hasCap(caps.inheritable, cap) ? 'i' : ''}${hasCap(caps.permitted, cap) ? 'p' : ''}`;
    groups.set(flags, [...(groups.get(flags) ?? []), capName(cap)]);
  }
  const text = [...groups].map(([flags, names]) => `${names.join(',')}+${flags}`).join(' ');
  return text === '' ? '(none)' : text;
}

// struct vfs_cap_data, revision 2, as setcap(8) writes it for "CAPS+p": the permitted
// bits only. No effective flag: a file whose effective bit names a capability missing
// from the bounding set fails execve() with EPERM before capexec can explain anything,
// and capexec never needs its capabilities effective. No inheritable bits either.
export function encodePermittedOnly(permitted: CapMask): Buffer {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32LE(VFS_CAP_REVISION_2, 0);
  bytes.writeUInt32LE(Number(permitted & 0xffffffffn), 4);
  bytes.writeUInt32LE(Number(permitted >> 32n), 12);
  return bytes;
}
