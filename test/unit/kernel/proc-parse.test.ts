import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  isInitialUidMap, parseFdinfoMountId, parseMountinfo, parseRange, parseStatus, parseUidMap, parseUnsigned,
  statusField, statusFieldMap,
} from '../../../src/kernel/proc-parse';

const STATUS = `Name:\tcapexec
Umask:\t0022
State:\tR (running)
Tgid:\t4242
TracerPid:\t4100
Uid:\t1000\t1000\t1000\t1000
Gid:\t100\t101\t102\t103
Groups:\t27 100 
NoNewPrivs:\t1
CapInh:\t0000000000000000
CapPrm:\t0000000000001000
CapEff:\t0000000000000000
CapBnd:\t000001fffeffffff
CapAmb:\t0000000000003000
`;

test('status: bounding and ambient masks, tracer, ids and groups', () => {
  const status = parseStatus(STATUS);
  assert.is(status.bounding, 0x1fffeffffffn);
  assert.is(status.ambient, 0x3000n);
  assert.is(status.tracerPid, 4100);
  assert.equal(status.uids, [1000, 1000, 1000, 1000]);
  assert.equal(status.gids, [100, 101, 102, 103]);
  assert.equal(status.groups, [27, 100]);
});

test('status of a kernel without ambient capabilities has no CapAmb line', () => {
  const status = parseStatus(STATUS.replace(/^CapAmb:.*\n/m, '').replace(/^Groups:.*$/m, 'Groups:\t'));
  assert.is(status.ambient, 0n);
  assert.equal(status.groups, []);
});

test('status without a bounding set is not made up', () => {
  assert.throws(() => parseStatus('Name:\tx\n'), /CapBnd/);
});

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  '36 27 0:40 / /tmp/with\\040space rw,nosuid,nodev shared:5 master:1 - tmpfs tmp\\040fs rw,size=4k,mode=755',
  'garbage line',
  '',
].join('\n');

test('mountinfo: per-mount options, optional fields, escaped paths', () => {
  const entries = parseMountinfo(MOUNTINFO);
  assert.is(entries.length, 3);
  const tmp = entries[2];
  assert.equal(tmp, {
    mountId: 36, mountPoint: '/tmp/with space', options: ['rw', 'nosuid', 'nodev'], fsType: 'tmpfs', source: 'tmp fs',
  });
  assert.equal(entries[1]?.options, ['rw', 'relatime']);
  assert.is(entries[1]?.fsType, 'ext4');
});

test('mountinfo: superblock options are not mount options', () => {
  const [entry] = parseMountinfo('40 27 0:50 / /mnt rw,relatime - tmpfs none rw,nosuid');
  assert.equal(entry?.options, ['rw', 'relatime']);
});

test('uid_map: the initial namespace maps everything to itself', () => {
  const initial = parseUidMap('         0          0 4294967295\n');
  assert.equal(initial, [{ inside: 0, outside: 0, count: 4294967295 }]);
  assert.ok(isInitialUidMap(initial));
  const child = parseUidMap('         0       1000          1\n         1     100000      65536\n');
  assert.equal(child, [{ inside: 0, outside: 1000, count: 1 }, { inside: 1, outside: 100000, count: 65536 }]);
  assert.not.ok(isInitialUidMap(child));
  assert.not.ok(isInitialUidMap([]));
  assert.not.ok(isInitialUidMap(parseUidMap('0 0 4294967294\n')));
});

test('fdinfo: the mount ID of an open file', () => {
  assert.is(parseFdinfoMountId('pos:\t0\nflags:\t012100000\nmnt_id:\t36\nino:\t1234\n'), 36);
  assert.is(parseFdinfoMountId('pos:\t0\n'), undefined);
});

test('sysctl values', () => {
  assert.is(parseUnsigned('1024\n'), 1024);
  assert.is(parseUnsigned('-1\n'), undefined);
  assert.is(parseUnsigned(''), undefined);
  assert.equal(parseRange('1\t0\n'), [1, 0]);
  assert.equal(parseRange('0 2147483647\n'), [0, 2147483647]);
  assert.is(parseRange('1\n'), undefined);
});

// The start-up check reads four fields by name: each the value the whole map would give,
// the last line of that name, on any text made of such lines.
test('statusField() is what statusFieldMap() gives for that name', () => {
  const own = readFileSync('/proc/self/status', 'latin1');
  for (const name of [...statusFieldMap(own).keys(), 'Nothing']) assert.is(statusField(own, name), statusFieldMap(own).get(name), name);
  const names = fc.constantFrom('Uid', 'Gid', 'CapPrm', 'CapEff', 'Cap', 'd', '');
  const text = fc.array(fc.oneof(
    fc.tuple(names, fc.string({ unit: fc.constantFrom('0', ':', '\t', ' ', 'a', '\r', 'Uid') })).map(([name, value]) => `${name}:${value}`),
    fc.string({ unit: fc.constantFrom('U', 'i', 'd', ':', '\t', '0') }),
  ), { maxLength: 8 }).chain((lines) => fc.constantFrom(lines.join('\n'), `${lines.join('\n')}\n`));
  fc.assert(fc.property(text, fc.constantFrom('Uid', 'Gid', 'CapPrm', 'CapEff', 'Cap', 'd'), (status, name) => {
    assert.is(statusField(status, name), statusFieldMap(status).get(name));
  }));
});

test.run();
