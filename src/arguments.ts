import minimist from 'minimist';
import { CapexecError } from './errors';
import { printable } from './messages';

export type Options =
  | { mode: 'help' }
  | { mode: 'version' }
  | { mode: 'launch'; caps: string[]; preserveFds: number; command: string[] };

const MODES = ['help', 'version'] as const;

// Like setpriv's "+" getopt string: options end at the first non-option, so the
// helper's own flags pass through untouched.
export function parseArguments(args: readonly string[]): Options {
  const unknown: string[] = [];
  const parsed = minimist([...args], {
    string: ['cap', 'preserve-fds', '_'],
    boolean: [...MODES],
    alias: { c: 'cap', h: 'help', V: 'version' },
    stopEarly: true,
    unknown: (arg) => {
      if (arg.startsWith('-') && arg !== '-') {
        unknown.push(arg);
        return false;
      }
      return true;
    },
  });
  if (unknown[0] !== undefined) {
    throw new CapexecError(`unknown option '${printable(unknown[0].replace(/=.*/s, ''))}'`, undefined, {
      fix: 'see capexec --help',
    });
  }

  const command = parsed._.map(String);
  const modes = MODES.filter((mode) => parsed[mode] === true);
  if (modes.length > 1) throw usage(`--${modes[0]} and --${modes[1]} cannot be combined`);
  const mode = modes[0];
  if (mode !== undefined) {
    if (parsed['cap'] !== undefined || parsed['preserve-fds'] !== undefined || command.length > 0) {
      throw usage(`--${mode} takes no other arguments`);
    }
    return { mode };
  }

  const caps = listOf(parsed['cap']).flatMap((value) => {
    if (typeof value !== 'string' || value === '') throw usage('--cap needs a capability name');
    return value.split(',').map((name) => {
      if (name.trim() === '') throw usage(`empty capability name in '${printable(value)}'`);
      return name;
    });
  });
  if (caps.length === 0) throw usage('no capability given', 'use --cap NAME, e.g. --cap net_admin');
  if (command.length === 0) throw usage('no command given', 'put the command after the options: capexec --cap net_admin -- COMMAND');
  return { mode: 'launch', caps, preserveFds: preserveFds(parsed['preserve-fds']), command };
}

function preserveFds(value: unknown): number {
  if (value === undefined) return 0;
  if (Array.isArray(value)) throw usage('--preserve-fds given more than once');
  // Far below any RLIMIT_NOFILE hard limit people run with, and it bounds the loop.
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value) || Number(value) > 65536) {
    throw usage(`--preserve-fds needs a number from 0 to 65536, not '${printable(String(value))}'`);
  }
  return Number(value);
}

function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function usage(what: string, fix = 'see capexec --help'): CapexecError {
  return new CapexecError(what, undefined, { fix });
}
