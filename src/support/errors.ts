export const EXIT_CAPEXEC = 125;
export const EXIT_CANNOT_RUN = 126;
export const EXIT_NOT_FOUND = 127;

// A failure the user can cause or fix. Rendered by messages.ts as one line
// `capexec: <what>: <why> (<fix>)`; `details` are extra lines printed under it.
export class CapexecError extends Error {
  readonly what: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(
    what: string,
    why?: string,
    options: { fix?: string | undefined; exitCode?: number; details?: readonly string[] } = {},
  ) {
    super(why === undefined ? what : `${what}: ${why}`);
    this.name = 'CapexecError';
    this.what = what;
    this.why = why;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? EXIT_CAPEXEC;
    this.details = options.details ?? [];
  }
}

// A system call that failed, with the errno name for messages and exit-code mapping.
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
