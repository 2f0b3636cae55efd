import { rmdirSync, rmSync, writeSync } from 'node:fs';
import { CapexecError } from '../errors';
import { fileSystemFailure, findContent } from './files';
import { DIRECTORIES, MANIFEST, under } from './layout';
import { readManifest } from './manifest';
import { planRemoval } from './ownership';
import { requireRoot, resolvePrefix } from './prefix';
import { errorLines, printable } from '../messages';
import { findUntrustedComponent, lstatPath } from '../trusted-path';

export interface UninstallRequest {
  prefix: string;
}

// Removes what the manifest says --install put under PREFIX, and only while it is
// still what was put there; directories go only if --install created them and they
// are empty now.
export function uninstall(request: UninstallRequest): number {
  requireRoot('uninstall', process.getuid?.() ?? -1, process.geteuid?.() ?? -1);
  const prefix = resolvePrefix('uninstall', request.prefix);
  const manifestPath = under(prefix, MANIFEST);
  if ('missing' in findContent(manifestPath, false)) {
    throw new CapexecError(`nothing to uninstall in ${printable(prefix)}`, `${printable(manifestPath)} does not exist`);
  }
  // Whoever could write the manifest could pick which of the layout's files go.
  const untrusted = findUntrustedComponent(manifestPath, 'file', lstatPath);
  if (untrusted !== undefined) {
    throw new CapexecError(`refusing to use ${printable(manifestPath)}`, `${printable(untrusted.path)} ${untrusted.why}`, { fix: untrusted.fix });
  }
  const manifest = readManifest(prefix);
  if (manifest === undefined) throw new CapexecError(`nothing to uninstall in ${printable(prefix)}`, `${printable(manifestPath)} is gone`);

  const out: string[] = [];
  const notes: string[] = [];
  try {
    for (const step of planRemoval(manifest, (file) => findContent(under(prefix, file), true))) {
      const path = printable(under(prefix, step.file));
      if (step.action === 'remove') {
        rmSync(under(prefix, step.file));
        out.push(`removed ${path}`);
      } else if (step.action === 'keep') {
        notes.push(...errorLines(new CapexecError(`kept ${path}`, step.why)));
      }
    }
    rmSync(manifestPath);
    out.push(`removed ${printable(manifestPath)}`);
  } catch (error) {
    if (out.length > 0) writeSync(1, `${out.join('\n')}\n`);
    throw fileSystemFailure(`cannot uninstall from ${printable(prefix)}`, error);
  }
  for (const directory of [...DIRECTORIES].reverse()) {
    if (!manifest.createdDirectories.includes(directory)) continue;
    const path = under(prefix, directory);
    try {
      rmdirSync(path);
      out.push(`removed ${printable(path)}/`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') notes.push(...errorLines(new CapexecError(`kept ${printable(path)}/`, code === 'ENOTEMPTY' ? 'not empty' : code ?? 'error')));
    }
  }
  writeSync(1, `${out.join('\n')}\n`);
  if (notes.length > 0) writeSync(2, `${notes.join('\n')}\n`);
  return 0;
}
