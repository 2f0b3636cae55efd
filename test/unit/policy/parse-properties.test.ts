import fc from 'fast-check';
import { posix } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicy } from '../../../src/policy/parse';
import { ruleText } from '../../../src/policy/print';
import type { Rule } from '../../../src/policy/rule';

// Generated inputs find the parser's edge cases that a hand-written table misses: odd
// quoting, braces and keywords in every position, blanks of every kind.
const LAST_CAP = 40;
const RUNS = { numRuns: 2000 };

// Lines built from the language's own words and phrases, mixed with noise, so that many
// get past the first word and a good share are whole rules.
const phrase = fc.oneof(
  fc.constantFrom('keepenv', 'setenv', '{', '}', 'cap', 'cmd', 'sha256', 'args', 'alice', ':staff', '1000', 'net_admin', '"', '\\', '#',
    '"a b"', 'A=1', '-B', 'X=$HOME', '${USER}', '*', 'cap net_admin', 'cap net_raw,CAP_NET_ADMIN', 'cmd /usr/bin/tunctl',
    `cmd /bin/x sha256 ${'ab'.repeat(32)}`, 'cmd "/opt/a b"', 'args -t "tap 0"', 'setenv { LANG=C TERM -TZ }', 'keepenv'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const blank = fc.constantFrom(' ', '\t', '  ', '\r', '');
const words = fc.array(fc.tuple(phrase, blank), { maxLength: 8 }).map((parts) => parts.map(([word, space]) => ` ${word}${space}`).join(''));
// Well-formed rules, with each part optional and sometimes a stray phrase in between.
const part = (options: string[]) => fc.option(fc.constantFrom(...options), { nil: '' });
const rule = fc.tuple(
  fc.constantFrom('permit', 'deny'), part(['keepenv', 'setenv { A="b c" -D E=$F }', 'keepenv setenv { }']), fc.constantFrom('alice', ':staff', '0', ':65534', '"bob"'),
  part(['cap net_admin', 'cap 12,net_raw,cap_sys_admin']),
  part(['cmd /usr/bin/tunctl', 'cmd "/usr/local/bin/my tool" args', `cmd /bin/ip sha256 ${'C0'.repeat(32)} args link "set dev" "tap*" \${USER}`]),
  fc.option(phrase, { nil: '', freq: 8 }),
).map((parts) => parts.join(' '));
const line = fc.oneof(
  { weight: 3, arbitrary: rule },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('permit', 'deny', ' permit', 'deny\t'), words).map(([action, rest]) => action + rest) },
  { weight: 1, arbitrary: words },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const text = fc.array(line, { maxLength: 12 }).map((lines) => lines.join('\n'));

const withoutPositions = (rule: Rule) => ({ ...rule, line: 0, columns: undefined });

test('a cmd path is taken exactly when path.posix.normalize() would leave it as it is, absolute and without a trailing slash', () => {
  const path = fc.array(fc.constantFrom('/', '.', 'a', '-'), { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
  fc.assert(fc.property(path, (cmd) => {
    const taken = parsePolicy(`permit alice cap net_admin cmd ${cmd}\n`, LAST_CAP).problems.length === 0;
    return taken === (posix.isAbsolute(cmd) && posix.normalize(cmd) === cmd && (cmd === '/' || !cmd.endsWith('/')));
  }), RUNS);
});

test('parsePolicy never throws, and every problem is at a place inside the text', () => {
  fc.assert(fc.property(text, (input) => {
    const lines = input.split('\n');
    const { problems } = parsePolicy(input, LAST_CAP);
    for (const problem of problems) {
      const line = lines[problem.line - 1];
      if (line === undefined || problem.column < 1 || problem.column > line.length + 1) return false;
      if (problem.what === '' || problem.fix === '' || /[\n\x00-\x1f]/.test(problem.what + problem.fix)) return false;
    }
    return true;
  }), RUNS);
});

test('a line either gives a rule or a problem, never both and never neither', () => {
  fc.assert(fc.property(text, (input) => {
    const { rules, problems } = parsePolicy(input, LAST_CAP);
    const used = [...rules.map((rule) => rule.line), ...problems.map((problem) => problem.line)];
    return new Set(used).size === used.length;
  }), RUNS);
});

test('printing the parsed rules with ruleText and parsing them again gives the same rules', () => {
  fc.assert(fc.property(text, (input) => {
    const { rules } = parsePolicy(input, LAST_CAP);
    const again = parsePolicy(rules.map(ruleText).join('\n'), LAST_CAP);
    assert.equal(again.problems, []);
    assert.equal(again.rules.map(withoutPositions), rules.map(withoutPositions));
  }), RUNS);
});

// Rules built directly, with any bytes a word can hold: the printer must quote what needs it.
const word = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 8 }).filter((value) => !value.includes('\n'));
const variable = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const builtRule = fc.record({
  action: fc.constantFrom('permit' as const, 'deny' as const),
  keepenv: fc.boolean(),
  setenv: fc.array(fc.oneof(
    fc.record({ kind: fc.constant('set' as const), name: variable, value: word.filter((value) => !/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value)) }),
    fc.record({ kind: fc.constant('copy-from' as const), name: variable, from: variable }),
    fc.record({ kind: fc.constant('keep' as const), name: variable }),
    fc.record({ kind: fc.constant('unset' as const), name: variable }),
  ), { maxLength: 3 }),
  identity: fc.oneof(
    fc.record({ kind: fc.constantFrom('user' as const, 'group' as const), text: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}\$?$/) }),
    fc.record({ kind: fc.constantFrom('user' as const, 'group' as const), text: fc.integer({ min: 0, max: 4294967295 }).map(String) }),
  ),
  caps: fc.uniqueArray(fc.integer({ min: 0, max: LAST_CAP }), { minLength: 1, maxLength: 4 }),
  command: fc.option(fc.record({
    path: fc.array(word.filter((part) => part !== '' && part !== '.' && part !== '..' && !part.includes('/')), { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`),
    sha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: undefined }),
    args: fc.option(fc.array(word, { maxLength: 4 }), { nil: undefined }),
  }), { nil: undefined }),
}).map((built): Rule => ({
  // Plain objects, as the parser makes them: fast-check's records have no prototype.
  ...built,
  identity: { ...built.identity },
  command: built.command === undefined ? undefined : { ...built.command },
  // keepenv and setenv belong to permit rules only.
  keepenv: built.action === 'permit' && built.keepenv,
  setenv: built.action === 'permit' ? built.setenv.map((item) => ({ ...item })) : [],
  line: 1,
  columns: { identity: 1, command: undefined },
}));

test('any rule ruleText prints parses back to itself', () => {
  fc.assert(fc.property(builtRule, (original) => {
    const printed = ruleText(original);
    const { rules, problems } = parsePolicy(printed, LAST_CAP);
    assert.equal(problems, [], printed);
    assert.equal(rules.map(withoutPositions), [withoutPositions(original)], printed);
  }), RUNS);
});

test.run();
