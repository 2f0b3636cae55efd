import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// The tarball `npm pack` makes, installed into a fresh project as a user would install
// it, and used from CommonJS, an ES module and strict TypeScript on the system Node.
const pack = suite('the packed tarball in a fresh project');

interface Lock {
  packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }>;
}
interface Manifest {
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  os: string[];
  cpu: string[];
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const systemPath = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');
const state: { dir: string; project: string; files: string[] } = { dir: '', project: '', files: [] };

pack.before(async () => {
  state.dir = mkdtempSync(join(tmpdir(), 'capexec-pack-'));
  // Scripts off: prepack would rebuild the tree these tests run from.
  const packed = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', state.dir], { cwd: ROOT });
  const [entry] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  if (entry === undefined) throw new Error('npm pack reported no tarball');
  state.files = entry.files.map((file) => file.path);
  state.project = join(state.dir, 'project');
  mkdirSync(state.project);
  writeConsumer(state.project, entry.filename);
  // The registry is out of reach: a lockfile taken from this checkout's own lets npm
  // find every dependency in its cache.
  await execa('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: state.project });
});

pack.after(() => {
  if (state.dir !== '') rmSync(state.dir, { recursive: true, force: true });
});

function writeConsumer(project: string, tarball: string): void {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const spec = `file:../${tarball}`;
  const typesNode = manifest.devDependencies['@types/node'] ?? '';
  const own = {
    name: 'consumer', version: '1.0.0', dependencies: { capexec: spec }, devDependencies: { '@types/node': typesNode },
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(state.dir, tarball))).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': own,
    'node_modules/capexec': {
      version: manifest.version, resolved: spec, integrity, license: manifest.license, dependencies: manifest.dependencies,
      optionalDependencies: manifest.optionalDependencies, bin: manifest.bin, engines: manifest.engines, os: manifest.os, cpu: manifest.cpu,
    },
  };
  const forTypes = ['node_modules/@types/node', 'node_modules/undici-types'];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && (entry.dev !== true || forTypes.includes(path))) packages[path] = entry;
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ ...own, private: true }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ ...own, lockfileVersion: 3, requires: true, packages }, null, 2));
  for (const [name, text] of Object.entries(CONSUMERS)) writeFileSync(join(project, name), text);
}

// Each consumer prints what it saw: the exports' kinds, the state's keys, and how run()
// reports capexec's own refusal of an unknown capability.
const BIN = `join(dirname(require.resolve('capexec/package.json')), 'bin', 'capexec')`;
const CONSUMERS: Record<string, string> = {
  'use.cjs': `const capexec = require('capexec');
const { dirname, join } = require('node:path');
(async () => {
  const state = capexec.capabilityState();
  let refusal;
  try {
    await capexec.run(['no_such_cap'], 'true', [], { capexec: ${BIN} });
  } catch (error) {
    refusal = { run: error instanceof capexec.RunError, base: error instanceof capexec.CapexecError, code: error.code, exitCode: error.exitCode };
  }
  const kinds = Object.fromEntries(['capabilityState', 'drop', 'run', 'threadCapabilities', 'RunError', 'DropError', 'CapexecError'].map((name) => [name, typeof capexec[name]]));
  console.log(JSON.stringify({ kinds, keys: Object.keys(state).sort(), refusal }));
})();
`,
  'use.mjs': `import capexecDefault, { capabilityState, run, RunError, CapexecError, drop, threadCapabilities, DropError } from 'capexec';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const require = createRequire(import.meta.url);
const state = capabilityState();
let refusal;
try {
  await run(['no_such_cap'], 'true', [], { capexec: ${BIN} });
} catch (error) {
  refusal = { run: error instanceof RunError, base: error instanceof CapexecError, code: error.code, exitCode: error.exitCode };
}
const named = { capabilityState, drop, run, threadCapabilities, RunError, DropError, CapexecError };
const kinds = Object.fromEntries(Object.entries(named).map(([name, value]) => [name, typeof value]));
console.log(JSON.stringify({ kinds, keys: Object.keys(state).sort(), refusal, sameAsDefault: capexecDefault.run === run }));
`,
  'use.ts': `import { capabilityState, drop, run, RunError, type CapabilityState, type DropResult } from 'capexec';
import { dirname, join } from 'node:path';

async function main(): Promise<void> {
  const state: CapabilityState = capabilityState();
  const effective: string[] = state.effective;
  const noNewPrivs: boolean = state.no_new_privs;
  const dropAnything: (caps: readonly string[]) => DropResult = drop;
  const result = await run(['no_such_cap'], 'true', [], { capexec: ${BIN}, timeout: 10_000 }).catch((error: unknown) => error);
  const refusal = result instanceof RunError ? { code: result.code, exitCode: result.exitCode, findings: result.findings.length } : undefined;
  console.log(JSON.stringify({ effective: Array.isArray(effective), noNewPrivs: typeof noNewPrivs, drop: typeof dropAnything, refusal }));
}
void main();
`,
  // Proves the types are real: a wrong type must not compile.
  'wrong.ts': `import { capabilityState } from 'capexec';
const effective: number = capabilityState().effective;
console.log(effective);
`,
};

