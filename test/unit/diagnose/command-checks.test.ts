import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTargetCancelsAmbient } from '../../../src/diagnose/checks/target-cancels-ambient';
import { checkTunPermission } from '../../../src/diagnose/checks/tun-permission';
import { checkWrongCap } from '../../../src/diagnose/checks/wrong-cap';
import { capHints, opensTun } from '../../../src/diagnose/command-table';
import { diagnose } from '../../../src/diagnose/diagnose';
import type { Finding } from '../../../src/diagnose/findings';
import {
  bit, command, DAC_OVERRIDE, facts, mount, NET_ADMIN, NET_BIND_SERVICE, NET_RAW, SYS_ADMIN, xattrV2, xattrV3,
} from '../../fixtures/facts';

const ids = (findings: Finding[]): string[] => findings.map((finding) => finding.id);
const args = (...words: string[]): Buffer[] => words.map((word) => Buffer.from(word));

test('target_cancels_ambient: file caps of its own that lack the request', () => {
  const ping = command('/usr/bin/ping', { capability: { bytes: xattrV2(bit(NET_RAW), 0n, true) } });
  const found = checkTargetCancelsAmbient(facts({ requested: [NET_ADMIN], command: ping }));
  assert.equal(ids(found), ['target_cancels_ambient']);
  assert.is(found[0]?.severity, 'error');
  assert.match(found[0]?.message ?? '', /^\/usr\/bin\/ping has file capabilities of its own \(cap_net_raw\+ep\), so the kernel clears the ambient set when it runs: cap_net_admin will not reach it$/);
  assert.is(diagnose(facts({ requested: [NET_ADMIN], command: ping })).ok, false);
});

test('target_cancels_ambient: file caps that give the command what was asked are a warning', () => {
  const ping = command('/usr/bin/ping', { capability: { bytes: xattrV2(bit(NET_RAW), 0n, true) } });
  const found = checkTargetCancelsAmbient(facts({ requested: [NET_RAW], process: { permitted: bit(NET_RAW) }, command: ping }));
  assert.is(found[0]?.severity, 'warning');
  assert.match(found[0]?.message ?? '', /it gets cap_net_raw from its own privileges, not from capexec/);
  // The file's inheritable caps combine with what capexec leaves inheritable: the request,
  // effective too when the file says so.
  const inheritable = command('/opt/x', { capability: { bytes: xattrV2(0n, bit(NET_ADMIN), true) } });
  assert.is(checkTargetCancelsAmbient(facts({ command: inheritable }))[0]?.severity, 'warning');
});

test('target_cancels_ambient: inheritable file caps without the effective bit start permitted only', () => {
  const plusI = command('/opt/x', { capability: { bytes: xattrV2(0n, bit(NET_ADMIN)) } });
  const found = checkTargetCancelsAmbient(facts({ command: plusI }));
  assert.is(found[0]?.severity, 'error');
  assert.match(found[0]?.message ?? '', /it starts with cap_net_admin permitted but not effective, so it cannot use them unless it raises them itself$/);
  assert.is(diagnose(facts({ command: plusI })).ok, false);
});

test('target_cancels_ambient: setuid and setgid, unless they change nothing', () => {
  const setgid = command('/usr/bin/wall', { mode: 0o102755, gid: 5 });
  assert.match(checkTargetCancelsAmbient(facts({ command: setgid }))[0]?.message ?? '', /is setgid \(gid 5\)/);
  const setuidOther = command('/opt/game', { mode: 0o104755, uid: 12 });
  assert.is(checkTargetCancelsAmbient(facts({ command: setuidOther }))[0]?.severity, 'error');
  // Owned by the caller, or setgid without group execute (mandatory locking): no change.
  assert.equal(checkTargetCancelsAmbient(facts({ command: command('/opt/own', { mode: 0o104755, uid: 65534 }) })), []);
  assert.equal(checkTargetCancelsAmbient(facts({ command: command('/opt/lock', { mode: 0o102745, gid: 5 }) })), []);
});

