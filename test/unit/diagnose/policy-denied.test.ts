import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicyDenied } from '../../../src/diagnose/checks/policy-denied';
import { diagnose } from '../../../src/diagnose/diagnose';
import { findingLine } from '../../../src/support/messages';
import { command, facts, NET_ADMIN } from '../../fixtures/facts';

const tunctl = command('/usr/bin/tunctl');

test('no policy, or one that permits: nothing to say', () => {
  assert.equal(checkPolicyDenied(facts({ command: tunctl })), []);
  assert.equal(checkPolicyDenied(facts({ command: tunctl, policy: { kind: 'permit', path: '/etc/capexec.conf', line: 3 } })), []);
});

test('a denial names the deciding rule, the closest permit rule and what differs, as a refused launch does', () => {
  const denied = facts({
    command: tunctl,
    policy: { kind: 'deny', path: '/etc/capexec.conf', user: 'alice', line: undefined, closest: { line: 4, differences: ['it is for group netadmins', 'it does not permit cap_net_raw'] } },
  });
  const findings = checkPolicyDenied(denied);
  assert.equal(findings.map(findingLine), [
    'error policy_denied: alice may not pass cap_net_admin to /usr/bin/tunctl: no rule in /etc/capexec.conf permits it; the closest rule, /etc/capexec.conf:4, does not fit: it is for group netadmins; it does not permit cap_net_raw (ask the administrator for a rule; capexec --list shows the rules that apply to you)',
  ]);
  // An error: the capabilities would reach the command, and the launch is refused all the same.
  assert.is(diagnose(denied).ok, false);
  const byDeny = checkPolicyDenied(facts({ requested: [NET_ADMIN], command: tunctl, policy: { kind: 'deny', path: '/etc/capexec.conf', user: 'alice', line: 7, closest: undefined } }));
  assert.match(byDeny[0]?.message ?? '', /: \/etc\/capexec\.conf:7 denies it; \/etc\/capexec\.conf has no permit rule$/);
});

test('a policy a launch cannot use refuses every launch, with its own fix', () => {
  const [finding] = checkPolicyDenied(facts({ command: tunctl, policy: { kind: 'unusable', what: '/etc/capexec.conf:2:8: no user \'bob\'', fix: 'check the name, or give a uid; capexec --check lists every problem' } }));
  assert.is(finding?.message, "/etc/capexec.conf:2:8: no user 'bob', so every launch by a user other than root is refused");
  assert.is(finding?.fix, 'check the name, or give a uid; capexec --check lists every problem');
});

// NSS down: the caller's launch stops before the policy decides, which --doctor says
// among its other findings rather than in place of them.
test('a caller NSS cannot look up is a finding of its own', () => {
  const [finding] = checkPolicyDenied(facts({ command: tunctl, policy: { kind: 'unanswered', what: 'cannot look up uid 1000, who runs capexec: getpwuid_r: Input/output error', fix: 'check that the user database answers: getent passwd 1000' } }));
  assert.is(finding?.message, 'cannot look up uid 1000, who runs capexec: getpwuid_r: Input/output error, so the launch is refused before the policy decides');
  assert.is(finding?.severity, 'error');
});

test.run();
