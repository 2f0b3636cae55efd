import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync, chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync,
  rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { DIST, installCopy, privileged, ROOT, scratchDirectory } from '../helpers/privileged';
import { isOneErrorLine, runAsNobody, runAsRoot, shQuote } from '../helpers/run';

const NET_ADMIN = 1n << 12n;
const BUILD = join(DIST, 'capexec');

const install = suite('--install and --uninstall');
const prefixes: string[] = [];

install.after.each(() => {
  for (const prefix of prefixes.splice(0)) rmSync(prefix, { recursive: true, force: true });
});

function scratchPrefix(): string {
  const prefix = scratchDirectory('prefix');
  prefixes.push(prefix);
  return prefix;
}

const installInto = (prefix: string, ...more: string[]) => runAsRoot(BUILD, ['--install', prefix, '--cap', 'net_admin', ...more]);
const uninstallFrom = (prefix: string) => runAsRoot(BUILD, ['--uninstall', prefix]);

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

// Everything --install decides about a tree (kind, mode, owner, content, link target,
// file capabilities), and nothing that changes on every run, such as times and inodes.
function snapshot(root: string, under = ''): string[] {
  return readdirSync(join(root, under)).sort().flatMap((name) => {
    const relative = join(under, name);
    const path = join(root, relative);
    const found = lstatSync(path);
    const head = `${relative} ${(found.mode & 0o7777).toString(8)} ${found.uid}:${found.gid}`;
    if (found.isSymbolicLink()) return [`${head} -> ${readlinkSync(path)}`];
    if (found.isDirectory()) return [`${head} dir`, ...snapshot(root, relative)];
    const caps = execFileSync('getcap', [path], { encoding: 'utf8' }).trim().split(' ').slice(1).join(' ');
    return [`${head} ${sha256(path)} ${caps}`.trimEnd()];
  });
}

async function helperStatusAs(argv: string[]): Promise<Map<string, string>> {
  const result = await runAsNobody([...argv, '--cap', 'net_admin', '--', 'cat', '/proc/self/status']);
  assert.is(result.exitCode, 0, String(result.stderr));
  return statusFields(String(result.stdout));
}

privileged(install, 'puts the executable, addon, link and man pages in place, cap_net_admin+p only', async () => {
  const prefix = scratchPrefix();
  const result = await installInto(prefix);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(result.stderr, '');
  const executable = `${prefix}/libexec/capexec/capexec`;
  assert.is(result.stdout, [
    `installed ${executable} (cap_net_admin+p, mode 0755 root:root)`,
    `installed ${prefix}/libexec/capexec/koffi.node`,
    `installed ${prefix}/share/man/man1/capexec.1`,
    `installed ${prefix}/share/man/man5/capexec.conf.5`,
    `linked ${prefix}/bin/capexec -> ${executable}`,
    `verified: user nobody gets cap_net_admin through ${executable}`,
  ].join('\n'));

  const tree = snapshot(prefix);
  assert.equal(tree.map((line) => line.split(' ').slice(0, 3).join(' ')), [
    'bin 755 0:0', 'bin/capexec 777 0:0',
    'libexec 755 0:0', 'libexec/capexec 755 0:0', 'libexec/capexec/capexec 755 0:0',
    'libexec/capexec/install-manifest.json 644 0:0', 'libexec/capexec/koffi.node 644 0:0',
    'share 755 0:0', 'share/man 755 0:0', 'share/man/man1 755 0:0', 'share/man/man1/capexec.1 644 0:0',
    'share/man/man5 755 0:0', 'share/man/man5/capexec.conf.5 644 0:0',
  ]);
  assert.is(readlinkSync(`${prefix}/bin/capexec`), executable);
  assert.ok(tree.includes(`libexec/capexec/capexec 755 0:0 ${sha256(BUILD)} cap_net_admin=p`), tree.join('\n'));
  assert.is(sha256(`${prefix}/libexec/capexec/koffi.node`), sha256(join(DIST, 'koffi.node')));
  assert.is(sha256(`${prefix}/share/man/man1/capexec.1`), sha256(join(DIST, 'capexec.1')));
  assert.is(sha256(`${prefix}/share/man/man5/capexec.conf.5`), sha256(join(DIST, 'capexec.conf.5')));

  const status = await helperStatusAs([`${prefix}/bin/capexec`]);
  for (const set of ['CapAmb', 'CapPrm', 'CapEff']) assert.is(capMaskField(status, set), NET_ADMIN, set);
});

