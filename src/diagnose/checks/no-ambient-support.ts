import type { Facts } from '../facts';
import { noAmbientSupport, type Finding } from '../findings';

// Before Linux 4.3, prctl() rejects the unknown option PR_CAP_AMBIENT with EINVAL.
export function checkNoAmbientSupport(facts: Facts): Finding[] {
  const probe = facts.process.ambientProbe;
  return !probe.ok && probe.errno === 'EINVAL' ? [noAmbientSupport(probe.errno)] : [];
}
