import { chmodSync, chownSync, lstatSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installCommand, resolveCapNames } from '../caps/names';
import { maskOf, type CapMask } from '../caps/sets';
import { CapexecError, SyscallError, systemErrorCode } from '../support/errors';
import { encodePermittedOnly } from '../caps/file-caps';
import { CAPABILITY_XATTR } from '../kernel/constants';
import { storedCapsMismatch, permittedText } from '../install/stored-caps';
import {
  commitAll, discardStaged, dropPrevious, fileSystemFailure, findContent, keepPrevious, keepPreviousCopy, replaceWithSymlink, restorePrevious, stageCopy,
  stageText,
  type Previous, type StagedFile,
} from '../install/files';
import { lookupGroup, type Group } from '../install/group';
import { DIRECTORIES, FILES, MANIFEST, PRIVATE_DIRECTORY, SOURCE_NAMES, under, type InstalledDirectory } from '../install/layout';
import { describeChanges, readManifest, serializeManifest, type Manifest } from '../install/manifest';
import { foreignFiles } from '../install/ownership';
import { refuseUntrustedLayout, requireRoot, resolvePrefix } from '../install/prefix';
import { installationOf } from '../install/installation';
import { verifyInstalled } from '../install/verify';
import { writeAll } from '../support/output';
import { isStandaloneExecutable } from '../kernel/addon';
import { libc, libcWithAddon, type Libc } from '../kernel/libc';
import { printable } from '../support/messages';
import { readCapLastCap } from '../kernel/proc';
import { lstatPath } from '../support/trusted-path';
import { mustWritePolicy, planPolicy, refuseDroppingPolicy, requirePolicyMode, type PolicyPlan } from '../install/policy-file';
import { POLICY_PATH } from '../policy/load';

export interface InstallRequest {
  prefix: string;
  caps: readonly string[];
  group: string | undefined;
  // A policy file to install as /etc/capexec.conf; caps may then be empty, for the ones
  // its permit rules grant.
  policy: string | undefined;
}

interface InstallPlan {
  prefix: string;
  caps: number[];
  group: Group | undefined;
  sources: Record<keyof typeof SOURCE_NAMES, string>;
  previous: Manifest | undefined;
  policy: (PolicyPlan & { write: boolean }) | undefined;
}

// Every check comes before the first write, and nothing is put in place until all new
// files are complete beside their places: a refused --install, or one that fails
// before then, leaves PREFIX as it was. What the new files replace is kept until
// user nobody has run the new installation: one that does not work, or whose check
// could not run, is rolled back. Only then is anything printed, so that no output
// error can cut the check short.
export function install(request: InstallRequest): number {
  const plan = checkRequest(request);
  const { prefix, caps, group, previous, policy } = plan;
  const privateBefore = ownershipOf(under(prefix, PRIVATE_DIRECTORY));
  const created = createDirectories(prefix, group);
  const { staged, manifest } = stageFiles(plan, created);
  const executable = under(prefix, FILES.executable);
  const link = under(prefix, FILES.link);
  const undo: Undo = { prefix, replaced: [], created, privateBefore };
  let verified: string[];
  try {
    // The manifest goes first: from then on, --uninstall knows about everything.
    const order = [...staged].reverse();
    for (const target of [...order.map((file) => file.target), link]) {
      undo.replaced.push(target === POLICY_PATH ? keepPreviousCopy(target) : keepPrevious(target));
    }
    commitAll(order);
    replaceWithSymlink(link, executable);
    verified = verifyInstalled({ prefix, executable }, caps, group, policy !== undefined);
  } catch (error) {
    staged.forEach(discardStaged);
    throw rolledBack(undo, fileSystemFailure(`cannot install into ${printable(prefix)}`, error));
  }
  undo.replaced.forEach(dropPrevious);

  const owner = group === undefined ? 'mode 0755 root:root' : `mode 0750 root:${group.name}`;
  const lines = [
    `installed ${printable(executable)} (${permittedText(maskOf(caps))}, ${owner})`,
    `installed ${printable(under(prefix, FILES.addon))}`,
    `installed ${printable(under(prefix, FILES.manPage))}`,
    `installed ${printable(under(prefix, FILES.policyManPage))}`,
    `linked ${printable(link)} -> ${printable(executable)}`,
    ...policy === undefined ? [] : [
      policy.write ? `installed ${POLICY_PATH} (mode 0644 root:root)` : `kept ${POLICY_PATH}: it already holds these rules`,
      `${printable(executable)} requires ${POLICY_PATH}`,
    ],
    ...previous === undefined ? [] : describeChanges(previous, manifest),
    ...verified,
  ];
  try {
    writeAll(1, `${lines.join('\n')}\n`);
  } catch (error) {
    if (!(error instanceof CapexecError)) throw error;
    throw new CapexecError(error.code, error.what, error.why, { fix: `the installation in ${printable(prefix)} is in place and verified`, cause: error });
  }
  if (policy !== undefined && policy.warnings.length > 0) writeStderr(`${policy.warnings.join('\n')}\n`);
  return 0;
}

