import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Libc } from '../kernel/libc';
import { readPolicy, POLICY_PATH } from '../policy/load';
import { problemLine } from '../policy/messages';
import { POLICY_MODE_PREFIX } from '../policy/required';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';
import { findContent } from './files';
import type { Manifest } from './manifest';

// --install --policy FILE: FILE, checked as a launch would check it, becomes
// /etc/capexec.conf, and the installed executable requires it.
export interface PolicyPlan {
  text: string;
  sha256: string;
  // The union of what the permit rules grant: all the executable needs to hold.
  caps: number[];
  // The problem lines of warnings, for standard error once the installation is in place.
  warnings: string[];
}

export function planPolicy(c: Libc, file: string, lastCap: number, stderr: (text: string) => void): PolicyPlan {
  const path = resolve(file);
  const policy = readPolicy(c, path, lastCap);
  if (policy === undefined) {
    throw new CapexecError('policy_missing', `cannot install ${printable(path)}`, 'it does not exist', { fix: 'give the path of the policy to install' });
  }
  const errors = policy.problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    stderr(`${errors.map((problem) => problemLine(path, problem)).join('\n')}\n`);
    throw new CapexecError('policy_invalid', `refusing to install ${printable(path)}`, `${errors.length} error${errors.length === 1 ? '' : 's'} in it`, {
      fix: `correct it, then check it: capexec --check ${printable(path)}`,
    });
  }
  // readPolicy() has found the file and every directory above it root's and writable by
  // no one else, so reading it again gives the same text.
  const bytes = readFileSync(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const caps = [...new Set(policy.rules.flatMap((rule) => (rule.action === 'permit' ? rule.caps ?? [] : [])))].sort((a, b) => a - b);
  return {
    text: bytes.toString('utf8'),
    sha256,
    caps,
    warnings: policy.problems.filter((problem) => problem.severity === 'warning').map((problem) => problemLine(path, problem)),
  };
}

// An /etc/capexec.conf that says something else is replaced only when it is the one an
// earlier --install into this PREFIX put there and no one has changed it since: an
// administrator's own policy, or one edited in place, is theirs, and a policy is not
// something to lose by a reinstall.
// Whether /etc/capexec.conf must be written: false when it already says the same.
export function mustWritePolicy(sha256: string, previous: Manifest | undefined): boolean {
  const found = findContent(POLICY_PATH, true);
  if ('missing' in found) return true;
  if (!('sha256' in found)) {
    throw new CapexecError('policy_exists', `refusing to replace ${POLICY_PATH}`, `it is ${'symlink' in found ? 'a symbolic link' : found.other}`, {
      fix: `as root, look at it and move it away: ls -l ${POLICY_PATH}`,
    });
  }
  if (found.sha256 === sha256) return false;
  if (previous?.policy?.sha256 === found.sha256) return true;
  throw new CapexecError('policy_exists', `refusing to replace ${POLICY_PATH}`, 'it holds other rules, which capexec --install did not put there', {
    fix: `merge the rules into one file and install that, or move ${POLICY_PATH} away first`,
  });
}

// An installation made with --policy requires /etc/capexec.conf; a reinstall without it
// would quietly make it optional, and leave a policy file no manifest lists.
export function refuseDroppingPolicy(prefix: string, previous: Manifest | undefined, policy: string | undefined): void {
  if (previous?.policy === undefined || policy !== undefined) return;
  throw new CapexecError('policy_exists', `refusing to install into ${printable(prefix)} without --policy`, `the installation there requires ${POLICY_PATH}`, {
    fix: `keep it: capexec --install ${printable(prefix)} --policy ${POLICY_PATH}; or first: capexec --uninstall ${printable(prefix)}`,
  });
}

const OPTIONAL = Buffer.from(`${POLICY_MODE_PREFIX}optional`);
const REQUIRED = Buffer.from(`${POLICY_MODE_PREFIX}required`);

// Makes a staged executable require the policy: the build writes the asset with the same
// length either way (scripts/build-sea.js), so this is an overwrite in place. Anything
// but exactly one occurrence is not a build capexec knows; an installed copy that
// installs again already requires it. Returns the SHA-256 of the result.
export function requirePolicyMode(path: string): string {
  const bytes = readFileSync(path);
  const required = bytes.indexOf(REQUIRED);
  if (required >= 0 && bytes.indexOf(REQUIRED, required + 1) < 0 && bytes.indexOf(OPTIONAL) < 0) {
    return createHash('sha256').update(bytes).digest('hex');
  }
  const at = bytes.indexOf(OPTIONAL);
  const again = at < 0 ? -1 : bytes.indexOf(OPTIONAL, at + 1);
  if (at < 0 || again >= 0) {
    throw new CapexecError('policy_mode_unknown', `cannot make ${printable(path)} require the policy`,
      at < 0 ? `'${OPTIONAL.toString()}' is not in it` : `'${OPTIONAL.toString()}' is in it more than once`,
      { fix: 'install from a build of capexec: npm run build, then run dist/capexec --install' });
  }
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, REQUIRED, 0, REQUIRED.length, at);
    const check = Buffer.alloc(REQUIRED.length);
    readSync(fd, check, 0, check.length, at);
    if (!check.equals(REQUIRED)) throw new CapexecError('policy_mode_unknown', `cannot make ${printable(path)} require the policy`, 'the write did not stick');
  } finally {
    closeSync(fd);
  }
  REQUIRED.copy(bytes, at);
  return createHash('sha256').update(bytes).digest('hex');
}
