import { closeSync, constants, fstatSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Libc } from '../kernel/libc';
import { isDigits } from '../support/characters';
import { CapexecError, SyscallError, systemErrorCode } from '../support/errors';
import { printable } from '../support/messages';
import { findUntrustedTarget, lstatPath, type PathStat, type StatFailure } from '../support/trusted-path';
import { findUnsafeCommand } from './command-trust';
import { identifies, isFor, type Caller, type FileId, type LoadedRule } from './match';
import { problems } from './messages';
import { parsePolicy } from './parse';
import { storedRules, type KeptRules, type StoreOptions } from './parsed-cache';
import type { Identity, PolicyProblem, Rule } from './rule';
import { runsOthers } from './unsafe';

export const POLICY_PATH = '/etc/capexec.conf';

export interface Policy {
  path: string;
  // The file's text, as it was read and parsed.
  text: string;
  rules: LoadedRule[];
  // Errors make the policy unusable; warnings leave it in force.
  problems: PolicyProblem[];
}

// The policy as the file says it, every problem found. undefined when there is no file.
// The file must be root's and writable by nobody else, along its whole path; it is
// opened once, without following a link, and judged and read from that fd.
// `warnings`: the rules that hand capabilities to programs that run others, for --check
// and --list; a launch, which prints none, skips them.
export function readPolicy(c: Libc, path: string, lastCap: number, warnings = true): Policy | undefined {
  const text = readPolicyText(path);
  return text === undefined ? undefined : policyOf(c, path, text, lastCap, warnings);
}

// A file meant to become the policy, checked before it is put in place (capexec --check
// FILE, as visudo -cf): everything readPolicy() checks but the file's own owner and mode,
// which are those of the copy, not of what will be installed. undefined when there is
// no file.
export function readCandidatePolicy(c: Libc, path: string, lastCap: number): Policy | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return undefined;
    throw new CapexecError('policy_unreadable', `cannot read ${printable(path)}`, systemErrorCode(error) ?? 'error', { fix: `check it: ls -l ${printable(path)}` });
  }
  try {
    if (!fstatSync(fd).isFile()) throw unusable(path, 'it is not a regular file', 'give the policy as a regular file');
    return policyOf(c, path, readFileSync(fd, 'utf8'), lastCap, true);
  } finally {
    closeSync(fd);
  }
}

function policyOf(c: Libc, path: string, text: string, lastCap: number, warnings: boolean, lookups = newLookups()): Policy {
  const parsed = parsePolicy(text, lastCap);
  const rules: LoadedRule[] = [];
  const found = [...parsed.problems];
  for (const rule of parsed.rules) {
    const item = resolveRule(c, rule, lookups);
    if ('problem' in item) found.push(item.problem);
    else rules.push(item.rule);
  }
  if (warnings) found.push(...runsOthers(rules));
  return { path, text, rules, problems: found.sort((a, b) => a.line - b.line || a.column - b.column) };
}

// The policy in force, or undefined for none. A broken policy, or a missing one that
// this executable requires, refuses: one line naming FILE:LINE:COL.
export function loadPolicy(c: Libc, path: string, lastCap: number, required: boolean): Policy | undefined {
  const text = readPolicyText(path);
  return text === undefined ? noPolicy(path, required) : inForce(policyOf(c, path, text, lastCap, false));
}

// What a launch by `caller` needs of the policy in force, refused as loadPolicy() refuses.
export interface LaunchPolicy {
  path: string;
  // The caller's rules, in order. fits() asks isFor() first, so no other rule can fit a
  // launch of theirs, and the decision over these is the decision over all of them.
  rules: LoadedRule[];
  // Every rule, for a denial's closest permit: only a denial pays for them.
  everyRule(): LoadedRule[];
}

// From the rules root's --check kept for this very text when they can be used, which
// spares the launch the parse and every rule but the caller's. `store`: where they are
// kept, if not in PARSED_POLICY_PATH by this executable's build.
export function loadLaunchPolicy(c: Libc, path: string, lastCap: number, required: boolean, caller: Caller, store?: StoreOptions): LaunchPolicy | undefined {
  const text = readPolicyText(path);
  if (text === undefined) return noPolicy(path, required);
  const kept = storedRules(text, lastCap, store);
  // Shared by the kept rules and a parse after them: a name NSS cannot answer for is
  // asked once, not again for every rule and again by the parse.
  const lookups = newLookups();
  const found = kept === undefined ? undefined : keptRulesFor(c, kept, caller, lookups);
  if (kept !== undefined && found !== undefined) {
    // The very ids and files the decision was made with; a kept rule that is not whole
    // after all sends the denial to the text.
    const everyRule = (): LoadedRule[] => everyKeptRule(kept, found) ?? inForce(policyOf(c, path, text, lastCap, false, lookups)).rules;
    return { path, rules: found.rules, everyRule };
  }
  const policy = inForce(policyOf(c, path, text, lastCap, false, lookups));
  return { path, rules: policy.rules.filter((rule) => isFor(rule, caller)), everyRule: () => policy.rules };
}

