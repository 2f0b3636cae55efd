import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicy } from '../../src/policy/parse';
import { ROOT } from '../helpers/privileged';

// debian/ as files, without building the package (test/privileged/deb.test.ts builds
// and installs it): what the conffiles say, and that the scripts and overrides are sound.
const DEBIAN = join(ROOT, 'debian');
const read = (name: string): string => readFileSync(join(DEBIAN, name), 'utf8');
const LAST_CAP = 40;

test('/etc/capexec.conf as shipped has no rule, so it permits nothing', () => {
  const parsed = parsePolicy(read('capexec.conf'), LAST_CAP);
  assert.equal(parsed.problems, []);
  assert.equal(parsed.rules, []);
});

test('every example in /etc/capexec.conf is a rule capexec accepts once uncommented', () => {
  const examples = read('capexec.conf').split('\n').filter((line) => /^#(permit|deny)\b/.test(line)).map((line) => line.slice(1));
  assert.ok(examples.length >= 4, `${examples.length} examples`);
  for (const example of examples) {
    const parsed = parsePolicy(example, LAST_CAP);
    assert.equal(parsed.problems, [], example);
    assert.is(parsed.rules.length, 1, example);
  }
});

test('/etc/default/capexec names the set postinst uses without it, commented out', () => {
  const fallback = /^DEFAULT_CAPS=(\S+)$/m.exec(read('postinst'))?.[1];
  assert.ok(fallback !== undefined);
  assert.match(read('capexec.default'), new RegExp(`^#CAPEXEC_CAPS=${fallback}$`, 'm'));
  assert.not.match(read('capexec.default'), /^CAPEXEC_CAPS=/m);
  assert.not.match(read('postinst'), /\+ep|\+e\b|chmod [ug]?\+s/);
});

test('the maintainer scripts are POSIX sh that sh -n accepts, stopping at the first error', () => {
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const text = read(script);
    assert.ok(text.startsWith('#!/bin/sh\n'), script);
    assert.match(text, /^set -e$/m, script);
    execFileSync('sh', ['-n', join(DEBIAN, script)]);
  }
});

test('every lintian override has its reason in a comment above it', () => {
  const lines = read('capexec.lintian-overrides').split('\n');
  const overrides = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.startsWith('capexec: '));
  assert.ok(overrides.length > 0);
  for (const { line, index } of overrides) assert.match(lines[index - 1] ?? '', /^# \S/, line);
});

test('the Debian version is package.json\'s, with a packaging revision', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const top = /^capexec \(([^)]+)\)/.exec(read('changelog'))?.[1];
  assert.match(top ?? '', new RegExp(`^${version.replace(/\./g, '\\.')}-\\d+$`));
});

test.run();
