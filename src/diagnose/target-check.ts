import { capsText } from '../caps/names';
import { readProcessState } from '../caps/process-state';
import type { OpenedCommand } from '../exec/open-command';
import type { Libc } from '../kernel/libc';
import { mountOfFd, readMounts } from '../kernel/proc';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';
import { checkTargetCancelsAmbient } from './checks/target-cancels-ambient';

// The launch's own use of the target_cancels_ambient check, on the file it opened and
// will exec: a command the kernel would start without the requested capabilities is
// never run. A warning (its own privileges cover the request) lets it run.
export function refuseCancellingTarget(c: Libc, requested: readonly number[], command: OpenedCommand, args: readonly Buffer[]): void {
  const findings = checkTargetCancelsAmbient({
    requested,
    process: readProcessState(c),
    command: {
      path: command.path,
      args,
      mount: mountOfFd(command.fd, readMounts()),
      capability: command.capability === undefined ? { errno: 'ENODATA' } : { bytes: command.capability },
      mode: command.mode,
      uid: command.uid,
      gid: command.gid,
    },
  });
  if (!findings.some((finding) => finding.severity === 'error')) return;
  throw new CapexecError('target_cancels_ambient', `cannot pass ${capsText(requested)} to ${printable(command.path)}`, 'the kernel would not give them to it').attachFindings(findings);
}
