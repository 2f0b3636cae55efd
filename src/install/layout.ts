import { join } from 'node:path';
import { ADDON_NAME } from '../kernel/addon';

// Where --install puts things, relative to PREFIX. Nothing else under PREFIX is ever
// written or removed, whatever a manifest says. Parents come before their children.
export const DIRECTORIES = ['bin', 'libexec', 'libexec/capexec', 'share', 'share/man', 'share/man/man1', 'share/man/man5'] as const;
export type InstalledDirectory = (typeof DIRECTORIES)[number];

export const PRIVATE_DIRECTORY = 'libexec/capexec';

export const FILES = {
  executable: 'libexec/capexec/capexec',
  addon: 'libexec/capexec/koffi.node',
  manPage: 'share/man/man1/capexec.1',
  // capexec.conf(5), the policy's language.
  policyManPage: 'share/man/man5/capexec.conf.5',
  link: 'bin/capexec',
} as const;
export type InstalledFile = (typeof FILES)[keyof typeof FILES];
export const INSTALLED_FILES: readonly InstalledFile[] = Object.values(FILES);

export const MANIFEST = 'libexec/capexec/install-manifest.json';

// The names of the build's files, beside the executable that runs --install.
export const SOURCE_NAMES: Record<Exclude<InstalledFile, typeof FILES.link>, string> = {
  [FILES.executable]: 'capexec',
  [FILES.addon]: ADDON_NAME,
  [FILES.manPage]: 'capexec.1',
  [FILES.policyManPage]: 'capexec.conf.5',
};

export function under(prefix: string, relative: string): string {
  return join(prefix, relative);
}

// Commands the installer runs are found here only, whatever root's PATH holds.
export const SAFE_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
