import type { Options, Result } from 'execa';
import { resolveCommand } from '../exec/resolve-command';
import { CapexecError, ERROR_CODES, EXIT_CAPEXEC, EXIT_CANNOT_RUN, EXIT_NOT_FOUND, type ErrorCode, type ErrorFinding } from '../support/errors';

// Options that would take capexec's stderr away from run(), change its type, or run
// something other than capexec (a shell, node) are not offered.
type NotOffered = 'stdio' | 'stderr' | 'buffer' | 'encoding' | 'lines' | 'shell' | 'node' | 'nodePath' | 'nodeOptions'
  | 'ipc' | 'ipcInput' | 'serialization' | 'gracefulCancel';

export type RunOptions = Omit<Options, NotOffered> & {
  /** The capexec to run; by default the first `capexec` on this process's PATH. */
  readonly capexec?: string;
};

export type CapexecExitCode = typeof EXIT_CAPEXEC | typeof EXIT_CANNOT_RUN | typeof EXIT_NOT_FOUND;
const CAPEXEC_EXIT_CODES: readonly number[] = [EXIT_CAPEXEC, EXIT_CANNOT_RUN, EXIT_NOT_FOUND];

/**
 * capexec itself failed, so the command never ran: 125 (capexec's own error, with the
 * findings --doctor would print when a capability was refused), 126 (the command cannot
 * be run) or 127 (not found). `cause` is execa's error or result.
 */
export class RunError extends CapexecError {
  declare readonly exitCode: CapexecExitCode;

  constructor(report: FailureReport, cause: unknown) {
    super(report.code, report.what, report.why ?? undefined, { fix: report.fix ?? undefined, exitCode: report.exitCode, cause });
    this.name = 'RunError';
    this.attachFindings(report.findings);
  }
}

/**
 * Runs `command` with `args` through capexec, passing exactly `caps` (names as --cap
 * takes them), with execa, and resolves to execa's result. Whatever the command does
 * is execa's to report, as without capexec; capexec's own failures always reject, with
 * a RunError, even with `reject: false`.
 */
export async function run<O extends RunOptions = {}>(
  caps: string | readonly string[],
  command: string,
  args: readonly string[] = [],
  options?: O,
): Promise<Result<O>> {
  const { capexec, ...execaOptions } = options ?? ({} as RunOptions);
  const path = capexec ?? capexecOnPath();
  // execa is an ES module; import() loads it on Node 20 too, and only when run() is used.
  const { execa } = await import('execa');
  const argv = ['--json', ...capList(caps).map((name) => `--cap=${name}`), '--', command, ...args];
  let outcome: unknown;
  try {
    outcome = await execa(path, argv, execaOptions);
  } catch (error) {
    throw capexecFailure(error, path) ?? error;
  }
  const failure = capexecFailure(outcome, path);
  if (failure !== undefined) throw failure;
  return outcome as Result<O>;
}

/** What `capexec --json` writes on stderr when it fails, checked field by field. */
export interface FailureReport {
  code: ErrorCode;
  what: string;
  why: string | null;
  fix: string | null;
  exitCode: CapexecExitCode;
  findings: ErrorFinding[];
}

/**
 * A command may exit 125, 126 or 127 itself. Its stderr then holds what it wrote, not
 * capexec's report: only a stderr that is exactly one well-formed report line, with the
 * exit status it names, is taken as capexec's.
 */
export function parseFailureReport(stderr: unknown, exitCode: unknown): FailureReport | undefined {
  if (typeof stderr !== 'string' || typeof exitCode !== 'number' || !CAPEXEC_EXIT_CODES.includes(exitCode)) return undefined;
  const line = stderr.endsWith('\n') ? stderr.slice(0, -1) : stderr;
  if (line.includes('\n')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value['error']) || !Array.isArray(value['findings'])) return undefined;
  const error = value['error'];
  const { code, what, why, fix } = error;
  if (!isErrorCode(code) || typeof what !== 'string' || !isTextOrNull(why) || !isTextOrNull(fix)) return undefined;
  if (error['exit_code'] !== exitCode) return undefined;
  const findings = value['findings'];
  if (!findings.every(isFinding)) return undefined;
  return { code, what, why, fix, exitCode: exitCode as CapexecExitCode, findings: findings.map(({ id, severity, message, fix: findingFix }) => ({ id, severity, message, fix: findingFix })) };
}

function capexecFailure(outcome: unknown, path: string): CapexecError | undefined {
  if (!isRecord(outcome)) return undefined;
  if (outcome['exitCode'] === undefined && outcome['code'] === 'ENOENT') {
    return new CapexecError('capexec_not_found', `cannot run capexec at ${path}`, 'No such file or directory', {
      fix: 'install capexec, or name it with the capexec option',
      exitCode: EXIT_NOT_FOUND,
      cause: outcome,
    });
  }
  const report = parseFailureReport(outcome['stderr'], outcome['exitCode']);
  return report === undefined ? undefined : new RunError(report, outcome);
}

function capexecOnPath(): string {
  const pathVariable = process.env['PATH'];
  try {
    return resolveCommand(Buffer.from('capexec'), pathVariable === undefined ? undefined : Buffer.from(pathVariable)).toString();
  } catch (error) {
    if (!(error instanceof CapexecError)) throw error;
    throw new CapexecError('capexec_not_found', 'capexec', `not found on PATH (${error.why ?? error.what})`, {
      fix: 'install capexec, or name it with the capexec option',
      exitCode: error.exitCode,
      cause: error,
    });
  }
}

function capList(caps: string | readonly string[]): string[] {
  const list: readonly unknown[] = typeof caps === 'string' ? [caps] : caps;
  return list.map((item) => {
    if (typeof item !== 'string') throw new CapexecError('usage', 'run() needs capability names', `not ${typeof item}`);
    return item;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTextOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function isFinding(value: unknown): value is ErrorFinding {
  return isRecord(value) && typeof value['id'] === 'string' && (value['severity'] === 'error' || value['severity'] === 'warning')
    && typeof value['message'] === 'string' && typeof value['fix'] === 'string';
}
