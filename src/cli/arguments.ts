import minimist from 'minimist';
import type { CheckQuery } from '../commands/check';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';

export type Options =
  | { mode: 'help' }
  | { mode: 'version' }
  | { mode: 'completion'; shell: string }
  | { mode: 'launch'; json: boolean; caps: string[]; preserveFds: number; command: string[] }
  | { mode: 'print'; json: boolean }
  | { mode: 'doctor'; json: boolean; caps: string[]; command: string[] }
  // caps is empty with --policy and no --cap: the policy's permit rules decide them.
  | { mode: 'install'; prefix: string; caps: string[]; group: string | undefined; policy: string | undefined }
  | { mode: 'uninstall'; prefix: string }
  | {
    mode: 'user';
    user: string;
    group: string | undefined;
    groups: string[] | undefined;
    clearGroups: boolean;
    caps: string[];
    keepBounding: boolean;
    noNewPrivs: boolean;
    resetEnv: boolean;
    preserveFds: number;
    command: string[];
  }
  // file undefined: /etc/capexec.conf. query: would this user's launch be allowed?
  | { mode: 'check'; file: string | undefined; query: CheckQuery | undefined }
  | { mode: 'list' };

type Mode = Options['mode'];

// Each option names the modes it belongs to; anything else is a conflict. --group is two
// options: with --install, who may run the installed copy; with --user, the primary gid.
// --user is two as well: a mode of its own, and with --check the user asked about.
const OPTION_MODES: Record<string, readonly Mode[]> = {
  cap: ['launch', 'doctor', 'install', 'user', 'check'],
  'preserve-fds': ['launch', 'user'],
  json: ['launch', 'print', 'doctor'],
  group: ['install', 'user'],
  groups: ['user'],
  'clear-groups': ['user'],
  'keep-bounding': ['user'],
  'no-new-privs': ['user'],
  'reset-env': ['user'],
  policy: ['install'],
};
const MODE_FLAGS = ['help', 'version', 'print', 'doctor', 'install', 'uninstall', 'user', 'check', 'list', 'completion'] as const;

// Exported for the completion script, which must know what takes a value.
export const VALUE_OPTIONS: readonly string[] = ['cap', 'preserve-fds', 'install', 'uninstall', 'group', 'user', 'groups', 'policy', 'completion'];
// Options whose value may be left out: they take the next argument only when it is not
// an option (`--check FILE --user alice`, `--check --user alice`).
export const OPTIONAL_VALUE_OPTIONS: readonly string[] = ['check'];
const FLAG_OPTIONS = ['help', 'version', 'print', 'doctor', 'json', 'clear-groups', 'keep-bounding', 'reset-env', 'list'];
const STRING_OPTIONS = [...VALUE_OPTIONS, ...OPTIONAL_VALUE_OPTIONS];
// minimist reads any --no-X as "X is false", so this one is taken out before it looks.
const NO_NEW_PRIVS = '--no-new-privs';
const ALIASES: Record<string, string> = { c: 'cap', h: 'help', V: 'version' };
// What each value option takes, and an example of it, for the message when it is missing.
const VALUE_NAMES: Record<string, string> = {
  cap: 'a capability name', 'preserve-fds': 'a number', install: 'PREFIX', uninstall: 'PREFIX', group: 'a group name',
  user: 'a user name or uid', groups: 'a comma-separated list of groups',
  policy: 'a policy file',
  completion: 'a shell',
};
const EXAMPLES: Record<string, string> = {
  cap: 'capexec --cap net_admin -- COMMAND', 'preserve-fds': 'capexec --preserve-fds 1 --cap net_admin -- COMMAND',
  install: 'capexec --install /usr/local --cap net_admin', uninstall: 'capexec --uninstall /usr/local',
  group: 'capexec --install /usr/local --cap net_admin --group netadmins',
  user: 'capexec --user www-data --cap net_bind_service -- COMMAND', groups: 'capexec --user www-data --groups www-data,adm -- COMMAND',
  policy: 'capexec --install /usr/local --policy ./capexec.conf',
  completion: 'capexec --completion bash',
};

// Every long option, for the tests that keep --help and the man page in step.
export const LONG_OPTIONS: readonly string[] = [...VALUE_OPTIONS, ...OPTIONAL_VALUE_OPTIONS, ...FLAG_OPTIONS, NO_NEW_PRIVS.slice(2)];
const SHORT_VALUE_OPTIONS = ['c'];
// For the completion script: each short option that takes a value, and its long name.
export const SHORT_VALUE_LONG_NAMES: Readonly<Record<string, string>> =
  Object.fromEntries(SHORT_VALUE_OPTIONS.map((letter) => [letter, ALIASES[letter] ?? letter]));

