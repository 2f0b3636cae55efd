import { resolveCapNames } from '../caps/names';
import { CapexecError } from '../support/errors';
import { problems } from './messages';
import type { CommandPattern, Identity, PolicyProblem, Rule, SetenvItem } from './rule';
import { splitLines, type Word } from './syntax';

//   permit|deny [keepenv] [setenv { VAR=value VAR -VAR }] IDENTITY [cap CAPS]
//               [cmd PATH [sha256 HEX] [args [ARG ...]]]
// Pure: names of users and groups, and the files cmd names, are resolved when the policy
// is loaded. Every problem is reported, each at its place; any error rejects the whole
// policy, so a broken file never half-applies.
export interface ParsedPolicy {
  rules: Rule[];
  problems: PolicyProblem[];
}

const IDENTITY = /^:?(?:\d{1,10}|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SHA256 = /^[0-9a-f]{64}$/i;

export function parsePolicy(text: string, lastCap: number): ParsedPolicy {
  const rules: Rule[] = [];
  const found: PolicyProblem[] = [];
  for (const line of splitLines(text)) {
    if ('error' in line) {
      found.push(problems.syntax(line.error.line, line.error.column, line.error.what, line.error.fix));
      continue;
    }
    if (line.words.length === 0) continue;
    const parsed = parseRule(line.words, lastCap);
    if ('problem' in parsed) found.push(parsed.problem);
    else rules.push(parsed.rule);
  }
  return { rules, problems: found };
}

type Parsed = { rule: Rule } | { problem: PolicyProblem };

class Words {
  private at = 0;
  constructor(private readonly words: readonly Word[]) {}
  peek(): Word | undefined {
    return this.words[this.at];
  }
  next(): Word | undefined {
    return this.words[this.at++];
  }
  last(): Word | undefined {
    return this.words[this.words.length - 1];
  }
  rest(): Word[] {
    const rest = this.words.slice(this.at);
    this.at = this.words.length;
    return rest;
  }
}

const isKeyword = (word: Word | undefined, keyword: string): boolean => word !== undefined && !word.quoted && word.text === keyword;

function parseRule(list: readonly Word[], lastCap: number): Parsed {
  const words = new Words(list);
  const first = words.next() as Word;
  if (first.quoted || (first.text !== 'permit' && first.text !== 'deny')) return { problem: problems.noAction(first.line, first.column, first.text) };
  const action = first.text;

  let keepenv = false;
  let setenv: SetenvItem[] | undefined;
  for (let word = words.peek(); isKeyword(word, 'keepenv') || isKeyword(word, 'setenv'); word = words.peek()) {
    const option = words.next() as Word;
    if (action === 'deny') return { problem: problems.optionOnDeny(option.line, option.column, option.text) };
    if (option.text === 'keepenv') {
      if (keepenv) return { problem: problems.repeated(option.line, option.column, 'keepenv') };
      keepenv = true;
    } else {
      if (setenv !== undefined) return { problem: problems.repeated(option.line, option.column, 'setenv') };
      const items = parseSetenv(words, option);
      if ('problem' in items) return items;
      setenv = items.items;
    }
  }

  const who = words.next();
  if (who === undefined) {
    const after = list[list.length - 1] as Word;
    return { problem: problems.noIdentity(after.line, after.column + after.text.length) };
  }
  if (!IDENTITY.test(who.text)) return { problem: problems.badIdentity(who.line, who.column, who.text) };
  const identity: Identity = who.text.startsWith(':') ? { kind: 'group', text: who.text.slice(1) } : { kind: 'user', text: who.text };

  let caps: number[] | undefined;
  let command: CommandPattern | undefined;
  let commandColumn: number | undefined;
  for (let word = words.next(); word !== undefined; word = words.next()) {
    if (isKeyword(word, 'cap')) {
      if (caps !== undefined) return { problem: problems.repeated(word.line, word.column, 'cap') };
      const value = words.next();
      if (value === undefined) return { problem: problems.missingValue(word.line, word.column, 'cap', 'a comma-separated list of capabilities') };
      const resolved = parseCaps(value, lastCap);
      if ('problem' in resolved) return resolved;
      caps = resolved.caps;
    } else if (isKeyword(word, 'cmd')) {
      if (command !== undefined) return { problem: problems.repeated(word.line, word.column, 'cmd') };
      commandColumn = words.peek()?.column;
      const parsed = parseCommand(words, word);
      if ('problem' in parsed) return parsed;
      command = parsed.command;
    } else if (isKeyword(word, 'sha256') || isKeyword(word, 'args')) {
      return { problem: problems.notAfterCmd(word.line, word.column, word.text) };
    } else {
      return { problem: problems.unknownWord(word.line, word.column, word.text) };
    }
  }
  if (action === 'permit' && caps === undefined) return { problem: problems.permitWithoutCap(first.line, first.column) };
  const columns = { identity: who.column, command: commandColumn };
  return { rule: { action, keepenv, setenv: setenv ?? [], identity, caps, command, line: first.line, columns } };
}

function parseSetenv(words: Words, option: Word): { items: SetenvItem[] } | { problem: PolicyProblem } {
  const open = words.next();
  if (open === undefined || open.quoted || open.text !== '{') {
    return { problem: problems.missingValue(option.line, option.column, 'setenv', 'a list in braces') };
  }
  const items: SetenvItem[] = [];
  for (let word = words.next(); ; word = words.next()) {
    if (word === undefined) return { problem: problems.unclosedSetenv(open.line, open.column) };
    if (!word.quoted && word.text === '}') return { items };
    const item = setenvItem(word.text);
    if (item === undefined) return { problem: problems.badSetenv(word.line, word.column, word.text) };
    items.push(item);
  }
}

function setenvItem(text: string): SetenvItem | undefined {
  if (text.startsWith('-')) return VARIABLE.test(text.slice(1)) ? { kind: 'unset', name: text.slice(1) } : undefined;
  const equals = text.indexOf('=');
  if (equals < 0) return VARIABLE.test(text) ? { kind: 'keep', name: text } : undefined;
  const name = text.slice(0, equals);
  const value = text.slice(equals + 1);
  if (!VARIABLE.test(name)) return undefined;
  if (value.startsWith('$') && VARIABLE.test(value.slice(1))) return { kind: 'copy-from', name, from: value.slice(1) };
  return { kind: 'set', name, value };
}

function parseCaps(value: Word, lastCap: number): { caps: number[] } | { problem: PolicyProblem } {
  const names = value.text.split(',');
  if (names.some((name) => name.trim() === '')) {
    return { problem: problems.badCap(value.line, value.column, `empty capability name in '${value.text}'`) };
  }
  try {
    return { caps: resolveCapNames(names, lastCap) };
  } catch (error) {
    if (!(error instanceof CapexecError)) throw error;
    return { problem: problems.badCap(value.line, value.column, error.why === undefined ? error.what : `${error.what}: ${error.why}`, error.fix) };
  }
}

// What path.posix.normalize() would leave as it is, absolute, and without a trailing
// slash: no empty, `.` or `..` component. Asked by regular expression, which allocates
// nothing, where normalize() builds a string per cmd, 250 KB for a policy of 500.
const COMPONENTS = /^(?:\/[^/]+)+$/;
const DOT_COMPONENT = /\/\.\.?(?:\/|$)/;

function isNormalAbsolute(path: string): boolean {
  return path === '/' || (COMPONENTS.test(path) && !DOT_COMPONENT.test(path));
}

function parseCommand(words: Words, keyword: Word): { command: CommandPattern } | { problem: PolicyProblem } {
  const path = words.next();
  if (path === undefined) return { problem: problems.missingValue(keyword.line, keyword.column, 'cmd', 'an absolute path') };
  if (!isNormalAbsolute(path.text)) {
    return { problem: problems.relativeCmd(path.line, path.column, path.text) };
  }
  let sha256: string | undefined;
  let args: string[] | undefined;
  if (isKeyword(words.peek(), 'sha256')) {
    const word = words.next() as Word;
    const hex = words.next();
    if (hex === undefined) return { problem: problems.missingValue(word.line, word.column, 'sha256', '64 hexadecimal digits') };
    if (!SHA256.test(hex.text)) return { problem: problems.badSha256(hex.line, hex.column, hex.text) };
    sha256 = hex.text.toLowerCase();
  }
  // Everything after args is an argument, keywords included: `args -t tap0 cmd` allows
  // exactly those three.
  if (isKeyword(words.peek(), 'args')) {
    words.next();
    args = words.rest().map((word) => word.text);
  }
  return { command: { path: path.text, sha256, args } };
}
