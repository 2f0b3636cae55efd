import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { holdsPrivilege } from '../../../src/kernel/privilege';

const status = (fields: Record<string, string>): string => Object.entries({
  Name: 'capexec', Uid: '1000\t1000\t1000\t1000', Gid: '1000\t1000\t1000\t1000', CapInh: '0000000000000000',
  CapPrm: '0000000000000000', CapEff: '0000000000000000', ...fields,
}).map(([name, value]) => `${name}:\t${value}`).join('\n');

test('the addon check applies whenever the process holds any privilege', () => {
  assert.is(holdsPrivilege(status({})), false);
  assert.is(holdsPrivilege(status({ CapPrm: '0000000000001000' })), true);
  assert.is(holdsPrivilege(status({ CapEff: '0000000000001000' })), true);
  assert.is(holdsPrivilege(status({ Uid: '0\t0\t0\t0', CapPrm: '0000000000000000' })), true);
  assert.is(holdsPrivilege(status({ Uid: '1000\t0\t0\t0' })), true);
  assert.is(holdsPrivilege(status({ Gid: '1000\t27\t27\t27' })), true);
});

test('an unreadable status counts as privileged', () => {
  assert.is(holdsPrivilege(''), true);
  assert.is(holdsPrivilege(status({ CapPrm: 'zz' })), true);
  assert.is(holdsPrivilege(status({ Uid: '1000' })), true);
});

test.run();
