#!/usr/bin/env node
'use strict';
// Builds dist/capexec: a Node single executable application made from the pinned Node
// binary in node_modules (package node-linux-<arch>), never from the system's node,
// with its koffi addon and man pages beside it.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { bundle } = require('./bundle.js');
const { makeSea } = require('./sea.js');

const root = path.resolve(__dirname, '..');
// --out DIR puts the executable elsewhere than dist/, and builds it in DIR's own work
// directory: the Debian package builds its own, policy-requiring one there.
const outAt = process.argv.indexOf('--out');
const dist = outAt < 0 ? path.join(root, 'dist') : path.resolve(process.argv[outAt + 1] ?? fail('--out needs a directory'));
const work = outAt < 0 ? path.join(root, 'build', 'sea') : path.join(dist, '.sea');

function fail(message) {
  process.stderr.write(`build-sea: ${message}\n`);
  process.exit(1);
}

function resolveFrom(request) {
  try {
    return require.resolve(request, { paths: [root] });
  } catch {
    return undefined;
  }
}

async function main() {
  const arch = process.arch;
  const nodeBinary = resolveFrom(`node-linux-${arch}/bin/node`);
  if (!nodeBinary) fail(`node-linux-${arch} is not installed: run npm ci on a linux-${arch} machine`);
  const addon = resolveFrom(`@koromix/koffi-linux-${arch}/linux_${arch}/koffi.node`);
  if (!addon) fail(`koffi's linux-${arch} addon is not installed: run npm ci`);

  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const capexec = path.join(work, 'capexec.js');
  const cache = path.join(work, 'capexec.cache');
  fs.writeFileSync(capexec, bundle(path.join(root, 'build', 'src', 'entry.js'), { root, external: ['koffi'] }));
  execFileSync(nodeBinary, [path.join(__dirname, 'warm-code-cache.js'), capexec, cache], { stdio: ['ignore', 'ignore', 'inherit'] });

  // Whether the executable refuses every launch by a user other than root without
  // /etc/capexec.conf (src/policy/required.ts). Fixed-length either way, so that
  // --install --policy can make an installed copy require it.
  const policyMode = path.join(work, 'policy-mode');
  fs.writeFileSync(policyMode, `capexec-policy:${process.argv.includes('--require-policy') ? 'required' : 'optional'}`);

  // Names this build for the parsed rules root's --check keeps (src/policy/parsed-cache.ts):
  // only the same script reads a policy's text the same way.
  const buildId = path.join(work, 'build-id');
  fs.writeFileSync(buildId, crypto.createHash('sha256').update(fs.readFileSync(capexec)).digest('hex'));

  const staged = path.join(work, 'capexec');
  await makeSea(nodeBinary, {
    main: path.join(__dirname, 'sea-main.js'),
    assets: { 'capexec.js': capexec, 'capexec.cache': cache, 'policy-mode': policyMode, 'build-id': buildId },
    work,
    output: staged,
    // --strip: as Debian ships binaries (the Debian package's build asks for it).
    strip: process.argv.includes('--strip'),
  });

  fs.mkdirSync(dist, { recursive: true });
  const manPages = ['capexec.1', 'capexec.conf.5'].map((name) => [path.join(root, 'man', name), name, 0o644]);
  for (const [from, name, mode] of [[addon, 'koffi.node', 0o755], ...manPages, [staged, 'capexec', 0o755]]) {
    const target = path.join(dist, name);
    const temporary = `${target}.new`;
    fs.copyFileSync(from, temporary);
    fs.chmodSync(temporary, mode);
    fs.renameSync(temporary, target);
  }
  process.stdout.write(`build-sea: wrote ${path.relative(root, dist)}/capexec (Node ${execFileSync(nodeBinary, ['--version']).toString().trim()})\n`);
}

main().catch((error) => fail(error.message));
