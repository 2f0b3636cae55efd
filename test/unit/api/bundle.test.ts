import { existsSync, readFileSync } from 'node:fs';
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
  assert.match(text, /"\.\.\/commands\/launch"/);
  assert.not.match(text, /["'](?:\.{1,2}\/)+api\//);
  assert.not.match(text, /capabilityState|threadCapabilities|parseFailureReport/);
  assert.not.match(text, /require\(["']execa["']\)|import\(["']execa["']\)/);
});

test.run();
