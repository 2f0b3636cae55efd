import { execa, type Options } from 'execa';
import { asNobody } from './privileged';

// Runs argv as nobody and never throws on a non-zero exit: tests assert on the status.
export function runAsNobody(argv: readonly string[], options: Options = {}, setprivOptions: readonly string[] = []) {
  const [file, args] = asNobody(argv, setprivOptions);
  return execa(file, args, { reject: false, timeout: 20_000, ...options });
}

export function runAsRoot(file: string, args: readonly string[], options: Options = {}) {
  return execa(file, args, { reject: false, timeout: 20_000, ...options });
}

// A stderr from capexec itself: exactly one line in the house format.
export function isOneErrorLine(stderr: unknown): boolean {
  return typeof stderr === 'string' && /^capexec: [^\n]+$/.test(stderr);
}

// Quotes a word for sh -c.
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

// The command line that runs argv as nobody, as one string for sh -c or bash -c, where a
// test needs shell redirections or pipes around it.
export function nobodyShellLine(argv: readonly string[]): string {
  return asNobody(argv).flat().map(shQuote).join(' ');
}
