import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capName, lookupCap, resolveCapNames } from '../../../src/caps/names';
import { CapexecError } from '../../../src/support/errors';

test('every spelling of a name and its number find the same capability', () => {
  for (const text of ['net_admin', 'cap_net_admin', 'CAP_NET_ADMIN', 'Net_Admin', '12']) {
    assert.equal(lookupCap(text, 40), { ok: true, cap: 12 }, text);
  }
});

test('the table matches the kernel numbering at both ends', () => {
  assert.is(capName(0), 'cap_chown');
  assert.is(capName(13), 'cap_net_raw');
  assert.is(capName(21), 'cap_sys_admin');
  assert.is(capName(40), 'cap_checkpoint_restore');
  assert.is(capName(41), 'cap_41');
});

test('a misspelt name gets the nearest suggestion, a wild one none', () => {
  assert.equal(lookupCap('net_admn', 40), { ok: false, reason: 'unknown', suggestion: 'net_admin' });
  assert.equal(lookupCap('cap_sys_admn', 40), { ok: false, reason: 'unknown', suggestion: 'sys_admin' });
  assert.equal(lookupCap('frobnicate_everything', 40), { ok: false, reason: 'unknown' });
  // Two edits from kill, but another word, not a typo of it.
  assert.equal(lookupCap('chill', 40), { ok: false, reason: 'unknown' });
  assert.equal(lookupCap('net_admni', 40), { ok: false, reason: 'unknown', suggestion: 'net_admin' });
});

test('all is refused as what it is, with no suggestion', () => {
  for (const text of ['all', 'ALL', 'cap_all']) assert.equal(lookupCap(text, 40), { ok: false, reason: 'not-a-name' });
  try {
    resolveCapNames(['all'], 40);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).why, 'capexec passes named capabilities only, never all of them');
    assert.not.match((error as CapexecError).fix ?? '', /did you mean/);
  }
});

test('capabilities past the running kernel\'s cap_last_cap are refused', () => {
  assert.equal(lookupCap('checkpoint_restore', 37), { ok: false, reason: 'unsupported', cap: 40 });
  assert.equal(lookupCap('40', 37), { ok: false, reason: 'unsupported', cap: 40 });
  assert.equal(lookupCap('64', 63), { ok: false, reason: 'unknown' });
});

test('resolveCapNames keeps order, drops duplicates, and names the bad one', () => {
  assert.equal(resolveCapNames(['net_raw', 'net_admin', 'CAP_NET_RAW', '13'], 40), [13, 12]);
  try {
    resolveCapNames(['net_admin', 'net_admn'], 40);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as Error).message, "unknown capability 'net_admn'");
    assert.is((error as CapexecError).fix, 'did you mean net_admin?');
  }
  assert.throws(() => resolveCapNames(['bpf'], 38), /not known to this kernel, whose last is cap_perfmon \(38\)/);
});

test.run();
