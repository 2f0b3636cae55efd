import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
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

// PREFIX must already exist: a typo should not create a new tree. The real path is
// what gets recorded, so no symbolic link can later move the installation.
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

export function refuseUntrustedLayout(mode: AdminMode, prefix: string, stat: StatPath): void {
  const problem = findUntrustedLayout(prefix, stat);
  if (problem === undefined) return;
  const what = mode === 'install' ? `refusing to install into ${printable(prefix)}` : `refusing to uninstall from ${printable(prefix)}`;
  throw untrustedPathError(what, problem);
}
