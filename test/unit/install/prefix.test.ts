import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapexecError } from '../../../src/support/errors';
import { findUntrustedLayout, refuseUntrustedLayout, requireRoot, resolvePrefix } from '../../../src/install/prefix';
import type { PathStat, StatPath } from '../../../src/support/trusted-path';

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

const dir = (mode: number, uid = 0): PathStat => ({ kind: 'directory', uid, mode: 0o040000 | mode, links: 1 });
const link: PathStat = { kind: 'symlink', uid: 65534, mode: 0o120777, links: 1 };
const fs = (entries: Record<string, PathStat>): StatPath => (path) => entries[path] ?? { error: 'does not exist', missing: true };
const standard = { '/': dir(0o755), '/opt': dir(0o755), '/tmp': dir(0o1777), '/tmp/p': dir(0o755) };
const installed = {
  ...standard, '/opt/bin': dir(0o755), '/opt/libexec': dir(0o755), '/opt/libexec/capexec': dir(0o750),
  '/opt/share': dir(0o755), '/opt/share/man': dir(0o755), '/opt/share/man/man1': dir(0o755),
};

test('missing layout directories pass: --install creates them as root', () => {
  assert.is(findUntrustedLayout('/opt', fs(standard)), undefined);
  assert.is(findUntrustedLayout('/opt', fs({ ...standard, '/opt/share': dir(0o755) })), undefined);
  assert.is(findUntrustedLayout('/opt', fs(installed)), undefined);
});

test('a sticky world-writable directory passes above PREFIX, never as PREFIX', () => {
  assert.is(findUntrustedLayout('/tmp/p', fs(standard)), undefined);
  assert.equal(findUntrustedLayout('/tmp', fs(standard)), {
    path: '/tmp', why: 'is writable by group and others (mode 1777)', fix: 'as root: chmod go-w /tmp',
  });
});

test('PREFIX and every directory above it must be root-owned and writable by no one else', () => {
  assert.equal(findUntrustedLayout('/opt', fs({ ...standard, '/opt': dir(0o775) }))?.why, 'is writable by group (mode 0775)');
  const home = fs({ ...standard, '/home': dir(0o755), '/home/alice': dir(0o755, 1000), '/home/alice/p': dir(0o755) });
  assert.equal(findUntrustedLayout('/home/alice/p', home), {
    path: '/home/alice', why: 'is owned by uid 1000, not root', fix: 'as root: chown root /home/alice',
  });
});

test('a layout directory that is a symbolic link, or not a directory, is refused', () => {
  for (const directory of ['/opt/bin', '/opt/share', '/opt/share/man', '/opt/share/man/man1', '/opt/libexec', '/opt/libexec/capexec']) {
    assert.equal(findUntrustedLayout('/opt', fs({ ...installed, [directory]: link })), {
      path: directory, why: 'is a symbolic link', fix: 'make it a real directory owned by root, or choose another PREFIX',
    }, directory);
  }
  const file: PathStat = { kind: 'file', uid: 0, mode: 0o100644, links: 1 };
  assert.equal(findUntrustedLayout('/opt', fs({ ...standard, '/opt/share': file }))?.why, 'is not a directory');
});

test('a layout directory someone else owns or can write is refused, sticky or not', () => {
  assert.equal(findUntrustedLayout('/opt', fs({ ...installed, '/opt/share/man': dir(0o755, 65534) })), {
    path: '/opt/share/man', why: 'is owned by uid 65534, not root', fix: 'as root: chown root /opt/share/man',
  });
  assert.equal(findUntrustedLayout('/opt', fs({ ...installed, '/opt/bin': dir(0o775) }))?.why, 'is writable by group (mode 0775)');
  assert.equal(findUntrustedLayout('/opt', fs({ ...installed, '/opt/share': dir(0o1777) }))?.why, 'is writable by group and others (mode 1777)');
  assert.equal(findUntrustedLayout('/opt', fs({ ...installed, '/opt/libexec/capexec': dir(0o757) }))?.why, 'is writable by others (mode 0757)');
});

test('the first problem is reported, parents before children', () => {
  const both = fs({ ...installed, '/opt/share': dir(0o755, 1000), '/opt/share/man': link });
  assert.is(findUntrustedLayout('/opt', both)?.path, '/opt/share');
  assert.is(findUntrustedLayout('/opt', fs({ ...installed, '/opt': dir(0o777), '/opt/bin': link }))?.path, '/opt');
});

test('a lstat failure other than a missing file is not taken for one', () => {
  const stat: StatPath = (path) => (path === '/opt/libexec' ? { error: 'cannot be examined (EACCES)', missing: false } : fs(standard)(path));
  assert.is(findUntrustedLayout('/opt', stat)?.why, 'cannot be examined (EACCES)');
});

test('a refusal is one line naming the mode, PREFIX, the path and why, with a fix', () => {
  refuseUntrustedLayout('install', '/opt', fs(installed));
  const install = refusal(() => refuseUntrustedLayout('install', '/opt', fs({ ...installed, '/opt/bin': link })));
  assert.is(install.message, 'refusing to install into /opt: /opt/bin is a symbolic link');
  assert.is(install.fix, 'make it a real directory owned by root, or choose another PREFIX');
  const uninstall = refusal(() => refuseUntrustedLayout('uninstall', '/opt', fs({ ...installed, '/opt/share': dir(0o775) })));
  assert.is(uninstall.message, 'refusing to uninstall from /opt: /opt/share is writable by group (mode 0775)');
  assert.is(uninstall.fix, 'as root: chmod go-w /opt/share');
  const hostile = refusal(() => refuseUntrustedLayout('install', '/opt/\x1b[2J', fs({ ...standard, '/opt/\x1b[2J': dir(0o777) })));
  assert.is(hostile.message, 'refusing to install into /opt/\\x1b[2J: /opt/\\x1b[2J is writable by group and others (mode 0777)');
});

test.run();
