import { hasCap } from '../../caps/sets';
import type { Facts } from '../facts';
import { decodeFileCaps, grantedAtExec } from '../../caps/file-caps';
import { noFileCaps, type FileCapsProblem, type Finding } from '../findings';
import { missingFromPermitted } from './requested';

export function checkNoFileCaps(facts: Facts): Finding[] {
  const missing = missingFromPermitted(facts);
  if (missing.length === 0) return [];
  const problem = whyNotGranted(facts, missing);
  return problem === undefined ? [] : [noFileCaps(facts.executable.path, problem, missing, facts.executable.installation)];
}

function whyNotGranted(facts: Facts, missing: readonly number[]): FileCapsProblem | undefined {
  const { executable, process } = facts;
  if (!executable.standalone) return { kind: 'not-standalone' };
  const read = executable.capability;
  if ('errno' in read) {
    if (read.errno === 'ENODATA') return { kind: 'none' };
    // EOVERFLOW: the attribute exists but belongs to another namespace's root; that
    // is file_caps_rootid's finding, not a missing attribute.
    return read.errno === 'EOVERFLOW' ? undefined : { kind: 'unreadable', errno: read.errno };
  }
  const caps = decodeFileCaps(read.bytes);
  if (caps === undefined) return { kind: 'malformed', size: read.bytes.length };
  // The file grants a cap if the kernel would compute it into the permitted set; the
  // bounding set's part of that is the bounding check's to report.
  const granted = grantedAtExec(caps, process.inheritable, ~0n);
  return missing.some((cap) => !hasCap(granted, cap)) ? { kind: 'lacking', caps } : undefined;
}
