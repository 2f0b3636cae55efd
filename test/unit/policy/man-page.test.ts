import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VERSION } from '../../../src/cli/help';
import { ROOT } from '../../helpers/privileged';
import { BAD_INPUTS } from './bad-inputs';
import { manText } from './man-text';

const PAGE = join(ROOT, 'man', 'capexec.conf.5');
const man = readFileSync(PAGE, 'utf8');

test('capexec.conf(5) shows each bad line with exactly the message --check prints for it', () => {
  for (const [input, message] of BAD_INPUTS) {
    assert.ok(man.includes(`.TP\n\\fB${manText(input)}\\fR\n${manText(message)}\n`), input);
  }
});

test('capexec.conf(5): the version, package.json lists it, capexec(1) refers to it', () => {
  assert.match(man, new RegExp(`^\\.TH CAPEXEC\\.CONF 5 "[^"]+" "capexec ${VERSION.replace(/\./g, '\\.')}"`, 'm'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
  assert.ok(pkg.man.includes('man/capexec.conf.5'));
  assert.match(readFileSync(join(ROOT, 'man', 'capexec.1'), 'utf8'), /^\.SH SEE ALSO\n\.BR capexec\.conf \(5\),$/m);
});

test('capexec.conf(5) renders without warnings', () => {
  const available = spawnSync('sh', ['-c', 'command -v man'], { stdio: 'ignore' }).status === 0;
  if (!available && !process.env['CI']) return;
  const rendered = spawnSync('man', ['--warnings', '-l', PAGE], {
    env: { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' },
    encoding: 'utf8',
  });
  assert.is(rendered.status, 0);
  assert.is(rendered.stderr, '');
  assert.match(rendered.stdout, /EXAMPLES/);
});

test.run();