export function parseArguments(args: readonly string[]): Options {
  const { parsed, command, unknown } = readOptions(args);
  if (unknown.some((arg) => arg.startsWith(`${NO_NEW_PRIVS}=`))) throw usage(`${NO_NEW_PRIVS} takes no value`);
  if (unknown[0] !== undefined) {
    throw usage(`unknown option '${printable(unknown[0].replace(/=.*/s, ''))}'`);
  }

  const modes = modeFlags(parsed);
  if (modes.length > 1) throw usage(`--${modes[0]} and --${modes[1]} cannot be combined`);
  const mode: Mode = modes[0] ?? 'launch';
  for (const [option, allowed] of Object.entries(OPTION_MODES)) {
    const given = parsed[option] !== undefined && parsed[option] !== false;
    if (given && !allowed.includes(mode)) {
      throw usage(mode === 'launch' ? `--${option} needs ${allowed.map((m) => `--${m}`).join(' or ')}` : `--${option} cannot be used with --${mode}`);
    }
  }
  const takesCommand = mode === 'launch' || mode === 'doctor' || mode === 'user' || mode === 'check';
  if (command.length > 0 && !takesCommand) throw usage(`--${mode} takes no command`);

  switch (mode) {
    case 'help':
    case 'version':
    case 'list':
      return { mode };
    case 'check':
      return { mode, file: checkFile(parsed['check']), query: checkQuery(parsed, command) };
    case 'print':
      return { mode, json: parsed['json'] === true };
    case 'completion':
      return { mode, shell: single(parsed['completion'], 'completion', 'a shell') };
    case 'uninstall':
      return { mode, prefix: single(parsed['uninstall'], 'uninstall', 'PREFIX') };
    case 'install': {
      const group = parsed['group'] === undefined ? undefined : single(parsed['group'], 'group', 'a group name');
      const policy = parsed['policy'] === undefined ? undefined : single(parsed['policy'], 'policy', 'a policy file');
      const caps = policy !== undefined && parsed['cap'] === undefined ? [] : capOption(parsed['cap']);
      return { mode, prefix: single(parsed['install'], 'install', 'PREFIX'), caps, group, policy };
    }
    case 'doctor':
      return { mode, json: parsed['json'] === true, caps: capOption(parsed['cap']), command };
    case 'launch': {
      const caps = capOption(parsed['cap']);
      if (command.length === 0) {
        throw usage('no command given', 'put the command after the options: capexec --cap net_admin -- COMMAND');
      }
      return { mode, json: parsed['json'] === true, caps, preserveFds: preserveFds(parsed['preserve-fds']), command };
    }
    case 'user':
      return userOptions(parsed, command);
  }
}

function userOptions(parsed: minimist.ParsedArgs, command: string[]): Options {
  const user = single(parsed['user'], 'user', 'a user name or uid');
  const group = parsed['group'] === undefined ? undefined : single(parsed['group'], 'group', 'a group name or gid');
  const clearGroups = parsed['clear-groups'] === true;
  let groups: string[] | undefined;
  if (parsed['groups'] !== undefined) {
    if (clearGroups) throw usage('--groups and --clear-groups cannot be combined');
    groups = single(parsed['groups'], 'groups', 'a comma-separated list of groups').split(',');
    if (groups.some((name) => name === '')) throw usage(`empty group name in --groups '${printable(parsed['groups'] as string)}'`, 'use --clear-groups for none');
  }
  if (command.length === 0) {
    throw usage('no command given', `put the command after the options: capexec --user ${printable(user)} --cap net_bind_service -- COMMAND`);
  }
  return {
    mode: 'user',
    user,
    group,
    groups,
    clearGroups,
    // Root may hand on no capability at all: the command then starts with none.
    caps: parsed['cap'] === undefined || parsed['cap'] === '' ? [] : capOption(parsed['cap']),
    keepBounding: parsed['keep-bounding'] === true,
    noNewPrivs: parsed['no-new-privs'] === true,
    resetEnv: parsed['reset-env'] === true,
    preserveFds: preserveFds(parsed['preserve-fds']),
    command,
  };
}

// Whether a launch asked for its errors as JSON, also when the arguments themselves are
// what failed: a program that passes --json must get JSON for every error of capexec's.
// Asked while an error is reported, so it never throws: for arguments that do not even
// split (`--json --cap -- id`), it looks for --json and no mode among the words before
// any --.
export function wantsJsonErrors(args: readonly string[]): boolean {
  try {
    const { parsed } = readOptions(args);
    return parsed['json'] === true && modeFlags(parsed).length === 0;
  } catch {
    const end = args.indexOf('--');
    const names = (end < 0 ? args : args.slice(0, end)).flatMap((word) => {
      if (word.startsWith('--')) return [longName(word)];
      return word.startsWith('-') ? shortOptions(word).filter((piece) => piece.startsWith('-')).map(optionName) : [];
    });
    return names.includes('json') && !MODE_FLAGS.some((mode) => names.includes(mode));
  }
}

