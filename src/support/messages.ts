import { CapexecError, SyscallError } from './errors';

// Arguments, paths and names come from whoever runs capexec: never let them put
// terminal escapes or stray newlines on the caller's screen.
export function printable(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  let out = '';
  for (const byte of bytes) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c
      ? String.fromCharCode(byte)
      : byte === 0x5c ? '\\\\' : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function errorLines(error: CapexecError): string[] {
  const why = error.why === undefined ? '' : `: ${error.why}`;
  const fix = error.fix === undefined ? '' : ` (${error.fix})`;
  return [`capexec: ${error.what}${why}${fix}`, ...error.details];
}

// Anything that escapes as a plain Error is a bug in capexec, but the user still gets
// one line, not a stack trace.
export function unexpectedErrorLine(error: unknown): string {
  if (error instanceof SyscallError) return `capexec: ${error.message}`;
  const text = error instanceof Error ? error.message : String(error);
  return `capexec: internal error: ${printable(text.split('\n')[0] ?? '')}`;
}
