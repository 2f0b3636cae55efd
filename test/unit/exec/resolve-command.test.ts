import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError } from '../../../src/support/errors';
import { closeCommand, openCommand, requireRunnable } from '../../../src/exec/open-command';
import { resolveCommand } from '../../../src/exec/resolve-command';
import { libc } from '../../../src/kernel/libc';

const dir = mkdtempSync(join(tmpdir(), 'capexec-resolve-'));
const bin1 = join(dir, 'bin1');
const bin2 = join(dir, 'bin2');
mkdirSync(bin1);
mkdirSync(bin2);
writeFileSync(join(bin1, 'tool'), '#!/bin/sh\n');
chmodSync(join(bin1, 'tool'), 0o644);
writeFileSync(join(bin2, 'tool'), '#!/bin/sh\n');
chmodSync(join(bin2, 'tool'), 0o755);
mkdirSync(join(bin1, 'adir'));
writeFileSync(join(bin1, 'plain'), '');
chmodSync(join(bin1, 'plain'), 0o644);

const path = (...dirs: string[]): Buffer => Buffer.from(dirs.join(':'));
const exitOf = (run: () => unknown): number => {
  try {
    run();
  } catch (error) {
    assert.instance(error, CapexecError);
    return (error as CapexecError).exitCode;
  }
  return 0;
};

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a name with a slash is used as it is', () => {
  assert.equal(resolveCommand(Buffer.from('./x/y'), path(bin2)).toString(), './x/y');
});

test('the first executable file along PATH wins, skipping unrunnable ones', () => {
  assert.is(resolveCommand(Buffer.from('tool'), path(bin1, bin2)).toString(), join(bin2, 'tool'));
});

test('found but not runnable is 126, nowhere is 127', () => {
  // Root can search anything, but X_OK still needs an execute bit somewhere.
  assert.is(exitOf(() => resolveCommand(Buffer.from('plain'), path(bin1))), 126);
  assert.is(exitOf(() => resolveCommand(Buffer.from('adir'), path(bin1))), 126);
  assert.is(exitOf(() => resolveCommand(Buffer.from('nope'), path(bin1, bin2))), 127);
  assert.is(exitOf(() => resolveCommand(Buffer.alloc(0), path(bin2))), 127);
});

// The file is opened once, and judged from the fd: what execve() would say, 127 for
// nothing there, 126 for anything it would not run, a symbolic-link loop included.
const runnable = (path: string) => () => {
  const opened = openCommand(libc(), Buffer.from(path));
  try {
    requireRunnable(opened);
  } finally {
    closeCommand(opened);
  }
};

test('an opened command is judged as execve() would judge it', () => {
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  assert.is(exitOf(runnable(join(dir, 'nope'))), 127);
  assert.is(exitOf(runnable(join(dir, 'nope', 'deeper'))), 127);
  assert.is(exitOf(runnable(join(bin1, 'plain'))), 126);
  assert.is(exitOf(runnable(join(bin1, 'adir'))), 126);
  assert.is(exitOf(runnable(join(dir, 'loop-a'))), 126);
  assert.is(exitOf(runnable(join(bin2, 'tool'))), 0);
});

test('an empty PATH entry means the working directory', () => {
  const cwd = process.cwd();
  process.chdir(bin2);
  try {
    assert.is(resolveCommand(Buffer.from('tool'), path('/nonexistent', '')).toString(), './tool');
  } finally {
    process.chdir(cwd);
  }
});

test('without PATH, the libc default /bin:/usr/bin is searched', () => {
  assert.ok(['/bin/sh', '/usr/bin/sh'].includes(resolveCommand(Buffer.from('sh'), undefined).toString()));
});

test('names with non-UTF-8 bytes are searched byte for byte', () => {
  const name = Buffer.from([0x74, 0xff]);
  writeFileSync(Buffer.concat([Buffer.from(`${bin2}/`), name]), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal([...resolveCommand(name, path(bin2))], [...Buffer.concat([Buffer.from(`${bin2}/`), name])]);
});

test.run();
