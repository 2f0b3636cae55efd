import { dirname, join } from 'node:path';
import { printable } from '../support/messages';
import { startedPrivileged } from './privilege';
import { readProcFile } from './proc';
import { isInitialUidMap, parseUidMap } from './proc-parse';
import { CapexecError } from '../support/errors';
import { findUntrustedComponent, lstatPath, untrustedPathError } from '../support/trusted-path';

// The part of koffi that libc.ts binds libc with. The real module has all of it (the
// compiler checks that in loadKoffi), and a test can fake exactly this much.
export interface Koffi {
  sizeof(type: string): number;
  load(path: null): { func(definition: string): (...args: unknown[]) => unknown; symbol(name: string): unknown };
  errno(): number;
  os: { errno: Record<string, number> };
  decode(value: unknown, type: string): unknown;
  view(pointer: unknown, length: number): ArrayBuffer;
  alloc(type: string, length: number): unknown;
}

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

// An asset written into the standalone executable at its build, as text, one byte to a
// character (getAsset() would decode it through a TextDecoder, which Node loads for it);
// undefined outside the standalone executable, or for an asset it lacks.
export function ownAsset(key: string): string | undefined {
  if (!isStandaloneExecutable()) return undefined;
  try {
    return Buffer.from((require('node:sea') as { getRawAsset(key: string): ArrayBuffer }).getRawAsset(key)).toString('latin1');
  } catch {
    return undefined;
  }
}

// `path` is the addon to load in the standalone executable; on Node, koffi's package
// is used as it is.
export function loadKoffi(path: string = addonPathBesideExecutable()): Koffi {
  if (!isStandaloneExecutable()) return require('koffi') as typeof import('koffi') satisfies Koffi;
  if (startedPrivileged()) refuseUntrustedAddon(path);
  const module = { exports: {} as typeof import('koffi') };
  try {
    process.dlopen(module, path);
  } catch (error) {
    throw new CapexecError('addon_unloadable', `cannot load ${printable(path)}`, addonFailure(error), {
      fix: `capexec needs the koffi.node it was built with beside it: copy dist/koffi.node from the build next to ${printable(process.execPath)}, or install with capexec --install PREFIX`,
      cause: error,
    });
  }
  return module.exports satisfies Koffi;
}

// dlopen's own words, whose first line names what went wrong ("cannot open shared
// object file: No such file or directory").
function addonFailure(error: unknown): string {
  const text = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
  return printable(text.replace(/^.*?: (?=cannot open|invalid ELF|undefined symbol)/, ''));
}

// Whoever may replace the addon, or rename a directory above it, would run their code
// with capexec's privilege. Without privilege there is nothing to gain, and a build in
// a developer's own tree must still run there.
function refuseUntrustedAddon(path: string): void {
  const problem = findUntrustedComponent(path, 'file', lstatPath);
  if (problem === undefined) return;
  // In a child user namespace (unshare --user, a rootless container) the host's root is
  // unmapped and owns nothing here: the namespace is the cause, and no chown is the fix.
  if (!isInitialUidMap(parseUidMap(readProcFile('/proc/self/uid_map').toString('latin1')))) {
    throw new CapexecError('user_namespace', `refusing to load ${printable(path)}`,
      `capexec runs in a user namespace other than the initial one, where ${printable(problem.path)} ${problem.why}`, {
        fix: 'run capexec in the initial user namespace, outside unshare --user or the container: file capabilities are for that namespace',
      });
  }
  throw untrustedPathError(`refusing to load ${printable(path)}`, problem, path);
}
