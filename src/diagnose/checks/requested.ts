import { hasCap } from '../../caps/sets';
import type { Facts } from '../facts';
import { decodeFileCaps, grantedAtExec, rootidHonoured } from '../../caps/file-caps';

// The requested capabilities capexec does not hold. Whatever kept them from its
// permitted set acted at its own exec; when none is missing, those causes are moot.
export function missingFromPermitted(facts: Facts): number[] {
  return facts.requested.filter((cap) => !hasCap(facts.process.permitted, cap));
}

// Missing capabilities that capexec's own file capabilities do grant, as the kernel
// would read them here: something other than the attribute kept them away.
export function grantedYetMissing(facts: Facts): number[] {
  const { executable, process } = facts;
  if (!executable.standalone || 'errno' in executable.capability) return [];
  const caps = decodeFileCaps(executable.capability.bytes);
  if (caps === undefined || !rootidHonoured(caps, process.uidMap)) return [];
  const granted = grantedAtExec(caps, process.inheritable, process.bounding);
  return missingFromPermitted(facts).filter((cap) => hasCap(granted, cap));
}
