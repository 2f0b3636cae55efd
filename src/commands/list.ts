import { libc } from '../kernel/libc';
import { readCapLastCap } from '../kernel/proc';
import { currentCaller } from '../policy/caller';
import { loadPolicy, POLICY_PATH } from '../policy/load';
import { isFor } from '../policy/match';
import { report } from '../policy/messages';
import { ruleText } from '../policy/print';
import { policyRequired } from '../policy/required';
import { writeAll } from '../support/output';

// capexec --list (as sudo -l): the rules of the policy in force whose identity is the
// caller, by uid or by one of the groups the kernel holds for this process, in the
// file's order, each with its FILE:LINE. A policy a launch would refuse is refused here
// the same way, with the same line.
export function list(): number {
  const c = libc();
  const caller = currentCaller(c);
  const policy = loadPolicy(c, POLICY_PATH, readCapLastCap(), policyRequired());
  const lines = caller.uid === 0 ? [report.listRoot] : [];
  if (policy === undefined) {
    lines.push(report.noPolicy(POLICY_PATH, false));
  } else {
    const rules = policy.rules.filter((rule) => isFor(rule, caller));
    if (rules.length === 0) {
      if (caller.uid !== 0) lines.push(report.listNone(policy.path, caller.name));
    } else {
      lines.push(report.listHeader(policy.path, caller.name, caller.uid, caller.gids));
      for (const rule of rules) lines.push(report.listed(policy.path, rule.line, ruleText(rule)));
    }
  }
  writeAll(1, `${lines.join('\n')}\n`);
  return 0;
}
