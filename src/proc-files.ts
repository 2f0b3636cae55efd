import { readFileSync } from 'node:fs';
import { MAX_CAP } from './capability-names';

// The highest capability the running kernel knows; older kernels lack newer caps.
export function readCapLastCap(): number {
  try {
    const value = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'latin1').trim());
    return Number.isInteger(value) && value >= 0 && value <= MAX_CAP ? value : MAX_CAP;
  } catch {
    return MAX_CAP;
  }
}
