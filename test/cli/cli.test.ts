import { execa } from 'execa';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HELP, VERSION } from '../../src/cli/help';
import { ROOT } from '../helpers/privileged';

// Black-box runs of bin/capexec on the system Node: what a user types, what they see.
// npm puts node_modules/.bin first in PATH for its scripts, and there `node` is the
// pinned Node 24 the standalone executable is built from; bin/capexec must work on the
// machine's own.
const systemPath = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');
const capexec = (...args: string[]) =>
  execa(join(ROOT, 'bin', 'capexec'), args, { reject: false, env: { PATH: systemPath }, extendEnv: false });

test('--help prints the usage on stdout and exits 0', async () => {
  const result = await capexec('--help');
  assert.is(result.exitCode, 0);
  assert.is(result.stdout, HELP.trimEnd());
  assert.is(result.stderr, '');
});

test('--version prints the version, the Node.js it runs on, and that it requires no policy', async () => {
  const node = await execa('node', ['--version'], { env: { PATH: systemPath }, extendEnv: false });
  const result = await capexec('-V');
  assert.is(result.exitCode, 0);
  const policy = 'policy: optional (without /etc/capexec.conf, whoever may run capexec may launch)';
  assert.is(result.stdout, `capexec ${VERSION}\nNode.js ${node.stdout}\n${policy}`);
});

test('bin/capexec runs on the system Node', async () => {
  const node = await execa('node', ['--version'], { env: { PATH: systemPath }, extendEnv: false });
  const result = await capexec('-V');
  assert.is(result.exitCode, 0, `${node.stdout}: ${result.stderr}`);
});

test('usage errors are one line on stderr, exit 125, nothing on stdout', async () => {
  // --toString and --__proto__ once made minimist throw, and a missing value made the
  // report of it throw in turn: each with a stack trace and status 1.
  for (const args of [['--frobnicate'], ['-c', 'net_admn', 'true'], ['true'], ['-c', 'net_admin'], ['--help', 'x'], ['--toString'], ['--cap', 'net_admin', '--__proto__', '--', 'true'], ['--cap', '--install']]) {
    const result = await capexec(...args);
    assert.is(result.exitCode, 125, args.join(' '));
    assert.is(result.stdout, '');
    assert.match(result.stderr, /^capexec: [^\n]+$/);
  }
  const typo = await capexec('-c', 'net_admn', 'true');
  assert.is(typo.stderr, "capexec: unknown capability 'net_admn' (did you mean net_admin?)");
});

test('hostile text in an error is escaped, never sent raw to the terminal', async () => {
  const result = await capexec('--cap', 'x\x1b]0;owned\x07', 'true');
  assert.is(result.exitCode, 125);
  assert.not.match(result.stderr, /\x1b/);
  assert.match(result.stderr, /\\x1b\]0;owned\\x07/);
});

test.run();
