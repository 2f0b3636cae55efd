import minimist from 'minimist';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';

export type Options =
  | { mode: 'help' }
  | { mode: 'version' }
  | { mode: 'launch'; caps: string[]; preserveFds: number; command: string[] }
  | { mode: 'print'; json: boolean }
  | { mode: 'doctor'; json: boolean; caps: string[]; command: string[] }
  | { mode: 'install'; prefix: string; caps: string[]; group: string | undefined }
  | { mode: 'uninstall'; prefix: string };

type Mode = Options['mode'];

// Each option names the modes it belongs to; anything else is a conflict.
const OPTION_MODES: Record<string, readonly Mode[]> = {
  cap: ['launch', 'doctor', 'install'],
  'preserve-fds': ['launch'],
  json: ['print', 'doctor'],
  group: ['install'],
};
const MODE_FLAGS = ['help', 'version', 'print', 'doctor', 'install', 'uninstall'] as const;

const VALUE_OPTIONS = ['cap', 'preserve-fds', 'install', 'uninstall', 'group'];
const FLAG_OPTIONS = ['help', 'version', 'print', 'doctor', 'json'];

// Every long option, for the tests that keep --help and the man page in step.
export const LONG_OPTIONS: readonly string[] = [...VALUE_OPTIONS, ...FLAG_OPTIONS];
const SHORT_VALUE_OPTIONS = ['c'];

export function parseArguments(args: readonly string[]): Options {
  const [optionArgs, command] = splitAtCommand(args);
  const unknown: string[] = [];
  const parsed = minimist(optionArgs, {
    string: VALUE_OPTIONS,
    boolean: FLAG_OPTIONS,
    alias: { c: 'cap', h: 'help', V: 'version' },
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  if (unknown[0] !== undefined) {
    throw usage(`unknown option '${printable(unknown[0].replace(/=.*/s, ''))}'`);
  }

  const modes = MODE_FLAGS.filter((flag) => parsed[flag] !== undefined && parsed[flag] !== false);
  if (modes.length > 1) throw usage(`--${modes[0]} and --${modes[1]} cannot be combined`);
  const mode: Mode = modes[0] ?? 'launch';
  for (const [option, allowed] of Object.entries(OPTION_MODES)) {
    const given = parsed[option] !== undefined && parsed[option] !== false;
    if (given && !allowed.includes(mode)) {
      throw usage(mode === 'launch' ? `--${option} needs ${allowed.map((m) => `--${m}`).join(' or ')}` : `--${option} cannot be used with --${mode}`);
    }
  }
  const takesCommand = mode === 'launch' || mode === 'doctor';
  if (command.length > 0 && !takesCommand) throw usage(`--${mode} takes no command`);

  switch (mode) {
    case 'help':
    case 'version':
      return { mode };
    case 'print':
      return { mode, json: parsed['json'] === true };
    case 'uninstall':
      return { mode, prefix: single(parsed['uninstall'], 'uninstall', 'PREFIX') };
    case 'install': {
      const group = parsed['group'] === undefined ? undefined : single(parsed['group'], 'group', 'a group name');
      return { mode, prefix: single(parsed['install'], 'install', 'PREFIX'), caps: capOption(parsed['cap']), group };
    }
    case 'doctor':
      return { mode, json: parsed['json'] === true, caps: capOption(parsed['cap']), command };
    case 'launch': {
      const caps = capOption(parsed['cap']);
      if (command.length === 0) {
        throw usage('no command given', 'put the command after the options: capexec --cap net_admin -- COMMAND');
      }
      return { mode, caps, preserveFds: preserveFds(parsed['preserve-fds']), command };
    }
  }
}

// Like setpriv's "+" getopt string: options end at the first non-option or at --, so the
// helper's own flags pass through untouched. Splitting here, before minimist sees the
// options, also keeps it from taking a command named "true" as a flag's value.
function splitAtCommand(args: readonly string[]): [string[], string[]] {
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (arg === '--') return [args.slice(0, i), args.slice(i + 1)];
    if (!arg.startsWith('-') || arg === '-') break;
    i += takesNextArgument(arg) ? 2 : 1;
  }
  return [args.slice(0, Math.min(i, args.length)), args.slice(i)];
}

function takesNextArgument(arg: string): boolean {
  if (arg.startsWith('--')) return !arg.includes('=') && VALUE_OPTIONS.includes(arg.slice(2));
  // In a group like -hc, a value option takes the rest of the group or the next arg.
  const letters = arg.slice(1);
  const at = [...letters].findIndex((letter) => SHORT_VALUE_OPTIONS.includes(letter));
  return at === letters.length - 1;
}

function capOption(value: unknown): string[] {
  const caps = listOf(value).flatMap((item) => {
    if (typeof item !== 'string' || item === '') throw usage('--cap needs a capability name');
    return item.split(',').map((name) => {
      if (name.trim() === '') throw usage(`empty capability name in '${printable(item)}'`);
      return name;
    });
  });
  if (caps.length === 0) throw usage('no capability given', 'use --cap NAME, e.g. --cap net_admin');
  return caps;
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

function usage(what: string, fix = 'see capexec --help'): CapexecError {
  return new CapexecError('usage', what, undefined, { fix });
}
