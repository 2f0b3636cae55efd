import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capabilityState, threadCapabilities } from '../../../src/api/state';
import { namesIn } from '../../../src/caps/sets';
import { capMaskField, statusFields } from '../../helpers/proc-status';

test('capabilityState() is this thread\'s sets as the kernel reports them, as names', () => {
  const fields = statusFields(readFileSync('/proc/thread-self/status', 'latin1'));
  const state = capabilityState();
  for (const [key, line] of [['effective', 'CapEff'], ['permitted', 'CapPrm'], ['inheritable', 'CapInh'], ['ambient', 'CapAmb'], ['bounding', 'CapBnd']] as const) {
    assert.equal(state[key], namesIn(capMaskField(fields, line)), key);
  }
  assert.is(state.no_new_privs, fields.get('NoNewPrivs') === '1');
  assert.type(state.securebits.value, 'number');
  assert.ok(state.bounding.every((name) => /^cap_[a-z_]+$/.test(name)));
});

test('threadCapabilities() lists every thread of this process, the calling one marked', () => {
  const threads = threadCapabilities();
  const tasks = readdirSync('/proc/self/task').map(Number);
  assert.equal(threads.map((thread) => thread.tid).sort(), tasks.sort());
  const current = threads.filter((thread) => thread.current);
  assert.is(current.length, 1);
  assert.is(current[0]?.tid, process.pid);
  assert.equal(current[0]?.permitted, capabilityState().permitted);
});

test.run();
