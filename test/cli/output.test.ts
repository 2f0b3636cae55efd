import { execa } from 'execa';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// A child makes its stdout pipe non-blocking, as a caller may, then writes far more than
// a pipe holds: writeAll must wait for the reader instead of failing with EAGAIN.
const child = `
const koffi = require(${JSON.stringify(join(ROOT, 'node_modules', 'koffi'))});
const fcntl = koffi.load(null).func('int fcntl(int fd, int cmd, ...)');
const O_NONBLOCK = 0o4000;
fcntl(1, 4, 'int', fcntl(1, 3) | O_NONBLOCK);
require(${JSON.stringify(join(ROOT, 'build', 'src', 'support', 'output.js'))}).writeAll(1, 'x'.repeat(1 << 20));
`;

test('writeAll gets everything through a non-blocking pipe', async () => {
  const result = await execa(process.execPath, ['-e', child], { reject: false, stripFinalNewline: false });
  assert.is(result.stderr, '');
  assert.is(result.exitCode, 0);
  assert.is(result.stdout.length, 1 << 20);
});

test.run();
