import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { installCopy, privileged, privilegedFixture } from '../helpers/privileged';
import { runAsNobody } from '../helpers/run';

// What a launch does agrees with what --doctor says, on the real kernel: each case is
// run both ways, as nobody through a setcap'd copy, and judged from the command's side.
const NET_ADMIN = 1n << 12n;

const truth = suite('a launch never runs a command that will not get its capabilities');
const fixture = privilegedFixture(truth, 'cap_net_admin,cap_net_raw+p', 'truth');
const capexec = (...args: string[]): string[] => [fixture.installed.exe, ...args];

async function doctorJson(...args: string[]): Promise<{ status: number | undefined; report: { ok: boolean; findings: { id: string; severity: string }[] } }> {
  const result = await runAsNobody(capexec('--doctor', '--json', ...args));
  return { status: result.exitCode, report: JSON.parse(String(result.stdout)) as { ok: boolean; findings: { id: string; severity: string }[] } };
}

privileged(truth, 'Debian\'s ping (cap_net_raw=ep) asked for net_admin: --doctor says error, the launch refuses and ping never runs', async () => {
  const ping = join(fixture.scratch, 'ping');
  copyFileSync('/usr/bin/ping', ping);
  chmodSync(ping, 0o755);
  execFileSync('setcap', ['cap_net_raw=ep', ping]);
  const { status, report } = await doctorJson('--cap', 'net_admin', '--', ping, '-c1', '127.0.0.1');
  assert.is(status, 1);
  assert.equal(report.findings.map((finding) => [finding.id, finding.severity]), [['target_cancels_ambient', 'error'], ['wrong_cap', 'warning']]);
  // strace is not an option (ptrace drops file caps); -V prints and exits 0 if ping ran.
  const launched = await runAsNobody(capexec('--cap', 'net_admin', '--', ping, '-V'));
  assert.is(launched.exitCode, 125);
  assert.is(launched.stdout, '');
  assert.match(String(launched.stderr), /^capexec: cannot pass cap_net_admin to .*\/ping: the kernel would not give them to it\n  error target_cancels_ambient: /);
});

privileged(truth, 'a target with inheritable-only file caps starts without them effective: both say error', async () => {
  const cat = join(fixture.scratch, 'cat-plus-i');
  copyFileSync('/bin/cat', cat);
  chmodSync(cat, 0o755);
  execFileSync('setcap', ['cap_net_admin+i', cat]);
  const { status, report } = await doctorJson('--cap', 'net_admin', '--', cat);
  assert.is(status, 1);
  assert.is(report.ok, false);
  const launched = await runAsNobody(capexec('--cap', 'net_admin', '--', cat, '/proc/self/status'));
  assert.is(launched.exitCode, 125);
  assert.is(launched.stdout, '');
  // What the kernel would have given it, run directly with the cap inheritable: the
  // finding describes the real outcome.
  const direct = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+net_admin', '--', cat, '/proc/self/status'], { encoding: 'utf8' });
  const fields = statusFields(direct);
  assert.is(capMaskField(fields, 'CapPrm') & NET_ADMIN, NET_ADMIN);
  assert.is(capMaskField(fields, 'CapEff') & NET_ADMIN, 0n);
});

privileged(truth, 'a symbolic-link loop: one answer, 126 ELOOP, from --doctor and the launch', async () => {
  const a = join(fixture.scratch, 'loop-a');
  symlinkSync(join(fixture.scratch, 'loop-b'), a);
  symlinkSync(a, join(fixture.scratch, 'loop-b'));
  const doctor = await runAsNobody(capexec('--doctor', '--cap', 'net_admin', '--', a));
  const launched = await runAsNobody(capexec('--cap', 'net_admin', '--', a));
  assert.is(doctor.exitCode, 126);
  assert.is(launched.exitCode, 126);
  assert.is(doctor.stderr, `capexec: ${a}: Too many levels of symbolic links`);
  assert.is(launched.stderr, doctor.stderr);
});

privileged(truth, '--doctor --json prints JSON for a missing or unrunnable command, and keeps 127 and 126', async () => {
  const missing = await runAsNobody(capexec('--doctor', '--json', '--cap', 'net_admin', '--', join(fixture.scratch, 'nope')));
  assert.is(missing.exitCode, 127);
  const report = JSON.parse(String(missing.stdout)) as { ok: boolean; findings: { id: string; severity: string }[] };
  assert.is(report.ok, false);
  assert.equal(report.findings.map((finding) => [finding.id, finding.severity]), [['command_not_found', 'error']]);
  const plain = join(fixture.scratch, 'plain');
  writeFileSync(plain, 'x', { mode: 0o644 });
  const unrunnable = await runAsNobody(capexec('--doctor', '--json', '--cap', 'net_admin', '--', plain));
  assert.is(unrunnable.exitCode, 126);
  assert.is((JSON.parse(String(unrunnable.stdout)) as { findings: { id: string }[] }).findings[0]?.id, 'command_not_runnable');
});

privileged(truth, 'a #! script runs through the opened fd and gets the capability', async () => {
  const script = join(fixture.scratch, 'script');
  writeFileSync(script, '#!/bin/sh\nexec cat /proc/self/status\n', { mode: 0o755 });
  const launched = await runAsNobody(capexec('--cap', 'net_admin', '--', script));
  assert.is(launched.exitCode, 0, String(launched.stderr));
  assert.is(capMaskField(statusFields(String(launched.stdout)), 'CapAmb'), NET_ADMIN);
});

privileged(truth, 'an ordinary command gets no fd of capexec\'s: the opened file is closed at exec', async () => {
  const launched = await runAsNobody(capexec('--cap', 'net_admin', '--', 'ls', '/proc/self/fd'));
  assert.is(launched.exitCode, 0, String(launched.stderr));
  // ls's own directory fd is the only one above stdio.
  assert.equal(String(launched.stdout).split('\n').map(Number).filter((fd) => fd > 2).length, 1);
});

privileged(truth, 'the seed\'s tunctl asked for net_raw: --doctor names the capability TUNSETIFF needs', async () => {
  const { status, report } = await doctorJson('--cap', 'net_raw', '--', 'tunctl', '-t', 'tap9');
  assert.is(status, 0);
  assert.ok(report.findings.some((finding) => finding.id === 'wrong_cap'), JSON.stringify(report));
  assert.not.ok(existsSync('/sys/class/net/tap9'));
});

privileged(truth, 'inside a user namespace the addon refusal names the namespace, and suggests no chown', async () => {
  const result = await runAsNobody(['unshare', '--user', '--map-root-user', ...capexec('--cap', 'net_admin', '--', 'true')]);
  assert.is(result.exitCode, 125);
  assert.match(String(result.stderr), /^capexec: refusing to load .*koffi\.node: capexec runs in a user namespace other than the initial one, where \/ is owned by uid 65534, not root \(run capexec in the initial user namespace/);
  assert.not.match(String(result.stderr), /chown|chmod/);
});

privileged(truth, 'a copy without koffi.node beside it says where the addon must be', async () => {
  const copy = installCopy(undefined);
  try {
    rmSync(join(copy.dir, 'koffi.node'));
    const result = await runAsNobody([copy.exe, '--cap', 'net_admin', '--', 'true']);
    assert.is(result.exitCode, 125);
    assert.is(result.stderr, `capexec: cannot load ${copy.dir}/koffi.node: cannot open shared object file: No such file or directory (capexec needs the koffi.node it was built with beside it: copy dist/koffi.node from the build next to ${copy.exe}, or install with capexec --install PREFIX)`);
  } finally {
    copy.remove();
  }
});

truth.run();
