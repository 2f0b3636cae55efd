import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { privileged, privilegedFixture, ROOT } from '../helpers/privileged';
import { nobodyShellLine, runAsNobody, runAsRoot } from '../helpers/run';

// The library as a Node program uses it, as nobody, on the system Node, with the
// setcap'd capexec it was started through or that it starts.
const library = suite('the library against the real kernel, as nobody');
const fixture = privilegedFixture(library, 'cap_net_bind_service,cap_net_admin+p', 'library');

const NET_BIND_SERVICE = 1n << 10n;
const NET_ADMIN = 1n << 12n;
const LIB = JSON.stringify(join(ROOT, 'build', 'src', 'index.js'));

// The machine's own node, not the Node 24 npm puts first in PATH for its scripts.
const systemNode = (): string => {
  const path = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');
  return execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: path }, encoding: 'utf8' }).trim();
};

const script = (name: string, text: string): string => {
  const file = join(fixture.scratch, name);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
};

// A server started as `capexec --cap net_bind_service -- node server.js`: it binds
// port 80, drops the capability and goes on serving.
const SERVER = `
const net = require('node:net');
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { capabilityState, drop } = require(${LIB});
const listen = (port) => new Promise((resolve) => {
  const server = net.createServer((socket) => socket.end('hello'));
  server.once('error', (error) => resolve({ error: error.code }));
  server.listen(port, '127.0.0.1', () => resolve({ server }));
});
const fetch = (port) => new Promise((resolve, reject) => {
  let data = '';
  net.connect(port, '127.0.0.1').on('data', (chunk) => { data += chunk; }).on('end', () => resolve(data)).on('error', reject);
});
const childStatus = () => spawnSync('cat', ['/proc/self/status'], { encoding: 'utf8' }).stdout;
(async () => {
  const before = capabilityState();
  const childBefore = childStatus();
  const first = await listen(80);
  const result = drop('net_bind_service');
  const served = await fetch(80);
  const other = await listen(81);
  await new Promise((resolve) => first.server.close(resolve));
  const again = await listen(80);
  const out = {
    before: before.effective, bound: first.server !== undefined, served, other: other.error, again: again.error,
    dropped: result.dropped, otherThreads: result.otherThreads, childBefore, childAfter: childStatus(),
    self: readFileSync('/proc/thread-self/status', 'latin1'),
  };
  process.stdout.write(JSON.stringify(out));
})();
`;

interface ServerReport {
  before: string[];
  bound: boolean;
  served: string;
  other: string | undefined;
  again: string | undefined;
  dropped: string[];
  otherThreads: { tid: number; effective: string[]; ambient: string[] }[];
  childBefore: string;
  childAfter: string;
  self: string;
}

