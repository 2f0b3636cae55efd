import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHECKS, diagnose } from '../../../src/diagnose/diagnose';
import { FINDING_IDS, noFileCaps, nosuid, targetCancelsAmbient, wrongCap } from '../../../src/diagnose/findings';
import { findingLine } from '../../../src/support/messages';
import { doctorJson, doctorText } from '../../../src/commands/doctor';
import { bit, command, facts, mount, NET_ADMIN, NET_RAW } from '../../fixtures/facts';

const HOSTILE = Buffer.concat([Buffer.from('/tmp/\x1b]0;owned\x07/'), Buffer.from([0xff]), Buffer.from('\ncapexec')]);

test('the thirteen finding ids, exactly as documented', () => {
  assert.equal([...FINDING_IDS], [
    'nosuid', 'traced', 'no_new_privs', 'no_file_caps', 'file_caps_rootid', 'bounding', 'ambient_locked',
    'no_ambient_support', 'target_cancels_ambient', 'tun_permission', 'wrong_cap', 'user_namespace', 'policy_denied',
  ]);
  assert.is(CHECKS.length, FINDING_IDS.length);
});

test('paths, mount points and command names reach messages escaped', () => {
  const messages = [
    nosuid(HOSTILE, mount({ mountPoint: '/mnt/\x1b[2J', options: ['nosuid'] }), [NET_ADMIN]),
    noFileCaps(HOSTILE, { kind: 'none' }, [NET_ADMIN]),
    targetCancelsAmbient(HOSTILE, [{ kind: 'setgid', gid: 5 }], [NET_ADMIN], { permitted: 0n, effective: 0n }),
    wrongCap(HOSTILE, NET_RAW, 'sends ICMP echo requests through a raw socket'),
  ].flatMap((finding) => [finding.message, finding.fix]);
  for (const text of messages) {
    assert.not.match(text, /[\x00-\x1f\x7f-\xff]/);
  }
  assert.match(messages[0] ?? '', /\/tmp\/\\x1b\]0;owned\\x07\/\\xff\\x0acapexec is on \/mnt\/\\x1b\[2J/);
});

test('one line per finding: severity, id, message, fix', () => {
  const line = findingLine(wrongCap(Buffer.from('/bin/ping'), NET_RAW, 'sends ICMP echo requests through a raw socket'));
  assert.is(line, 'warning wrong_cap: /bin/ping sends ICMP echo requests through a raw socket, but cap_net_raw was not requested (add --cap net_raw)');
  for (const finding of diagnose(facts({ process: { permitted: 0n, tracerPid: 9 }, executable: { capability: { errno: 'ENODATA' } } })).findings) {
    assert.not.match(findingLine(finding), /\n/);
  }
});

test('--doctor --json: ok and the findings, with exactly their four keys', () => {
  const diagnosis = diagnose(facts({ process: { permitted: 0n }, executable: { capability: { errno: 'ENODATA' } } }));
  const parsed = JSON.parse(doctorJson(diagnosis)) as { ok: boolean; findings: Record<string, string>[] };
  assert.equal(Object.keys(parsed), ['ok', 'findings']);
  assert.is(parsed.ok, false);
  assert.equal(parsed.findings.map((finding) => Object.keys(finding)), [['id', 'severity', 'message', 'fix']]);
  assert.is(parsed.findings[0]?.id, 'no_file_caps');
  assert.equal(JSON.parse(doctorJson(diagnose(facts()))), { ok: true, findings: [] });
});

test('--doctor: a verdict line, then each finding indented', () => {
  const tunctl = command('/usr/bin/tunctl');
  assert.is(doctorText(diagnose(facts({ tun: { access: { ok: true } } })), [NET_ADMIN], undefined), 'capexec: cap_net_admin would reach a command\n');
  const warned = doctorText(diagnose(facts({ command: tunctl })), [NET_ADMIN], tunctl.path).split('\n');
  assert.is(warned[0], 'capexec: cap_net_admin would reach /usr/bin/tunctl');
  assert.match(warned[1] ?? '', /^  warning tun_permission: /);
  const missing = diagnose(facts({ requested: [NET_ADMIN, NET_RAW], process: { permitted: bit(NET_ADMIN) } }));
  assert.match(doctorText(missing, [NET_ADMIN, NET_RAW], undefined), /^capexec: cap_net_admin, cap_net_raw would not reach a command: capexec does not hold cap_net_raw\n  error no_file_caps: /);
});

test.run();
