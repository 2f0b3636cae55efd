import { hasCap } from '../../caps/sets';
import type { Facts } from '../facts';
import { bounding, type Finding } from '../findings';

// capset(2) adds a capability to the inheritable set only if it is in the bounding set
// (or inheritable already), and the ambient set needs it inheritable.
export function checkBounding(facts: Facts): Finding[] {
  const { bounding: set, inheritable } = facts.process;
  const dropped = facts.requested.filter((cap) => !hasCap(set, cap) && !hasCap(inheritable, cap));
  return dropped.length === 0 ? [] : [bounding(dropped)];
}
