import { resolveCapNames } from '../caps/names';
import { dropPrivileges, execAfterDrop, requirePrivileges } from '../caps/drop-to-user';
import { setUserEnvironment } from '../exec/environment';
import { execCommand } from '../exec/execve';
import { prepareForExec, snapshotStdioFlags, socketActivationFds } from '../exec/hygiene';
import { firstArgument, rawArgvTail, type RawArgv } from '../exec/raw-argv';
import { openCommand } from '../exec/open-command';
import { resolveCommand } from '../exec/resolve-command';
import { resolveIdentity, type IdentityRequest } from '../identity/resolve';
import { libc, type Libc } from '../kernel/libc';
import { readCapLastCap } from '../kernel/proc';

export interface UserLaunchRequest extends IdentityRequest {
  caps: readonly string[];
  keepBounding: boolean;
  noNewPrivs: boolean;
  resetEnv: boolean;
  preserveFds: number;
  command: readonly string[];
}

// capexec --user: root starts the command as USER, holding exactly the named
// capabilities. Nothing changes until every name has resolved.
export function launchAsUser(request: UserLaunchRequest): never {
  const c = libc();
  return switchAndExec(c, request, rawArgvTail(request.command), readCapLastCap());
}

export function switchAndExec(c: Libc, request: UserLaunchRequest, argv: RawArgv, lastCap: number): never {
  const stdioFlags = snapshotStdioFlags(c);
  const caps = resolveCapNames(request.caps, lastCap);
  // A caller who may not switch hears that, not whether the user exists.
  requirePrivileges(c, caps, { switchesUser: true, keepBounding: request.keepBounding });
  const target = resolveIdentity(c, request);
  // Counted before --reset-env removes LISTEN_PID and LISTEN_FDS.
  const keep = Math.max(request.preserveFds, socketActivationFds(c, process.pid));
  dropPrivileges(c, { identity: target, caps, keepBounding: request.keepBounding, noNewPrivs: request.noNewPrivs, lastCap });
  setUserEnvironment(c, target.user, request.resetEnv);
  // Looked up and opened as USER, along the PATH the command gets.
  const command = openCommand(c, resolveCommand(firstArgument(argv), c.getenv('PATH')));
  prepareForExec(c, stdioFlags, keep);
  return execAfterDrop(() => execCommand(c, command, argv), command, caps, true);
}
