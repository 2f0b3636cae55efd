import { rmdirSync, rmSync } from 'node:fs';
import { writeAll } from '../support/output';
import { CapexecError, systemErrorCode } from '../support/errors';
import { commitAll, fileSystemFailure, findContent, stageText } from '../install/files';
import { DIRECTORIES, MANIFEST, under, type InstalledDirectory } from '../install/layout';
import { readManifest, serializeManifest, type Manifest } from '../install/manifest';
import { planRemoval } from '../install/ownership';
import { refuseUntrustedLayout, requireRoot, resolvePrefix } from '../install/prefix';
import { errorLines, printable } from '../support/messages';
import { lstatPath } from '../support/trusted-path';
import { POLICY_PATH } from '../policy/load';

export interface UninstallRequest {
  prefix: string;
}

// Removes what the manifest says --install put under PREFIX, and only while it is
// still what was put there; directories go only if --install created them and they
// are empty now. The manifest goes last, unless something was kept. Everything is
// removed by path, so first PREFIX and the layout's directories must be ones only root
// can change, as for --install.
export function uninstall(request: UninstallRequest): number {
  requireRoot('uninstall', process.getuid?.() ?? -1, process.geteuid?.() ?? -1);
  const prefix = resolvePrefix('uninstall', request.prefix);
  refuseUntrustedLayout('uninstall', prefix, lstatPath);
  const manifestPath = under(prefix, MANIFEST);
  const manifest = readManifest(prefix);
  if (manifest === undefined) {
    throw new CapexecError('nothing_to_uninstall', `nothing to uninstall in ${printable(prefix)}`, `${printable(manifestPath)} does not exist`);
  }

  const out: string[] = [];
  const notes: string[] = [];
  const kept: Manifest['files'] = {};
  let keptPolicy: Manifest['policy'];
  try {
    for (const step of planRemoval(manifest, (file) => findContent(under(prefix, file), true))) {
      const path = printable(under(prefix, step.file));
      if (step.action === 'remove') {
        rmSync(under(prefix, step.file));
        out.push(`removed ${path}`);
      } else if (step.action === 'keep') {
        const entry = manifest.files[step.file];
        if (entry !== undefined) kept[step.file] = entry;
        notes.push(...errorLines(new CapexecError('file_kept', `kept ${path}`, step.why)));
      }
    }
    // After the executable that requires it: an installation is never left requiring a
    // policy that is gone, though a removed policy would only make it refuse.
    if (manifest.policy !== undefined) {
      const now = findContent(POLICY_PATH, true);
      if ('sha256' in now && now.sha256 === manifest.policy.sha256) {
        rmSync(POLICY_PATH);
        out.push(`removed ${POLICY_PATH}`);
      } else if (!('missing' in now)) {
        keptPolicy = manifest.policy;
        notes.push(...errorLines(new CapexecError('file_kept', `kept ${POLICY_PATH}`, 'changed since it was installed')));
      }
    }
    if (Object.keys(kept).length === 0 && keptPolicy === undefined) {
      rmSync(manifestPath);
      out.push(`removed ${printable(manifestPath)}`);
    }
  } catch (error) {
    const failure = fileSystemFailure(`cannot uninstall from ${printable(prefix)}`, error);
    if (out.length > 0) reportRemovedBeforeFailure(out);
    throw failure;
  }
  const remaining: InstalledDirectory[] = [];
  for (const directory of [...DIRECTORIES].reverse()) {
    if (!manifest.createdDirectories.includes(directory)) continue;
    const path = under(prefix, directory);
    try {
      rmdirSync(path);
      out.push(`removed ${printable(path)}/`);
    } catch (error) {
      const code = systemErrorCode(error);
      if (code === 'ENOENT') continue;
      remaining.push(directory);
      notes.push(...errorLines(new CapexecError('file_kept', `kept ${printable(path)}/`, code === 'ENOTEMPTY' ? 'not empty' : code ?? 'error')));
    }
  }
  // What is kept stays listed, with the directories --install made that are still
  // there: once whoever changed a file puts it back or removes it, --uninstall can
  // finish the job. Everything else the manifest named is gone.
  if (Object.keys(kept).length > 0 || keptPolicy !== undefined) {
    try {
      commitAll([stageText(serializeManifest({ ...manifest, createdDirectories: remaining, files: kept, policy: keptPolicy }), manifestPath, 0o644)]);
    } catch (error) {
      reportRemovedBeforeFailure(out);
      throw fileSystemFailure(`cannot uninstall from ${printable(prefix)}`, error);
    }
    notes.push(...errorLines(new CapexecError('file_kept', `kept ${printable(manifestPath)}`, 'it lists what was kept, for a later --uninstall')));
  }
  writeAll(1, `${out.join('\n')}\n`);
  if (notes.length > 0) writeAll(2, `${notes.join('\n')}\n`);
  return 0;
}

// What went before a failure is worth showing, but the failure is what must reach the
// user: an unwritable standard output must not take its place.
function reportRemovedBeforeFailure(out: readonly string[]): void {
  try {
    writeAll(1, `${out.join('\n')}\n`);
  } catch {
    // The failure that follows is reported on standard error.
  }
}
