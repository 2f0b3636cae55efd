import { execa } from 'execa';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// `--json` for a launch: capexec's own errors as one JSON line, whoever runs it.
const capexec = (...args: string[]) => execa(join(ROOT, 'bin', 'capexec'), args, { reject: false });

interface Report {
  error: { code: string; what: string; why: string | null; fix: string | null; exit_code: number };
  findings: unknown[];
}

const reportOf = (stderr: unknown): Report => {
  assert.type(stderr, 'string');
  assert.not.match(String(stderr), /\n/);
  return JSON.parse(String(stderr)) as Report;
};

test('an unknown capability: the code, the prose and the fix as fields, exit 125', async () => {
  const result = await capexec('--json', '--cap', 'net_admn', '--', 'true');
  assert.is(result.exitCode, 125);
  assert.is(result.stdout, '');
  assert.equal(reportOf(result.stderr), {
    error: { code: 'unknown_capability', what: "unknown capability 'net_admn'", why: null, fix: 'did you mean net_admin?', exit_code: 125 },
    findings: [],
  });
});

test('usage errors are JSON too once --json is among the options', async () => {
  for (const args of [['--json', '--frobnicate', 'true'], ['--json', '--cap', 'net_admin'], ['--cap', 'net_admin,', '--json', 'true']]) {
    const result = await capexec(...args);
    assert.is(result.exitCode, 125, args.join(' '));
    assert.is(reportOf(result.stderr).error.code, 'usage', args.join(' '));
  }
});

test('--json after the command is the command\'s, and --doctor and --print keep their error lines', async () => {
  const command = await capexec('--cap', 'net_admn', '--', 'true', '--json');
  assert.match(String(command.stderr), /^capexec: unknown capability 'net_admn'/);
  const doctor = await capexec('--doctor', '--json', '--cap', 'net_admn');
  assert.is(doctor.exitCode, 125);
  assert.match(String(doctor.stderr), /^capexec: unknown capability 'net_admn'/);
  const install = await capexec('--install', '/x', '--cap', 'net_admin', '--json');
  assert.is(install.stderr, 'capexec: --json cannot be used with --install (see capexec --help)');
});

test.run();