function noPolicy(path: string, required: boolean): undefined {
  if (!required) return undefined;
  throw new CapexecError('policy_missing', `${printable(path)} does not exist`, 'this capexec runs commands only as a policy allows', {
    fix: `as root, write the rules into ${printable(path)} (capexec.conf(5)), then check them: capexec --check`,
  });
}

function inForce(policy: Policy): Policy {
  const error = policy.problems.find((problem) => problem.severity === 'error');
  if (error !== undefined) {
    throw new CapexecError('policy_invalid', `${printable(policy.path)}:${error.line}:${error.column}`, error.what, {
      fix: `${error.fix}; capexec --check lists every problem`,
    });
  }
  return policy;
}

// The caller's rules, from kept ones: every rule's identity and cmd resolved, as for a
// parse, and only the caller's rules made whole. undefined on anything a parse would
// call a problem, or a kept rule that is not whole: the launch then parses the text,
// which says what is wrong, and where. `ids` and `files`: each rule's, in order.
function keptRulesFor(c: Libc, kept: KeptRules, caller: Caller, lookups: Lookups): Resolved & { rules: LoadedRule[] } | undefined {
  const rules: LoadedRule[] = [];
  const ids: number[] = [];
  const files: (FileId | undefined)[] = [];
  for (let i = 0; i < kept.count; i++) {
    const identity = kept.identity(i);
    const parts = resolveParts(c, identity, kept.command(i), lookups);
    if (!('id' in parts)) return undefined;
    const { id, file } = parts;
    ids.push(id);
    files.push(file);
    if (!identifies(identity.kind, id, caller)) continue;
    const rule = kept.rule(i);
    if (rule === undefined) return undefined;
    rules.push(loaded(rule, id, file));
  }
  return { rules, ids, files };
}

// As lists, not an object a rule: a launch resolves hundreds of rules it never makes whole.
interface Resolved {
  ids: number[];
  files: (FileId | undefined)[];
}

// Every kept rule made whole, with the id and file it was resolved to; undefined if one
// is not whole.
function everyKeptRule(kept: KeptRules, { ids, files }: Resolved): LoadedRule[] | undefined {
  const rules: LoadedRule[] = [];
  for (const [i, id] of ids.entries()) {
    const rule = kept.rule(i);
    if (rule === undefined) return undefined;
    rules.push(loaded(rule, id, files[i]));
  }
  return rules;
}

