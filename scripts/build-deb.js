#!/usr/bin/env node
'use strict';
// npm run deb: dist/capexec_<version>_<arch>.deb from the compiled checkout, with
// Debian's own tools: dpkg-shlibdeps for what the executable links, dpkg-gencontrol for
// the control file, dpkg-deb --root-owner-group (no root needed), then lintian, which
// must report no error and no warning that debian/capexec.lintian-overrides does not
// explain. No network. `--out DIR` writes the package to DIR instead of dist/.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const debian = path.join(root, 'debian');
const work = path.join(root, 'build', 'deb');
const tree = path.join(work, 'root');
const sea = path.join(work, 'sea');
const PACKAGE = 'capexec';
const DEBIAN_ARCH = { x64: 'amd64', arm64: 'arm64' };

function fail(message) {
  process.stderr.write(`build-deb: ${message}\n`);
  process.exit(1);
}

function run(file, args, options = {}) {
  const result = spawnSync(file, args, { cwd: root, encoding: 'utf8', ...options });
  if (result.error !== undefined) fail(`${file}: ${result.error.code === 'ENOENT' ? 'not installed (apt-get install dpkg-dev lintian)' : result.error.message}`);
  if (result.status !== 0) fail(`${file} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function outputDirectory() {
  const at = process.argv.indexOf('--out');
  if (at < 0) return path.join(root, 'dist');
  const dir = process.argv[at + 1];
  if (dir === undefined) fail('--out needs a directory');
  return path.resolve(dir);
}

// Every file of the package: where it comes from, where it goes, its mode, and whether
// it is compressed as Debian ships manual pages and changelogs. A source that is missing
// fails the build, naming it.
function packageFiles() {
  const gz = true;
  return [
    { from: path.join(sea, 'capexec'), to: 'usr/libexec/capexec/capexec', mode: 0o755 },
    // A shared object, which dlopen() reads: 0644 as Debian ships them.
    { from: path.join(sea, 'koffi.node'), to: 'usr/libexec/capexec/koffi.node', mode: 0o644 },
    { from: path.join(root, 'man', 'capexec.1'), to: 'usr/share/man/man1/capexec.1.gz', mode: 0o644, gz },
    { from: path.join(root, 'man', 'capexec.conf.5'), to: 'usr/share/man/man5/capexec.conf.5.gz', mode: 0o644, gz },
    { from: path.join(work, 'capexec.bash'), to: 'usr/share/bash-completion/completions/capexec', mode: 0o644 },
    { from: path.join(work, 'copyright'), to: 'usr/share/doc/capexec/copyright', mode: 0o644 },
    { from: path.join(debian, 'changelog'), to: 'usr/share/doc/capexec/changelog.Debian.gz', mode: 0o644, gz },
    { from: path.join(debian, 'capexec.lintian-overrides'), to: 'usr/share/lintian/overrides/capexec', mode: 0o644 },
    { from: path.join(debian, 'capexec.conf'), to: 'etc/capexec.conf', mode: 0o644, conffile: true },
    { from: path.join(debian, 'capexec.default'), to: 'etc/default/capexec', mode: 0o644, conffile: true },
  ];
}
const LINKS = [{ at: 'usr/bin/capexec', to: '../libexec/capexec/capexec' }];
const SCRIPTS = ['postinst', 'prerm', 'postrm'];

function main() {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  // The Debian version is package.json's and a revision of the packaging: 0.1.0-1.
  const debianVersion = run('dpkg-parsechangelog', ['-l', path.join(debian, 'changelog'), '-S', 'Version']).trim();
  if (debianVersion.replace(/-[^-]*$/, '') !== version || !debianVersion.includes('-')) {
    fail(`debian/changelog is at ${debianVersion}, package.json at ${version}: add a debian/changelog entry (dch -v ${version}-1)`);
  }
  const arch = DEBIAN_ARCH[process.arch];
  const hostArch = run('dpkg', ['--print-architecture']).trim();
  if (arch !== hostArch) fail(`Node here is linux-${process.arch}, dpkg's architecture is ${hostArch}: build on the machine the package is for`);
  if (!fs.existsSync(path.join(root, 'build', 'src', 'entry.js'))) fail('build/src is missing: npm run compile');
  // Debian's mtimes: the changelog's date, for a package that builds the same twice.
  const timestamp = run('dpkg-parsechangelog', ['-l', path.join(debian, 'changelog'), '-S', 'Timestamp']).trim();
  const env = { ...process.env, SOURCE_DATE_EPOCH: timestamp, LC_ALL: 'C.UTF-8' };

  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // The executable refuses every launch by a user other than root while /etc/capexec.conf
  // is missing (src/policy/required.ts), and is stripped as Debian ships binaries.
  run(process.execPath, [path.join(__dirname, 'build-sea.js'), '--require-policy', '--strip', '--out', sea], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  fs.writeFileSync(path.join(work, 'capexec.bash'), run(path.join(sea, 'capexec'), ['--completion', 'bash']));
  fs.writeFileSync(path.join(work, 'copyright'), copyright());

  fs.mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  const files = packageFiles();
  for (const file of files) {
    if (!fs.existsSync(file.from)) fail(`${path.relative(root, file.from)} is missing: the package needs it as /${file.to}`);
    const target = path.join(tree, file.to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (file.gz) fs.writeFileSync(target, run('gzip', ['-9nc', file.from], { encoding: 'buffer' }));
    else fs.copyFileSync(file.from, target);
    fs.chmodSync(target, file.mode);
  }
  for (const link of LINKS) {
    fs.mkdirSync(path.dirname(path.join(tree, link.at)), { recursive: true });
    fs.symlinkSync(link.to, path.join(tree, link.at));
  }
  for (const dir of directories(tree)) fs.chmodSync(dir, 0o755);

  for (const script of SCRIPTS) {
    fs.copyFileSync(path.join(debian, script), path.join(tree, 'DEBIAN', script));
    fs.chmodSync(path.join(tree, 'DEBIAN', script), 0o755);
  }
  const conffiles = files.filter((file) => file.conffile).map((file) => `/${file.to}\n`).join('');
  writeControl('conffiles', conffiles);
  writeControl('md5sums', files.filter((file) => !file.conffile).map((file) => `${md5(path.join(tree, file.to))}  ${file.to}\n`).sort().join(''));

  // Depends: what the executable and the addon link, as dpkg-shlibdeps finds it from the
  // shlibs and symbols files of the packages that hold those libraries.
  const substvars = path.join(work, 'substvars');
  run('dpkg-shlibdeps', [`-T${substvars}`, `-e${path.join(tree, 'usr/libexec/capexec/capexec')}`, `-e${path.join(tree, 'usr/libexec/capexec/koffi.node')}`], { env });
  run('dpkg-gencontrol', [`-p${PACKAGE}`, `-c${path.join(debian, 'control')}`, `-l${path.join(debian, 'changelog')}`, `-T${substvars}`, `-P${tree}`, `-f${path.join(work, 'files')}`], { env });
  fs.chmodSync(path.join(tree, 'DEBIAN', 'control'), 0o644);

  const out = outputDirectory();
  fs.mkdirSync(out, { recursive: true });
  const deb = path.join(out, `${PACKAGE}_${debianVersion}_${arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', tree, `${deb}.new`], { env });
  fs.renameSync(`${deb}.new`, deb);

  // --fail-on: an error, or a warning no override explains, fails the build; the report
  // is printed either way.
  const lint = spawnSync('lintian', ['--fail-on', 'error,warning', '--tag-display-limit', '0', deb], { encoding: 'utf8', env });
  if (lint.error !== undefined) fail('lintian is not installed (apt-get install lintian)');
  process.stdout.write(lint.stdout);
  if (lint.status !== 0) fail(`lintian rejects ${path.relative(root, deb)}:\n${lint.stderr}`);
  const control = fs.readFileSync(path.join(tree, 'DEBIAN', 'control'), 'utf8');
  const depends = /^Depends: (.*)$/m.exec(control)?.[1] ?? '';
  process.stdout.write(`build-deb: wrote ${path.relative(process.cwd(), deb)} (Depends: ${depends})\n`);
}

function writeControl(name, text) {
  const file = path.join(tree, 'DEBIAN', name);
  fs.writeFileSync(file, text);
  fs.chmodSync(file, 0o644);
}

function directories(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory())
    .flatMap((entry) => [path.join(dir, entry.name), ...directories(path.join(dir, entry.name))]);
}

function md5(file) {
  return crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

// debian/copyright, and as its last paragraph the LICENSE of the Node.js binary inside
// the executable, in the format's continuation lines. Its copies of the Apache License
// 2.0 become a pointer to the one every Debian system has, as Debian policy (12.5) asks.
const APACHE_2 = /^([ \t]*)Apache License\n[ \t]*Version 2\.0, January 2004\n[\s\S]*?END OF TERMS AND CONDITIONS[ \t]*$/gm;

function copyright() {
  const license = require.resolve(`node-linux-${process.arch}/LICENSE`, { paths: [root] });
  const text = fs.readFileSync(license, 'utf8')
    .replace(APACHE_2, (_, indent) => `${indent}The Apache License, Version 2.0: on Debian systems, its full text is in\n${indent}/usr/share/common-licenses/Apache-2.0.`)
    .replace(/\s+$/, '').split('\n')
    .map((line) => (line.trim() === '' ? ' .' : ` ${line.replace(/\s+$/, '')}`)).join('\n');
  return `${fs.readFileSync(path.join(debian, 'copyright'), 'utf8').replace(/\s+$/, '')}\n\nLicense: Node.js\n${text}\n`;
}

main();
