import { INSTALLED_FILES, type InstalledFile } from './layout';
import type { InstalledContent, Manifest } from './manifest';

// What is at one of the layout's paths now.
export type FoundContent = { missing: true } | { sha256: string } | { symlink: string } | { other: string };

export type Removal =
  | { file: InstalledFile; action: 'remove' }
  | { file: InstalledFile; action: 'gone' }
  | { file: InstalledFile; action: 'keep'; why: string };

// A file is capexec's to remove only while it is exactly what --install put there;
// anything replaced or edited since belongs to whoever did that.
export function planRemoval(manifest: Manifest, found: (file: InstalledFile) => FoundContent): Removal[] {
  return INSTALLED_FILES.flatMap((file): Removal[] => {
    const installed = manifest.files[file];
    if (installed === undefined) return [];
    const now = found(file);
    if ('missing' in now) return [{ file, action: 'gone' }];
    if (sameContent(installed, now)) return [{ file, action: 'remove' }];
    return [{ file, action: 'keep', why: 'changed since it was installed' }];
  });
}

function sameContent(installed: InstalledContent, now: FoundContent): boolean {
  if ('sha256' in installed) return 'sha256' in now && now.sha256 === installed.sha256;
  return 'symlink' in now && now.symlink === installed.symlink;
}

// --install replaces only what an earlier --install put there; a file of the same name
// from anywhere else stops it before anything is written.
export function foreignFiles(previous: Manifest | undefined, found: (file: InstalledFile) => FoundContent): InstalledFile[] {
  return INSTALLED_FILES.filter((file) => !('missing' in found(file)) && previous?.files[file] === undefined);
}
