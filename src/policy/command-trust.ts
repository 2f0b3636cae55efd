import { S_ISVTX, S_IWGRP, S_IWOTH } from '../kernel/constants';
import { octalMode } from '../support/messages';
import type { PathStat, StatFailure } from '../support/trusted-path';

// Whether anyone but root can change which program a cmd path names. The policy is read
// at every launch and cmd resolved again each time, so the path must lead, link by link
// as the kernel follows it, through entries only root can replace: every directory
// holding a name on the way root's and writable by no one else (a sticky directory may
// be shared, if the entry in it is root's), and the program itself root's and writable
// by no one else.
export interface CommandTrustFs {
  lstat(path: string): PathStat | StatFailure;
  // undefined when the link cannot be read: it changed since its lstat.
  readlink(path: string): string | undefined;
}

const WRITABLE = S_IWGRP | S_IWOTH;
const STICKY = S_ISVTX;
// The kernel's own limit on links followed in one lookup.
const MAX_LINKS = 40;

export function findUnsafeCommand(path: string, fs: CommandTrustFs): string | undefined {
  const root = fs.lstat('/');
  if ('error' in root) return `/ ${root.error}`;
  const rootProblem = directoryProblem('/', root);
  if (rootProblem !== undefined) return rootProblem;
  // The directories the walk stands in, each checked already, innermost last: `..` and
  // an absolute link move the walk, and the next entry is judged by where it really is.
  let walked: { path: string; stat: PathStat }[] = [{ path: '/', stat: root }];
  let pending = path.split('/').filter((part) => part !== '' && part !== '.');
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      if (walked.length > 1) walked.pop();
      continue;
    }
    const { path: directory, stat: parent } = walked[walked.length - 1] as { path: string; stat: PathStat };
    // `name` is one component, never . or .. nor empty: a join needs no normalizing.
    const here = directory === '/' ? `/${name}` : `${directory}/${name}`;
    const found = fs.lstat(here);
    if ('error' in found) return `${here} ${found.error}`;
    // In a sticky directory others may write, only the entry's owner can replace it.
    if ((parent.mode & STICKY) !== 0 && found.uid !== 0) return `${here} is in a shared sticky directory and owned by uid ${found.uid}`;
    if (found.kind === 'symlink') {
      if (++links > MAX_LINKS) return `${path} has too many levels of symbolic links`;
      const target = fs.readlink(here);
      if (target === undefined) return `${here} changed while it was examined`;
      if (target.startsWith('/')) walked = [{ path: '/', stat: root }];
      pending = [...target.split('/').filter((part) => part !== '' && part !== '.'), ...pending];
      continue;
    }
    const last = pending.length === 0;
    const problem = last ? fileProblem(here, found) : directoryProblem(here, found);
    if (problem !== undefined) return problem;
    walked.push({ path: here, stat: found });
  }
  return undefined;
}

function directoryProblem(path: string, found: PathStat): string | undefined {
  if (found.kind !== 'directory') return `${path} is not a directory`;
  if (found.uid !== 0) return `${path} is owned by uid ${found.uid}`;
  if ((found.mode & WRITABLE) !== 0 && (found.mode & STICKY) === 0) return `${path} is writable by others than root (mode ${octalMode(found.mode)})`;
  return undefined;
}

function fileProblem(path: string, found: PathStat): string | undefined {
  if (found.kind !== 'file') return `${path} is not a regular file`;
  if (found.uid !== 0) return `${path} is owned by uid ${found.uid}`;
  if ((found.mode & WRITABLE) !== 0) return `${path} is writable by others than root (mode ${octalMode(found.mode)})`;
  return undefined;
}
