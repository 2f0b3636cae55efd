import type { Facts } from '../facts';
import { traced, type Finding } from '../findings';
import { missingFromPermitted } from './requested';

// A traced exec keeps no more than it had unless the tracer itself holds
// CAP_SYS_PTRACE, so an unprivileged strace makes file capabilities vanish.
export function checkTraced(facts: Facts): Finding[] {
  const missing = missingFromPermitted(facts);
  if (missing.length === 0 || facts.process.tracerPid === 0) return [];
  return [traced(facts.process.tracerPid, missing)];
}
