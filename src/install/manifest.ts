import { readFileSync } from 'node:fs';
import { CapexecError, systemErrorCode } from '../support/errors';
import { DIRECTORIES, INSTALLED_FILES, MANIFEST, under, type InstalledDirectory, type InstalledFile } from './layout';
import { printable } from '../support/messages';
import { findUntrustedComponent, lstatPath, untrustedPathError } from '../support/trusted-path';

// What one --install left under PREFIX, so that --uninstall removes exactly that: the
// files with the content they were given, and only the directories that did not exist
// before.
export interface Manifest {
  caps: string;
  group: string | undefined;
  createdDirectories: InstalledDirectory[];
  files: Partial<Record<InstalledFile, InstalledContent>>;
  // /etc/capexec.conf as --install --policy wrote it. Its path is fixed, never read from
  // the manifest, which names nothing outside PREFIX.
  policy: { sha256: string } | undefined;
}

export type InstalledContent = { sha256: string } | { symlink: string };

const FORMAT = 'capexec-install-manifest/1';

export function serializeManifest(manifest: Manifest): string {
  const files = Object.fromEntries(INSTALLED_FILES.flatMap((name) => {
    const content = manifest.files[name];
    return content === undefined ? [] : [[name, content]];
  }));
  return `${JSON.stringify({
    format: FORMAT,
    caps: manifest.caps,
    group: manifest.group ?? null,
    createdDirectories: DIRECTORIES.filter((directory) => manifest.createdDirectories.includes(directory)),
    files,
    policy: manifest.policy ?? null,
  }, null, 2)}\n`;
}

// The manifest lives in a root-owned directory, but it is still checked entry by entry:
// a damaged one must not name anything outside the fixed layout.
export function parseManifest(text: string): Manifest | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!isRecord(value) || value['format'] !== FORMAT) return { error: `not a ${FORMAT} file` };
  const { caps, group, createdDirectories, files, policy } = value;
  if (typeof caps !== 'string') return { error: 'no caps' };
  if (group !== null && typeof group !== 'string') return { error: 'group is not a name' };
  if (!Array.isArray(createdDirectories) || !createdDirectories.every(isInstalledDirectory)) {
    return { error: 'createdDirectories names a directory outside the layout' };
  }
  if (!isRecord(files)) return { error: 'no files' };
  const parsed: Manifest['files'] = {};
  for (const [name, content] of Object.entries(files)) {
    if (!isInstalledFile(name)) return { error: `names a file outside the layout: ${printable(name)}` };
    if (!isContent(content)) return { error: `bad entry for ${name}` };
    parsed[name] = content;
  }
  // Manifests from before --policy have no entry at all.
  if (policy !== undefined && policy !== null && !(isRecord(policy) && Object.keys(policy).length === 1 && isSha256(policy['sha256']))) {
    return { error: 'bad entry for the policy' };
  }
  return { caps, group: group ?? undefined, createdDirectories, files: parsed, policy: isRecord(policy) ? { sha256: policy['sha256'] as string } : undefined };
}

function isSha256(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInstalledDirectory(value: unknown): value is InstalledDirectory {
  return (DIRECTORIES as readonly unknown[]).includes(value);
}

function isInstalledFile(value: string): value is InstalledFile {
  return (INSTALLED_FILES as readonly string[]).includes(value);
}

function isContent(value: unknown): value is InstalledContent {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  if (typeof value['sha256'] === 'string') return isSha256(value['sha256']);
  return typeof value['symlink'] === 'string' && value['symlink'].startsWith('/');
}

// undefined when nothing was installed at PREFIX yet. Whoever could write the manifest
// could pick which of the layout's files --uninstall removes, so only a root-owned file
// that no one else can write is read.
export function readManifest(prefix: string): Manifest | undefined {
  const path = under(prefix, MANIFEST);
  const found = lstatPath(path);
  if ('error' in found && found.missing) return undefined;
  const untrusted = findUntrustedComponent(path, 'file', lstatPath);
  if (untrusted !== undefined) {
    throw untrustedPathError(`refusing to use ${printable(path)}`, untrusted);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CapexecError('manifest_unreadable', `cannot read ${printable(path)}`, systemErrorCode(error) ?? 'error');
  }
  const manifest = parseManifest(text);
  if ('error' in manifest) {
    throw new CapexecError('manifest_invalid', `cannot use ${printable(path)}`, manifest.error, { fix: 'remove the installation by hand' });
  }
  return manifest;
}

// What a reinstall changes, for the caller to see: a reinstall with fewer caps, or
// without --group, takes something away from whoever used the installation.
export function describeChanges(previous: Manifest, next: Manifest): string[] {
  const caps = (text: string): string => text.replace(/\+p$/, '');
  const group = (name: string | undefined): string => (name === undefined ? 'none' : printable(name));
  const lines: string[] = [];
  if (previous.caps !== next.caps) lines.push(`changed caps: was ${caps(previous.caps)}, now ${caps(next.caps)}`);
  if (previous.group !== next.group) lines.push(`changed group: was ${group(previous.group)}, now ${group(next.group)}`);
  if (previous.policy?.sha256 !== next.policy?.sha256) {
    lines.push(next.policy === undefined ? 'changed policy: no longer required' : `changed policy: ${previous.policy === undefined ? 'now required' : 'new rules'}`);
  }
  const replaced = INSTALLED_FILES.filter((file) => JSON.stringify(previous.files[file]) !== JSON.stringify(next.files[file]));
  if (replaced.length > 0) lines.push(`changed content: ${replaced.join(', ')}`);
  if (lines.length > 0) return lines;
  return [`unchanged: the same files, ${caps(next.caps)}, group ${group(next.group)}, as installed before`];
}
