import { capsText, capName, installCommand, setcapCommand } from './names';
import { hasCap, maskOf } from './sets';
import { clearAmbient, isAmbient, raiseAmbient, readCapState, writeCapState } from './state';
import { CapexecError, SyscallError, type ErrorCode } from '../support/errors';
import { isStandaloneExecutable } from '../kernel/addon';
import type { Libc } from '../kernel/libc';

// An installed copy, with what its manifest says it was given (see ExecutableFacts).
export interface Reinstall {
  prefix: string;
  caps: readonly number[];
  group: string | undefined;
  // The policy file it requires, when it was installed with --policy.
  policy?: string | undefined;
}

export class CapsNotPermittedError extends CapexecError {
  readonly missing: readonly number[];

  // With `reinstall`, the fix is --install again: setcap would leave its manifest stale.
  constructor(missing: readonly number[], reinstall?: Reinstall) {
    // Never suggest file capabilities for the system's node: anyone could then run
    // any code with them.
    const all = [...new Set([...reinstall?.caps ?? [], ...missing])].sort((a, b) => a - b);
    const fix = !isStandaloneExecutable()
      ? 'run the standalone executable (npm run build makes dist/capexec), given file capabilities'
      : reinstall === undefined
        ? `as root: ${setcapCommand(missing, process.execPath)}`
        : `as root: ${installCommand(process.execPath, reinstall.prefix, all, reinstall.group, reinstall.policy)}`;
    super('caps_not_permitted', `cannot pass ${capsText(missing)}`, `not in capexec's permitted set`, { fix });
    this.missing = missing;
  }
}

// The whole algorithm (util-linux's cap_permitted_to_ambient): a capability can be
// ambient only while it is both permitted and inheritable, and the kernel gives a
// non-root exec exactly its ambient set (capabilities(7)). Every requested cap is
// checked up front so nothing changes unless all of them can be passed.
export function passCapabilities(c: Libc, caps: readonly number[]): void {
  const state = readCapState(c);
  const missing = caps.filter((cap) => !hasCap(state.permitted, cap));
  if (missing.length > 0) throw new CapsNotPermittedError(missing);

  // Inheritable becomes exactly the request, so nothing else can reach a helper that
  // has inheritable file capabilities of its own; what capexec itself holds shrinks to
  // the request too, and none of it stays effective for the work left before the exec.
  const inheritable = { effective: 0n, permitted: state.permitted & maskOf(caps), inheritable: maskOf(caps) };
  refusedBy(() => writeCapState(c, inheritable), 'caps_not_inheritable', `cannot make ${capsText(caps)} inheritable`);
  refusedBy(() => clearAmbient(c), 'ambient_not_cleared', 'cannot clear the ambient set');
  for (const cap of caps) {
    const what = `cannot raise ${capName(cap)} into the ambient set`;
    refusedBy(() => raiseAmbient(c, cap), 'ambient_raise_refused', what);
    if (!isAmbient(c, cap)) throw new CapexecError('ambient_not_kept', what, 'the kernel did not keep it');
  }
}

// A refused capset() or prctl() is the user's environment speaking (a bounding set, a
// securebit, an old kernel), not a bug: it gets the one-line error, and a diagnosis.
function refusedBy(call: () => void, code: ErrorCode, what: string): void {
  try {
    call();
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new CapexecError(code, what, error.description, { cause: error });
  }
}
