import { createHash } from 'node:crypto';
import {
  constants, copyFileSync, closeSync, fchmodSync, fchownSync, fsyncSync, linkSync, lstatSync, openSync, readlinkSync, readSync, renameSync, rmSync, symlinkSync,
  writeSync,
} from 'node:fs';
import { CapexecError, systemErrorCode } from '../support/errors';
import type { FoundContent } from './ownership';
import { printable } from '../support/messages';

// A new file written beside its final place under a temporary name, complete and on
// disk, so that putting it in place is one rename(2): nobody ever runs half a file.
export interface StagedFile {
  temporary: string;
  target: string;
  sha256: string;
}

const CHUNK = 1 << 20;

function temporaryFor(target: string, suffix = '.capexec-new'): string {
  const temporary = `${target}${suffix}`;
  // Left by an interrupted run; unlink() does not follow a planted symlink, and the
  // exclusive open below refuses one that appears in between.
  rmSync(temporary, { force: true });
  return temporary;
}

export function stageCopy(source: string, target: string, mode: number, gid: number): StagedFile {
  const input = openSync(source, 'r');
  try {
    return stage(target, mode, gid, (output) => {
      const hash = createHash('sha256');
      const buffer = Buffer.alloc(CHUNK);
      for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer)) {
        hash.update(buffer.subarray(0, read));
        writeBytes(output, buffer.subarray(0, read));
      }
      return hash.digest('hex');
    });
  } finally {
    closeSync(input);
  }
}

export function stageText(text: string, target: string, mode: number): StagedFile {
  return stage(target, mode, 0, (output) => {
    const bytes = Buffer.from(text);
    writeBytes(output, bytes);
    return createHash('sha256').update(bytes).digest('hex');
  });
}

// `fill` writes the content and returns its SHA-256; the file is root's, with `gid`
// and `mode`, only once it is complete.
function stage(target: string, mode: number, gid: number, fill: (output: number) => string): StagedFile {
  const temporary = temporaryFor(target);
  const output = openSync(temporary, 'wx', 0o600);
  try {
    const sha256 = fill(output);
    fchownSync(output, 0, gid);
    fchmodSync(output, mode);
    fsyncSync(output);
    return { temporary, target, sha256 };
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    closeSync(output);
  }
}

function writeBytes(output: number, bytes: Buffer): void {
  for (let written = 0; written < bytes.length;) written += writeSync(output, bytes, written, bytes.length - written);
}

// Puts the staged files in place, in the given order. If one rename fails, every
// temporary still there goes: a staged executable already holds its file capabilities,
// and --uninstall knows nothing of temporary names.
export function commitAll(staged: readonly StagedFile[]): void {
  try {
    for (const file of staged) renameSync(file.temporary, file.target);
  } catch (error) {
    staged.forEach(discardStaged);
    throw error;
  }
}

export function discardStaged(staged: StagedFile): void {
  rmSync(staged.temporary, { force: true });
}

// What was at a path before --install put its new file there, kept under a second name
// (a hard link: the place itself is still replaced by one rename) until the new
// installation is verified, so that one that is not can be undone.
export interface Previous {
  target: string;
  // undefined: nothing was there.
  kept: string | undefined;
}

export function keepPrevious(target: string): Previous {
  if ('missing' in findContent(target, false)) return { target, kept: undefined };
  const kept = temporaryFor(target, '.capexec-old');
  linkSync(target, kept);
  return { target, kept };
}

// The same by a copy, for /etc/capexec.conf: while it had a second hard link every launch
// would refuse it.
export function keepPreviousCopy(target: string): Previous {
  const found = findContent(target, false);
  if ('missing' in found) return { target, kept: undefined };
  const kept = temporaryFor(target, '.capexec-old');
  copyFileSync(target, kept, constants.COPYFILE_EXCL);
  return { target, kept };
}

export function restorePrevious({ target, kept }: Previous): void {
  if (kept === undefined) rmSync(target, { force: true });
  else renameSync(kept, target);
}

export function dropPrevious({ kept }: Previous): void {
  if (kept !== undefined) rmSync(kept, { force: true });
}

export function replaceWithSymlink(link: string, pointsTo: string): void {
  const temporary = temporaryFor(link);
  symlinkSync(pointsTo, temporary);
  try {
    renameSync(temporary, link);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

// What is at `path` now. Without `hash`, a regular file is only reported as present.
export function findContent(path: string, hash: boolean): FoundContent {
  let found;
  try {
    found = lstatSync(path);
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return { missing: true };
    throw error;
  }
  if (found.isSymbolicLink()) return { symlink: readlinkSync(path) };
  if (!found.isFile()) return { other: found.isDirectory() ? 'a directory' : 'a special file' };
  return hash ? { sha256: sha256Of(path) } : { other: 'a file' };
}

// A failed file operation as the one-line error users get, e.g. "cannot install into
// /opt: /opt/bin/capexec.capexec-new: ENOSPC"; anything else is passed on as it is.
export function fileSystemFailure(what: string, error: unknown): unknown {
  const code = systemErrorCode(error);
  if (code === undefined) return error;
  const { path } = error as NodeJS.ErrnoException;
  return new CapexecError('file_operation_failed', what, `${path === undefined ? '' : `${printable(path)}: `}${code}`);
}

function sha256Of(path: string): string {
  const hash = createHash('sha256');
  const input = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(input);
  }
  return hash.digest('hex');
}
