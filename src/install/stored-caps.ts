import { capsArgument } from '../caps/names';
import { capsIn, type CapMask } from '../caps/sets';
import { decodeFileCaps, fileCapsText } from '../caps/file-caps';
import { CAPABILITY_XATTR } from '../kernel/constants';

// Reading the attribute back catches a filesystem or security module that stored
// something else, or nothing, without failing setxattr().
export function storedCapsMismatch(bytes: Buffer | undefined, permitted: CapMask): string | undefined {
  if (bytes === undefined) return 'the file has no capabilities after setting them';
  const caps = decodeFileCaps(bytes);
  if (caps === undefined) return `the file's ${CAPABILITY_XATTR} attribute is not one the kernel reads`;
  const wanted = permittedText(permitted);
  const wrong = caps.effective || caps.inheritable !== 0n || caps.permitted !== permitted || (caps.rootid ?? 0) !== 0;
  return wrong ? `the file has ${fileCapsText(caps)}, not ${wanted}` : undefined;
}

export function permittedText(permitted: CapMask): string {
  return `${capsArgument(capsIn(permitted))}+p`;
}
