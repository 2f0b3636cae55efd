import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { policyEnvironment, POLICY_PATH_VARIABLE } from '../../../src/policy/environment';
import type { LoadedRule } from '../../../src/policy/match';
import { parsePolicy } from '../../../src/policy/parse';

const ruleOf = (text: string): LoadedRule => {
  const rule = parsePolicy(text, 40).rules[0];
  assert.ok(rule, text);
  return { ...rule, id: 1000, file: undefined };
};
const entries = (...pairs: string[]): Buffer[] => pairs.map((pair) => Buffer.from(pair, 'latin1'));
const asText = (list: Buffer[]): string[] => list.map((entry) => entry.toString('latin1')).sort();

const CALLER = entries(
  'PATH=/home/alice/bin:/usr/bin', 'HOME=/home/alice', 'TERM=xterm', 'LANG=de_DE.UTF-8', 'LC_ALL=C', 'LC_TIME=en_GB', 'TZ=Europe/Berlin',
  'USER=alice', 'LOGNAME=alice', 'SHELL=/bin/bash', 'DISPLAY=:0', 'COLORTERM=truecolor', 'LANGUAGE=de',
  'BASH_ENV=/home/alice/evil', 'PYTHONPATH=/home/alice/py', 'PERL5LIB=/tmp', 'BASH_FUNC_ls%%=() { evil; }', 'CAPEXEC_USER=root',
);

test('reset: only the short list stays, PATH is the fixed one, CAPEXEC_USER the caller\'s own name', () => {
  assert.equal(asText(policyEnvironment(CALLER, ruleOf('permit alice cap net_admin'), 'alice')), [
    'CAPEXEC_USER=alice', 'COLORTERM=truecolor', 'DISPLAY=:0', 'HOME=/home/alice', 'LANG=de_DE.UTF-8', 'LANGUAGE=de', 'LC_ALL=C', 'LC_TIME=en_GB',
    'LOGNAME=alice', `PATH=${POLICY_PATH_VARIABLE}`, 'SHELL=/bin/bash', 'TERM=xterm', 'TZ=Europe/Berlin', 'USER=alice',
  ]);
});

test('keepenv keeps the rest, PATH included, but never exported bash functions or a CAPEXEC_USER of the caller\'s choosing', () => {
  const kept = asText(policyEnvironment(CALLER, ruleOf('permit keepenv alice cap net_admin'), 'alice'));
  assert.ok(kept.includes('PATH=/home/alice/bin:/usr/bin'));
  assert.ok(kept.includes('PYTHONPATH=/home/alice/py'));
  assert.not.ok(kept.some((entry) => entry.startsWith('BASH_FUNC_')));
  assert.ok(kept.includes('CAPEXEC_USER=alice'));
  assert.not.ok(kept.includes('CAPEXEC_USER=root'));
});

test('setenv: set, copy from the caller, keep, unset; a copied or kept variable the caller lacks is absent', () => {
  const rule = ruleOf('permit setenv { MODE=fast PATH=/opt/bin ORIGIN=$HOME PYTHONPATH -TZ GONE=$NOPE NOPE } alice cap net_admin');
  const result = asText(policyEnvironment(CALLER, rule, 'alice'));
  assert.ok(result.includes('MODE=fast'));
  assert.ok(result.includes('PATH=/opt/bin'));
  assert.ok(result.includes('ORIGIN=/home/alice'));
  assert.ok(result.includes('PYTHONPATH=/home/alice/py'));
  assert.not.ok(result.some((entry) => /^(TZ|GONE|NOPE)=/.test(entry)));
});

test('bytes pass through untouched, and the first of a duplicated name wins', () => {
  const odd = [Buffer.from([0x54, 0x45, 0x52, 0x4d, 0x3d, 0xff, 0x0a]), Buffer.from('TERM=second'), Buffer.from('=nameless'), Buffer.from('novalue')];
  const result = policyEnvironment(odd, ruleOf('permit alice cap net_admin'), 'alice');
  assert.ok(result.some((entry) => entry.equals(Buffer.from([0x54, 0x45, 0x52, 0x4d, 0x3d, 0xff, 0x0a]))));
  assert.not.ok(result.some((entry) => entry.toString('latin1') === 'TERM=second'));
  assert.not.ok(result.some((entry) => entry.toString('latin1').startsWith('=')));
});

test.run();
