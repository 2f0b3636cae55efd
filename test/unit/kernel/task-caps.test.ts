import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTaskCaps, parseThreadSelfLink } from '../../../src/kernel/proc-parse';
import { CapexecError } from '../../../src/support/errors';

const TASK = `Name:\tlibuv-worker
State:\tS (sleeping)
CapInh:\t0000000000000400
CapPrm:\t0000000000000400
CapEff:\t0000000000000000
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000400
`;

test('a thread\'s status: its name and all five sets', () => {
  assert.equal(parseTaskCaps(TASK), {
    name: 'libuv-worker', effective: 0n, permitted: 0x400n, inheritable: 0x400n, ambient: 0x400n, bounding: 0x1ffffffffffn,
  });
});

test('a kernel without ambient sets has no CapAmb line: nothing is ambient there', () => {
  assert.is(parseTaskCaps(TASK.replace(/^CapAmb:.*\n/m, '')).ambient, 0n);
});

test('a status without a set it must have is refused, not read as empty', () => {
  try {
    parseTaskCaps(TASK.replace(/^CapPrm:.*\n/m, ''));
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).code, 'proc_unreadable');
  }
});

test('/proc/thread-self names the thread after the process', () => {
  assert.is(parseThreadSelfLink('4242/task/4250'), 4250);
  assert.is(parseThreadSelfLink('4242'), undefined);
  assert.is(parseThreadSelfLink('../4242/task/1'), undefined);
});

test.run();