test('target_cancels_ambient: setuid root runs with the bounding set anyway, unless SECBIT_NOROOT', () => {
  const su = command('/usr/bin/su', { mode: 0o104755, uid: 0 });
  const found = checkTargetCancelsAmbient(facts({ command: su }));
  assert.is(found[0]?.severity, 'warning');
  assert.match(found[0]?.message ?? '', /is setuid root/);
  assert.is(checkTargetCancelsAmbient(facts({ command: su, process: { securebits: 0x1 } }))[0]?.severity, 'error');
});

test('target_cancels_ambient: nosuid mounts and no_new_privs take the privileges away', () => {
  const onNosuid = command('/mnt/ping', { mount: mount({ options: ['rw', 'nosuid'] }), mode: 0o104755, capability: { bytes: xattrV2(bit(NET_RAW)) } });
  assert.equal(checkTargetCancelsAmbient(facts({ command: onNosuid })), []);
  // no_new_privs ignores the setuid bit, but file caps still clear the ambient set.
  const setuid = command('/opt/game', { mode: 0o104755, uid: 12 });
  assert.equal(checkTargetCancelsAmbient(facts({ command: setuid, process: { noNewPrivs: true } })), []);
  const fileCaps = command('/opt/tool', { capability: { bytes: xattrV2(bit(NET_ADMIN), 0n, true) } });
  assert.is(checkTargetCancelsAmbient(facts({ command: fileCaps, process: { noNewPrivs: true } }))[0]?.severity, 'warning');
});

test('target_cancels_ambient: file caps the kernel ignores for their root uid clear nothing', () => {
  const foreign = command('/opt/tool', { capability: { bytes: xattrV3(bit(NET_ADMIN), 1000) } });
  assert.equal(checkTargetCancelsAmbient(facts({ command: foreign })), []);
  assert.equal(checkTargetCancelsAmbient(facts({ command: command('/usr/bin/tunctl') })), []);
  assert.equal(checkTargetCancelsAmbient(facts()), []);
});

test('tun_permission: a tun user asking for net_admin, a device it cannot open', () => {
  const found = checkTunPermission(facts({ command: command('/usr/bin/tunctl', { args: args('-u', 'alice') }) }));
  assert.equal(ids(found), ['tun_permission']);
  assert.is(found[0]?.severity, 'warning');
  assert.match(found[0]?.message ?? '', /\/dev\/net\/tun, which this user cannot open for reading and writing \(EACCES, mode 0600 owner 0:0\)/);
  const ip = command('/usr/sbin/ip', { args: args('tuntap', 'add', 'dev', 'tun0', 'mode', 'tun') });
  assert.equal(ids(checkTunPermission(facts({ command: ip }))), ['tun_permission']);
  assert.match(checkTunPermission(facts({ command: ip, tun: { access: { ok: false, errno: 'ENOENT' } } }))[0]?.fix ?? '', /modprobe tun/);
});

test('tun_permission: not for other commands, other caps, or an openable device', () => {
  const tunctl = command('/usr/bin/tunctl');
  assert.equal(checkTunPermission(facts({ command: tunctl, tun: { access: { ok: true } } })), []);
  assert.equal(checkTunPermission(facts({ command: command('/usr/sbin/ip', { args: args('link', 'add', 'x', 'type', 'dummy') }) })), []);
  assert.equal(checkTunPermission(facts({ command: command('/usr/sbin/ip', { args: args('tunnel', 'add') }) })), []);
  assert.equal(checkTunPermission(facts({ requested: [NET_RAW], process: { permitted: bit(NET_RAW) }, command: tunctl })), []);
  assert.equal(checkTunPermission(facts({ requested: [NET_ADMIN, DAC_OVERRIDE], command: tunctl })), []);
  assert.equal(checkTunPermission(facts()), []);
});

test('opensTun: the table', () => {
  for (const name of ['tunctl', 'openvpn', 'qemu-system-x86_64', 'wireguard-go']) assert.ok(opensTun(name, []), name);
  assert.ok(opensTun('ip', ['-6', 'tunt', 'add']));
  assert.not.ok(opensTun('ip', ['tun', 'add']));
  assert.not.ok(opensTun('qemu-img', []));
  assert.not.ok(opensTun('tunctl-wrapper', []));
});

