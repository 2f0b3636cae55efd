import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainFailure } from '../../../src/diagnose/explain-failure';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState, type FakeState } from '../../helpers/fake-libc';
import { errorLines } from '../../../src/support/messages';
import { CapsNotPermittedError } from '../../../src/caps/pass';

const NET_ADMIN = 12;

// The system calls a diagnosis makes, answered as for user nobody running capexec on
// Node: nothing permitted, no securebits, no file capabilities anywhere.
function fakeLibc(failures: FakeState['failures'] = {}): FakeLibc {
  return new FakeLibc(fakeState({ env: { PATH: '/usr/bin:/bin' }, failures }));
}

test('a refused launch gets its findings as detail lines; the generic fix gives way', () => {
  const refused = new CapsNotPermittedError([NET_ADMIN]);
  const explained = explainFailure(fakeLibc(), refused, [NET_ADMIN], [Buffer.from('true')]);
  assert.is(explained, refused);
  assert.instance(explained, CapsNotPermittedError);
  assert.is(explained.code, 'caps_not_permitted');
  assert.is(explained.exitCode, 125);
  assert.is(explained.findings[0]?.id, 'no_file_caps');
  const lines = errorLines(explained);
  assert.is(lines[0], "capexec: cannot pass cap_net_admin: not in capexec's permitted set");
  assert.match(lines[1] ?? '', /^  error no_file_caps: capexec runs as a script on Node /);
});

test('a diagnosis that cannot be made leaves the error as it was', () => {
  const refused = new CapexecError('ambient_raise_refused', 'cannot raise cap_net_admin into the ambient set', 'Operation not permitted');
  const failing = fakeLibc({ capget: 'EPERM' });
  assert.is(explainFailure(failing, refused, [NET_ADMIN], []), refused);
});

test.run();