privileged(install, 'a second --install changes nothing, and --uninstall restores the tree as it was', async () => {
  const prefix = scratchPrefix();
  mkdirSync(`${prefix}/bin`, 0o755);
  writeFileSync(`${prefix}/bin/other`, 'not capexec\n', { mode: 0o755 });
  mkdirSync(`${prefix}/share/man/man1`, { recursive: true, mode: 0o755 });
  writeFileSync(`${prefix}/share/man/man1/other.1`, '.TH OTHER 1\n');
  const before = snapshot(prefix);

  assert.is((await installInto(prefix)).exitCode, 0);
  const once = snapshot(prefix);
  const again = await installInto(prefix);
  assert.is(again.exitCode, 0, String(again.stderr));
  assert.match(String(again.stdout), `\nunchanged: the same files, cap_net_admin, group none, as installed before\nverified: `);
  assert.equal(snapshot(prefix), once);

  const removed = await uninstallFrom(prefix);
  assert.is(removed.exitCode, 0, String(removed.stderr));
  assert.is(removed.stderr, '');
  assert.is(removed.stdout, [
    `removed ${prefix}/libexec/capexec/capexec`,
    `removed ${prefix}/libexec/capexec/koffi.node`,
    `removed ${prefix}/share/man/man1/capexec.1`,
    `removed ${prefix}/share/man/man5/capexec.conf.5`,
    `removed ${prefix}/bin/capexec`,
    `removed ${prefix}/libexec/capexec/install-manifest.json`,
    `removed ${prefix}/share/man/man5/`,
    `removed ${prefix}/libexec/capexec/`,
    `removed ${prefix}/libexec/`,
  ].join('\n'));
  assert.equal(snapshot(prefix), before);
});

privileged(install, '--uninstall keeps a file changed since it was installed, and says so', async () => {
  const prefix = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  appendFileSync(`${prefix}/share/man/man1/capexec.1`, '.\\" local note\n');
  const result = await uninstallFrom(prefix);
  assert.is(result.exitCode, 0, String(result.stderr));
  const notes = String(result.stderr).split('\n');
  assert.equal(notes, [
    `capexec: kept ${prefix}/share/man/man1/capexec.1: changed since it was installed`,
    `capexec: kept ${prefix}/share/man/man1/: not empty`,
    `capexec: kept ${prefix}/share/man/: not empty`,
    `capexec: kept ${prefix}/share/: not empty`,
    `capexec: kept ${prefix}/libexec/capexec/: not empty`,
    `capexec: kept ${prefix}/libexec/: not empty`,
    `capexec: kept ${prefix}/libexec/capexec/install-manifest.json: it lists what was kept, for a later --uninstall`,
  ]);
  assert.equal(snapshot(prefix).map((line) => line.split(' ')[0]), [
    'libexec', 'libexec/capexec', 'libexec/capexec/install-manifest.json', 'share', 'share/man', 'share/man/man1', 'share/man/man1/capexec.1',
  ]);
  const manifest = JSON.parse(readFileSync(`${prefix}/libexec/capexec/install-manifest.json`, 'utf8')) as { files: Record<string, unknown>; createdDirectories: string[] };
  assert.equal(Object.keys(manifest.files), ['share/man/man1/capexec.1']);
  assert.equal(manifest.createdDirectories, ['libexec', 'libexec/capexec', 'share', 'share/man', 'share/man/man1']);

  // Once the changed file is dealt with, --uninstall removes the rest.
  rmSync(`${prefix}/share/man/man1/capexec.1`);
  const again = await uninstallFrom(prefix);
  assert.is(again.exitCode, 0, String(again.stderr));
  assert.is(again.stderr, '');
  assert.equal(readdirSync(prefix), []);
});

privileged(install, 'a reinstall with fewer caps or another group says what changed', async () => {
  const group = `capexec-c${process.pid}`;
  execFileSync('groupadd', [group]);
  try {
    const prefix = scratchPrefix();
    assert.is((await runAsRoot(BUILD, ['--install', prefix, '--cap', 'net_admin,net_raw'])).exitCode, 0);
    const fewer = await installInto(prefix, '--group', group);
    assert.is(fewer.exitCode, 0, String(fewer.stderr));
    assert.match(String(fewer.stdout), `\nchanged caps: was cap_net_admin,cap_net_raw, now cap_net_admin\nchanged group: was none, now ${group}\nverified: `);
    assert.not.match(String(fewer.stdout), /unchanged/);
    assert.is((await uninstallFrom(prefix)).exitCode, 0);
  } finally {
    execFileSync('groupdel', [group]);
  }
});

