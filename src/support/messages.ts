import { CapexecError, EXIT_CAPEXEC, SyscallError, type ErrorCode, type ErrorFinding } from './errors';

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

// A name as a word of a command to paste into a shell: as it is when the shell would
// read nothing else into it, otherwise in single quotes; printable() either way.
export function shellWord(text: string): string {
  const shown = printable(text);
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}

// The error line, then its findings. The error's own fix assumes the
// usual cause; once a finding names the actual one, the finding's fix is the one to follow.
// A file's permission bits as ls(1) and chmod(1) write them: `0755`, `1777`.
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export function errorLines(error: CapexecError): string[] {
  const why = error.why === undefined ? '' : `: ${error.why}`;
  const explained = error.findings.some((finding) => finding.severity === 'error');
  const fix = error.fix === undefined || explained ? '' : ` (${error.fix})`;
  return [`capexec: ${error.what}${why}${fix}`, ...error.findings.map((finding) => `  ${findingLine(finding)}`)];
}

// One line per finding, as --doctor prints them and as they follow a failed launch's
// error line.
export function findingLine(finding: ErrorFinding): string {
  return `${finding.severity} ${finding.id}: ${finding.message} (${finding.fix})`;
}

// Anything that escapes as a plain Error is a bug in capexec, but the user still gets
// one line, not a stack trace.
export function unexpectedErrorLine(error: unknown): string {
  return `capexec: ${unexpectedErrorText(error)}`;
}

function unexpectedErrorText(error: unknown): string {
  if (error instanceof SyscallError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  return `internal error: ${printable(text.split('\n')[0] ?? '')}`;
}

// What a launch with --json writes instead of its error lines: one JSON line, so that a
// program running capexec (the library's run()) can tell capexec's own 125, 126 and
// 127 from the command's without reading prose.
export interface ErrorReport {
  error: { code: ErrorCode; what: string; why: string | null; fix: string | null; exit_code: number };
  findings: ErrorFinding[];
}

export function errorReport(error: unknown): ErrorReport {
  if (!(error instanceof CapexecError)) {
    const what = unexpectedErrorText(error);
    return { error: { code: 'internal_error', what, why: null, fix: null, exit_code: EXIT_CAPEXEC }, findings: [] };
  }
  return {
    error: {
      code: error.code,
      what: error.what,
      why: error.why ?? null,
      fix: error.fix ?? null,
      exit_code: error.exitCode,
    },
    findings: error.findings.map(({ id, severity, message, fix }) => ({ id, severity, message, fix })),
  };
}
