import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFileCaps, fileCapsText, grantedAtExec, rootidHonoured } from '../../../src/caps/file-caps';
import { ALL_CAPS, bit, NET_ADMIN, NET_RAW, xattrV2, xattrV3 } from '../../fixtures/facts';

// The bytes setcap(8) wrote and getxattr(2) returned.
const SETCAP_NET_ADMIN_P = Buffer.from('0000000200100000000000000000000000000000', 'hex');
const SETCAP_NET_RAW_EP = Buffer.from('0100000200200000000000000000000000000000', 'hex');
const SETCAP_ROOTID_1000 = Buffer.from('0000000300100000000000000000000000000000e8030000', 'hex');
const SETCAP_HIGH_WORDS = Buffer.from('0000000200100000001000000001000000000000', 'hex');
const CHECKPOINT_RESTORE = 40;

test('revision 2, as setcap writes it', () => {
  assert.equal(decodeFileCaps(SETCAP_NET_ADMIN_P), {
    version: 2, effective: false, permitted: bit(NET_ADMIN), inheritable: 0n, rootid: undefined,
  });
  assert.equal(decodeFileCaps(SETCAP_NET_RAW_EP), {
    version: 2, effective: true, permitted: bit(NET_RAW), inheritable: 0n, rootid: undefined,
  });
});

test('revision 2 carries capabilities above 31 in the second words', () => {
  // setcap 'cap_net_admin+ip cap_checkpoint_restore+p'
  const written = decodeFileCaps(SETCAP_HIGH_WORDS);
  assert.is(written?.permitted, bit(NET_ADMIN) | bit(CHECKPOINT_RESTORE));
  assert.is(written?.inheritable, bit(NET_ADMIN));
  const caps = decodeFileCaps(xattrV2(bit(CHECKPOINT_RESTORE), bit(NET_ADMIN) | bit(CHECKPOINT_RESTORE)));
  assert.is(caps?.permitted, bit(CHECKPOINT_RESTORE));
  assert.is(caps?.inheritable, bit(NET_ADMIN) | bit(CHECKPOINT_RESTORE));
});

test('revision 3 adds the root uid', () => {
  assert.equal(decodeFileCaps(SETCAP_ROOTID_1000), {
    version: 3, effective: false, permitted: bit(NET_ADMIN), inheritable: 0n, rootid: 1000,
  });
  assert.is(decodeFileCaps(xattrV3(bit(NET_RAW), 100000))?.rootid, 100000);
});

test('revision 1 has one word per set', () => {
  const v1 = Buffer.alloc(12);
  v1.writeUInt32LE(0x01000001, 0);
  v1.writeUInt32LE(0x1000, 4);
  v1.writeUInt32LE(0x2000, 8);
  assert.equal(decodeFileCaps(v1), { version: 1, effective: true, permitted: bit(NET_ADMIN), inheritable: bit(NET_RAW), rootid: undefined });
});

test('a size that does not fit the revision, or an unknown revision, is malformed', () => {
  assert.is(decodeFileCaps(Buffer.alloc(0)), undefined);
  assert.is(decodeFileCaps(SETCAP_NET_ADMIN_P.subarray(0, 16)), undefined);
  assert.is(decodeFileCaps(Buffer.concat([SETCAP_NET_ADMIN_P, Buffer.alloc(4)])), undefined);
  const v4 = Buffer.from(SETCAP_NET_ADMIN_P);
  v4.writeUInt32LE(0x04000000, 0);
  assert.is(decodeFileCaps(v4), undefined);
});

test('a namespaced root uid counts only where it is root, seen through uid_map', () => {
  const caps = (rootid: number) => decodeFileCaps(xattrV3(bit(NET_ADMIN), rootid))!;
  const initial = [{ inside: 0, outside: 0, count: 4294967295 }];
  assert.not.ok(rootidHonoured(caps(1000), initial));
  assert.ok(rootidHonoured(decodeFileCaps(SETCAP_NET_ADMIN_P)!, initial));
  // A child namespace where uid 5 is the parent's root.
  const child = [{ inside: 0, outside: 100000, count: 5 }, { inside: 5, outside: 0, count: 1 }];
  assert.ok(rootidHonoured(caps(5), child));
  assert.not.ok(rootidHonoured(caps(4), child));
  assert.not.ok(rootidHonoured(caps(6), child));
});

test('what exec grants: file permitted within the bounding set, file inheritable within the process\'s', () => {
  const caps = decodeFileCaps(xattrV2(bit(NET_ADMIN), bit(NET_RAW)))!;
  assert.is(grantedAtExec(caps, 0n, ALL_CAPS), bit(NET_ADMIN));
  assert.is(grantedAtExec(caps, bit(NET_RAW), ALL_CAPS), bit(NET_ADMIN) | bit(NET_RAW));
  assert.is(grantedAtExec(caps, bit(NET_RAW), ALL_CAPS & ~bit(NET_ADMIN)), bit(NET_RAW));
});

test('text form, as getcap prints it', () => {
  assert.is(fileCapsText(decodeFileCaps(SETCAP_NET_ADMIN_P)!), 'cap_net_admin+p');
  assert.is(fileCapsText(decodeFileCaps(xattrV2(bit(NET_ADMIN) | bit(NET_RAW), 0n, true))!), 'cap_net_admin,cap_net_raw+ep');
  assert.is(fileCapsText(decodeFileCaps(xattrV2(bit(NET_ADMIN), bit(NET_RAW) | bit(NET_ADMIN)))!), 'cap_net_admin+ip cap_net_raw+i');
  assert.is(fileCapsText(decodeFileCaps(xattrV2(0n))!), '(none)');
});

test.run();