privileged(install, 'an installed copy reinstalls itself, and installs elsewhere, from its own files', async () => {
  const prefix = scratchPrefix();
  const other = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  const self = await runAsRoot(`${prefix}/bin/capexec`, ['--install', prefix, '--cap', 'net_admin,net_raw']);
  assert.is(self.exitCode, 0, String(self.stderr));
  assert.match(String(self.stdout), `verified: user nobody gets cap_net_admin,cap_net_raw through ${prefix}/libexec/capexec/capexec`);
  const elsewhere = await runAsRoot(`${prefix}/bin/capexec`, ['--install', other, '--cap', 'net_admin']);
  assert.is(elsewhere.exitCode, 0, String(elsewhere.stderr));
  for (const [name, built] of [['libexec/capexec/capexec', 'capexec'], ['libexec/capexec/koffi.node', 'koffi.node'], ['share/man/man1/capexec.1', 'capexec.1'], ['share/man/man5/capexec.conf.5', 'capexec.conf.5']] as const) {
    assert.is(sha256(`${prefix}/${name}`), sha256(join(DIST, built)), name);
    assert.is(sha256(`${other}/${name}`), sha256(join(DIST, built)), name);
  }
  const status = await helperStatusAs([`${other}/bin/capexec`]);
  assert.is(capMaskField(status, 'CapAmb'), NET_ADMIN);
  for (const each of [prefix, other]) assert.is((await uninstallFrom(each)).exitCode, 0);
});

privileged(install, 'an installed copy without its caps says to --install again, not to setcap', async () => {
  const prefix = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  const executable = `${prefix}/libexec/capexec/capexec`;
  const lacking = await runAsNobody([`${prefix}/bin/capexec`, '--cap', 'net_raw', '--', 'true']);
  assert.is(lacking.exitCode, 125);
  assert.match(String(lacking.stderr), `(as root: ${executable} --install ${prefix} --cap cap_net_admin,cap_net_raw)`);
  execFileSync('setcap', ['-r', executable]);
  const none = await runAsNobody([`${prefix}/bin/capexec`, '--cap', 'net_admin', '--', 'true']);
  assert.is(none.exitCode, 125);
  assert.match(String(none.stderr), `(as root: ${executable} --install ${prefix} --cap cap_net_admin)`);
  assert.not.match(String(none.stderr), /setcap/);
  // Pasted, it works, and the manifest stays true.
  assert.is((await runAsRoot(executable, ['--install', prefix, '--cap', 'cap_net_admin'])).exitCode, 0);
  assert.is(capMaskField(await helperStatusAs([`${prefix}/bin/capexec`]), 'CapAmb'), NET_ADMIN);
  assert.is((await uninstallFrom(prefix)).exitCode, 0);
  assert.equal(readdirSync(prefix), []);
});

