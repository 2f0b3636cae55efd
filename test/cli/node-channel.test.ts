import { execa } from 'execa';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// `capexec … | cat`: whoever writes to the pipe after capexec sees the mode capexec
// left it in (a pipe's write end is O_WRONLY, 01). bin/capexec on the system Node reads its initial environment from /proc/self/environ,
// with no addon; the standalone executable's own way is in test/privileged.
const systemPath = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');
const capexec = (env: Record<string, string>, ...args: string[]) =>
  execa('sh', ['-c', `{ ${join(ROOT, 'bin', 'capexec')} "$@"; echo "status $?"; grep ^flags /proc/self/fdinfo/1; } | cat`, 'sh', ...args], {
    reject: false, env: { PATH: systemPath, ...env }, extendEnv: false,
  });

test('NODE_CHANNEL_FD is refused before any mode runs, and its fd is blocking again', async () => {
  for (const args of [['--version'], ['--cap', 'net_admin', '--', 'echo', 'ran']]) {
    const result = await capexec({ NODE_CHANNEL_FD: '1' }, ...args);
    assert.match(result.stderr, /^capexec: refusing to start with NODE_CHANNEL_FD=1: Node\.js used it before capexec ran, [^\n]+ \(run capexec with env -u NODE_CHANNEL_FD -u NODE_UNIQUE_ID\)$/);
    assert.is(result.stdout, 'status 125\nflags:\t01');
  }
});

test('NODE_UNIQUE_ID alone is refused too', async () => {
  const result = await capexec({ NODE_UNIQUE_ID: '3' }, '--version');
  assert.match(result.stderr, /^capexec: refusing to start with NODE_UNIQUE_ID=3: [^\n]+$/);
  assert.is(result.stdout, 'status 125\nflags:\t01');
});

test.run();
