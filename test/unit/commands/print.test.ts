import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stateJson } from '../../../src/caps/process-state';
import { stateText } from '../../../src/commands/print';
import { securebitFlags } from '../../../src/caps/securebits';
import { bit, facts, NET_ADMIN, NET_RAW } from '../../fixtures/facts';

const state = facts({
  process: {
    effective: bit(NET_ADMIN),
    permitted: bit(NET_ADMIN) | bit(NET_RAW),
    inheritable: bit(NET_ADMIN),
    ambient: bit(NET_ADMIN),
    bounding: bit(NET_ADMIN) | bit(NET_RAW) | 1n,
    securebits: 0x41,
    noNewPrivs: true,
    tracerPid: 321,
    uids: [1000, 1001, 1002, 1003],
    gids: [100, 100, 100, 100],
    groups: [27, 100],
    secureExec: true,
    uidMap: [{ inside: 0, outside: 1000, count: 1 }],
  },
}).process;

test('--print --json: the documented keys, sets as lowercase names', () => {
  const json = stateJson(state);
  for (const key of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding', 'securebits', 'no_new_privs', 'traced', 'uid', 'gid', 'secure_exec']) {
    assert.ok(key in json, key);
  }
  assert.equal(json.effective, ['cap_net_admin']);
  assert.equal(json.permitted, ['cap_net_admin', 'cap_net_raw']);
  assert.equal(json.bounding, ['cap_chown', 'cap_net_admin', 'cap_net_raw']);
  assert.equal(json.securebits, { value: 0x41, flags: ['noroot', 'no_cap_ambient_raise'] });
  assert.is(json.no_new_privs, true);
  assert.is(json.traced, true);
  assert.is(json.tracer_pid, 321);
  assert.is(json.uid, 1000);
  assert.is(json.euid, 1001);
  assert.is(json.gid, 100);
  assert.equal(json.groups, [27, 100]);
  assert.is(json.secure_exec, true);
  assert.equal(json.user_namespace, { initial: false, uid_map: [[0, 1000, 1]] });
  assert.equal(JSON.parse(JSON.stringify(json)), json);
});

test('securebits: each flag and its lock', () => {
  assert.equal(securebitFlags(0), []);
  assert.equal(securebitFlags(0x2f), ['noroot', 'noroot_locked', 'no_setuid_fixup', 'no_setuid_fixup_locked', 'keep_caps_locked']);
  assert.equal(securebitFlags(0xc0), ['no_cap_ambient_raise', 'no_cap_ambient_raise_locked']);
});

test('--print: one line per set, like capsh --print', () => {
  const lines = stateText(state).split('\n');
  assert.ok(lines.includes('Effective:      cap_net_admin'));
  assert.ok(lines.includes('Permitted:      cap_net_admin,cap_net_raw'));
  assert.ok(lines.includes('Securebits:     0x41'));
  assert.ok(lines.includes('  no_cap_ambient_raise: yes (unlocked)'));
  assert.ok(lines.includes('  noroot: yes (unlocked)'));
  assert.ok(lines.includes('Traced:         yes (TracerPid 321)'));
  assert.ok(lines.includes('uid=1000 euid=1001 suid=1002 fsuid=1003'));
  assert.ok(lines.includes('groups=27,100'));
  assert.ok(lines.includes('User namespace: not the initial one (uid_map: 0 1000 1)'));
  const empty = stateText(facts({ process: { effective: 0n, ambient: 0n } }).process).split('\n');
  assert.ok(empty.includes('Effective:      (none)'));
  assert.ok(empty.includes('Ambient:        (none)'));
});

test.run();
