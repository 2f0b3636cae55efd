import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../helpers/privileged';

// Each start of the standalone executable pays for every module in its bundle: the
// library's modules, and execa, which only run() needs, stay out of it.
test('the standalone executable\'s bundle holds none of the library', () => {
  const bundle = join(ROOT, 'build', 'sea', 'capexec.js');
  if (!existsSync(bundle) && !process.env['CI']) return;
  const text = readFileSync(bundle, 'utf8');
  assert.match(text, /\/\* \d+: build\/src\/commands\/launch\.js \*\//);
  assert.not.match(text, /["'](?:\.{1,2}\/)+api\//);
  assert.not.match(text, /capabilityState|threadCapabilities|parseFailureReport/);
  assert.not.match(text, /require\(["']execa["']\)|import\(["']execa["']\)/);
});

interface Loader { load(id: number): unknown; count: number; eager: number[] }
const { bundle } = require(join(ROOT, 'scripts', 'bundle.js')) as { bundle(entry: string, options: { root: string; packages?: string[] }): string };

function bundleOf(files: Record<string, string>): { text: string; loader: Loader } {
  const dir = mkdtempSync(join(tmpdir(), 'capexec-bundle-'));
  try {
    mkdirSync(join(dir, 'lib'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const text = bundle(join(dir, 'entry.js'), { root: dir, packages: [] });
    return { text, loader: (0, eval)(text)(require) as Loader };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Only what every start evaluates is compiled with the script, and so cached; a module
// required inside a function is compiled when that runs.
test('modules required as a module is evaluated are eager, those required in a function lazy', () => {
  const { text, loader } = bundleOf({
    // As tsc lays modules out: imports at the start of a line, function bodies indented.
    'entry.js': 'const a = require("./lib/a");\nexports.later = later;\nfunction later() {\n    return require("./lib/b");\n}\n',
    'lib/a.js': 'exports.a = 1;\n',
    'lib/b.js': 'const c = require("./c");\nexports.b = c.c;\n',
    'lib/c.js': 'exports.c = 3;\n',
  });
  assert.equal(loader.eager, [0, 1]);
  assert.is(loader.count, 4);
  assert.is((text.match(/^\/\* \d+: [^*]+ \*\/ \(function \(module/gm) ?? []).length, 2);
  assert.equal((loader.load(0) as { later(): unknown }).later(), { b: 3 });
});

// The loader is called with each module's number: no name is looked up at run time, and
// what the runtime provides (Node's modules) is still asked of its require().
test('bundled requires become calls of the loader, the runtime\'s are left to it', () => {
  const { text, loader } = bundleOf({
    'entry.js': 'const a = require("./lib/a");\nconst path = require("node:path");\nexports.v = [a.a, path.sep];\n',
    'lib/a.js': 'exports.a = require(\'./b\').b + 1;\n',
    'lib/b.js': 'exports.b = 1;\n',
  });
  assert.not.match(text, /require\(["']\.\.?\//);
  assert.match(text, /require\("node:path"\)/);
  assert.equal(loader.load(0), { v: [2, '/'] });
  assert.throws(() => bundleOf({ 'entry.js': 'const __bundled = 1;\n' }), /uses __bundled/);
});

// The executable decodes the script as Latin-1, which is only the same text for ASCII.
test('the bundle is ASCII, with every other character escaped to the same meaning', () => {
  const { text, loader } = bundleOf({ 'entry.js': '// a → b\nexports.s = "é😀";\nexports.r = /é/.test("é");\n' });
  assert.not.match(text, /[^\0-\x7f]/);
  assert.equal(loader.load(0), { s: 'é😀', r: true });
  assert.throws(() => bundleOf({ 'entry.js': 'exports.s = "\\é";\n' }), /cannot write/);
});

test('the standalone executable\'s bundle is ASCII, and its other modes are lazy', () => {
  const file = join(ROOT, 'build', 'sea', 'capexec.js');
  if (!existsSync(file) && !process.env['CI']) return;
  const text = readFileSync(file, 'latin1');
  assert.not.match(text, /[^\0-\x7f]/);
  const loader = (0, eval)(text)(() => ({})) as Loader;
  assert.ok(loader.eager.length < loader.count / 2 + 10, `${loader.eager.length} of ${loader.count} eager`);
});

test.run();
