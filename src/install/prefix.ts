import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CapexecError } from '../support/errors';
import { DIRECTORIES, under } from './layout';
import { printable } from '../support/messages';
import { findUntrustedComponent, findUntrustedEntry, untrustedPathError, type StatPath, type UntrustedPath } from '../support/trusted-path';

export type AdminMode = 'install' | 'uninstall';

export function requireRoot(mode: AdminMode, uid: number, euid: number): void {
  if (uid !== 0 || euid !== 0) {
    const what = mode === 'install' ? 'it writes root-owned files and sets file capabilities' : 'it removes root-owned files';
    throw new CapexecError('not_root', `--${mode} must be run by root`, what, { fix: `run it as root, e.g. sudo capexec --${mode} ...` });
  }
}

// PREFIX must already exist: a typo should not create a new tree. It must also be its
// own real path: through a symbolic link, whoever owns the directory holding the link
// would choose where root installs or what root removes, and the checks that follow
// would judge the place the link leads to, not the one the caller named.
export function resolvePrefix(mode: AdminMode, text: string): string {
  if (!isAbsolute(text)) {
    throw new CapexecError('prefix_not_absolute', `--${mode} '${printable(text)}'`, 'PREFIX must be an absolute path', { fix: 'e.g. /usr/local' });
  }
  let real: string;
  let isDirectory: boolean;
  try {
    real = realpathSync(text);
    isDirectory = lstatSync(real).isDirectory();
  } catch {
    throw new CapexecError('prefix_missing', `--${mode} ${printable(text)}`, 'no such directory', { fix: 'create it first, or check the spelling' });
  }
  if (!isDirectory) throw new CapexecError('prefix_not_directory', `--${mode} ${printable(text)}`, 'not a directory');
  if (real !== resolve(text)) {
    throw new CapexecError('prefix_not_real', `--${mode} ${printable(text)}`, `a symbolic link leads it to ${printable(real)}`, {
      fix: 'give the real path, with no symbolic link in it',
    });
  }
  return real;
}

// Root writes, chmods, chowns and removes by path in PREFIX and the layout's
// directories, and the installed executable trusts its addon's directory and everything
// above it (see trusted-path.ts). So PREFIX, every directory above it and every layout
// directory that exists must be one only root can change: no symbolic link, a real
// directory, root's, writable by no one else. Then nobody else can add, rename or
// remove an entry anywhere root works, and no path can lead elsewhere between a check
// and its use. A sticky world-writable directory such as /tmp passes above PREFIX
// only. Missing layout directories pass: --install creates them, as root's, 0755,
// each inside a parent checked here.
export function findUntrustedLayout(prefix: string, stat: StatPath): UntrustedPath | undefined {
  const above = findUntrustedComponent(prefix, 'directory', stat);
  if (above !== undefined) return above;
  for (const directory of DIRECTORIES) {
    const path = under(prefix, directory);
    const found = stat(path);
    if ('error' in found) {
      if (found.missing) continue;
      return { path, why: found.error, fix: 'check the path' };
    }
    if (found.kind !== 'directory') {
      const why = found.kind === 'symlink' ? 'is a symbolic link' : 'is not a directory';
      return { path, why, fix: 'make it a real directory owned by root, or choose another PREFIX' };
    }
    const problem = findUntrustedEntry(path, found, 'directory');
    if (problem !== undefined) return problem;
  }
  return undefined;
}

// `retry` is the --install command line for another PREFIX, to suggest when the path at
// fault is not one to change (see trusted-path.ts): then a fresh root-owned directory
// is the fix, never a chmod or chown of /tmp, /usr or the like.
export function refuseUntrustedLayout(mode: AdminMode, prefix: string, stat: StatPath, retry?: (prefix: string) => string): void {
  const problem = findUntrustedLayout(prefix, stat);
  if (problem === undefined) return;
  const what = mode === 'install' ? `refusing to install into ${printable(prefix)}` : `refusing to uninstall from ${printable(prefix)}`;
  if (problem.fix !== undefined) throw untrustedPathError(what, problem);
  throw untrustedPathError(what, { ...problem, fix: elsewhere(problem.path, stat, retry) });
}

const FRESH_PREFIXES = ['/opt/capexec', '/usr/local/capexec'];

function elsewhere(path: string, stat: StatPath, retry: ((prefix: string) => string) | undefined): string {
  if (retry === undefined) return `leave ${printable(path)} as it is, and remove the installation by hand`;
  const fresh = FRESH_PREFIXES.find((candidate) => {
    const found = stat(candidate);
    return 'error' in found && found.missing && findUntrustedComponent(dirname(candidate), 'directory', stat) === undefined;
  });
  if (fresh === undefined) return `leave ${printable(path)} as it is, and choose a PREFIX that root owns and no one else can write, all the way up`;
  return `leave ${printable(path)} as it is and use a fresh directory: as root: mkdir -m 0755 ${fresh} && ${retry(fresh)}`;
}
