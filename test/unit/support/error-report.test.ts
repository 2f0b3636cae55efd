import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError, SyscallError } from '../../../src/support/errors';
import { errorReport } from '../../../src/support/messages';

test('a capexec error as --json reports it: code, what, why, fix, exit status, findings', () => {
  const error = new CapexecError('caps_not_permitted', 'cannot pass cap_net_admin', 'not in capexec\'s permitted set', { fix: 'setcap' });
  error.attachFindings([{ id: 'nosuid', severity: 'error', message: 'on a nosuid mount', fix: 'mount it without nosuid' }]);
  assert.equal(errorReport(error), {
    error: { code: 'caps_not_permitted', what: 'cannot pass cap_net_admin', why: 'not in capexec\'s permitted set', fix: 'setcap', exit_code: 125 },
    findings: [{ id: 'nosuid', severity: 'error', message: 'on a nosuid mount', fix: 'mount it without nosuid' }],
  });
});

test('a missing why or fix is null, and the exit status is the error\'s own', () => {
  const error = new CapexecError('command_not_found', "'tunctl'", undefined, { exitCode: 127 });
  assert.equal(errorReport(error).error, { code: 'command_not_found', what: "'tunctl'", why: null, fix: null, exit_code: 127 });
});

test('anything else is an internal error with exit status 125, without a stack', () => {
  assert.equal(errorReport(new Error('boom\n  at x')).error, { code: 'internal_error', what: 'internal error: boom', why: null, fix: null, exit_code: 125 });
  assert.is(errorReport(new SyscallError('capset', 1, 'EPERM', 'Operation not permitted')).error.what, 'capset: Operation not permitted');
});

test.run();
