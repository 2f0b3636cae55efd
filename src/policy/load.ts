import { closeSync, constants, fstatSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Libc } from '../kernel/libc';
import { CapexecError, systemErrorCode } from '../support/errors';
import { printable } from '../support/messages';
import { findUntrustedTarget, lstatPath, type PathStat, type StatFailure } from '../support/trusted-path';
import { findUnsafeCommand } from './command-trust';
import type { FileId, LoadedRule } from './match';
import { problems } from './messages';
import { parsePolicy } from './parse';
import { storedRules } from './parsed-cache';
import type { PolicyProblem, Rule } from './rule';
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

// `stored`: the rules root's --check parsed from this very text, when a launch has them.
function policyOf(c: Libc, path: string, text: string, lastCap: number, warnings: boolean, stored?: Rule[]): Policy {
  const parsed = stored === undefined ? parsePolicy(text, lastCap) : { rules: stored, problems: [] };
  const lookups: Lookups = { users: new Map(), groups: new Map(), commands: new Map(), stats: new Map() };
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

// For a launch: the policy in force, or undefined for none. A broken policy, or a missing
// one that this executable requires, refuses: one line naming FILE:LINE:COL.
export function loadPolicy(c: Libc, path: string, lastCap: number, required: boolean): Policy | undefined {
  const text = readPolicyText(path);
  const policy = text === undefined ? undefined : policyOf(c, path, text, lastCap, false, storedRules(text, lastCap));
  if (policy === undefined) {
    if (!required) return undefined;
    throw new CapexecError('policy_missing', `${printable(path)} does not exist`, 'this capexec runs commands only as a policy allows', {
      fix: `as root, write the rules into ${printable(path)} (capexec.conf(5)), then check them: capexec --check`,
    });
  }
  const error = policy.problems.find((problem) => problem.severity === 'error');
  if (error !== undefined) {
    throw new CapexecError('policy_invalid', `${printable(path)}:${error.line}:${error.column}`, error.what, {
      fix: `${error.fix}; capexec --check lists every problem`,
    });
  }
  return policy;
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
  users: Map<string, number | undefined>;
  groups: Map<string, number | undefined>;
  commands: Map<string, { file: FileId; unsafe: string | undefined } | { missing: string }>;
  // The directories cmd paths share (/, /usr, /usr/bin) are examined once.
  stats: Map<string, PathStat | StatFailure>;
}

function resolveRule(c: Libc, rule: Rule, lookups: Lookups): { rule: LoadedRule } | { problem: PolicyProblem } {
  const id = resolveIdentity(c, rule, lookups);
  if (typeof id !== 'number') return { problem: id };
  if (rule.command === undefined) return { rule: loaded(rule, id, undefined) };
  const { path, sha256 } = rule.command;
  let found = lookups.commands.get(path);
  if (found === undefined) {
    found = examineCommand(path, lookups.stats);
    lookups.commands.set(path, found);
  }
  if ('missing' in found) return { problem: problems.cmdMissing(rule.line, rule.columns.command ?? 1, path, found.missing) };
  if (found.unsafe !== undefined && sha256 === undefined) return { problem: problems.cmdUnsafe(rule.line, rule.columns.command ?? 1, path, found.unsafe) };
  return { rule: loaded(rule, id, found.file) };
}

// Every property written out, in one order: rules read back from the kept JSON lack
// those that were undefined, and a spread of objects of so many shapes costs a launch
// of hundreds of rules about a millisecond; one shape also keeps each match quick.
function loaded(rule: Rule, id: number, file: FileId | undefined): LoadedRule {
  const { action, keepenv, setenv, identity, caps, command, line, columns } = rule;
  return { action, keepenv, setenv, identity, caps, command, line, columns, id, file };
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
  return { file, unsafe: findUnsafeCommand(path, { lstat, readlink: (link) => readlinkSync(link, 'utf8') }) };
}

function resolveIdentity(c: Libc, rule: Rule, lookups: Lookups): number | PolicyProblem {
  const { kind, text } = rule.identity;
  // One map a kind, asked first: a policy of hundreds of rules names a few identities.
  const ids = kind === 'user' ? lookups.users : lookups.groups;
  let found = ids.get(text);
  if (found === undefined && !ids.has(text)) {
    found = /^\d+$/.test(text) ? Number(text) : kind === 'user' ? c.userByName(text)?.uid : c.groupByName(text)?.gid;
    ids.set(text, found);
  }
  if (found !== undefined) return found;
  const column = rule.columns.identity;
  return kind === 'user' ? problems.unknownUser(rule.line, column, text) : problems.unknownGroup(rule.line, column, text);
}
