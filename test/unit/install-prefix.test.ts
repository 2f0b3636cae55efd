import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapexecError } from '../../src/errors';
import { refuseUntrustedPrivateDirectory, requireRoot, resolvePrefix } from '../../src/install/prefix';
import type { PathStat, StatPath } from '../../src/trusted-path';

function refusal(body: () => void): CapexecError {
  try {
    body();
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).exitCode, 125);
    return error as CapexecError;
  }
  throw new Error('not refused');
}

test('only root may install or uninstall', () => {
  requireRoot('install', 0, 0);
  assert.match(refusal(() => requireRoot('install', 1000, 1000)).what, /^--install must be run by root$/);
  assert.match(refusal(() => requireRoot('uninstall', 1000, 0)).what, /^--uninstall must be run by root$/);
  assert.match(refusal(() => requireRoot('install', 0, 1000)).fix ?? '', /sudo/);
});

test('PREFIX must be an existing absolute directory, and its real path is used', () => {
  const base = mkdtempSync(join(tmpdir(), 'capexec-prefix-'));
  try {
    symlinkSync(base, join(base, 'link'));
    writeFileSync(join(base, 'file'), '');
    assert.is(resolvePrefix('install', join(base, 'link')), base);
    assert.match(refusal(() => resolvePrefix('install', 'usr/local')).why ?? '', /must be an absolute path/);
    assert.match(refusal(() => resolvePrefix('uninstall', join(base, 'missing'))).why ?? '', /no such directory/);
    assert.match(refusal(() => resolvePrefix('install', join(base, 'file'))).why ?? '', /not a directory/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

const dir = (mode: number, uid = 0): PathStat => ({ kind: 'directory', uid, mode: 0o040000 | mode });
const fs = (entries: Record<string, PathStat>): StatPath => (path) => entries[path] ?? { error: 'does not exist', missing: true };
const standard = { '/': dir(0o755), '/opt': dir(0o755), '/tmp': dir(0o1777) };

test('what --install will create is judged as created by root', () => {
  refuseUntrustedPrivateDirectory('/opt', fs(standard));
  refuseUntrustedPrivateDirectory('/tmp', fs(standard));
});

test('a private directory, or one above it, that others can write is refused', () => {
  const writable = refusal(() => refuseUntrustedPrivateDirectory('/opt', fs({ ...standard, '/opt/libexec': dir(0o755), '/opt/libexec/capexec': dir(0o775) })));
  assert.is(writable.what, 'refusing to install into /opt/libexec/capexec');
  assert.is(writable.why, '/opt/libexec/capexec is writable by group (mode 0775)');
  const foreign = refusal(() => refuseUntrustedPrivateDirectory('/opt', fs({ ...standard, '/opt/libexec': dir(0o755, 1000) })));
  assert.is(foreign.why, '/opt/libexec is owned by uid 1000, not root');
  const parent = refusal(() => refuseUntrustedPrivateDirectory('/home/alice', fs({ ...standard, '/home': dir(0o755), '/home/alice': dir(0o700, 1000) })));
  assert.is(parent.why, '/home/alice is owned by uid 1000, not root');
});

test('a lstat failure other than a missing file is not taken for one', () => {
  const stat: StatPath = (path) => (path === '/opt/libexec' ? { error: 'cannot be examined (EACCES)', missing: false } : fs(standard)(path));
  assert.is(refusal(() => refuseUntrustedPrivateDirectory('/opt', stat)).why, '/opt/libexec cannot be examined (EACCES)');
});

test.run();
