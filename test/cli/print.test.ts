import { execa } from 'execa';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// Black-box runs of --print and --doctor through bin/capexec on the system Node. What
// they report depends on who runs them; their shape and exit statuses do not.
const capexec = (...args: string[]) => execa(join(ROOT, 'bin', 'capexec'), args, { reject: false });

test('--print --json: one JSON line with every documented key, exit 0', async () => {
  const result = await capexec('--print', '--json');
  assert.is(result.exitCode, 0);
  assert.is(result.stderr, '');
  assert.is(result.stdout.split('\n').length, 1);
  const state = JSON.parse(result.stdout) as Record<string, unknown>;
  for (const key of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding', 'securebits', 'no_new_privs', 'traced', 'uid', 'gid', 'secure_exec']) {
    assert.ok(key in state, key);
  }
  assert.ok((state['bounding'] as string[]).every((name) => /^cap_[a-z_0-9]+$/.test(name)));
  assert.is(state['uid'], process.getuid?.());
  // Node is not a set-user-ID or file-capability program.
  assert.is(state['secure_exec'], false);
});

test('--print: the human form', async () => {
  const result = await capexec('--print');
  assert.is(result.exitCode, 0);
  assert.match(result.stdout, /^Effective: /);
  assert.match(result.stdout, /^Bounding: /m);
  assert.match(result.stdout, /^Securebits: +0x[0-9a-f]+$/m);
});

test('--doctor --json: its exit status is its verdict', async () => {
  const result = await capexec('--doctor', '--json', '--cap', 'net_admin', '--', 'true');
  const report = JSON.parse(result.stdout) as { ok: boolean; findings: { id: string }[] };
  assert.equal(Object.keys(report), ['ok', 'findings']);
  assert.is(result.exitCode, report.ok ? 0 : 1);
  assert.is(result.stderr, '');
});

test('--doctor: bad input is capexec\'s own error, not a verdict', async () => {
  const unknown = await capexec('--doctor', '--cap', 'net_admn');
  assert.is(unknown.exitCode, 125);
  assert.is(unknown.stderr, "capexec: unknown capability 'net_admn' (did you mean net_admin?)");
  const missing = await capexec('--doctor', '--cap', 'net_admin', '--', 'no-such-command-here');
  assert.is(missing.exitCode, 127);
  assert.is(missing.stdout, '');
  const noFile = await capexec('--doctor', '--cap', 'net_admin', '--', '/no/such/file');
  assert.is(noFile.exitCode, 127);
  assert.is(noFile.stderr, 'capexec: /no/such/file: No such file or directory');
  const directory = await capexec('--doctor', '--cap', 'net_admin', '--', '/etc');
  assert.is(directory.exitCode, 126);
  assert.is(directory.stdout, '');
  const noCaps = await capexec('--doctor');
  assert.is(noCaps.exitCode, 125);
});

test.run();
