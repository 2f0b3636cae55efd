import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { maskOf } from '../../../src/caps/sets';
import { encodePermittedOnly } from '../../../src/caps/file-caps';
import { storedCapsMismatch, permittedText } from '../../../src/install/stored-caps';

const NET_ADMIN = 12;
const BPF = 39;
const CHECKPOINT_RESTORE = 40;

test('encodes exactly what setcap writes for CAPS+p', () => {
  // Read from files that setcap(8) had given cap_net_admin+p and cap_net_admin,cap_bpf,cap_checkpoint_restore+p.
  assert.is(encodePermittedOnly(maskOf([NET_ADMIN])).toString('hex'), '0000000200100000000000000000000000000000');
  assert.is(encodePermittedOnly(maskOf([NET_ADMIN, BPF, CHECKPOINT_RESTORE])).toString('hex'), '0000000200100000000000008001000000000000');
});

test('what was written reads back as correct', () => {
  const mask = maskOf([NET_ADMIN, BPF]);
  assert.is(storedCapsMismatch(encodePermittedOnly(mask), mask), undefined);
});

test('a read-back that differs is reported with what the file has', () => {
  const mask = maskOf([NET_ADMIN]);
  assert.is(storedCapsMismatch(undefined, mask), 'the file has no capabilities after setting them');
  assert.match(storedCapsMismatch(Buffer.from('00000002', 'hex'), mask) ?? '', /not one the kernel reads/);
  assert.is(storedCapsMismatch(encodePermittedOnly(maskOf([13])), mask), 'the file has cap_net_raw+p, not cap_net_admin+p');

  const effective = encodePermittedOnly(mask);
  effective.writeUInt32LE(0x02000001, 0);
  assert.is(storedCapsMismatch(effective, mask), 'the file has cap_net_admin+ep, not cap_net_admin+p');

  const inheritable = encodePermittedOnly(mask);
  inheritable.writeUInt32LE(1 << NET_ADMIN, 8);
  assert.match(storedCapsMismatch(inheritable, mask) ?? '', /cap_net_admin\+ip/);
});

test('namespaced capabilities count only for the root of this namespace', () => {
  const mask = maskOf([NET_ADMIN]);
  const revision3 = Buffer.concat([encodePermittedOnly(mask), Buffer.alloc(4)]);
  revision3.writeUInt32LE(0x03000000, 0);
  assert.is(storedCapsMismatch(revision3, mask), undefined);
  revision3.writeUInt32LE(100000, 20);
  assert.ok(storedCapsMismatch(revision3, mask));
});

test('permitted sets are shown as setcap takes them', () => {
  assert.is(permittedText(maskOf([13, NET_ADMIN])), 'cap_net_admin,cap_net_raw+p');
});

test.run();
