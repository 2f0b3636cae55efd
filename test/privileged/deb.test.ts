import { execa, type Options } from 'execa';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { asNobody, privilegedUnavailable, ROOT, scratchDirectory } from '../helpers/privileged';

// The Debian package as an administrator meets it: built by `npm run deb`'s script, then
// installed with dpkg into a fresh Debian chroot made by mmdebstrap, and run there as
// nobody in a private mount namespace. This machine's own /usr and /etc are never
// touched: every dpkg runs chrooted.
const deb = suite('the Debian package');

const EXECUTABLE = '/usr/libexec/capexec/capexec';
const NET_ADMIN = 1n << 12n;
const NET_RAW = 1n << 13n;
const TOOLS = ['mmdebstrap', 'dpkg-deb', 'dpkg-shlibdeps', 'dpkg-gencontrol', 'lintian', 'chroot', 'tar', 'getcap'];
// The chroot's packages beyond mmdebstrap's apt variant: what the package depends on
// and does not come with Debian's essential set, and bash-completion for the script.
const INCLUDE = ['libcap2-bin', 'bash-completion'];
// mmdebstrap's tarball is kept between runs (a week), so that only the first run of
// the suite waits for the mirror; each run unpacks a fresh chroot from it.
const CACHE = join(ROOT, 'node_modules', '.cache', 'capexec-test', `bookworm-apt-${INCLUDE.join('+')}.tar`);
const CACHE_DAYS = 7;

const reason = privilegedUnavailable() ?? missingTool();
let chroot = '';
let packageFile = '';
let work = '';
let setupError: unknown;