function readPolicyText(path: string): string | undefined {
  // No file is no policy, whoever could have made one above it; nothing there when it
  // was looked at is no policy without an open() to fail.
  const above = findUntrustedTarget(path, 'file');
  if (above?.missing === true) return undefined;
  let fd: number;
  try {
    // Node opens every file close-on-exec. O_NONBLOCK: a FIFO there must not hang every
    // launch; it is refused below.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return undefined;
    if (above !== undefined) throw unusable(path, `${above.path === path ? 'it' : printable(above.path)} ${above.why}`, fileFix(path, above.path));
    throw unusable(path, `it cannot be opened (${systemErrorCode(error) ?? 'error'})`, `check it as root: ls -l ${printable(path)}`);
  }
  try {
    if (above !== undefined) throw unusable(path, `${above.path === path ? 'it' : printable(above.path)} ${above.why}`, fileFix(path, above.path));
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw unusable(path, 'it is not a regular file', fileFix(path, path));
    if (stats.uid !== 0) throw unusable(path, `it is owned by uid ${stats.uid}, not root`, fileFix(path, path));
    if ((stats.mode & 0o022) !== 0) throw unusable(path, 'it is writable by others than root', fileFix(path, path));
    if (stats.nlink !== 1) throw unusable(path, `it has ${stats.nlink} hard links`, 'make it a file of its own: as root, cp it and mv the copy into place');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function unusable(path: string, why: string, fix: string): CapexecError {
  return new CapexecError('policy_unsafe', `refusing to use ${printable(path)}`, why, { fix });
}

// The file is the administrator's to put right; a directory above it, such as /etc, is
// the system's, and no chmod of it is offered.
function fileFix(path: string, at: string): string {
  return at === path
    ? `as root: chown root:root ${printable(path)} && chmod 0644 ${printable(path)}`
    : `only root may be able to change ${printable(at)}; fix how the system is set up, not capexec`;
}

// What one load found out about a name or a cmd path, asked once however many rules
// repeat it: a site's policy names a few groups and programs over and over, and each
// NSS lookup and each walk up a cmd's path is paid at every launch.
interface Lookups {
  // undefined: no such name; a SyscallError: NSS could not say, asked once all the same.
  users: Map<string, number | undefined | SyscallError>;
  groups: Map<string, number | undefined | SyscallError>;
  commands: Map<string, { file: FileId; unsafe: string | undefined } | { missing: string }>;
  // The directories cmd paths share (/, /usr, /usr/bin) are examined once.
  stats: Map<string, PathStat | StatFailure>;
}

function newLookups(): Lookups {
  return { users: new Map(), groups: new Map(), commands: new Map(), stats: new Map() };
}

function resolveRule(c: Libc, rule: Rule, lookups: Lookups): { rule: LoadedRule } | { problem: PolicyProblem } {
  const command = rule.command === undefined ? undefined : { path: rule.command.path, pinned: rule.command.sha256 !== undefined };
  const parts = resolveParts(c, rule.identity, command, lookups);
  if ('id' in parts) return { rule: loaded(rule, parts.id, parts.file) };
  const { line, columns } = rule;
  const { kind, text } = rule.identity;
  if ('unanswered' in parts) return { problem: problems.identityUnanswered(line, columns.identity, kind, text, parts.unanswered) };
  if ('unknown' in parts) {
    return { problem: kind === 'user' ? problems.unknownUser(line, columns.identity, text) : problems.unknownGroup(line, columns.identity, text) };
  }
  const path = command?.path ?? '';
  return { problem: 'missing' in parts ? problems.cmdMissing(line, columns.command ?? 1, path, parts.missing) : problems.cmdUnsafe(line, columns.command ?? 1, path, parts.unsafe) };
}

// A rule's identity and cmd, as every load resolves them, parsed or kept: the uid or gid,
// and the file cmd names, which must be there, and safe unless a sha256 pins its content.
// `unanswered`: NSS could not say whether the identity exists, and why.
function resolveParts(c: Libc, identity: Identity, command: { path: string; pinned: boolean } | undefined, lookups: Lookups):
  { id: number; file: FileId | undefined } | { unknown: true } | { unanswered: string } | { missing: string } | { unsafe: string } {
  let id: number | undefined;
  try {
    id = identityId(c, identity, lookups);
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    return { unanswered: `${error.call}: ${error.description}` };
  }
  if (id === undefined) return { unknown: true };
  if (command === undefined) return { id, file: undefined };
  const found = commandFile(command.path, lookups);
  if ('missing' in found) return { missing: found.missing };
  if (found.unsafe !== undefined && !command.pinned) return { unsafe: found.unsafe };
  return { id, file: found.file };
}

// Every property written out, in one order: rules read back from the kept JSON lack
// those that were undefined, and a spread of objects of so many shapes costs a launch
// of hundreds of rules about a millisecond; one shape also keeps each match quick.
function loaded(rule: Rule, id: number, file: FileId | undefined): LoadedRule {
  const { action, keepenv, setenv, identity, caps, command, line, columns } = rule;
  return { action, keepenv, setenv, identity, caps, command, line, columns, id, file };
}

function commandFile(path: string, lookups: Lookups): { file: FileId; unsafe: string | undefined } | { missing: string } {
  let found = lookups.commands.get(path);
  if (found === undefined) {
    found = examineCommand(path, lookups.stats);
    lookups.commands.set(path, found);
  }
  return found;
}

function examineCommand(path: string, examined: Lookups['stats']): { file: FileId; unsafe: string | undefined } | { missing: string } {
  let file: FileId;
  try {
    const stats = statSync(path, { bigint: true });
    if (!stats.isFile()) return { missing: 'is not a regular file' };
    file = { dev: stats.dev, ino: stats.ino };
  } catch (error) {
    return { missing: `cannot be found (${systemErrorCode(error) ?? 'error'})` };
  }
  const lstat = (at: string): PathStat | StatFailure => {
    let found = examined.get(at);
    if (found === undefined) {
      found = lstatPath(at);
      examined.set(at, found);
    }
    return found;
  };
  const readlink = (link: string): string | undefined => {
    try {
      return readlinkSync(link, 'utf8');
    } catch {
      return undefined;
    }
  };
  return { file, unsafe: findUnsafeCommand(path, { lstat, readlink }) };
}

// The uid or gid an identity names; undefined when NSS knows no such name. Throws the
// SyscallError of a lookup NSS could not answer.
function identityId(c: Libc, { kind, text }: Identity, lookups: Lookups): number | undefined {
  // One map a kind, asked first: a policy of hundreds of rules names a few identities.
  const ids = kind === 'user' ? lookups.users : lookups.groups;
  let found = ids.get(text);
  if (found === undefined && !ids.has(text)) {
    try {
      // A uid or gid as the parser takes one: at most 10 digits.
      found = isDigits(text, 10) ? Number(text) : kind === 'user' ? c.userByName(text)?.uid : c.groupByName(text)?.gid;
    } catch (error) {
      if (!(error instanceof SyscallError)) throw error;
      found = error;
    }
    ids.set(text, found);
  }
  if (found instanceof SyscallError) throw found;
  return found;
}
