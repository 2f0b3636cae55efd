import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFailureReport } from '../../../src/api/run';
import { CapexecError } from '../../../src/support/errors';
import { errorReport } from '../../../src/support/messages';

const FINDING = { id: 'no_file_caps', severity: 'error' as const, message: 'm', fix: 'f' };
const refused = (): CapexecError =>
  new CapexecError('caps_not_permitted', 'cannot pass cap_net_admin', 'not permitted', { fix: 'setcap' }).attachFindings([FINDING]);
const line = (error: CapexecError): string => `${JSON.stringify(errorReport(error))}\n`;

test('capexec\'s report line is read back into code, exit status and findings', () => {
  assert.equal(parseFailureReport(line(refused()), 125), {
    code: 'caps_not_permitted', what: 'cannot pass cap_net_admin', why: 'not permitted', fix: 'setcap', exitCode: 125, findings: [FINDING],
  });
  const missing = new CapexecError('command_not_found', "'x'", 'command not found', { exitCode: 127 });
  assert.is(parseFailureReport(line(missing).trimEnd(), 127)?.code, 'command_not_found');
});

test('a command that exits 125, 126 or 127 itself is not taken for capexec', () => {
  assert.is(parseFailureReport('', 125), undefined);
  assert.is(parseFailureReport('capexec: cannot pass cap_net_admin: not permitted', 125), undefined);
  assert.is(parseFailureReport('{"error":', 125), undefined);
  assert.is(parseFailureReport(`noise\n${line(refused())}`, 125), undefined);
  assert.is(parseFailureReport(`${line(refused())}more\n`, 125), undefined);
  assert.is(parseFailureReport('[1]', 125), undefined);
});

test('the report must name the exit status it came with, one of capexec\'s', () => {
  assert.is(parseFailureReport(line(refused()), 126), undefined);
  const exitOne = new CapexecError('usage', 'x', undefined, { exitCode: 1 });
  assert.is(parseFailureReport(line(exitOne), 1), undefined);
  assert.is(parseFailureReport(line(refused()), undefined), undefined);
});

test('every field is checked: a code capexec does not have, a wrong type, a malformed finding', () => {
  const report = errorReport(refused());
  const variants: unknown[] = [
    { ...report, error: { ...report.error, code: 'made_up' } },
    { ...report, error: { ...report.error, what: 3 } },
    { ...report, error: { ...report.error, why: undefined } },
    { ...report, error: { ...report.error, exit_code: '125' } },
    { ...report, findings: [{ ...FINDING, severity: 'fatal' }] },
    { ...report, findings: [{ id: 'x' }] },
    { error: report.error },
  ];
  for (const variant of variants) assert.is(parseFailureReport(JSON.stringify(variant), 125), undefined, JSON.stringify(variant));
});

test('findings keep only their four keys', () => {
  const report = errorReport(refused());
  const extra = { ...report, findings: [{ ...FINDING, evidence: 'x' }] };
  assert.equal(parseFailureReport(JSON.stringify(extra), 125)?.findings, [FINDING]);
});

test.run();