test('wrong_cap: a known helper without the cap it needs', () => {
  const ping = checkWrongCap(facts({ command: command('/bin/ping', { args: args('-c1', '127.0.0.1') }) }));
  assert.equal(ids(ping), ['wrong_cap']);
  assert.is(ping[0]?.severity, 'warning');
  assert.is(ping[0]?.message, '/bin/ping sends ICMP echo requests through a raw socket, but cap_net_raw was not requested');
  assert.is(ping[0]?.fix, 'add --cap net_raw');
  const iptables = checkWrongCap(facts({ requested: [SYS_ADMIN], command: command('/usr/sbin/iptables-legacy') }));
  assert.equal(iptables.map((finding) => finding.fix), ['add --cap net_admin', 'add --cap net_raw']);
  assert.is(diagnose(facts({ command: command('/bin/ping') })).ok, true);
});

test('wrong_cap: tunctl asked for anything but net_admin is told what TUNSETIFF needs', () => {
  const tunctl = command('/usr/bin/tunctl', { args: args('-t', 'tap9') });
  const found = checkWrongCap(facts({ requested: [NET_RAW], command: tunctl }));
  assert.equal(ids(found), ['wrong_cap']);
  assert.match(found[0]?.message ?? '', /TUNSETIFF only with cap_net_admin, but cap_net_admin was not requested/);
  assert.equal(checkWrongCap(facts({ requested: [NET_ADMIN], command: tunctl })), []);
});

test('wrong_cap: ip drops everything without net_admin inheritable', () => {
  const ip = checkWrongCap(facts({ requested: [NET_RAW], process: { permitted: bit(NET_RAW) }, command: command('/sbin/ip') }));
  assert.match(ip[0]?.message ?? '', /unless cap_net_admin is inheritable/);
  assert.equal(checkWrongCap(facts({ command: command('/sbin/ip') })), []);
});

test('wrong_cap: ping needs nothing where ping_group_range admits the caller', () => {
  const ping = command('/bin/ping');
  assert.equal(checkWrongCap(facts({ command: ping, sysctl: { pingGroupRange: [0, 2147483647] } })), []);
  assert.equal(ids(checkWrongCap(facts({ command: ping, sysctl: { pingGroupRange: [100, 200] } }))), ['wrong_cap']);
  assert.equal(checkWrongCap(facts({ command: ping, sysctl: { pingGroupRange: [100, 200] }, process: { groups: [150] } })), []);
});

test('wrong_cap: listening below ip_unprivileged_port_start needs net_bind_service', () => {
  const socat = command('/usr/bin/socat', { args: args('TCP-LISTEN:80,fork', 'TCP:localhost:8080') });
  const found = checkWrongCap(facts({ command: socat }));
  assert.match(found[0]?.message ?? '', /listens on port 80, below 1024/);
  assert.equal(checkWrongCap(facts({ command: socat, sysctl: { unprivilegedPortStart: 0 } })), []);
  assert.equal(checkWrongCap(facts({ requested: [NET_ADMIN, NET_BIND_SERVICE], command: socat })), []);
  assert.equal(checkWrongCap(facts({ command: command('/usr/bin/socat', { args: args('TCP-LISTEN:8080', 'STDOUT') }) })), []);
});

test('capHints: netcat forms', () => {
  const context = { unprivilegedPortStart: 1024, pingSocketAllowed: false };
  assert.equal(capHints('nc', ['-lvnp', '443'], context).map((hint) => hint.cap), [NET_BIND_SERVICE]);
  assert.equal(capHints('ncat', ['-l', '-p80'], context).map((hint) => hint.cap), [NET_BIND_SERVICE]);
  assert.equal(capHints('nc', ['example.org', '80'], context), []);
  assert.equal(capHints('tunctl', [], context).map((hint) => hint.cap), [NET_ADMIN]);
});

test.run();
