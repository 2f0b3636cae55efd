import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapexecError } from '../../../src/support/errors';
import { commitAll, fileSystemFailure, findContent, replaceWithSymlink, type StagedFile } from '../../../src/install/files';

test('a failed file operation becomes one line naming the path, escaped', () => {
  const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/opt/x\n/bin' });
  const failure = fileSystemFailure('cannot install into /opt/x', error);
  assert.instance(failure, CapexecError);
  assert.is((failure as CapexecError).message, 'cannot install into /opt/x: /opt/x\\x0a/bin: ENOSPC');
  const withoutPath = fileSystemFailure('cannot install into /opt/x', Object.assign(new Error('x'), { code: 'EIO' }));
  assert.is((withoutPath as CapexecError).why, 'EIO');
});

test('anything else passes through unchanged', () => {
  const capexecError = new CapexecError('foreign_file', 'refusing', 'because');
  assert.is(fileSystemFailure('cannot install', capexecError), capexecError);
  const bug = new TypeError('x is undefined');
  assert.is(fileSystemFailure('cannot install', bug), bug);
});

test('what is at a path: missing, a symlink, a directory, or a file by its hash', () => {
  const base = mkdtempSync(join(tmpdir(), 'capexec-files-'));
  try {
    writeFileSync(join(base, 'file'), 'abc');
    symlinkSync('/somewhere/else', join(base, 'link'));
    mkdirSync(join(base, 'directory'));
    assert.equal(findContent(join(base, 'missing'), true), { missing: true });
    assert.equal(findContent(join(base, 'link'), true), { symlink: '/somewhere/else' });
    assert.equal(findContent(join(base, 'directory'), true), { other: 'a directory' });
    assert.equal(findContent(join(base, 'file'), true), { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    assert.equal(findContent(join(base, 'file'), false), { other: 'a file' });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

function inScratch(body: (base: string) => void): void {
  const base = mkdtempSync(join(tmpdir(), 'capexec-files-'));
  try {
    body(base);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

// A file staged beside `target`, as stageCopy() leaves it, without needing root.
function staged(target: string, text: string): StagedFile {
  const temporary = `${target}.capexec-new`;
  writeFileSync(temporary, text);
  return { temporary, target, sha256: '' };
}

test('staged files are put in place in the given order', () => {
  inScratch((base) => {
    const files = [staged(join(base, 'a'), 'one\n'), staged(join(base, 'b'), 'two\n')];
    assert.equal(readdirSync(base).sort(), ['a.capexec-new', 'b.capexec-new']);
    commitAll(files);
    assert.equal(readdirSync(base).sort(), ['a', 'b']);
    assert.is(readFileSync(join(base, 'b'), 'utf8'), 'two\n');
  });
});

test('a failed commit leaves no staged temporary behind, committed or not', () => {
  inScratch((base) => {
    // A non-empty directory in its place makes the second rename fail.
    mkdirSync(join(base, 'b', 'in-the-way'), { recursive: true });
    const files = [staged(join(base, 'a'), 'one\n'), staged(join(base, 'b'), 'two\n'), staged(join(base, 'c'), 'three\n')];
    assert.throws(() => commitAll(files), (error: NodeJS.ErrnoException) => error.code === 'EISDIR' || error.code === 'ENOTEMPTY');
    assert.equal(readdirSync(base).sort(), ['a', 'b']);
    assert.equal(readdirSync(join(base, 'b')), ['in-the-way']);
  });
});

test('a link is replaced in one step, and a failed replacement leaves no temporary', () => {
  inScratch((base) => {
    symlinkSync('/old', join(base, 'link'));
    replaceWithSymlink(join(base, 'link'), '/new');
    assert.is(readlinkSync(join(base, 'link')), '/new');
    mkdirSync(join(base, 'directory', 'in-the-way'), { recursive: true });
    assert.throws(() => replaceWithSymlink(join(base, 'directory'), '/new'));
    assert.equal(readdirSync(base).sort(), ['directory', 'link']);
  });
});

test.run();
