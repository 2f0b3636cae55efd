import type * as Koffi from 'koffi';
import { dirname, join } from 'node:path';

export type KoffiModule = typeof Koffi;

export const ADDON_NAME = 'koffi.node';

// The standalone executable runs with privilege, so its native addon is taken from one
// fixed place, beside the executable as the kernel names it (/proc/self/exe), never
// through a module search that the environment or the working directory could steer.
export function addonPathBesideExecutable(): string {
  return join(dirname(process.execPath), ADDON_NAME);
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
  const module = { exports: {} as KoffiModule };
  process.dlopen(module, addonPathBesideExecutable());
  return module.exports;
}
