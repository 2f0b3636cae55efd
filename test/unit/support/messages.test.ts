import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError, SyscallError } from '../../../src/support/errors';
import { execFileSync } from 'node:child_process';
import { errorLines, printable, shellWord, unexpectedErrorLine } from '../../../src/support/messages';

test('printable escapes control bytes, non-ASCII bytes and backslashes', () => {
  assert.is(printable('tap0'), 'tap0');
  assert.is(printable('a\x1b[2Jb\nc'), 'a\\x1b[2Jb\\x0ac');
  assert.is(printable(Buffer.from([0x61, 0xff, 0x5c])), 'a\\xff\\\\');
});

test('an error is one line: what, why, and the fix in parentheses', () => {
  assert.equal(errorLines(new CapexecError('command_not_found', 'tunctl', 'command not found')), ['capexec: tunctl: command not found']);
  assert.equal(errorLines(new CapexecError('unknown_capability', "unknown capability 'x'", undefined, { fix: 'see capabilities(7)' })), [
    "capexec: unknown capability 'x' (see capabilities(7))",
  ]);
  assert.equal(errorLines(new CapexecError('usage', 'a', 'b')), ['capexec: a: b']);
});

test('findings follow the error line; an error finding replaces the generic fix', () => {
  const warning = { id: 'wrong_cap', severity: 'warning' as const, message: 'm', fix: 'f' };
  const error = { id: 'nosuid', severity: 'error' as const, message: 'n', fix: 'g' };
  const make = () => new CapexecError('caps_not_permitted', 'cannot pass cap_net_admin', 'not permitted', { fix: 'setcap' });
  assert.equal(errorLines(make().attachFindings([warning])), ['capexec: cannot pass cap_net_admin: not permitted (setcap)', '  warning wrong_cap: m (f)']);
  assert.equal(errorLines(make().attachFindings([error, warning])), [
    'capexec: cannot pass cap_net_admin: not permitted',
    '  error nosuid: n (g)',
    '  warning wrong_cap: m (f)',
  ]);
});

test('an error keeps its code and cause', () => {
  const cause = new SyscallError('capset', 1, 'EPERM', 'Operation not permitted');
  const error = new CapexecError('caps_not_inheritable', 'cannot make cap_net_admin inheritable', cause.description, { cause });
  assert.is(error.code, 'caps_not_inheritable');
  assert.is(error.cause, cause);
});

test('unexpected errors still give one line and no stack', () => {
  assert.is(unexpectedErrorLine(new SyscallError('capset', 1, 'EPERM', 'Operation not permitted')), 'capexec: capset: Operation not permitted');
  assert.is(unexpectedErrorLine(new Error('boom\n    at x')), 'capexec: internal error: boom');
});

// A fix names the command to paste: whatever the name, the shell reads back exactly the
// printable() form as one word.
test('shellWord: one word to the shell, the printable form of the name', () => {
  for (const name of ['www-data', 'a b', "o'brien", '$(id)', '`id`', 'x;rm -rf ~', 'tab\there', '*', '-n', 'caf\u00e9']) {
    const word = shellWord(name);
    assert.is(execFileSync('/bin/sh', ['-c', `printf %s ${word}`], { encoding: 'latin1' }), printable(name), name);
  }
  assert.is(shellWord('www-data'), 'www-data');
});

test.run();
