import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drop, DropError, dropFromThisThread } from '../../../src/api/drop';
import { maskOf } from '../../../src/caps/sets';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';
import { ROOT } from '../../helpers/privileged';
import { capMaskField, statusFields } from '../../helpers/proc-status';

const NET_BIND_SERVICE = 10;
const NET_ADMIN = 12;
const NET_RAW = 13;

// A process started through capexec --cap net_bind_service,net_raw: each cap in all four sets.
const started = () => {
  const both = maskOf([NET_BIND_SERVICE, NET_RAW]);
  return fakeState({ caps: { effective: both, permitted: both, inheritable: both, ambient: both } });
};

function caught(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  return undefined;
}

test('the named caps leave all four sets; the others stay', () => {
  const state = started();
  dropFromThisThread(new FakeLibc(state), [NET_BIND_SERVICE]);
  const rest = maskOf([NET_RAW]);
  assert.equal(state.caps, { effective: rest, permitted: rest, inheritable: rest, ambient: rest, bounding: state.caps.bounding });
});

test('dropping what the thread does not hold changes nothing and succeeds', () => {
  const state = started();
  const before = { ...state.caps };
  dropFromThisThread(new FakeLibc(state), [NET_ADMIN]);
  assert.equal(state.caps, before);
});

test('a kernel without ambient sets: the other three sets are still emptied', () => {
  const state = started();
  state.ambientSupported = false;
  dropFromThisThread(new FakeLibc(state), [NET_BIND_SERVICE, NET_RAW]);
  assert.is(state.caps.permitted | state.caps.effective | state.caps.inheritable, 0n);
});

test('a refused capset is a DropError that says what is still held', () => {
  const state = started();
  state.failures = { capset: 'EPERM' };
  const error = caught(() => dropFromThisThread(new FakeLibc(state), [NET_BIND_SERVICE]));
  assert.instance(error, DropError);
  assert.instance(error, CapexecError);
  const dropError = error as DropError;
  assert.is(dropError.code, 'caps_not_dropped');
  // The ambient bit went before the capset failed; the kernel's state is what is reported.
  assert.equal(dropError.kept, { effective: ['cap_net_bind_service'], permitted: ['cap_net_bind_service'], inheritable: ['cap_net_bind_service'], ambient: [] });
});

// A kernel that returns success and changes nothing: only the read-back can tell.
class IgnoringLibc extends FakeLibc {
  override capset(): void {
    this.state.calls.push('capset');
  }

  override prctl(option: number, arg2: number, arg3: number): number {
    return arg2 === 3 ? 0 : super.prctl(option, arg2, arg3);
  }
}

test('a capability the kernel kept after a successful call is a DropError naming its sets', () => {
  const error = caught(() => dropFromThisThread(new IgnoringLibc(started()), [NET_BIND_SERVICE]));
  assert.instance(error, DropError);
  assert.is((error as DropError).what, 'cannot drop cap_net_bind_service');
  assert.is((error as DropError).why, 'the kernel kept them in the effective, permitted, inheritable, ambient set');
});

test('names are checked as --cap checks them, before anything changes', () => {
  for (const [caps, code] of [[['net_admn'], 'unknown_capability'], [[12 as unknown as string], 'usage'], [['net_admin,'], 'unknown_capability']] as const) {
    const error = caught(() => drop(caps));
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).code, code, String(caps));
  }
});

// On the real kernel, in a process of its own: the test runner keeps its capabilities.
test('on the real kernel: this thread lets go of them, and reports threads that did not', () => {
  const script = `
const { drop } = require(${JSON.stringify(join(ROOT, 'build', 'src', 'index.js'))});
const { readFileSync } = require('node:fs');
const held = /^CapPrm:\\s*(\\w+)/m.exec(readFileSync('/proc/thread-self/status', 'latin1'))[1];
const result = drop(['net_admin', 'CAP_NET_RAW']);
process.stdout.write(JSON.stringify({ held, result, status: readFileSync('/proc/thread-self/status', 'latin1') }));
`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const { held, result, status } = JSON.parse(child.stdout) as { held: string; result: ReturnType<typeof drop>; status: string };
  const fields = statusFields(status);
  const gone = maskOf([NET_ADMIN, NET_RAW]);
  for (const set of ['CapEff', 'CapPrm', 'CapInh', 'CapAmb']) assert.is(capMaskField(fields, set) & gone, 0n, set);
  assert.equal(result.dropped, ['cap_net_admin', 'cap_net_raw']);
  assert.not.ok(result.state.permitted.includes('cap_net_admin'));
  assert.is(result.state.permitted.length, Number(capMaskField(fields, 'CapPrm').toString(2).split('1').length - 1));
  // Node's other threads started with what the process had.
  const hadThem = (BigInt(`0x${held}`) & gone) !== 0n;
  assert.is(result.otherThreads.length > 0, hadThem);
  for (const thread of result.otherThreads) assert.ok(thread.permitted.includes('cap_net_admin') || thread.permitted.includes('cap_net_raw'), String(thread.tid));
});

test.run();