privileged(library, 'a server binds :80, drops net_bind_service, keeps serving, and can bind no low port again', async () => {
  const server = script('server.js', SERVER);
  // A private network namespace: port 80 is this test's alone, and nothing outside sees it.
  const line = nobodyShellLine([fixture.installed.exe, '--cap', 'net_bind_service', '--', systemNode(), server]);
  const result = await runAsRoot('unshare', ['--net', '--', 'sh', '-c', `ip link set lo up && ${line}`]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const report = JSON.parse(String(result.stdout)) as ServerReport;
  assert.equal(report.before, ['cap_net_bind_service']);
  assert.ok(report.bound);
  assert.is(report.served, 'hello');
  assert.is(report.other, 'EACCES');
  assert.is(report.again, 'EACCES');
  assert.equal(report.dropped, ['cap_net_bind_service']);
  const self = statusFields(report.self);
  for (const set of ['CapEff', 'CapPrm', 'CapInh', 'CapAmb']) assert.is(capMaskField(self, set), 0n, `thread ${set}`);
  // A child spawned before the drop got it through the ambient set; one spawned after gets nothing.
  assert.is(capMaskField(statusFields(report.childBefore), 'CapAmb'), NET_BIND_SERVICE);
  const child = statusFields(report.childAfter);
  for (const set of ['CapEff', 'CapPrm', 'CapInh', 'CapAmb']) assert.is(capMaskField(child, set), 0n, `child ${set}`);
  // capset() changed the calling thread only: Node's other threads still hold it, and drop() says so.
  assert.ok(report.otherThreads.length > 0);
  for (const thread of report.otherThreads) assert.ok(thread.ambient.includes('cap_net_bind_service'), String(thread.tid));
});

// run() from a program as nobody: what it passes, and how capexec's own failures reach it.
const RUN = `
const lib = require(${LIB});
const capexec = process.argv[2];
const described = (error) => ({
  run: error instanceof lib.RunError, base: error instanceof lib.CapexecError, name: error.name,
  code: error.code, exitCode: error.exitCode, findings: error.findings,
});
const outcome = (promise) => promise.then((result) => ({ resolved: result.exitCode, stdout: result.stdout }), described);
(async () => {
  const out = {
    passed: await outcome(lib.run(['net_admin'], 'cat', ['/proc/self/status'], { capexec })),
    refused: await outcome(lib.run(['net_admin', 'net_raw'], 'true', [], { capexec })),
    refusedUnrejected: await outcome(lib.run('net_raw', 'true', [], { capexec, reject: false })),
    missing: await outcome(lib.run('net_admin', 'capexec-test-no-such-command', [], { capexec })),
    own125: await outcome(lib.run('net_admin', 'sh', ['-c', 'echo "capexec: not really" >&2; exit 125'], { capexec })),
    own127: await outcome(lib.run('net_admin', 'sh', ['-c', 'exit 127'], { capexec, reject: false })),
  };
  process.env.PATH = require('node:path').dirname(capexec) + ':' + process.env.PATH;
  out.onPath = await outcome(lib.run('net_admin', 'sh', ['-c', 'grep CapAmb /proc/self/status']));
  process.stdout.write(JSON.stringify(out));
})();
`;

interface Outcome {
  resolved?: number;
  stdout?: string;
  run?: boolean;
  base?: boolean;
  name?: string;
  code?: string;
  exitCode?: number;
  findings?: { id: string; severity: string; message: string; fix: string }[];
}

privileged(library, 'run() passes net_admin, and reports capexec\'s own failures as typed errors with findings', async () => {
  const result = await runAsNobody([systemNode(), script('run.js', RUN), fixture.installed.exe]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const out = JSON.parse(String(result.stdout)) as Record<string, Outcome>;

  assert.is(out['passed']?.resolved, 0);
  const status = statusFields(out['passed']?.stdout ?? '');
  for (const set of ['CapAmb', 'CapPrm', 'CapEff']) assert.is(capMaskField(status, set), NET_ADMIN, set);

  for (const key of ['refused', 'refusedUnrejected']) {
    const refused = out[key];
    assert.ok(refused?.run && refused.base, key);
    assert.is(refused?.code, 'caps_not_permitted');
    assert.is(refused?.exitCode, 125);
    const finding = refused?.findings?.find((item) => item.id === 'no_file_caps');
    assert.ok(finding, JSON.stringify(refused?.findings));
    assert.is(finding?.severity, 'error');
    assert.match(finding?.message ?? '', /cap_net_raw/);
    assert.equal(Object.keys(finding ?? {}).sort(), ['fix', 'id', 'message', 'severity']);
  }

  assert.equal({ run: out['missing']?.run, code: out['missing']?.code, exitCode: out['missing']?.exitCode }, { run: true, code: 'command_not_found', exitCode: 127 });
  // The command's own 125 and 127 are the command's: execa's error, or its result.
  assert.equal({ run: out['own125']?.run, name: out['own125']?.name, exitCode: out['own125']?.exitCode }, { run: false, name: 'ExecaError', exitCode: 125 });
  assert.is(out['own127']?.resolved, 127);

  assert.is(out['onPath']?.resolved, 0);
  assert.is(capMaskField(statusFields(out['onPath']?.stdout ?? ''), 'CapAmb'), NET_ADMIN);
});

privileged(library, 'a launch with --json is byte for byte the launch without it', async () => {
  const command = ['sh', '-c', 'printf "out\\n\\001"; printf "err\\n" >&2; exit 3'];
  const plain = await runAsNobody([fixture.installed.exe, '--cap', 'net_admin', '--', ...command], { stripFinalNewline: false, encoding: 'buffer' });
  const json = await runAsNobody([fixture.installed.exe, '--json', '--cap', 'net_admin', '--', ...command], { stripFinalNewline: false, encoding: 'buffer' });
  assert.is(plain.exitCode, 3);
  assert.is(json.exitCode, 3);
  assert.equal(Buffer.from(json.stdout as Uint8Array), Buffer.from(plain.stdout as Uint8Array));
  assert.equal(Buffer.from(json.stderr as Uint8Array), Buffer.from('err\n'));
});

privileged(library, 'with --json a refused launch writes one JSON line with its findings, and runs nothing', async () => {
  const marker = join(fixture.scratch, 'ran');
  const result = await runAsNobody([fixture.installed.exe, '--json', '--cap', 'net_raw', '--', 'sh', '-c', `: > ${marker}`]);
  assert.is(result.exitCode, 125);
  assert.is(result.stdout, '');
  const lines = String(result.stderr).split('\n');
  assert.is(lines.length, 1);
  const report = JSON.parse(lines[0] ?? '') as { error: { code: string; exit_code: number }; findings: { id: string }[] };
  assert.is(report.error.code, 'caps_not_permitted');
  assert.is(report.error.exit_code, 125);
  assert.ok(report.findings.some((finding) => finding.id === 'no_file_caps'));
  const missing = await runAsNobody([fixture.installed.exe, '--json', '--cap', 'net_admin', '--', 'capexec-test-no-such-command']);
  assert.is(missing.exitCode, 127);
  assert.is((JSON.parse(String(missing.stderr)) as { error: { code: string; exit_code: number } }).error.exit_code, 127);
});

library.run();
