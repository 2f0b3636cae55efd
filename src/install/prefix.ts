import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { CapexecError } from '../errors';
import { PRIVATE_DIRECTORY, under } from './layout';
import { printable } from '../messages';
import { findUntrustedComponent, type StatPath } from '../trusted-path';

export type AdminMode = 'install' | 'uninstall';

export function requireRoot(mode: AdminMode, uid: number, euid: number): void {
  if (uid !== 0 || euid !== 0) {
    const what = mode === 'install' ? 'it writes root-owned files and sets file capabilities' : 'it removes root-owned files';
    throw new CapexecError(`--${mode} must be run by root`, what, { fix: `run it as root, e.g. sudo capexec --${mode} ...` });
  }
}

// PREFIX must already exist: a typo should not create a new tree. The real path is
// what gets recorded, so no symbolic link can later move the installation.
export function resolvePrefix(mode: AdminMode, text: string): string {
  if (!isAbsolute(text)) {
    throw new CapexecError(`--${mode} '${printable(text)}'`, 'PREFIX must be an absolute path', { fix: 'e.g. /usr/local' });
  }
  let real: string;
  try {
    real = realpathSync(text);
  } catch {
    throw new CapexecError(`--${mode} ${printable(text)}`, 'no such directory', { fix: 'create it first, or check the spelling' });
  }
  if (!statSync(real).isDirectory()) throw new CapexecError(`--${mode} ${printable(text)}`, 'not a directory');
  return real;
}

// The installed executable will trust PREFIX/libexec/capexec and everything above it
// (see trusted-path.ts), so it must deserve that before anything is put there. PREFIX
// exists, so whatever is missing lies below it and is judged as what --install
// creates: a root-owned 0755 directory.
export function refuseUntrustedPrivateDirectory(prefix: string, stat: StatPath): void {
  const directory = under(prefix, PRIVATE_DIRECTORY);
  const asCreated: StatPath = (path) => {
    const found = stat(path);
    return 'missing' in found && found.missing ? { kind: 'directory', uid: 0, mode: 0o040755 } : found;
  };
  const problem = findUntrustedComponent(directory, 'directory', asCreated);
  if (problem !== undefined) {
    throw new CapexecError(`refusing to install into ${printable(directory)}`, `${printable(problem.path)} ${problem.why}`, { fix: problem.fix });
  }
}
