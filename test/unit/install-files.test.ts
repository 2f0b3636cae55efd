import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapexecError } from '../../src/errors';
import { fileSystemFailure, findContent } from '../../src/install/files';

test('a failed file operation becomes one line naming the path, escaped', () => {
  const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/opt/x\n/bin' });
  const failure = fileSystemFailure('cannot install into /opt/x', error);
  assert.instance(failure, CapexecError);
  assert.is((failure as CapexecError).message, 'cannot install into /opt/x: /opt/x\\x0a/bin: ENOSPC');
  const withoutPath = fileSystemFailure('cannot install into /opt/x', Object.assign(new Error('x'), { code: 'EIO' }));
  assert.is((withoutPath as CapexecError).why, 'EIO');
});

test('anything else passes through unchanged', () => {
  const capexecError = new CapexecError('refusing', 'because');
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

test.run();
