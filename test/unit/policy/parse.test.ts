import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemLine } from '../../../src/policy/messages';
import { parsePolicy } from '../../../src/policy/parse';
import { ruleText } from '../../../src/policy/print';
import { BAD_INPUTS } from './bad-inputs';

const LAST_CAP = 40;

test('each bad line: exactly one problem, at its FILE:LINE:COL, with its fix', () => {
  for (const [input, expected] of BAD_INPUTS) {
    const parsed = parsePolicy(input, LAST_CAP);
    assert.equal(parsed.problems.map((problem) => problemLine('/etc/capexec.conf', problem)), [expected], input);
    assert.equal(parsed.rules, [], input);
  }
});

test('every problem of a file is reported, each on its own line; good lines still parse', () => {
  const text = ['# comment', 'permit alice cap net_admin', 'permit bob', '', '  deny :staff cap nett_raw', 'deny :staff'].join('\n');
  const parsed = parsePolicy(text, LAST_CAP);
  assert.equal(parsed.problems.map((problem) => [problem.line, problem.column]), [[3, 1], [5, 19]]);
  assert.equal(parsed.rules.map((rule) => rule.line), [2, 6]);
});

test('a full rule: options, identity, caps in order, cmd with sha256 and args', () => {
  const hex = 'AB'.repeat(32);
  const text = `permit keepenv setenv { LANG=C.UTF-8 TERM -TZ X=$HOME } :netadmins cap net_raw,CAP_NET_ADMIN cmd "/opt/my tools/tunctl" sha256 ${hex} args -u "\${USER}" -t "tap*" cmd`;
  const { rules, problems } = parsePolicy(text, LAST_CAP);
  assert.equal(problems, []);
  const rule = rules[0];
  assert.ok(rule);
  assert.is(rule.action, 'permit');
  assert.is(rule.keepenv, true);
  assert.equal(rule.setenv, [
    { kind: 'set', name: 'LANG', value: 'C.UTF-8' }, { kind: 'keep', name: 'TERM' }, { kind: 'unset', name: 'TZ' }, { kind: 'copy-from', name: 'X', from: 'HOME' },
  ]);
  assert.equal(rule.identity, { kind: 'group', text: 'netadmins' });
  assert.equal(rule.caps, [13, 12]);
  // Everything after args is an argument, a keyword too; the pin is kept in lower case.
  assert.equal(rule.command, { path: '/opt/my tools/tunctl', sha256: 'ab'.repeat(32), args: ['-u', '${USER}', '-t', 'tap*', 'cmd'] });
  assert.equal(rule.columns, { identity: text.indexOf(':netadmins') + 1, command: text.indexOf('"/opt') + 1 });
});

test('args alone allows no arguments; no args allows any; deny without cap denies any', () => {
  const { rules } = parsePolicy('permit 1000 cap net_admin cmd /usr/bin/tunctl args\npermit 1000 cap net_admin cmd /usr/bin/tunctl\ndeny :0', LAST_CAP);
  assert.equal(rules.map((rule) => rule.command?.args), [[], undefined, undefined]);
  assert.equal(rules[2]?.caps, undefined);
  assert.equal(rules[2]?.identity, { kind: 'group', text: '0' });
});

test('a brace is a word of its own where a word starts; inside one, as in ${USER}, part of it', () => {
  const { rules, problems } = parsePolicy('permit setenv {A=1 } alice cap net_admin cmd /bin/x args -u ${USER} {x} a}b', LAST_CAP);
  assert.equal(problems, []);
  assert.equal(rules[0]?.setenv, [{ kind: 'set', name: 'A', value: '1' }]);
  assert.equal(rules[0]?.command?.args, ['-u', '${USER}', '{', 'x}', 'a}b']);
});

test('quoted words are never keywords: a quoted "cap" after the identity is an unknown word', () => {
  const { problems } = parsePolicy('permit alice "cap" net_admin', LAST_CAP);
  assert.equal(problems.map((problem) => problem.what), ["unknown keyword 'cap'"]);
});

test('the file\'s own text reaches messages escaped', () => {
  const { problems } = parsePolicy('permit alice cap net_admin \x1b[2J', LAST_CAP);
  assert.is(problems[0]?.what, "unknown keyword '\\x1b[2J'");
});

test('ruleText prints the canonical form', () => {
  const { rules } = parsePolicy('permit   setenv {  "A=x y" } keepenv alice cap net_admin,net_raw cmd /bin/x args "" "a\\"b"', LAST_CAP);
  assert.equal(rules.map(ruleText), ['permit keepenv setenv { "A=x y" } alice cap cap_net_admin,cap_net_raw cmd /bin/x args "" "a\\"b"']);
});

test.run();