interface Undo {
  prefix: string;
  replaced: Previous[];
  created: readonly InstalledDirectory[];
  privateBefore: Ownership | undefined;
}

// Puts back what was there, newest first, as far as it can, and says how far that was:
// the error names whatever could not be put back.
function rolledBack({ prefix, replaced, created, privateBefore }: Undo, error: unknown): unknown {
  const left: string[] = [];
  for (const previous of [...replaced].reverse()) {
    try {
      restorePrevious(previous);
    } catch (failure) {
      left.push(`${printable(previous.target)} (${systemErrorCode(failure) ?? 'error'})`);
    }
  }
  const privateDirectory = under(prefix, PRIVATE_DIRECTORY);
  try {
    if (privateBefore !== undefined) {
      chownSync(privateDirectory, privateBefore.uid, privateBefore.gid);
      chmodSync(privateDirectory, privateBefore.mode);
    }
  } catch (failure) {
    left.push(`the mode of ${printable(privateDirectory)} (${systemErrorCode(failure) ?? 'error'})`);
  }
  removeDirectories(prefix, created);
  if (!(error instanceof CapexecError)) return error;
  const what = left.length === 0
    ? `rolled back the installation into ${printable(prefix)}`
    : `rolled back the installation into ${printable(prefix)}, except ${left.join(', ')}`;
  const why = error.why === undefined ? error.what : `${error.what}: ${error.why}`;
  return new CapexecError(error.code, what, why, { fix: error.fix, cause: error });
}

interface Ownership {
  uid: number;
  gid: number;
  mode: number;
}

function ownershipOf(path: string): Ownership | undefined {
  try {
    const found = lstatSync(path);
    return found.isDirectory() ? { uid: found.uid, gid: found.gid, mode: found.mode & 0o7777 } : undefined;
  } catch {
    return undefined;
  }
}

function checkRequest(request: InstallRequest): InstallPlan {
  requireRoot('install', process.getuid?.() ?? -1, process.geteuid?.() ?? -1);
  if (!isStandaloneExecutable()) {
    throw new CapexecError('not_standalone', '--install works only from the standalone executable', 'this is capexec as a script on Node', {
      fix: 'npm run build, then run dist/capexec --install',
    });
  }
  const prefix = resolvePrefix('install', request.prefix);
  const lastCap = readCapLastCap();
  const checked = request.policy === undefined ? undefined : planPolicy(libc(), request.policy, lastCap, writeStderr);
  const caps = checked === undefined || request.caps.length > 0 ? resolveCapNames(request.caps, lastCap) : checked.caps;
  if (caps.length === 0) {
    throw new CapexecError('policy_invalid', `refusing to install ${printable(request.policy ?? '')}`, 'it has no permit rule, so no one could pass any capability', {
      fix: 'add permit rules to it, or name the capabilities: --cap CAPS',
    });
  }
  const group = request.group === undefined ? undefined : lookupGroup(request.group);
  refuseUntrustedLayout('install', prefix, lstatPath, (other) => installCommand(process.execPath, other, caps, group?.name));
  const sources = locateSources();
  const previous = readManifest(prefix);
  refuseDroppingPolicy(prefix, previous, request.policy);
  const policy = checked === undefined ? undefined : { ...checked, write: mustWritePolicy(checked.sha256, previous) };
  const foreign = foreignFiles(previous, (file) => findContent(under(prefix, file), false))[0];
  if (foreign !== undefined) {
    throw new CapexecError('foreign_file', `refusing to replace ${printable(under(prefix, foreign))}`, 'capexec --install did not put it there', {
      fix: 'move it away first',
    });
  }
  return { prefix, caps, group, sources, previous, policy };
}

