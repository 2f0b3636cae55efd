import type { Facts } from '../facts';
import { ambientLocked, type Finding } from '../findings';

export const SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
export const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED = 1 << 7;

export function checkAmbientLocked(facts: Facts): Finding[] {
  const bits = facts.process.securebits;
  if ((bits & SECBIT_NO_CAP_AMBIENT_RAISE) === 0) return [];
  return [ambientLocked(bits, (bits & SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) !== 0)];
}