function missingTool(): string | undefined {
  const missing = TOOLS.find((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
  return missing === undefined ? undefined : `${missing} is not installed (apt-get install mmdebstrap lintian dpkg-dev)`;
}

// Like privileged(): runs where it can, skips elsewhere, and fails under CI.
function debTest(name: string, body: () => Promise<void>): void {
  if (reason === undefined) {
    deb(name, async () => {
      if (setupError !== undefined) throw setupError;
      await body();
    });
  } else if (process.env['CI']) {
    deb(name, () => {
      throw new Error(`the Debian package test cannot run under CI: ${reason}`);
    });
  } else {
    deb.skip(`${name} (${reason})`, body);
  }
}

async function chrootTarball(): Promise<string> {
  if (existsSync(CACHE) && Date.now() - statSync(CACHE).mtimeMs < CACHE_DAYS * 86_400_000) return CACHE;
  mkdirSync(join(CACHE, '..'), { recursive: true });
  const partial = `${CACHE}.${process.pid}`;
  const made = await execa('mmdebstrap', ['--quiet', '--variant=apt', '--format=tar', `--include=${INCLUDE.join(',')}`, 'bookworm', partial], { reject: false });
  if (made.exitCode !== 0) throw new Error(`mmdebstrap failed: ${made.stderr}`);
  renameSync(partial, CACHE);
  return CACHE;
}

deb.before(async () => {
  if (reason !== undefined) return;
  try {
    work = scratchDirectory('deb');
    // The two slow steps, the package and the chroot, side by side.
    const [built, tarball] = await Promise.all([
      execa(process.execPath, [join(ROOT, 'scripts', 'build-deb.js'), '--out', join(work, 'out')], { reject: false }),
      chrootTarball(),
    ]);
    if (built.exitCode !== 0) throw new Error(`build-deb failed: ${built.stderr}${built.stdout}`);
    const [name] = readdirSync(join(work, 'out')).filter((file) => file.endsWith('.deb'));
    if (name === undefined) throw new Error('build-deb wrote no .deb');
    packageFile = join(work, 'out', name);
    chroot = join(work, 'chroot');
    mkdirSync(chroot, { mode: 0o755 });
    execFileSync('tar', ['-xf', tarball, '-C', chroot]);
    copyFileSync(packageFile, join(chroot, 'tmp', 'capexec.deb'));
    // A group for the statoverride below, made before the snapshot the purge is
    // compared with.
    await inChrootOk(['groupadd', '--system', 'netadmins']);
    before = snapshotPaths();
  } catch (error) {
    setupError = error;
  }
});

deb.after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

// Runs argv inside the chroot: its own mount namespace, private, with a /proc of its
// own there, so nothing mounted outlives the command or reaches this machine.
function inChroot(argv: readonly string[], options: Options = {}) {
  const script = 'mount --make-rprivate / && mount -t proc proc "$0/proc" && exec chroot "$0" "$@"';
  return execa('unshare', ['--mount', '--fork', '--', 'sh', '-c', script, chroot, ...argv], {
    reject: false,
    timeout: 120_000,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' },
    extendEnv: false,
    ...options,
  });
}

async function inChrootOk(argv: readonly string[]): Promise<string> {
  const result = await inChroot(argv);
  assert.is(result.exitCode, 0, `${argv.join(' ')}: ${String(result.stderr)}`);
  return String(result.stdout);
}

function asNobodyInChroot(argv: readonly string[]) {
  const [file, args] = asNobody(argv);
  return inChroot([file, ...args]);
}

// The file capabilities of the executable as getcap prints them ("cap_net_raw=p"), or ''.
function fileCaps(): string {
  return execFileSync('getcap', [join(chroot, EXECUTABLE)], { encoding: 'utf8' }).trim().split(' ').slice(1).join(' ');
}

const writeChroot = (path: string, text: string): void => writeFileSync(join(chroot, path), text, { mode: 0o644 });
const helper = ['--', 'cat', '/proc/self/status'];

// Every path under the chroot's /etc, /usr and /var/lib (less dpkg's and apt's own
// records), for what a purge must leave as it found it.
let before: string[] = [];
function snapshotPaths(): string[] {
  const walk = (relative: string): string[] => readdirSync(join(chroot, relative)).flatMap((name) => {
    const path = join(relative, name);
    if (path === 'var/lib/dpkg' || path === 'var/lib/apt' || path === 'var/cache' || path === 'var/log') return [];
    return lstatSync(join(chroot, path)).isDirectory() ? [path, ...walk(path)] : [path];
  });
  return ['etc', 'usr', 'var'].flatMap(walk).sort();
}

debTest('npm run deb: the package holds what the issue lists, root-owned, without capabilities in the archive', async () => {
  const listing = execFileSync('dpkg-deb', ['--contents', packageFile], { encoding: 'utf8' });
  const entries = new Map(listing.trim().split('\n').map((line) => {
    const [mode = '', owner = '', , , , ...rest] = line.split(/\s+/);
    return [rest.join(' ').replace(/^\.\//, '/'), `${mode} ${owner}`];
  }));
  for (const [path, expected] of [
    [EXECUTABLE, '-rwxr-xr-x root/root'],
    ['/usr/libexec/capexec/koffi.node', '-rw-r--r-- root/root'],
    ['/usr/bin/capexec -> ../libexec/capexec/capexec', 'lrwxrwxrwx root/root'],
    ['/usr/share/man/man1/capexec.1.gz', '-rw-r--r-- root/root'],
    ['/usr/share/man/man5/capexec.conf.5.gz', '-rw-r--r-- root/root'],
    ['/usr/share/doc/capexec/copyright', '-rw-r--r-- root/root'],
    ['/usr/share/doc/capexec/changelog.Debian.gz', '-rw-r--r-- root/root'],
    ['/usr/share/bash-completion/completions/capexec', '-rw-r--r-- root/root'],
    ['/etc/capexec.conf', '-rw-r--r-- root/root'],
    ['/etc/default/capexec', '-rw-r--r-- root/root'],
  ]) {
    assert.is(entries.get(path as string), expected, path);
  }
  for (const [path, mode] of entries) assert.ok(mode.endsWith('root/root'), `${path}: ${mode}`);
  const fields = execFileSync('dpkg-deb', ['--field', packageFile, 'Depends'], { encoding: 'utf8' }).trim();
  for (const needed of ['libc6', 'libstdc++6', 'libgcc-s1', 'libcap2-bin']) assert.match(fields, new RegExp(`(^|, )${needed.replace(/\+/g, '\\+')}( |,|$)`), needed);
  const conffiles = execFileSync('dpkg-deb', ['--info', packageFile, 'conffiles'], { encoding: 'utf8' });
  assert.equal(conffiles.trim().split('\n').sort(), ['/etc/capexec.conf', '/etc/default/capexec']);
});

debTest('dpkg -i in a fresh Debian: cap_net_admin,cap_net_raw,cap_net_bind_service+p, a policy required', async () => {
  await inChrootOk(['dpkg', '-i', '/tmp/capexec.deb']);
  assert.is(fileCaps(), 'cap_net_bind_service,cap_net_admin,cap_net_raw=p');
  const found = statSync(join(chroot, EXECUTABLE));
  assert.is((found.mode & 0o7777).toString(8), '755');
  assert.is(`${found.uid}:${found.gid}`, '0:0');
  assert.is(readlinkSync(join(chroot, 'usr/bin/capexec')), '../libexec/capexec/capexec');
  const version = await inChrootOk(['capexec', '--version']);
  assert.match(version, /^policy: required /m);
  assert.match(version, /^Node\.js v\d+/m);
});

debTest('as nobody: the conffile as installed permits nothing', async () => {
  const result = await asNobodyInChroot(['capexec', '--cap', 'net_admin', ...helper]);
  assert.is(result.exitCode, 125, String(result.stderr));
  assert.is(result.stdout, '');
  assert.match(String(result.stderr), /^capexec: /);
});

debTest('capexec --check FILE validates a candidate policy as configuration management puts it in place', async () => {
  // As Ansible's validate: %s is a temporary file of its own, mode 0600.
  writeFileSync(join(chroot, 'tmp/good.conf'), 'permit nobody cap net_admin\n', { mode: 0o600 });
  writeFileSync(join(chroot, 'tmp/bad.conf'), 'permit nobody cap net_admn\n', { mode: 0o600 });
  assert.is((await inChroot(['capexec', '--check', '/tmp/good.conf'])).exitCode, 0);
  const bad = await inChroot(['capexec', '--check', '/tmp/bad.conf']);
  assert.is(bad.exitCode, 1);
  assert.match(String(bad.stdout) + String(bad.stderr), /\/tmp\/bad\.conf:1:/);
});

debTest('as nobody: a rule in /etc/capexec.conf lets exactly its capability through', async () => {
  writeChroot('etc/capexec.conf', 'permit nobody cap net_admin\n');
  const result = await asNobodyInChroot(['capexec', '--cap', 'net_admin', ...helper]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const status = statusFields(String(result.stdout));
  assert.is(capMaskField(status, 'CapAmb'), NET_ADMIN);
  assert.is(capMaskField(status, 'CapEff'), NET_ADMIN);
  const other = await asNobodyInChroot(['capexec', '--cap', 'net_raw', ...helper]);
  assert.is(other.exitCode, 125);
  assert.is(other.stdout, '');
});

debTest('as nobody: a deleted /etc/capexec.conf refuses every launch, it never opens capexec up', async () => {
  rmSync(join(chroot, 'etc/capexec.conf'));
  const result = await asNobodyInChroot(['capexec', '--cap', 'net_admin', ...helper]);
  assert.is(result.exitCode, 125);
  assert.is(result.stdout, '');
  assert.match(String(result.stderr), /\/etc\/capexec\.conf does not exist/);
  // Root is not bound by the policy.
  assert.is((await inChroot(['capexec', '--cap', 'net_admin', '--', 'true'])).exitCode, 0);
  writeChroot('etc/capexec.conf', 'permit nobody cap net_admin,net_raw\n');
});

debTest('dpkg-reconfigure reads CAPEXEC_CAPS from /etc/default/capexec; a bad value leaves no capabilities', async () => {
  writeChroot('etc/default/capexec', 'CAPEXEC_CAPS=cap_net_raw\n');
  await inChrootOk(['dpkg-reconfigure', 'capexec']);
  assert.is(fileCaps(), 'cap_net_raw=p');
  const raw = await asNobodyInChroot(['capexec', '--cap', 'net_raw', ...helper]);
  assert.is(raw.exitCode, 0, String(raw.stderr));
  assert.is(capMaskField(statusFields(String(raw.stdout)), 'CapAmb'), NET_RAW);

  for (const bad of ['cap_net_raw+ep', 'cap_no_such_thing', 'cap_net_raw cap_net_admin']) {
    writeChroot('etc/default/capexec', `CAPEXEC_CAPS="${bad}"\n`);
    const result = await inChroot(['dpkg-reconfigure', 'capexec']);
    assert.is(result.exitCode, 0, `${bad}: ${String(result.stderr)}`);
    assert.match(String(result.stderr), /left without capabilities/, bad);
    assert.is(fileCaps(), '', bad);
  }
  writeChroot('etc/default/capexec', 'CAPEXEC_CAPS=\n');
  await inChrootOk(['dpkg-reconfigure', 'capexec']);
  assert.is(fileCaps(), '');
});

debTest('a dpkg-statoverride (group netadmins, 0750) is kept by reconfigure and reinstall, less its setuid bit', async () => {
  writeChroot('etc/default/capexec', '# CAPEXEC_CAPS=cap_net_admin,cap_net_raw,cap_net_bind_service\n');
  await inChrootOk(['dpkg-reconfigure', 'capexec']);
  await inChrootOk(['dpkg-statoverride', '--update', '--add', 'root', 'netadmins', '4750', EXECUTABLE]);
  assert.is(fileCaps(), '', 'the chown of --update takes them off');
  const group = (await inChrootOk(['getent', 'group', 'netadmins'])).split(':')[2];
  for (const step of [['dpkg-reconfigure', 'capexec'], ['dpkg', '-i', '/tmp/capexec.deb']]) {
    const result = await inChroot(step);
    assert.is(result.exitCode, 0, String(result.stderr));
    assert.match(String(result.stderr), /removed the setuid\/setgid bit/, step.join(' '));
    const found = statSync(join(chroot, EXECUTABLE));
    assert.is((found.mode & 0o7777).toString(8), '750', step.join(' '));
    assert.is(`${found.uid}:${found.gid}`, `0:${group}`, step.join(' '));
    assert.is(fileCaps(), 'cap_net_bind_service,cap_net_admin,cap_net_raw=p', step.join(' '));
  }
  // nobody outside the group cannot run it at all; in the group, the rule applies.
  const outside = await asNobodyInChroot(['capexec', '--cap', 'net_admin', ...helper]);
  assert.is(outside.exitCode, 126);
  const inGroup = ['--reuid=65534', '--regid=65534', `--groups=${group}`, '--inh-caps=-all'];
  const inside = await inChroot(['setpriv', ...inGroup, '--', '/bin/sh', '-c', 'exec "$@"', 'sh', 'capexec', '--cap', 'net_admin', ...helper]);
  assert.is(inside.exitCode, 0, String(inside.stderr));
  assert.is(capMaskField(statusFields(String(inside.stdout)), 'CapAmb'), NET_ADMIN);
});

debTest('the completion file is where bash-completion finds it, and completes the command after --', async () => {
  const script = [
    'source /usr/share/bash-completion/bash_completion',
    '__load_completion capexec || exit 1',
    'COMP_WORDS=(capexec --cap net_a); COMP_CWORD=2; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}',
    '_capexec capexec net_a --cap; echo "caps: ${COMPREPLY[*]}"',
    'COMP_WORDS=(capexec --cap net_admin -- dpkg --pur); COMP_CWORD=5; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}',
    '_capexec capexec --pur dpkg; echo "dpkg: ${COMPREPLY[*]}"',
  ].join('\n');
  const output = await inChrootOk(['bash', '--norc', '-c', script]);
  assert.match(output, /^caps: net_admin$/m);
  assert.match(output, /^dpkg: --purge\b/m);
});

debTest('dpkg --purge leaves nothing: no file, no conffile, no statoverride, no file capabilities', async () => {
  await inChrootOk(['dpkg', '--purge', 'capexec']);
  assert.equal(snapshotPaths(), before);
  for (const path of ['etc/capexec.conf', 'etc/default/capexec', 'usr/libexec/capexec', 'usr/bin/capexec']) {
    assert.not.ok(existsSync(join(chroot, path)), path);
  }
  const overrides = await inChroot(['dpkg-statoverride', '--list']);
  assert.is(overrides.exitCode, 1, 'dpkg-statoverride --list finds nothing');
  assert.is(overrides.stdout, '');
  const withCaps = execFileSync('getcap', ['-r', chroot], { encoding: 'utf8' }).trim();
  assert.is(withCaps, '');
});

deb.run();
