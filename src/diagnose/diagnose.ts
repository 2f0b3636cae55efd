import { checkAmbientLocked } from './checks/ambient-locked';
import { checkBounding } from './checks/bounding';
import { checkFileCapsRootid } from './checks/file-caps-rootid';
import { checkNoAmbientSupport } from './checks/no-ambient-support';
import { checkNoFileCaps } from './checks/no-file-caps';
import { checkNoNewPrivs } from './checks/no-new-privs';
import { checkNosuid } from './checks/nosuid';
import { checkPolicyDenied } from './checks/policy-denied';
import { missingFromPermitted } from './checks/requested';
import { checkTargetCancelsAmbient } from './checks/target-cancels-ambient';
import { checkTraced } from './checks/traced';
import { checkTunPermission } from './checks/tun-permission';
import { checkUserNamespace } from './checks/user-namespace';
import { checkWrongCap } from './checks/wrong-cap';
import type { Facts } from './facts';
import type { Finding } from './findings';

export type Check = (facts: Facts) => Finding[];

// In the order a reader should fix them: how capexec got its capabilities, whether it
// can pass them on, then what happens to them in the command, and last whether the
// policy lets the launch go ahead at all.
export const CHECKS: readonly Check[] = [
  checkNosuid, checkTraced, checkNoNewPrivs, checkNoFileCaps, checkFileCapsRootid, checkBounding,
  checkAmbientLocked, checkNoAmbientSupport, checkTargetCancelsAmbient, checkTunPermission,
  checkWrongCap, checkUserNamespace, checkPolicyDenied,
];

export interface Diagnosis {
  // Whether the requested capabilities would reach the command.
  ok: boolean;
  // Requested capabilities capexec itself does not hold.
  missing: number[];
  findings: Finding[];
}

export function diagnose(facts: Facts, checks: readonly Check[] = CHECKS): Diagnosis {
  const findings = checks.flatMap((check) => check(facts));
  const missing = missingFromPermitted(facts);
  // A missing capability fails the launch even when no check can say why.
  const ok = missing.length === 0 && !findings.some((finding) => finding.severity === 'error');
  return { ok, missing, findings };
}
