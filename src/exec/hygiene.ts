import { F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, SIGPIPE, SIGXFSZ } from '../kernel/constants';
import { CapexecError, SyscallError } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { listProcDirectory, readFdTarget } from '../kernel/proc';


export type StdioFlags = readonly number[];

// Taken before anything can touch process.stdin/stdout/stderr, which may switch a pipe
// to non-blocking mode; the helper gets the caller's modes back.
export function snapshotStdioFlags(c: Libc): StdioFlags {
  return [0, 1, 2].map((fd) => c.fcntl(fd, F_GETFL));
}

// systemd socket activation: LISTEN_FDS counts fds from 3 that belong to us when
// LISTEN_PID is our PID, and execve() keeps that PID.
export function socketActivationFds(c: Libc, pid: number): number {
  const listenPid = c.getenv('LISTEN_PID')?.toString('latin1');
  const listenFds = c.getenv('LISTEN_FDS')?.toString('latin1');
  if (listenPid !== String(pid) || listenFds === undefined || !/^\d{1,5}$/.test(listenFds)) return 0;
  return Number(listenFds);
}

// Undo what Node did to the process before any of capexec's code ran: fds 0-16 are
// close-on-exec and SIGPIPE/SIGXFSZ ignored, and both would otherwise reach the helper.
// Every fd beyond stdio and the `keep` fds after it is closed on exec, so the helper
// gets only what the caller meant it to have.
export function prepareForExec(c: Libc, stdioFlags: StdioFlags, keep: number, fds: FdTable = procFdTable): void {
  stdioFlags.forEach((flags, fd) => {
    const current = c.fcntl(fd, F_GETFL);
    if ((current & O_NONBLOCK) !== (flags & O_NONBLOCK)) {
      c.fcntl(fd, F_SETFL, (current & ~O_NONBLOCK) | (flags & O_NONBLOCK));
    }
    setCloseOnExec(c, fd, false);
  });
  // One close_range() call marks everything above the kept range, where the kernel has
  // it (Linux 5.11); otherwise each open fd is marked on its own.
  const restMarked = c.closeOnExecFrom(3 + keep);
  if (keep > 0 || !restMarked) {
    for (const fd of fds.list()) {
      if (fd < 3 || (fd >= 3 + keep && restMarked)) continue;
      const kept = fd < 3 + keep;
      if (kept) refuseNodeOwnFd(fd, keep, fds);
      setCloseOnExec(c, fd, !kept);
    }
  }
  c.resetSignal(SIGPIPE);
  c.resetSignal(SIGXFSZ);
  c.unblockAllSignals();
}

// Node opens its event loop's fds at the lowest free numbers before capexec runs, so a
// kept range with a gap in the caller's fds holds some of them. The caller never meant
// to pass those on; refusing is better than handing the command Node's epoll or ring.
const NODE_OWN_FD = /^anon_inode:\[(eventpoll|io_uring|eventfd)\]$/;

function refuseNodeOwnFd(fd: number, keep: number, fds: FdTable): void {
  const target = fds.target(fd);
  if (target !== undefined && NODE_OWN_FD.test(target)) {
    throw new CapexecError('fd_not_callers', `cannot keep fd ${fd} of 3-${2 + keep}`, `it is not the caller's but capexec's own ${target}`, {
      fix: 'keep only fds the caller passes, numbered from 3 without gaps',
    });
  }
}

function setCloseOnExec(c: Libc, fd: number, on: boolean): void {
  let flags: number;
  try {
    flags = c.fcntl(fd, F_GETFD);
  } catch (error) {
    // The directory listing's own fd is gone by the time we get here.
    if (error instanceof SyscallError && error.code === 'EBADF') return;
    throw error;
  }
  const wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (wanted !== flags) c.fcntl(fd, F_SETFD, wanted);
}

// The process's open fds and what each refers to, as /proc/self/fd tells.
export interface FdTable {
  list(): number[];
  target(fd: number): string | undefined;
}

const procFdTable: FdTable = {
  list: () => listProcDirectory('/proc/self/fd').map(Number).filter(Number.isInteger),
  target: readFdTarget,
};
