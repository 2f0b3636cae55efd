import type { Facts } from '../facts';
import { noNewPrivs, type Finding } from '../findings';
import { grantedYetMissing } from './requested';

// The kernel's no_new_privs documentation says file capabilities add nothing at exec
// once it is set, but not every kernel does so (Linux 6.18 still grants them), so
// no_new_privs is blamed only when the file grants a capability that is still missing.
export function checkNoNewPrivs(facts: Facts): Finding[] {
  if (!facts.process.noNewPrivs) return [];
  const missing = grantedYetMissing(facts);
  return missing.length === 0 ? [] : [noNewPrivs(missing)];
}
