import { lstatSync } from 'node:fs';
import { posix } from 'node:path';
import { CapexecError, systemErrorCode } from './errors';
import { octalMode, printable } from './messages';

// What the trust decision needs from lstat(2) for one path component.
export interface PathStat {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
  mode: number;
  // Hard links: a second name for a file may sit in a directory others control.
  links: number;
}

// lstat() that reports failure as text instead of throwing, so the decision below stays
// pure and can be tested with made-up results.
export type StatFailure = { error: string; missing: boolean };
export type StatPath = (path: string) => PathStat | StatFailure;

export interface UntrustedPath {
  path: string;
  // Reads after the path or after "it": "is owned by uid 1000, not root".
  why: string;
  // undefined when no change to `path` is safe to suggest (see leftAlone()): the fix is
  // then to use another place, which the caller knows best how to name.
  fix: string | undefined;
  // `path` does not exist, and so neither does the target.
  missing?: boolean;
}

const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;
const STICKY = 0o1000;

// Anyone who can replace `target` or rename any directory above it decides what a
// privileged process reads from it. So every component, from / down, must exist, be
// no symbolic link, be owned by root and be writable by nobody else. A sticky
// world-writable directory such as /tmp is the one exception, and only above the
// target: there nobody but root can rename or remove the root-owned entry below it
// (OpenSSH's and sudo's path checks make the same allowance).
export function findUntrustedComponent(target: string, expected: 'file' | 'directory', stat: StatPath): UntrustedPath | undefined {
  if (!posix.isAbsolute(target) || posix.normalize(target) !== target || (target !== '/' && target.endsWith('/'))) {
    return { path: target, why: 'is not a normalized absolute path', fix: 'give an absolute path without . or .. parts' };
  }
  const components = target.split('/').filter((part) => part !== '');
  const paths = ['/', ...components.map((_, i) => `/${components.slice(0, i + 1).join('/')}`)];
  for (const [i, path] of paths.entries()) {
    const isTarget = i === paths.length - 1;
    // A file's own directory is as much capexec's to put right as the file.
    const ours = isTarget || (expected === 'file' && i === paths.length - 2);
    const found = stat(path);
    if ('error' in found) return { path, why: found.error, fix: 'check the path', missing: found.missing };
    const problem = componentProblem(path, found, isTarget ? expected : 'directory', isTarget, ours);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

// The same walk for a target most machines lack (/etc/capexec.conf, the parsed rules
// root's --check keeps): its own lstat() first, so that a missing one costs one system
// call, reused by the walk. Missing is missing then, whatever the directories above.
export function findUntrustedTarget(target: string, expected: 'file' | 'directory'): UntrustedPath | undefined {
  const found = lstatPath(target);
  if ('error' in found && found.missing) return { path: target, why: found.error, fix: 'check the path', missing: true };
  return findUntrustedComponent(target, expected, (at) => (at === target ? found : lstatPath(at)));
}

// The same rule for one path on its own, judged as a target: no sticky allowance. For
// callers that have already checked everything above it.
export function findUntrustedEntry(path: string, found: PathStat, expected: 'file' | 'directory'): UntrustedPath | undefined {
  return componentProblem(path, found, expected, true, true);
}

function componentProblem(path: string, found: PathStat, expected: 'file' | 'directory', isTarget: boolean, ours: boolean): UntrustedPath | undefined {
  if (found.kind === 'symlink') {
    return { path, why: 'is a symbolic link', fix: 'use the real path, with no symbolic link in it' };
  }
  if (found.kind !== expected) {
    return { path, why: expected === 'file' ? 'is not a regular file' : 'is not a directory', fix: 'check the path' };
  }
  if (found.uid !== 0) {
    return { path, why: `is owned by uid ${found.uid}, not root`, fix: leftAlone(path, found, ours) ? undefined : `as root: chown root ${printable(path)}` };
  }
  // Where fs.protected_hardlinks is off, anyone may link a root-owned file into /tmp,
  // next to a linked capexec, and so choose which file it loads.
  if (isTarget && found.kind === 'file' && found.links !== 1) {
    return { path, why: `has ${found.links} hard links`, fix: 'copy the file instead of linking it' };
  }
  const writable = found.mode & (GROUP_WRITE | OTHER_WRITE);
  if (writable === 0) return undefined;
  const stickyAbove = !isTarget && found.kind === 'directory' && (found.mode & STICKY) !== 0;
  if (stickyAbove) return undefined;
  const by = writable === GROUP_WRITE ? 'group' : writable === OTHER_WRITE ? 'others' : 'group and others';
  return {
    path,
    why: `is writable by ${by} (mode ${octalMode(found.mode)})`,
    fix: leftAlone(path, found, ours) ? undefined : `as root: chmod go-w ${printable(path)}`,
  };
}

// The system's own trees: the distribution and other programs rely on their owners
// and modes, and / is what every path starts from.
const SYSTEM_TREES = /^\/(usr|etc|var|boot|dev|proc|sys|run|root|bin|sbin|lib[^/]*)(\/|$)/;

// Paths whose owner or mode must not be changed to suit capexec, so no chown or chmod
// is suggested for them: /, a top-level directory (/tmp, /home, /opt), anything in the
// system's trees, a user's home (/home/alice), a sticky shared directory such as
// /var/tmp, whose users rely on writing there, and any directory further up than the
// target's own, which holds more than capexec's files and is somebody else's to arrange.
function leftAlone(path: string, found: PathStat, ours: boolean): boolean {
  const depth = path.split('/').filter((part) => part !== '').length;
  const shared = found.kind === 'directory' && (found.mode & STICKY) !== 0 && (found.mode & (GROUP_WRITE | OTHER_WRITE)) !== 0;
  return !ours || depth <= 1 || SYSTEM_TREES.test(path) || (depth === 2 && path.startsWith('/home/')) || shared;
}

// The one-line refusal: `<what>: <path> <why> (<fix>)`, or "it" when the path at fault is
// `target` itself.
export function untrustedPathError(what: string, problem: UntrustedPath, target?: string): CapexecError {
  const where = problem.path === target ? 'it' : printable(problem.path);
  return new CapexecError('untrusted_path', what, `${where} ${problem.why}`, { fix: problem.fix ?? elsewhereFix(problem.path) });
}

// For a path left alone: the way out is to keep capexec somewhere else.
export function elsewhereFix(path: string): string {
  return `leave ${printable(path)} as it is; keep capexec in a directory that root owns and no one else can write, all the way up, as capexec --install PREFIX does`;
}

export function lstatPath(path: string): PathStat | StatFailure {
  try {
    // A missing path is a common answer (no /etc/capexec.conf), not worth an exception.
    const found = lstatSync(path, { throwIfNoEntry: false });
    if (found === undefined) return { error: 'does not exist', missing: true };
    const kind = found.isSymbolicLink() ? 'symlink' : found.isDirectory() ? 'directory' : found.isFile() ? 'file' : 'other';
    return { kind, uid: found.uid, mode: found.mode, links: found.nlink };
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT') return { error: 'does not exist', missing: true };
    return { error: code === 'EACCES' ? 'cannot be examined (permission denied)' : `cannot be examined (${code ?? 'error'})`, missing: false };
  }
}
