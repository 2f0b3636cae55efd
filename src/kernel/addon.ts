import type * as Koffi from 'koffi';
import { dirname, join } from 'node:path';
import { printable } from '../support/messages';
import { holdsPrivilege } from './privilege';
import { readOwnStatus } from './proc';
import { findUntrustedComponent, lstatPath, untrustedPathError } from '../support/trusted-path';

export type KoffiModule = typeof Koffi;

export const ADDON_NAME = 'koffi.node';

let chosenAddonPath: string | undefined;

// The standalone executable runs with privilege, so its native addon is taken from one
// fixed place, beside the executable as the kernel names it (/proc/self/exe), never
// through a module search that the environment or the working directory could steer.
export function addonPathBesideExecutable(): string {
  return join(dirname(process.execPath), ADDON_NAME);
}

// The installer runs as root from a build tree that may belong to whoever built it, so
// it loads the copy it has just staged inside the root-owned installation instead.
export function useAddonAt(path: string): void {
  chosenAddonPath = path;
}

export function isStandaloneExecutable(): boolean {
  try {
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

export function loadKoffi(): KoffiModule {
  if (!isStandaloneExecutable()) return require('koffi') as KoffiModule;
  const path = chosenAddonPath ?? addonPathBesideExecutable();
  if (holdsPrivilege(readOwnStatus())) refuseUntrustedAddon(path);
  const module = { exports: {} as KoffiModule };
  process.dlopen(module, path);
  return module.exports;
}

// Whoever may replace the addon, or rename a directory above it, would run their code
// with capexec's privilege. Without privilege there is nothing to gain, and a build in
// a developer's own tree must still run there.
function refuseUntrustedAddon(path: string): void {
  const problem = findUntrustedComponent(path, 'file', lstatPath);
  if (problem === undefined) return;
  throw untrustedPathError(`refusing to load ${printable(path)}`, problem, path);
}
