import { resolveCapNames } from '../caps/names';
import { CapexecError } from '../support/errors';
import { execCommand } from '../exec/execve';
import { prepareForExec, snapshotStdioFlags, socketActivationFds } from '../exec/hygiene';
import { libc, type Libc } from '../kernel/libc';
import { passCapabilities } from '../caps/pass';
import { dropPrivileges, execAfterDrop, execRunsAsRoot } from '../caps/drop-to-user';
import { readCapLastCap } from '../kernel/proc';
import { argvEntries, firstArgument, rawArgvTail, type RawArgv } from '../exec/raw-argv';
import { mayChangePrivileges, openCommand } from '../exec/open-command';
import { resolveCommand } from '../exec/resolve-command';
import { applyPolicy } from '../policy/apply';

export interface LaunchRequest {
  caps: readonly string[];
  preserveFds: number;
  command: readonly string[];
}

// The order matters: names and arguments are checked before the capability sets change;
// the command is looked up after, so that a refused capability (125) is what a caller
// hears before a missing command (127); and the exec comes last, on this same thread.
export function launch(request: LaunchRequest): never {
  const c = libc();
  const stdioFlags = snapshotStdioFlags(c);
  const lastCap = readCapLastCap();
  const caps = resolveCapNames(request.caps, lastCap);
  const argv = rawArgvTail(request.command);
  // Root's command would get the whole bounding set at exec, whatever is ambient: for
  // root, the bounding and inheritable sets shrink to the request as well.
  const asRoot = execRunsAsRoot(c);
  if (asRoot) dropPrivileges(c, { identity: undefined, caps, keepBounding: false, noNewPrivs: false, lastCap });
  else passOrExplain(c, caps, argv);
  const opened = openCommand(c, resolveCommand(firstArgument(argv), c.getenv('PATH')));
  // Root's exec gives the command the bounding set, now the request, whatever its file
  // says; the check is for the ambient set, which only other users depend on.
  if (!asRoot && mayChangePrivileges(opened)) {
    const { refuseCancellingTarget } = require('../diagnose/target-check') as typeof import('../diagnose/target-check');
    refuseCancellingTarget(c, caps, opened, argvEntries(argv).slice(1));
  }
  // Root's own launches need no permission; everyone else's go through the policy.
  const { command, environment } = process.getuid?.() === 0
    ? { command: opened, environment: undefined }
    : applyPolicy(c, caps, opened, argv, lastCap);
  prepareForExec(c, stdioFlags, Math.max(request.preserveFds, socketActivationFds(c, process.pid)));
  const exec = (): never => execCommand(c, command, argv, environment);
  return asRoot ? execAfterDrop(exec, command, caps, false) : exec();
}

function passOrExplain(c: Libc, caps: readonly number[], argv: RawArgv): void {
  try {
    passCapabilities(c, caps);
  } catch (error) {
    if (!(error instanceof CapexecError)) throw error;
    // Only a failed launch pays for loading the diagnosis.
    const { explainFailure } = require('../diagnose/explain-failure') as typeof import('../diagnose/explain-failure');
    const { installedCopy } = require('../install/installation') as typeof import('../install/installation');
    throw explainFailure(c, error, caps, argvEntries(argv), installedCopy(process.execPath));
  }
}
