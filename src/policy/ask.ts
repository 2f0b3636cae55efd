import type { OpenedCommand } from '../exec/open-command';
import type { Libc } from '../kernel/libc';
import { sha256OfOpened } from './hash';
import { closestPermit, decide, type Caller, type Decision, type LoadedRule, type Request } from './match';

export interface Answer {
  decision: Decision;
  // For a denial: the permit rule that came nearest, and what differs.
  closest: { rule: LoadedRule; differences: string[] } | undefined;
}

// What the rules say about a request, outside a launch (capexec --check --user, and
// --doctor): decided as a launch decides, from the opened command's device and inode,
// its content hashed only if a pinned rule asks.
export function askPolicy(c: Libc, rules: readonly LoadedRule[], caller: Caller, caps: readonly number[], command: OpenedCommand, args: readonly Buffer[]): Answer {
  let hex: string | undefined;
  const request: Request = {
    caller, caps, args,
    file: { dev: command.dev, ino: command.ino },
    sha256: () => (hex ??= sha256OfOpened(command.fd)),
  };
  const glob = (pattern: Buffer, text: Buffer): boolean => c.fnmatch(pattern, text);
  const decision = decide(rules, request, glob);
  return { decision, closest: decision.permit ? undefined : closestPermit(rules, request, glob) };
}