function readOptions(args: readonly string[]): { parsed: minimist.ParsedArgs; command: string[]; unknown: string[] } {
  const [allOptionArgs, command] = splitAtCommand(args);
  const { given, unknown } = minimistInput(allOptionArgs.filter((arg) => arg !== NO_NEW_PRIVS));
  const parsed = minimist(given, {
    ...declarationsFor(given),
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  if (allOptionArgs.includes(NO_NEW_PRIVS)) parsed[NO_NEW_PRIVS.slice(2)] = true;
  // In the order given, whichever of the two found them: the first is the one reported.
  unknown.sort((a, b) => allOptionArgs.indexOf(a) - allOptionArgs.indexOf(b));
  return { parsed, command, unknown };
}

// What minimist is given: the option arguments as they are, but for any it would read as
// an option named like a property every object has (--toString, --__proto__,
// --no-constructor). It looks such a name up in its own tables, finds Object.prototype's,
// and throws; these are unknown options instead, as any other it does not know.
export function minimistInput(optionArgs: readonly string[]): { given: string[]; unknown: string[] } {
  // minimist reads nothing after a -- as an option; splitAtCommand() lets none through.
  const end = optionArgs.indexOf('--');
  const given: string[] = [];
  const unknown: string[] = [];
  for (const arg of end < 0 ? optionArgs : optionArgs.slice(0, end)) (namesObjectProperty(arg) ? unknown : given).push(arg);
  if (end >= 0) given.push(...optionArgs.slice(end));
  return { given, unknown };
}

// Short options are single letters, and no property of Object.prototype is one.
function namesObjectProperty(arg: string): boolean {
  if (!arg.startsWith('--')) return false;
  const name = longName(arg);
  return name in Object.prototype || (name.startsWith('no-') && name.slice(3) in Object.prototype);
}

// `--name` or `--name=value`: the name.
function longName(arg: string): string {
  const equals = arg.indexOf('=');
  return arg.slice(2, equals < 0 ? arg.length : equals);
}

// What minimist is told of: only the options these arguments name. It sets up each
// option it is told of, and gives each boolean its default, at every start; for the
// options that do appear it parses exactly as with all of them, and the others are
// absent either way (a flag not given reads as undefined, not false). A test holds the
// two to the same result.
export function declarationsFor(optionArgs: readonly string[]): Pick<minimist.Opts, 'string' | 'boolean' | 'alias'> {
  const named = new Set<string>();
  for (const arg of optionArgs) {
    if (arg.startsWith('--')) {
      const name = longName(arg);
      named.add(name);
      // --no-X is X, false.
      if (name.startsWith('no-')) named.add(name.slice(3));
    } else if (arg.startsWith('-')) {
      for (const letter of arg.slice(1)) named.add(ALIASES[letter] ?? letter);
    }
  }
  return {
    string: STRING_OPTIONS.filter((name) => named.has(name)),
    boolean: FLAG_OPTIONS.filter((name) => named.has(name)),
    alias: Object.fromEntries(Object.entries(ALIASES).filter(([, name]) => named.has(name))),
  };
}

// Every option minimist could be told of, for that test.
export const ALL_DECLARATIONS: Pick<minimist.Opts, 'string' | 'boolean' | 'alias'> = {
  string: STRING_OPTIONS,
  boolean: FLAG_OPTIONS,
  alias: ALIASES,
};

function modeFlags(parsed: minimist.ParsedArgs): Mode[] {
  const given = MODE_FLAGS.filter((flag) => parsed[flag] !== undefined && parsed[flag] !== false);
  return given.includes('check') ? given.filter((flag) => flag !== 'user') : given;
}

// Like setpriv's "+" getopt string: options end at the first non-option or at --, so the
// helper's own flags pass through untouched. Splitting here, before minimist sees the
// options, also keeps it from taking a command named "true" as a flag's value. Short
// options are taken apart as getopt does: in `-hcnet_admin`, -c takes the rest of the
// word as its value, and alone it takes the next argument.
function splitAtCommand(args: readonly string[]): [string[], string[]] {
  const options: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (arg === '--') return [options, args.slice(i + 1)];
    if (!arg.startsWith('-') || arg === '-') break;
    const pieces = arg.startsWith('--') ? [arg] : shortOptions(arg);
    // `-c--`: -- as -c's value, which minimist would take for the end of the options.
    if (pieces.length > 1 && pieces.at(-1) === '--') throw missingValue(optionName(pieces.at(-2) ?? ''));
    options.push(...pieces);
    i += 1;
    const last = pieces.at(-1) ?? '';
    if (OPTIONAL_VALUE_OPTIONS.includes(last.slice(2)) && !(args[i] ?? '-').startsWith('-')) {
      options.push(args[i] ?? '');
      i += 1;
    } else if (takesNextArgument(last) && i < args.length) {
      const value = args[i] ?? '';
      // `--install --cap net_admin`: getopt would take --cap as PREFIX; a name of ours in
      // the value's place is far more likely a missing value. So is `--cap --`, and
      // minimist would end the options there, dropping those after it unseen.
      if (value === '--' || isOwnLongOption(value)) throw missingValue(optionName(pieces.at(-1) ?? ''));
      options.push(value);
      i += 1;
    }
  }
  return [options, args.slice(i)];
}

// `-hcnet_admin` → `-h`, `-c`, `net_admin`.
function shortOptions(arg: string): string[] {
  const pieces: string[] = [];
  for (let at = 1; at < arg.length; at++) {
    const letter = arg[at] ?? '';
    pieces.push(`-${letter}`);
    if (SHORT_VALUE_OPTIONS.includes(letter) && at + 1 < arg.length) {
      pieces.push(arg.slice(at + 1));
      break;
    }
  }
  return pieces;
}

function takesNextArgument(piece: string): boolean {
  if (piece.startsWith('--')) return !piece.includes('=') && VALUE_OPTIONS.includes(piece.slice(2));
  return piece.length === 2 && SHORT_VALUE_OPTIONS.includes(piece.slice(1));
}

function optionName(piece: string): string {
  return piece.startsWith('--') ? piece.slice(2) : ALIASES[piece.slice(1)] ?? piece.slice(1);
}

function missingValue(option: string): CapexecError {
  return usage(`--${option} needs ${VALUE_NAMES[option] ?? 'a value'}`, `e.g. ${EXAMPLES[option] ?? 'see capexec --help'}`);
}

function isOwnLongOption(value: string): boolean {
  return value.startsWith('--') && LONG_OPTIONS.includes(longName(value));
}

function capOption(value: unknown): string[] {
  const caps = listOf(value).flatMap((item) => {
    if (typeof item !== 'string' || item === '') throw usage('--cap needs a capability name');
    return item.split(',').map((name) => {
      if (name.trim() === '') throw usage(`empty capability name in '${printable(item)}'`);
      if (hasInnerBlank(name)) {
        const commas = name.trim().split(/\s+/).join(',');
        throw usage(`--cap '${printable(item)}'`, `use --cap ${printable(commas)}`, 'capabilities are separated by commas, not blanks');
      }
      return name;
    });
  });
  if (caps.length === 0) throw usage('no capability given', 'use --cap NAME, e.g. --cap net_admin');
  return caps;
}

// Whether blanks separate words in `text`: any blank left once it is trimmed, as trim()
// and \s know blanks (a character that trims to nothing is one).
function hasInnerBlank(text: string): boolean {
  for (const char of text.trim()) if (char.trim() === '') return true;
  return false;
}

function checkFile(value: unknown): string | undefined {
  if (Array.isArray(value)) throw usage('--check given more than once');
  return value === '' || typeof value !== 'string' ? undefined : value;
}

// --user, --cap and the command go together: each needs the others.
function checkQuery(parsed: minimist.ParsedArgs, command: string[]): CheckQuery | undefined {
  if (parsed['user'] === undefined) {
    if (parsed['cap'] !== undefined || command.length > 0) {
      throw usage('--check with --cap or a command needs --user', 'e.g. capexec --check --user alice --cap net_admin -- tunctl');
    }
    return undefined;
  }
  const user = single(parsed['user'], 'user', 'a user name or uid');
  const caps = capOption(parsed['cap']);
  if (command.length === 0) throw usage('--check --user needs a command', 'put it after --: capexec --check --user alice --cap net_admin -- tunctl');
  return { user, caps, command };
}

function single(value: unknown, option: string, what: string): string {
  if (Array.isArray(value)) throw usage(`--${option} given more than once`);
  if (typeof value !== 'string' || value === '') throw usage(`--${option} needs ${what}`);
  return value;
}

function preserveFds(value: unknown): number {
  if (value === undefined) return 0;
  const text = single(value, 'preserve-fds', 'a number');
  // Far below any RLIMIT_NOFILE hard limit people run with, and it bounds the loop.
  if (!/^\d{1,6}$/.test(text) || Number(text) > 65536) {
    throw usage(`--preserve-fds needs a number from 0 to 65536, not '${printable(text)}'`);
  }
  return Number(text);
}

function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function usage(what: string, fix = 'see capexec --help', why?: string): CapexecError {
  return new CapexecError('usage', what, why, { fix });
}
