import { resolveCapNames } from './capability-names';
import { execCommand } from './exec';
import { prepareForExec, snapshotStdioFlags, socketActivationFds } from './exec-hygiene';
import { libc } from './libc';
import { passCapabilities } from './pass-capabilities';
import { readCapLastCap } from './proc-files';
import { rawArgvTail } from './raw-argv';
import { resolveCommand } from './resolve-command';

export interface LaunchRequest {
  caps: readonly string[];
  preserveFds: number;
  command: readonly string[];
}

// The order matters: nothing about the process changes until every request is known to
// be valid, and the exec comes last, on this same thread.
export function launch(request: LaunchRequest): never {
  const c = libc();
  const stdioFlags = snapshotStdioFlags(c);
  const caps = resolveCapNames(request.caps, readCapLastCap());
  const argv = rawArgvTail(request.command);
  passCapabilities(c, caps);
  const path = resolveCommand(argv[0] ?? Buffer.alloc(0), c.getenv('PATH'));
  prepareForExec(c, stdioFlags, Math.max(request.preserveFds, socketActivationFds(c, process.pid)));
  return execCommand(c, path, argv);
}