privileged(install, 'an output that fails still gets the check; what is not verified is rolled back', async () => {
  const prefix = scratchPrefix();
  const full = await runAsRoot('sh', ['-c', `exec ${shQuote(BUILD)} --install ${shQuote(prefix)} --cap net_admin >/dev/full`]);
  assert.is(full.exitCode, 125);
  assert.is(full.stderr, `capexec: cannot write the output: ENOSPC (the installation in ${prefix} is in place and verified)`);
  assert.is(capMaskField(await helperStatusAs([`${prefix}/bin/capexec`]), 'CapAmb'), NET_ADMIN);
  assert.is((await uninstallFrom(prefix)).exitCode, 0);

  const mountPoint = scratchPrefix();
  const script = [
    `mount -t tmpfs -o nosuid,mode=0755 tmpfs ${shQuote(mountPoint)}`,
    `${shQuote(BUILD)} --install ${shQuote(mountPoint)} --cap net_admin >/dev/full`,
    'echo "install=$?"',
    `ls -A ${shQuote(mountPoint)} | wc -l`,
  ].join('; ');
  const result = await runAsRoot('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]);
  assert.is(result.stdout, 'install=125\n0');
  assert.match(String(result.stderr), `capexec: rolled back the installation into ${mountPoint}: installed ${mountPoint}/libexec/capexec/capexec does not work for user nobody: `);
});

privileged(install, 'a reinstall that does not verify puts the previous installation back', async () => {
  const prefix = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  const before = snapshot(prefix);
  // The same tree, seen through a nosuid mount in a private namespace: the new copy
  // cannot work there, so nothing of it may stay.
  const script = [
    `mount --bind ${shQuote(prefix)} ${shQuote(prefix)}`,
    `mount -o remount,bind,nosuid ${shQuote(prefix)}`,
    `${shQuote(BUILD)} --install ${shQuote(prefix)} --cap net_raw`,
  ].join(' && ');
  const result = await runAsRoot('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]);
  assert.is(result.exitCode, 125);
  assert.is(result.stdout, '');
  assert.ok(String(result.stderr).startsWith(`capexec: rolled back the installation into ${prefix}: installed `), String(result.stderr));
  assert.equal(snapshot(prefix), before);
  assert.is((await uninstallFrom(prefix)).exitCode, 0);
  assert.equal(readdirSync(prefix), []);
});

privileged(install, 'refuses non-root callers, bad prefixes, unknown caps and groups, writing nothing', async () => {
  const prefix = scratchPrefix();
  // A copy nobody can reach, wherever the checkout is.
  const copy = installCopy(undefined);
  const refusals: [Promise<{ exitCode?: number | undefined; stderr: unknown }>, RegExp][] = [
    [runAsNobody([copy.exe, '--install', prefix, '--cap', 'net_admin']), /^capexec: --install must be run by root: .* \(run it as root, e\.g\. sudo capexec --install \.\.\.\)$/],
    [runAsNobody([copy.exe, '--uninstall', prefix]), /^capexec: --uninstall must be run by root: /],
    [installInto('relative/prefix'), /^capexec: --install 'relative\/prefix': PREFIX must be an absolute path/],
    [installInto(join(prefix, 'missing')), /^capexec: --install \S+\/missing: no such directory \(create it first, or check the spelling\)$/],
    [runAsRoot(BUILD, ['--install', prefix, '--cap', 'net_admn']), /^capexec: unknown capability 'net_admn' \(did you mean net_admin\?\)$/],
    [runAsRoot(BUILD, ['--install', prefix, '--cap', '64']), /^capexec: unknown capability '64'/],
    [installInto(prefix, '--group', 'capexec-no-such-group'), /^capexec: --group 'capexec-no-such-group': no such group/],
    [installInto(prefix, '--group', 'a:b'), /^capexec: --group 'a:b': not a valid group name$/],
  ];
  try {
    for (const [pending, message] of refusals) {
      const result = await pending;
      assert.is(result.exitCode, 125, String(result.stderr));
      assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
      assert.match(String(result.stderr), message);
    }
    assert.equal(readdirSync(prefix), []);
  } finally {
    copy.remove();
  }
});

// A PREFIX with every layout directory in place, as root's, mode 0755.
function prefixWithLayout(): string {
  const prefix = scratchPrefix();
  for (const directory of ['bin', 'libexec/capexec', 'share/man/man1']) mkdirSync(`${prefix}/${directory}`, { recursive: true, mode: 0o755 });
  return prefix;
}

privileged(install, 'refuses PREFIX or a layout directory that anyone but root could change, writing nothing', async () => {
  const cases: [string, (prefix: string) => void, (prefix: string) => string][] = [
    ['group-writable private directory', (p) => chmodSync(`${p}/libexec/capexec`, 0o775), (p) => `${p}/libexec/capexec is writable by group (mode 0775)`],
    ['sticky private directory', (p) => chmodSync(`${p}/libexec/capexec`, 0o1777), (p) => `${p}/libexec/capexec is writable by group and others (mode 1777)`],
    ['libexec of nobody', (p) => chownSync(`${p}/libexec`, 65534, 65534), (p) => `${p}/libexec is owned by uid 65534, not root`],
    ['PREFIX of nobody', (p) => chownSync(p, 65534, 65534), (p) => `${p} is owned by uid 65534, not root`],
    ['sticky world-writable PREFIX', (p) => chmodSync(p, 0o1777), (p) => `${p} is writable by group and others (mode 1777)`],
    ['group-writable bin', (p) => chmodSync(`${p}/bin`, 0o775), (p) => `${p}/bin is writable by group (mode 0775)`],
    ['share/man of nobody', (p) => chownSync(`${p}/share/man`, 65534, 65534), (p) => `${p}/share/man is owned by uid 65534, not root`],
    ['world-writable man1', (p) => chmodSync(`${p}/share/man/man1`, 0o777), (p) => `${p}/share/man/man1 is writable by group and others (mode 0777)`],
  ];
  for (const [name, plant, why] of cases) {
    const prefix = prefixWithLayout();
    plant(prefix);
    const before = snapshot(prefix);
    const result = await installInto(prefix);
    assert.is(result.exitCode, 125, name);
    assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
    // A sticky world-writable directory is shared by its nature: never chmod it.
    const fix = name.startsWith('sticky') ? `leave ${why(prefix).split(' ')[0] ?? ''} as it is and use a fresh directory: as root: mkdir -m 0755 ` : 'as root: ';
    assert.match(String(result.stderr), `capexec: refusing to install into ${prefix}: ${why(prefix)} (${fix}`, name);
    assert.equal(snapshot(prefix), before, name);
  }
});

privileged(install, 'refuses symbolic links nobody planted in PREFIX, and leaves what they point to alone', async () => {
  const prefix = scratchPrefix();
  const victim = scratchPrefix();
  chmodSync(victim, 0o700);
  writeFileSync(`${victim}/secret`, 'root only\n', { mode: 0o600 });
  mkdirSync(`${victim}/man/man1`, { recursive: true, mode: 0o700 });
  const victimBefore = snapshot(victim);

  // Open to everyone, as a scratch directory in /tmp might be; root closes it later,
  // but what was planted meanwhile stays.
  chmodSync(prefix, 0o1777);
  for (const name of ['bin', 'share']) {
    const planted = await runAsNobody(['ln', '-s', victim, `${prefix}/${name}`]);
    assert.is(planted.exitCode, 0, String(planted.stderr));
  }
  const refusedWhileOpen = await installInto(prefix);
  assert.is(refusedWhileOpen.exitCode, 125);
  assert.match(String(refusedWhileOpen.stderr), `capexec: refusing to install into ${prefix}: ${prefix} is writable by group and others (mode 1777) (leave ${prefix} as it is and use a fresh directory: `);

  chmodSync(prefix, 0o755);
  const fix = '(make it a real directory owned by root, or choose another PREFIX)';
  const refusedBin = await installInto(prefix);
  assert.is(refusedBin.exitCode, 125);
  assert.is(refusedBin.stderr, `capexec: refusing to install into ${prefix}: ${prefix}/bin is a symbolic link ${fix}`);
  rmSync(`${prefix}/bin`);
  const refusedShare = await installInto(prefix);
  assert.is(refusedShare.exitCode, 125);
  assert.is(refusedShare.stderr, `capexec: refusing to install into ${prefix}: ${prefix}/share is a symbolic link ${fix}`);
  const refusedUninstall = await uninstallFrom(prefix);
  assert.is(refusedUninstall.exitCode, 125);
  assert.is(refusedUninstall.stderr, `capexec: refusing to uninstall from ${prefix}: ${prefix}/share is a symbolic link ${fix}`);

  assert.equal(readdirSync(prefix), ['share']);
  assert.equal(snapshot(victim), victimBefore);
  const victimItself = lstatSync(victim);
  assert.equal([victimItself.mode & 0o7777, victimItself.uid, victimItself.gid], [0o700, 0, 0]);
});

privileged(install, '--uninstall removes nothing through a layout directory swapped for a symbolic link', async () => {
  const prefix = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  // Elsewhere, a file --uninstall would take for its own: the same man page.
  const victim = scratchPrefix();
  mkdirSync(`${victim}/man/man1`, { recursive: true, mode: 0o755 });
  writeFileSync(`${victim}/man/man1/capexec.1`, readFileSync(join(DIST, 'capexec.1')));
  const victimBefore = snapshot(victim);

  chmodSync(prefix, 0o777);
  const swapped = await runAsNobody(['sh', '-c', 'mv "$1/share" "$1/share.old" && ln -s "$2" "$1/share"', 'sh', prefix, victim]);
  assert.is(swapped.exitCode, 0, String(swapped.stderr));
  chmodSync(prefix, 0o755);
  const before = snapshot(prefix);
  const refused = await uninstallFrom(prefix);
  assert.is(refused.exitCode, 125);
  assert.is(refused.stderr, `capexec: refusing to uninstall from ${prefix}: ${prefix}/share is a symbolic link (make it a real directory owned by root, or choose another PREFIX)`);
  assert.equal(snapshot(prefix), before);
  assert.equal(snapshot(victim), victimBefore);

  // Put right by root, the installation comes out as usual.
  rmSync(`${prefix}/share`);
  execFileSync('mv', [`${prefix}/share.old`, `${prefix}/share`]);
  assert.is((await uninstallFrom(prefix)).exitCode, 0);
  assert.equal(readdirSync(prefix), []);
});

privileged(install, '--uninstall refuses a layout directory others can write to, before removing anything', async () => {
  const prefix = scratchPrefix();
  assert.is((await installInto(prefix)).exitCode, 0);
  chmodSync(`${prefix}/bin`, 0o775);
  const before = snapshot(prefix);
  const refused = await uninstallFrom(prefix);
  assert.is(refused.exitCode, 125);
  assert.is(refused.stderr, `capexec: refusing to uninstall from ${prefix}: ${prefix}/bin is writable by group (mode 0775) (as root: chmod go-w ${prefix}/bin)`);
  assert.equal(snapshot(prefix), before);
  chmodSync(`${prefix}/bin`, 0o755);
  assert.is((await uninstallFrom(prefix)).exitCode, 0);
});

privileged(install, 'never suggests changing /tmp: the fix for a shared PREFIX is a fresh root-owned directory', async () => {
  const before = lstatSync('/tmp');
  const result = await runAsRoot(BUILD, ['--install', '/tmp', '--cap', 'net_admin']);
  assert.is(result.exitCode, 125);
  assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
  const stderr = String(result.stderr);
  assert.match(stderr, /^capexec: refusing to install into \/tmp: \/tmp is writable by group and others \(mode 1777\) \(leave \/tmp as it is and use a fresh directory: as root: mkdir -m 0755 (\/opt\/capexec|\/usr\/local\/capexec) && /);
  const fresh = /mkdir -m 0755 (\S+) && /.exec(stderr)?.[1] ?? '';
  assert.ok(stderr.endsWith(` && ${BUILD} --install ${fresh} --cap cap_net_admin)`), stderr);
  assert.not.match(stderr, /chmod|chown/);
  assert.not.ok(existsSync(fresh));
  assert.is(lstatSync('/tmp').mode, before.mode);
});

privileged(install, 'refuses a PREFIX that is a symbolic link, wherever it leads, for --install and --uninstall', async () => {
  const shared = scratchPrefix();
  chmodSync(shared, 0o1777);
  const target = scratchPrefix();
  const planted = await runAsNobody(['ln', '-s', target, `${shared}/link`]);
  assert.is(planted.exitCode, 0, String(planted.stderr));
  const refusal = (mode: string) => `capexec: --${mode} ${shared}/link: a symbolic link leads it to ${target} (give the real path, with no symbolic link in it)`;

  const refusedInstall = await installInto(`${shared}/link`);
  assert.is(refusedInstall.exitCode, 125);
  assert.is(refusedInstall.stderr, refusal('install'));
  assert.equal(readdirSync(target), []);

  assert.is((await installInto(target)).exitCode, 0);
  const installed = snapshot(target);
  const refusedUninstall = await uninstallFrom(`${shared}/link`);
  assert.is(refusedUninstall.exitCode, 125);
  assert.is(refusedUninstall.stderr, refusal('uninstall'));
  assert.equal(snapshot(target), installed);
  assert.is((await uninstallFrom(target)).exitCode, 0);
});

privileged(install, 'refuses to replace a file that --install did not put there', async () => {
  const prefix = scratchPrefix();
  mkdirSync(`${prefix}/bin`, 0o755);
  writeFileSync(`${prefix}/bin/capexec`, '#!/bin/sh\n', { mode: 0o755 });
  const before = snapshot(prefix);
  const result = await installInto(prefix);
  assert.is(result.exitCode, 125);
  assert.is(result.stderr, `capexec: refusing to replace ${prefix}/bin/capexec: capexec --install did not put it there (move it away first)`);
  assert.equal(snapshot(prefix), before);
});

privileged(install, 'with --group, members can run it and nobody else can', async () => {
  const group = `capexec-t${process.pid}`;
  execFileSync('groupadd', [group]);
  try {
    const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    const prefix = scratchPrefix();
    const result = await installInto(prefix, '--group', group);
    assert.is(result.exitCode, 0, String(result.stderr));
    assert.match(String(result.stdout), `(cap_net_admin+p, mode 0750 root:${group})`);
    assert.match(String(result.stdout), `verified: user nobody in group ${group} gets cap_net_admin through ${prefix}/libexec/capexec/capexec\n`);
    assert.match(String(result.stdout), `verified: users outside group ${group} cannot run it`);
    for (const path of [`${prefix}/libexec/capexec`, `${prefix}/libexec/capexec/capexec`]) {
      const found = lstatSync(path);
      assert.equal([found.mode & 0o7777, found.uid, found.gid], [0o750, 0, gid], path);
    }

    // setpriv still holds root's capabilities when it execs; through sh, the exec is an
    // ordinary user's, and the directory's mode is what lets it through or not.
    const launch = [`${prefix}/bin/capexec`, '--cap', 'net_admin', '--', 'cat', '/proc/self/status'];
    const member = await runAsRoot('setpriv', ['--reuid=65534', `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', 'sh', '-c', 'exec "$@"', 'sh', ...launch]);
    assert.is(member.exitCode, 0, String(member.stderr));
    assert.is(capMaskField(statusFields(String(member.stdout)), 'CapAmb'), NET_ADMIN);
    const outsider = await runAsNobody(launch);
    assert.is.not(outsider.exitCode, 0);
    assert.match(String(outsider.stderr), /Permission denied/);

    assert.is((await uninstallFrom(prefix)).exitCode, 0);
    assert.equal(readdirSync(prefix), []);
  } finally {
    execFileSync('groupdel', [group]);
  }
});

privileged(install, 'on a nosuid mount it says why the caps do not work, fails and rolls back, leaving nothing to uninstall', async () => {
  const mountPoint = scratchPrefix();
  const script = [
    `mount -t tmpfs -o nosuid,mode=0755 tmpfs ${shQuote(mountPoint)}`,
    `${shQuote(BUILD)} --install ${shQuote(mountPoint)} --cap net_admin >/dev/null`,
    'echo "install=$?"',
    `${shQuote(BUILD)} --uninstall ${shQuote(mountPoint)} >/dev/null`,
    'echo "uninstall=$?"',
    `ls -A ${shQuote(mountPoint)} | wc -l`,
  ].join('; ');
  const result = await runAsRoot('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]);
  assert.is(result.stdout, 'install=125\nuninstall=125\n0');
  const [line, ...rest] = String(result.stderr).split('\n');
  assert.match(line ?? '', `capexec: rolled back the installation into ${mountPoint}: installed ${mountPoint}/libexec/capexec/capexec does not work for user nobody: it says: cannot pass cap_net_admin: `);
  assert.match(line ?? '', `(${mountPoint} is on a nosuid mount (${mountPoint}), where the kernel ignores file capabilities: install under another prefix)`);
  assert.equal(rest.length, 1, String(result.stderr));
  assert.match(rest[0] ?? '', `capexec: nothing to uninstall in ${mountPoint}: `);
});

privileged(install, 'only the standalone executable installs, not capexec as a script on Node', async () => {
  const prefix = scratchPrefix();
  const result = await runAsRoot(process.execPath, [join(ROOT, 'bin', 'capexec'), '--install', prefix, '--cap', 'net_admin']);
  assert.is(result.exitCode, 125);
  assert.match(String(result.stderr), /^capexec: --install works only from the standalone executable: /);
  assert.equal(readdirSync(prefix), []);
});

privileged(install, 'npm run demo shows nobody failing, then succeeding through capexec, and leaves nothing behind', async () => {
  const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('capexec-demo'));
  const before = leftovers();
  const result = await runAsRoot('bash', [join(ROOT, 'scripts', 'demo.sh')], { timeout: 120_000 });
  assert.is(result.exitCode, 0, `${String(result.stdout)}\n${String(result.stderr)}`);
  const out = String(result.stdout);
  assert.match(String(result.stderr), /TUNSETIFF: Operation not permitted|Operation not permitted/);
  assert.match(out, /verified: user nobody gets cap_net_admin/);
  assert.match(out, /capexec0: .*\n.*\n\s+tun type tap .*persist on user nobody/);
  assert.match(out, /\$ capexec --uninstall \S+\nremoved /);
  assert.equal(leftovers(), before);
  assert.ok(existsSync('/dev/net/tun'));
});

install.run();
