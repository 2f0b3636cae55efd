import { capsText } from '../caps/names';
import { printable } from '../support/messages';
import type { Identity, Rule } from './rule';

// The decision, as doas makes it: every rule is asked whether it fits the request, the
// last that fits decides, and none fitting denies. Pure: the loader has resolved names
// to ids and cmd paths to the files they are, and the launch passes in the file it has
// open, its hash (computed only if a rule asks) and libc's fnmatch().

// A file as the kernel names it: the same device and inode is the same file, whatever
// path or link led to it.
export interface FileId {
  dev: bigint;
  ino: bigint;
}

export interface LoadedRule extends Rule {
  // The uid or gid the identity names.
  id: number;
  // The file cmd names, when the rule has a cmd.
  file: FileId | undefined;
}

export interface Caller {
  uid: number;
  // The real gid and the supplementary groups, as the kernel holds them.
  gids: readonly number[];
  // The login name, for ${USER} in args.
  name: string;
}

export interface Request {
  caller: Caller;
  caps: readonly number[];
  file: FileId;
  args: readonly Buffer[];
  // SHA-256 of the opened file, in hex; called at most once, and only for a pinned rule.
  sha256(): string;
}

export type Glob = (pattern: Buffer, text: Buffer) => boolean;

export type Decision =
  | { permit: true; rule: LoadedRule }
  | { permit: false; rule: LoadedRule | undefined };

export function decide(rules: readonly LoadedRule[], request: Request, glob: Glob): Decision {
  let decided: LoadedRule | undefined;
  for (const rule of rules) if (fits(rule, request, glob)) decided = rule;
  return decided?.action === 'permit' ? { permit: true, rule: decided } : { permit: false, rule: decided };
}

// Whether the rule fits the request: differences() is empty. Asked of every rule at every
// launch, so it stops at the first part that differs, asks the cheap parts first and
// the hash last, and words nothing.
export function fits(rule: LoadedRule, request: Request, glob: Glob): boolean {
  if (!isFor(rule, request.caller) || !capsFit(rule, request.caps)) return false;
  const command = rule.command;
  if (command === undefined || rule.file === undefined) return true;
  return sameFile(rule.file, request.file)
    && (command.args === undefined || argsDifference(command.args, request.args, request.caller.name, glob) === undefined)
    && (command.sha256 === undefined || command.sha256 === request.sha256());
}

// Whether the rule's identity is the caller.
export function isFor(rule: LoadedRule, caller: Caller): boolean {
  return identifies(rule.identity.kind, rule.id, caller);
}

// Whether a uid or a gid is the caller's: its uid, or its real gid or a supplementary one.
export function identifies(kind: Identity['kind'], id: number, caller: Caller): boolean {
  return kind === 'user' ? caller.uid === id : caller.gids.includes(id);
}

// A permit rule must permit every cap asked for; a deny rule denies a request that asks
// for any of its caps. A rule without caps is about any.
function capsFit(rule: LoadedRule, caps: readonly number[]): boolean {
  const listed = rule.caps;
  if (listed === undefined) return true;
  return rule.action === 'permit' ? caps.every((cap) => listed.includes(cap)) : caps.some((cap) => listed.includes(cap));
}

function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

// What keeps a rule from fitting the request, in words for a message; empty when it fits.
export function differences(rule: LoadedRule, request: Request, glob: Glob): string[] {
  const found: string[] = [];
  const { caller } = request;
  if (!isFor(rule, caller)) {
    found.push(rule.identity.kind === 'user' ? `it is for user ${printable(rule.identity.text)}` : `it is for group ${printable(rule.identity.text)}`);
  }
  if (!capsFit(rule, request.caps)) {
    found.push(rule.action === 'permit'
      ? `it does not permit ${capsText(request.caps.filter((cap) => !rule.caps?.includes(cap)))}`
      : `it denies only ${capsText(rule.caps ?? [])}`);
  }
  const command = rule.command;
  if (command !== undefined && rule.file !== undefined) {
    if (!sameFile(rule.file, request.file)) {
      found.push(`it is for ${printable(command.path)}, another file`);
    } else if (command.sha256 !== undefined && command.sha256 !== request.sha256()) {
      found.push(`${printable(command.path)} no longer has the content its sha256 pins`);
    }
    if (command.args !== undefined) {
      const problem = argsDifference(command.args, request.args, caller.name, glob);
      if (problem !== undefined) found.push(problem);
    }
  }
  return found;
}

function argsDifference(patterns: readonly string[], args: readonly Buffer[], user: string, glob: Glob): string | undefined {
  if (patterns.length !== args.length) {
    return `it allows ${patterns.length === 0 ? 'no arguments' : `${patterns.length} argument${patterns.length === 1 ? '' : 's'}`}, not ${args.length}`;
  }
  for (const [i, pattern] of patterns.entries()) {
    const arg = args[i] ?? Buffer.alloc(0);
    if (!glob(Buffer.from(pattern.replaceAll('${USER}', user)), arg)) {
      return `argument ${i + 1}, '${printable(arg)}', is not '${printable(pattern)}'`;
    }
  }
  return undefined;
}

// For a denial: the permit rule that came nearest, and what differs. Fewest differences
// wins, and of those the last, as the last rule decides.
export function closestPermit(rules: readonly LoadedRule[], request: Request, glob: Glob): { rule: LoadedRule; differences: string[] } | undefined {
  let best: { rule: LoadedRule; differences: string[] } | undefined;
  for (const rule of rules) {
    if (rule.action !== 'permit') continue;
    const found = differences(rule, request, glob);
    if (best === undefined || found.length <= best.differences.length) best = { rule, differences: found };
  }
  return best;
}
