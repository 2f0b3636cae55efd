export const EXIT_CAPEXEC = 125;
export const EXIT_CANNOT_RUN = 126;
export const EXIT_NOT_FOUND = 127;

// Every failure capexec reports has one of these codes. They are part of the interface
// (the library's typed errors and `--json` error output carry them), so a code is never
// renamed or reused for another meaning; new failures get new codes.
export const ERROR_CODES = [
  'usage', 'unknown_capability', 'unsupported_capability', 'caps_not_permitted', 'caps_not_inheritable',
  'ambient_not_cleared', 'ambient_raise_refused', 'ambient_not_kept', 'command_not_found', 'command_not_runnable',
  'cmdline_mismatch', 'fd_not_callers', 'proc_unreadable', 'unsupported_machine', 'untrusted_path', 'output_failed',
  'not_root', 'not_standalone', 'prefix_not_absolute', 'prefix_missing', 'prefix_not_directory', 'invalid_group_name',
  'group_lookup_failed', 'unknown_group', 'foreign_file', 'build_file_missing', 'directory_create_failed',
  'file_operation_failed', 'file_caps_not_set', 'manifest_unreadable', 'manifest_invalid', 'install_not_verified',
  'install_group_not_enforced', 'nothing_to_uninstall', 'file_kept', 'prefix_not_real', 'target_cancels_ambient',
  'addon_unloadable', 'user_namespace', 'node_channel_set', 'policy_missing', 'policy_invalid', 'policy_unsafe',
  'policy_denied', 'unknown_user', 'user_lookup_failed', 'user_switch_not_permitted', 'bounding_not_permitted',
  'keep_caps_failed', 'capset_failed', 'setgroups_failed', 'setresgid_failed', 'setresuid_failed',
  'bounding_drop_failed', 'no_new_privs_failed', 'privileges_not_as_asked', 'policy_unreadable',
  'policy_exists', 'policy_mode_unknown',
  // The library's, and --json's for an error that is not capexec's own.
  'internal_error', 'caps_not_dropped', 'capexec_not_found',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

// What a diagnosis found about a failure, in the shape --doctor --json prints.
export interface ErrorFinding {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

// A failure the user can cause or fix. Rendered by messages.ts as one line
// `capexec: <what>: <why> (<fix>)`, its findings on lines under it. No field is named
// `details`: uvu's failure formatter takes one for a string, and an array there makes it
// drop the failure and the rest of the test file without a word.
export class CapexecError extends Error {
  readonly code: ErrorCode;
  readonly what: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: number;
  #findings: readonly ErrorFinding[] = [];

  constructor(
    code: ErrorCode,
    what: string,
    why?: string,
    options: { fix?: string | undefined; exitCode?: number; cause?: unknown } = {},
  ) {
    super(why === undefined ? what : `${what}: ${why}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CapexecError';
    this.code = code;
    this.what = what;
    this.why = why;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? EXIT_CAPEXEC;
  }

  get findings(): readonly ErrorFinding[] {
    return this.#findings;
  }

  // The diagnosis of a failure is attached to the error itself, so whoever catches it
  // still has its class, code and cause.
  attachFindings(findings: readonly ErrorFinding[]): this {
    this.#findings = findings;
    return this;
  }
}

// A system call that failed. `code` is the errno name, as in Node's own errors.
export class SyscallError extends Error {
  readonly call: string;
  readonly errno: number;
  readonly code: string;
  // strerror(3)'s text, for the <why> of a message about the call.
  readonly description: string;

  constructor(call: string, errno: number, code: string, description: string) {
    super(`${call}: ${description}`);
    this.name = 'SyscallError';
    this.call = call;
    this.errno = errno;
    this.code = code;
    this.description = description;
  }
}

// The errno name of a failed Node.js file or process operation (ENOENT, EACCES, ...);
// undefined for anything else, capexec's own errors included, which carry a code too.
export function systemErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error instanceof CapexecError) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

// Whether a call succeeded, or the errno name it failed with: for facts that are
// themselves a probe (can this be opened, does the kernel know this prctl).
export type ProbeResult = { ok: true } | { ok: false; errno: string };

export function probe(call: () => unknown): ProbeResult {
  try {
    call();
    return { ok: true };
  } catch (error) {
    if (error instanceof SyscallError) return { ok: false, errno: error.code };
    const code = systemErrorCode(error);
    if (code !== undefined) return { ok: false, errno: code };
    throw error;
  }
}