// The new files, complete beside their places, with the manifest that lists them last.
function stageFiles({ prefix, caps, group, sources, previous, policy }: InstallPlan, created: readonly InstalledDirectory[]): { staged: StagedFile[]; manifest: Manifest } {
  const staged: StagedFile[] = [];
  const stageCopyOf = (file: keyof typeof SOURCE_NAMES, mode: number, gid: number): StagedFile => {
    const copy = stageCopy(sources[file], under(prefix, file), mode, gid);
    staged.push(copy);
    return copy;
  };
  try {
    const executable = stageCopyOf(FILES.executable, group === undefined ? 0o755 : 0o750, group?.gid ?? 0);
    const addon = stageCopyOf(FILES.addon, 0o644, 0);
    const manPage = stageCopyOf(FILES.manPage, 0o644, 0);
    const policyManPage = stageCopyOf(FILES.policyManPage, 0o644, 0);
    // Before the capabilities: a write to the file would clear them.
    if (policy !== undefined) executable.sha256 = requirePolicyMode(executable.temporary);
    setPermittedCaps(libcWithAddon(addon.temporary), executable.temporary, maskOf(caps));
    // Put in place before the executable that requires it, after the manifest.
    if (policy?.write === true) staged.push(stageText(policy.text, POLICY_PATH, 0o644));
    const manifest: Manifest = {
      caps: permittedText(maskOf(caps)),
      group: group?.name,
      createdDirectories: [...new Set([...previous?.createdDirectories ?? [], ...created])],
      files: {
        [FILES.executable]: { sha256: executable.sha256 },
        [FILES.addon]: { sha256: addon.sha256 },
        [FILES.manPage]: { sha256: manPage.sha256 },
        [FILES.policyManPage]: { sha256: policyManPage.sha256 },
        [FILES.link]: { symlink: under(prefix, FILES.executable) },
      },
      policy: policy === undefined ? undefined : { sha256: policy.sha256 },
    };
    staged.push(stageText(serializeManifest(manifest), under(prefix, MANIFEST), 0o644));
    return { staged, manifest };
  } catch (error) {
    staged.forEach(discardStaged);
    removeDirectories(prefix, created);
    throw fileSystemFailure(`cannot install into ${printable(prefix)}`, error);
  }
}

// The files to install: the build's, beside the executable that runs --install, or,
// when that executable is itself an installed copy, its own installation's, whose man
// pages live under share/.
function locateSources(): Record<keyof typeof SOURCE_NAMES, string> {
  const directory = dirname(process.execPath);
  const own = installationOf(process.execPath);
  const sources = Object.fromEntries(Object.entries(SOURCE_NAMES).map(([file, name]) => [file, join(directory, name)])) as Record<keyof typeof SOURCE_NAMES, string>;
  if (own !== undefined) {
    sources[FILES.manPage] = under(own.prefix, FILES.manPage);
    sources[FILES.policyManPage] = under(own.prefix, FILES.policyManPage);
  }
  for (const path of Object.values(sources)) {
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      // Reported below, as for any non-file.
    }
    if (!isFile) {
      const fix = own === undefined ? 'npm run build' : 'install from the build instead: npm run build, then run dist/capexec --install';
      throw new CapexecError('build_file_missing', `cannot install: ${printable(path)} is missing`, undefined, { fix });
    }
  }
  return sources;
}

// Directories that exist are left as they are, except the private one, whose owner
// and mode decide who may run capexec. refuseUntrustedLayout() has found each one that
// exists to be a real directory only root can change, and the layout lists parents
// first, so every mkdir() is made in a directory no one else can touch: neither what
// is created nor what is chowned and chmodded by path below can be swapped.
function createDirectories(prefix: string, group: Group | undefined): InstalledDirectory[] {
  const created: InstalledDirectory[] = [];
  try {
    for (const directory of DIRECTORIES) {
      const path = under(prefix, directory);
      const found = lstatPath(path);
      if (!('error' in found && found.missing)) continue;
      mkdirSync(path, 0o700);
      created.push(directory);
      chownSync(path, 0, 0);
      chmodSync(path, 0o755);
    }
    const path = under(prefix, PRIVATE_DIRECTORY);
    chownSync(path, 0, group?.gid ?? 0);
    chmodSync(path, group === undefined ? 0o755 : 0o750);
  } catch (error) {
    removeDirectories(prefix, created);
    const code = systemErrorCode(error) ?? 'error';
    const path = (error as NodeJS.ErrnoException).path ?? prefix;
    throw new CapexecError('directory_create_failed', `cannot create ${printable(path)}`, code === 'EEXIST' ? 'something that is not a directory is in the way' : code);
  }
  return created;
}

function removeDirectories(prefix: string, created: readonly InstalledDirectory[]): void {
  for (const directory of [...created].reverse()) {
    try {
      rmdirSync(under(prefix, directory));
    } catch {
      // Not empty after all, or gone: either way not ours to force.
    }
  }
}

// Written on the staged copy, and read back, before it takes the executable's place.
function setPermittedCaps(c: Libc, path: string, mask: CapMask): void {
  try {
    c.setxattr(path, CAPABILITY_XATTR, encodePermittedOnly(mask));
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new CapexecError('file_caps_not_set', `cannot set ${permittedText(mask)} on ${printable(path)}`, error.description, {
      fix: error.code === 'EOPNOTSUPP' ? 'PREFIX must be on a filesystem with extended attributes' : undefined,
    });
  }
  const stored = c.getxattr(path, CAPABILITY_XATTR);
  const problem = storedCapsMismatch(stored, mask);
  if (problem !== undefined) throw new CapexecError('file_caps_not_set', `cannot set ${permittedText(mask)} on ${printable(path)}`, problem);
}

// Problems in the policy go to standard error as they are found, or after the
// installation for warnings; what fails is reported all the same.
function writeStderr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // The exit status still tells.
  }
}
