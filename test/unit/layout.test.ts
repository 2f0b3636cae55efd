import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/privileged';

// The layers of src/, top to bottom. A module may import from its own folder or from a
// layer below its own, never from beside or above: so a reader finds each concern in
// one folder, and nothing low depends on what is built on it.
const LAYERS: readonly (readonly string[])[] = [
  ['entry.ts', 'index.ts'],
  ['cli'],
  ['commands'],
  ['api'],
  ['diagnose', 'install'],
  ['policy'],
  ['caps', 'exec', 'identity'],
  ['kernel'],
  ['support'],
];

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

const unitOf = (file: string): string => relative(SRC, file).split('/')[0] ?? '';
const layerOf = (unit: string): number => LAYERS.findIndex((layer) => layer.includes(unit));

test('every folder of src/ is in a layer', () => {
  for (const file of sourceFiles(SRC)) assert.ok(layerOf(unitOf(file)) >= 0, relative(ROOT, file));
});

test('imports only point down, or within a folder', () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s+|require\(|import\()'(\.{1,2}\/[^']+)'/g)) {
      const target = posix.normalize(posix.join(posix.dirname(relative(SRC, file)), spec ?? ''));
      const to = target.split('/')[0] ?? '';
      // package.json, the one file outside src/ that src/ reads (for the version).
      if (to === from || spec === '../../../package.json') continue;
      if (layerOf(to) <= layerOf(from)) wrong.push(`${relative(ROOT, file)} -> ${spec}`);
    }
  }
  assert.equal(wrong, []);
});

test.run();
