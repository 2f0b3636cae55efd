import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError, SyscallError } from '../../../src/support/errors';
import { errorLines, printable, unexpectedErrorLine } from '../../../src/support/messages';

test('printable escapes control bytes, non-ASCII bytes and backslashes', () => {
  assert.is(printable('tap0'), 'tap0');
  assert.is(printable('a\x1b[2Jb\nc'), 'a\\x1b[2Jb\\x0ac');
  assert.is(printable(Buffer.from([0x61, 0xff, 0x5c])), 'a\\xff\\\\');
});

test('an error is one line: what, why, and the fix in parentheses', () => {
  assert.equal(errorLines(new CapexecError('tunctl', 'command not found')), ['capexec: tunctl: command not found']);
  assert.equal(errorLines(new CapexecError("unknown capability 'x'", undefined, { fix: 'see capabilities(7)' })), [
    "capexec: unknown capability 'x' (see capabilities(7))",
  ]);
  assert.equal(errorLines(new CapexecError('a', 'b', { details: ['  finding'] })), ['capexec: a: b', '  finding']);
});

test('unexpected errors still give one line and no stack', () => {
  assert.is(unexpectedErrorLine(new SyscallError('capset', 1, 'EPERM', 'Operation not permitted')), 'capexec: capset: Operation not permitted');
  assert.is(unexpectedErrorLine(new Error('boom\n    at x')), 'capexec: internal error: boom');
});

test.run();
