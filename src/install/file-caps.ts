import { capName } from '../capability-names';
import { capsIn, type CapMask } from '../capability-sets';
import { decodeFileCaps, fileCapsText } from '../diagnose/file-capabilities';

export const CAPABILITY_XATTR = 'security.capability';

const VFS_CAP_REVISION_2 = 0x02000000;

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

// Reading the attribute back catches a filesystem or security module that stored
// something else, or nothing, without failing setxattr().
export function fileCapsProblem(bytes: Buffer | undefined, permitted: CapMask): string | undefined {
  if (bytes === undefined) return 'the file has no capabilities after setting them';
  const caps = decodeFileCaps(bytes);
  if (caps === undefined) return `the file's ${CAPABILITY_XATTR} attribute is not one the kernel reads`;
  const wanted = permittedText(permitted);
  const wrong = caps.effective || caps.inheritable !== 0n || caps.permitted !== permitted || (caps.rootid ?? 0) !== 0;
  return wrong ? `the file has ${fileCapsText(caps)}, not ${wanted}` : undefined;
}

export function permittedText(permitted: CapMask): string {
  return `${capsIn(permitted).map(capName).join(',')}+p`;
}
