import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mountOfPath, readCapLastCap, readFdTarget, readMounts, readProcFile, readSysctl } from '../../../src/kernel/proc';

test('the mount of a path is the one the kernel names for the opened file', () => {
  const mounts = readMounts();
  assert.is(mountOfPath('/proc/self/status', mounts)?.fsType, 'proc');
  assert.is(mountOfPath('/', mounts)?.mountPoint, '/');
  assert.is(mountOfPath('/nonexistent/capexec', mounts), undefined);
});

test('a symbolic link is followed to the file it names, as exec would', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capexec-proc-'));
  try {
    symlinkSync('/proc/self/status', join(dir, 'status'));
    assert.is(mountOfPath(join(dir, 'status'))?.fsType, 'proc');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sysctl values, cap_last_cap and fd targets', () => {
  assert.match(readSysctl('kernel/cap_last_cap'), /^\d+\n$/);
  assert.is(readSysctl('kernel/no_such_setting'), '');
  assert.is(readCapLastCap(), Number(readSysctl('kernel/cap_last_cap')));
  assert.is(typeof readFdTarget(1), 'string');
  assert.is(readFdTarget(987654), undefined);
});

// Read by read(2) alone, in chunks: every byte, at every size around a chunk's edge.
test('readProcFile() reads a file whole, whatever its size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capexec-proc-'));
  try {
    for (const size of [0, 1, 8191, 8192, 8193, 73728, 73729, 300000]) {
      const file = join(dir, String(size));
      writeFileSync(file, Buffer.from(Array.from({ length: size }, (_, i) => i % 251)));
      assert.ok(readProcFile(file).equals(readFileSync(file)), String(size));
    }
    assert.ok(readProcFile('/proc/self/cmdline').equals(readFileSync('/proc/self/cmdline')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
