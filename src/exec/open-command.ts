import { accessSync, closeSync, constants, fstatSync } from 'node:fs';
import { CAPABILITY_XATTR, O_CLOEXEC, O_PATH, S_ISGID, S_ISUID } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND, SyscallError } from '../support/errors';
import { printable } from '../support/messages';

// The command, opened once: everything capexec decides about it is read from this fd,
// and the exec runs this fd, so nothing can swap the file between the two.
export interface OpenedCommand {
  path: Buffer;
  fd: number;
  // The file as the kernel names it, which a policy rule's cmd is matched against.
  dev: bigint;
  ino: bigint;
  mode: number;
  uid: number;
  gid: number;
  // security.capability as stored, or undefined when the file has none.
  capability: Buffer | undefined;
}

// O_PATH: no read permission is needed to name the file, and execveat() accepts it.
// Failures are what execve() of the path would have said, 127 for a missing file and 126
// otherwise (a symbolic-link loop included), so --doctor and a launch agree.
export function openCommand(c: Libc, path: Buffer): OpenedCommand {
  let fd: number;
  try {
    fd = c.open(path, O_PATH | O_CLOEXEC);
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    const missing = error.code === 'ENOENT' || error.code === 'ENOTDIR';
    throw new CapexecError(missing ? 'command_not_found' : 'command_not_runnable', printable(path), error.description, {
      exitCode: missing ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN,
      cause: error,
    });
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    return {
      path, fd, dev: stats.dev, ino: stats.ino, mode: Number(stats.mode), uid: Number(stats.uid), gid: Number(stats.gid),
      capability: readCapability(c, fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function readCapability(c: Libc, fd: number): Buffer | undefined {
  try {
    return c.getxattr(`/proc/self/fd/${fd}`, CAPABILITY_XATTR);
  } catch (error) {
    // A filesystem without extended attributes has no file capabilities either.
    if (error instanceof SyscallError && ['EOPNOTSUPP', 'ENOTSUP'].includes(error.code)) return undefined;
    throw error;
  }
}

// Whether the kernel may change the command's privileges at its exec, clearing the
// ambient set: set-user-ID or set-group-ID bits, or file capabilities of its own.
// Whether it actually does (a nosuid mount, no_new_privs, ids already equal) is the
// diagnosis' to work out; only then is it worth loading.
export function mayChangePrivileges(command: OpenedCommand): boolean {
  return (command.mode & (S_ISUID | S_ISGID)) !== 0 || command.capability !== undefined;
}

// What execveat() would say beyond the open, for --doctor, which never execs: 126 for
// anything but a regular file the caller may execute. ENOEXEC is left to the real exec.
export function requireRunnable(command: OpenedCommand): void {
  let runnable = (command.mode & constants.S_IFMT) === constants.S_IFREG;
  try {
    if (runnable) accessSync(`/proc/self/fd/${command.fd}`, constants.X_OK);
  } catch {
    runnable = false;
  }
  if (!runnable) {
    throw new CapexecError('command_not_runnable', printable(command.path), 'Permission denied', { exitCode: EXIT_CANNOT_RUN });
  }
}

export function closeCommand(command: OpenedCommand): void {
  closeSync(command.fd);
}
