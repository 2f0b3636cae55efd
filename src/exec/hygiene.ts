import { F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, SIGPIPE, SIGXFSZ } from '../kernel/constants';
import { CapexecError, SyscallError } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { listProcDirectory, readFdInfo, readFdTarget } from '../kernel/proc';

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
  for (let fd = 3; fd < 3 + keep; fd++) refuseUnlessCallers(fd, keep, fds);
  stdioFlags.forEach((flags, fd) => {
    const current = c.fcntl(fd, F_GETFL);
    if ((current & O_NONBLOCK) !== (flags & O_NONBLOCK)) {
      c.fcntl(fd, F_SETFL, (current & ~O_NONBLOCK) | (flags & O_NONBLOCK));
    }
    setCloseOnExec(c, fd, false);
  });
  for (let fd = 3; fd < 3 + keep; fd++) setCloseOnExec(c, fd, false);
  // One close_range() call marks everything above the kept range, where the kernel has
  // it (Linux 5.11); otherwise each open fd is marked on its own.
  if (!c.closeOnExecFrom(3 + keep)) {
    for (const fd of fds.list()) if (fd >= 3 + keep) setCloseOnExec(c, fd, true);
  }
  c.resetSignal(SIGPIPE);
  c.resetSignal(SIGXFSZ);
  c.unblockAllSignals();
}

// Nothing the kernel keeps about a file says where it came from: epolls and eventfds
// share one anonymous inode, and libuv has made fds 0-15 close-on-exec, the caller's
// among them. Two facts tell Node's fds from the caller's instead. The kernel hands out
// the lowest free number, and Node opens its fds after the caller's are in place, so
// they can only fill gaps in the caller's fds, and the first one Node keeps fills the
// first gap: a kept range with all its fds open holds one of Node's only if it holds
// that first one. And that first one is the epoll of an event loop that has not run
// yet, which watches nothing: libuv adds what a loop watches only when the loop runs.
// So a kept fd that is closed, or is an epoll that watches nothing, is refused. A
// caller's own epoll watches what it was given; one that watches nothing cannot be
// told from Node's, and is refused too.
function refuseUnlessCallers(fd: number, keep: number, fds: FdTable): void {
  const what = `cannot keep fd ${fd} of 3-${2 + keep}`;
  const fix = 'keep only fds the caller passes, numbered from 3 without gaps';
  const target = fds.target(fd);
  if (target === undefined) throw new CapexecError('fd_not_callers', what, 'it is not open', { fix });
  if (target === EPOLL && !/^tfd:/m.test(fds.info(fd) ?? '')) {
    throw new CapexecError('fd_not_callers', what, `it is not the caller's but capexec's own ${EPOLL}, which Node.js opens in the first gap in the caller's fds`, { fix });
  }
}

const EPOLL = 'anon_inode:[eventpoll]';

function setCloseOnExec(c: Libc, fd: number, on: boolean): void {
  // The directory listing's own fd is gone by the time we get here.
  changeFlags(c, fd, 'descriptor', (flags) => (on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC));
}

// Reads an fd's descriptor flags (F_GETFD) or status flags (F_GETFL) and writes back what
// `change` makes of them, only if that differs. An fd that is not open has nothing to
// change.
export function changeFlags(c: Libc, fd: number, which: 'descriptor' | 'status', change: (flags: number) => number): void {
  const [get, set] = which === 'descriptor' ? [F_GETFD, F_SETFD] : [F_GETFL, F_SETFL];
  let flags: number;
  try {
    flags = c.fcntl(fd, get);
  } catch (error) {
    if (error instanceof SyscallError && error.code === 'EBADF') return;
    throw error;
  }
  const wanted = change(flags);
  if (wanted !== flags) c.fcntl(fd, set, wanted);
}

// The process's open fds, what each refers to and what the kernel says of it, as
// /proc/self/fd and /proc/self/fdinfo tell.
export interface FdTable {
  list(): number[];
  target(fd: number): string | undefined;
  info(fd: number): string | undefined;
}

const procFdTable: FdTable = {
  list: () => listProcDirectory('/proc/self/fd').map(Number).filter(Number.isInteger),
  target: readFdTarget,
  info: readFdInfo,
};
