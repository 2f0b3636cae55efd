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

test('PREFIX must be an existing absolute directory that is its own real path', () => {
  const base = mkdtempSync(join(tmpdir(), 'capexec-prefix-'));
  try {
    symlinkSync(base, join(base, 'link'));
    writeFileSync(join(base, 'file'), '');
    assert.is(resolvePrefix('install', `${base}/`), base);
    assert.is(resolvePrefix('uninstall', base), base);
    for (const mode of ['install', 'uninstall'] as const) {
      const refused = refusal(() => resolvePrefix(mode, join(base, 'link')));
      assert.is(refused.code, 'prefix_not_real');
      assert.is(refused.why, `a symbolic link leads it to ${base}`);
      assert.is(refused.fix, 'give the real path, with no symbolic link in it');
      assert.is(refusal(() => resolvePrefix(mode, join(base, 'link', '..', 'link'))).code, 'prefix_not_real');
    }
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
    path: '/tmp', why: 'is writable by group and others (mode 1777)', fix: undefined,
  });
});

test('PREFIX and every directory above it must be root-owned and writable by no one else', () => {
  assert.equal(findUntrustedLayout('/opt', fs({ ...standard, '/opt': dir(0o775) }))?.why, 'is writable by group (mode 0775)');
  const home = fs({ ...standard, '/home': dir(0o755), '/home/alice': dir(0o755, 1000), '/home/alice/p': dir(0o755) });
  assert.equal(findUntrustedLayout('/home/alice/p', home), {
    path: '/home/alice', why: 'is owned by uid 1000, not root', fix: undefined,
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

test('where no change is safe, the fix is a fresh root-owned directory, never chmod or chown', () => {
  const retry = (prefix: string): string => `capexec --install ${prefix} --cap cap_net_admin`;
  const tmp = refusal(() => refuseUntrustedLayout('install', '/tmp', fs(standard), retry));
  assert.is(tmp.message, 'refusing to install into /tmp: /tmp is writable by group and others (mode 1777)');
  assert.is(tmp.fix, 'leave /tmp as it is and use a fresh directory: as root: mkdir -m 0755 /opt/capexec && capexec --install /opt/capexec --cap cap_net_admin');
  const usr = { ...standard, '/usr': dir(0o755), '/usr/local': dir(0o755), '/usr/bin': dir(0o775) };
  assert.is(refusal(() => refuseUntrustedLayout('install', '/usr', fs(usr), retry)).fix, 'leave /usr/bin as it is and use a fresh directory: as root: mkdir -m 0755 /opt/capexec && capexec --install /opt/capexec --cap cap_net_admin');
  // Only a place that does not exist yet, in a directory only root can change.
  const taken = { ...usr, '/opt/capexec': dir(0o755) };
  assert.match(refusal(() => refuseUntrustedLayout('install', '/tmp', fs(taken), retry)).fix ?? '', /mkdir -m 0755 \/usr\/local\/capexec && capexec --install \/usr\/local\/capexec /);
  const nowhere = { ...standard, '/': dir(0o755, 65534) };
  assert.is(refusal(() => refuseUntrustedLayout('install', '/tmp/p', fs(nowhere), retry)).fix, 'leave / as it is, and choose a PREFIX that root owns and no one else can write, all the way up');
  assert.is(refusal(() => refuseUntrustedLayout('uninstall', '/tmp', fs(standard))).fix, 'leave /tmp as it is, and remove the installation by hand');
  for (const error of [tmp, refusal(() => refuseUntrustedLayout('install', '/tmp/p', fs(nowhere), retry))]) assert.not.match(error.fix ?? '', /chmod|chown/);
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
