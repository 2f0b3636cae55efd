import type { Facts } from '../facts';
import { policyDenied, type Finding } from '../findings';

// Capabilities that would reach the command are no use if /etc/capexec.conf refuses the
// launch before it: the policy decides after capexec has checked its own capabilities.
export function checkPolicyDenied(facts: Facts): Finding[] {
  const policy = facts.policy;
  if (policy === undefined || policy.kind === 'permit') return [];
  return [policyDenied(policy, facts.requested, facts.command?.path)];
}
