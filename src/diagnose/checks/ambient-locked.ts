import { isSecurebitLocked, isSecurebitSet } from '../../caps/securebits';
import type { Facts } from '../facts';
import { ambientLocked, type Finding } from '../findings';

export function checkAmbientLocked(facts: Facts): Finding[] {
  const bits = facts.process.securebits;
  if (!isSecurebitSet(bits, 'no_cap_ambient_raise')) return [];
  return [ambientLocked(bits, isSecurebitLocked(bits, 'no_cap_ambient_raise'))];
}
