import type { Facts } from '../facts';
import { decodeFileCaps, rootidHonoured } from '../../caps/file-caps';
import { fileCapsRootid, type Finding } from '../findings';
import { missingFromPermitted } from './requested';

export function checkFileCapsRootid(facts: Facts): Finding[] {
  const missing = missingFromPermitted(facts);
  const read = facts.executable.capability;
  if (missing.length === 0 || !facts.executable.standalone) return [];
  // getxattr(2) fails with EOVERFLOW when the root uid has no mapping here at all.
  if ('errno' in read) return read.errno === 'EOVERFLOW' ? [fileCapsRootid(facts.executable.path, undefined, missing)] : [];
  const caps = decodeFileCaps(read.bytes);
  if (caps === undefined || rootidHonoured(caps, facts.process.uidMap)) return [];
  return [fileCapsRootid(facts.executable.path, caps, missing)];
}