const node = (file: string) => execa('node', [file], { cwd: state.project, env: { PATH: systemPath }, extendEnv: false, reject: false });
const tsc = (...args: string[]) =>
  execa(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--module', 'nodenext', '--target', 'es2022', ...args], { cwd: state.project, reject: false });

const KINDS = { capabilityState: 'function', drop: 'function', run: 'function', threadCapabilities: 'function', RunError: 'function', DropError: 'function', CapexecError: 'function' };
const REFUSAL = { run: true, base: true, code: 'unknown_capability', exitCode: 125 };

pack('the tarball holds the library, its types, the CLI and the man page, and no tests', () => {
  for (const file of ['bin/capexec', 'build/src/index.js', 'build/src/index.d.ts', 'build/src/entry.js', 'build/src/api/run.d.ts', 'man/capexec.1', 'package.json', 'README.md']) {
    assert.ok(state.files.includes(file), file);
  }
  const strays = state.files.filter((file) => /(^|\/)test\/|\.test\.|^dist\/|^build\/sea\//.test(file));
  assert.equal(strays, []);
});

pack('require(\'capexec\') from CommonJS', async () => {
  const result = await node('use.cjs');
  assert.is(result.exitCode, 0, result.stderr);
  const seen = JSON.parse(result.stdout) as { kinds: unknown; keys: string[]; refusal: unknown };
  assert.equal(seen.kinds, KINDS);
  for (const key of ['effective', 'permitted', 'inheritable', 'ambient', 'bounding', 'securebits', 'no_new_privs']) assert.ok(seen.keys.includes(key), key);
  assert.equal(seen.refusal, REFUSAL);
});

pack('import from \'capexec\' in an ES module', async () => {
  const result = await node('use.mjs');
  assert.is(result.exitCode, 0, result.stderr);
  const seen = JSON.parse(result.stdout) as { kinds: unknown; keys: string[]; refusal: unknown; sameAsDefault: boolean };
  assert.equal(seen.kinds, KINDS);
  assert.ok(seen.keys.includes('ambient'));
  assert.equal(seen.refusal, REFUSAL);
  assert.ok(seen.sameAsDefault);
});

pack('a strict TypeScript file compiles against the shipped types and runs', async () => {
  const compiled = await tsc('--outDir', 'out', 'use.ts');
  assert.is(compiled.exitCode, 0, compiled.stdout);
  const result = await node(join('out', 'use.js'));
  assert.is(result.exitCode, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), { effective: true, noNewPrivs: 'boolean', drop: 'function', refusal: { code: 'unknown_capability', exitCode: 125, findings: 0 } });
  const wrong = await tsc('--noEmit', 'wrong.ts');
  assert.is(wrong.exitCode, 2);
  assert.match(wrong.stdout, /wrong\.ts\(2,7\): error TS2322/);
});

pack('npx capexec runs the installed bin/capexec', async () => {
  const result = await execa('npx', ['--offline', '--no-install', 'capexec', '--version'], { cwd: state.project, env: { PATH: systemPath, HOME: process.env['HOME'] ?? '/root' }, extendEnv: false, reject: false });
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  assert.is(result.exitCode, 0, result.stderr);
  assert.is(result.stdout.split('\n')[0], `capexec ${manifest.version}`);
  assert.match(result.stdout, /^policy: optional /m);
});

pack.run();
