import type { Facts } from '../facts';
import { nosuid, type Finding } from '../findings';
import { missingFromPermitted } from './requested';

// The kernel skips file capabilities of a program on a nosuid mount (get_file_caps).
export function checkNosuid(facts: Facts): Finding[] {
  const missing = missingFromPermitted(facts);
  const mount = facts.executable.mount;
  if (missing.length === 0 || mount === undefined || !mount.options.includes('nosuid')) return [];
  return [nosuid(facts.executable.path, mount, missing)];
}
