import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LONG_OPTIONS } from '../../src/cli/arguments';
import { HELP, VERSION } from '../../src/cli/help';
import { ROOT } from '../helpers/privileged';

const man = readFileSync(join(ROOT, 'man', 'capexec.1'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

test('--help fits 80 columns', () => {
  for (const line of HELP.split('\n')) assert.ok(line.length <= 80, line);
});

test('every long option is in --help, the man page and README', () => {
  for (const option of LONG_OPTIONS) {
    assert.ok(HELP.includes(`--${option}`), `--help lacks --${option}`);
    assert.ok(man.includes(`\\-\\-${option.replace(/-/g, '\\-')}`), `man page lacks --${option}`);
    assert.ok(readme.includes(`--${option}`), `README lacks --${option}`);
  }
});

test('one version everywhere', () => {
  assert.is(VERSION, pkg.version);
  assert.match(man, new RegExp(`^\\.TH CAPEXEC 1 "[^"]+" "capexec ${VERSION.replace(/\./g, '\\.')}"`, 'm'));
});

test('the man page renders without warnings', () => {
  const available = spawnSync('sh', ['-c', 'command -v man'], { stdio: 'ignore' }).status === 0;
  if (!available && !process.env['CI']) return;
  const rendered = spawnSync('man', ['--warnings', '-l', join(ROOT, 'man', 'capexec.1')], {
    env: { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' },
    encoding: 'utf8',
  });
  assert.is(rendered.status, 0);
  assert.is(rendered.stderr, '');
  assert.match(rendered.stdout, /EXIT STATUS/);
});

test.run();
