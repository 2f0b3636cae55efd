import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { CapexecError, systemErrorCode } from '../support/errors';
import { printable } from '../support/messages';
import { MAX_CAP, O_PATH } from './constants';
import { parseFdinfoMountId, parseMountinfo, parseTaskCaps, parseThreadSelfLink, type MountEntry, type TaskCaps } from './proc-parse';

// Every read of /proc and /proc/sys is here: what capexec learns from the kernel's files
// rather than from system calls.

// The highest capability the running kernel knows; older kernels lack newer caps.
export function readCapLastCap(): number {
  const text = readSysctl('kernel/cap_last_cap').trim();
  const value = Number(text);
  return text !== '' && Number.isInteger(value) && value >= 0 && value <= MAX_CAP ? value : MAX_CAP;
}

// A file of /proc read to its end by read(2) alone: readFileSync() would fstat() it
// first, to learn a size that /proc does not give. Whole chunks, joined once at the end:
// /proc/self/cmdline may hold a command line of megabytes.
function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(chunks.length === 0 ? 8192 : 65536);
      let length = 0;
      while (length < chunk.length) {
        const read = readSync(fd, chunk, length, chunk.length - length, null);
        if (read === 0) break;
        length += read;
      }
      chunks.push(chunk.subarray(0, length));
      if (length < chunk.length) return chunks.length === 1 ? chunks[0] ?? Buffer.alloc(0) : Buffer.concat(chunks);
    }
  } finally {
    closeSync(fd);
  }
}

// capexec cannot launch safely without /proc: it is where the exact argument bytes and
// the list of open fds come from.
export function readProcFile(path: string): Buffer {
  try {
    return readWhole(path);
  } catch (error) {
    throw procError(path, error);
  }
}

export function listProcDirectory(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    throw procError(path, error);
  }
}

// Read with Node's fs rather than through koffi: it decides whether koffi's addon may be
// loaded at all. An unreadable status is empty, which the privilege check takes as
// privileged.
export function readOwnStatus(): string {
  try {
    return readWhole('/proc/self/status').toString('latin1');
  } catch {
    return '';
  }
}

// A /proc/sys value such as `net/ipv4/ip_unprivileged_port_start`; empty when the
// kernel has no such setting.
export function readSysctl(name: string): string {
  try {
    return readWhole(`/proc/sys/${name}`).toString('latin1');
  } catch {
    return '';
  }
}

// What fd refers to (`pipe:[9]`, `anon_inode:[eventpoll]`, a path), or undefined once
// it is closed.
export function readFdTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

// What the kernel says of an open fd (proc(5)): its flags, and for an epoll the fds it
// watches; undefined once the fd is closed.
export function readFdInfo(fd: number): string | undefined {
  try {
    return readWhole(`/proc/self/fdinfo/${fd}`).toString('latin1');
  } catch {
    return undefined;
  }
}

export function readMounts(): MountEntry[] {
  return parseMountinfo(readProcFile('/proc/self/mountinfo').toString('utf8'));
}

// The mount an open file is on, as the kernel answers it (mnt_id in fdinfo): no path
// matching, so neither a bind mount nor a rename can mislead it.
export function mountOfFd(fd: number, mounts: readonly MountEntry[]): MountEntry | undefined {
  const mountId = parseFdinfoMountId(readProcFile(`/proc/self/fdinfo/${fd}`).toString('latin1'));
  return mounts.find((mount) => mount.mountId === mountId);
}

// The same for a path, opened only to be named; undefined when it cannot be opened.
export function mountOfPath(path: string, mounts: readonly MountEntry[] = readMounts()): MountEntry | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_PATH);
  } catch {
    return undefined;
  }
  try {
    return mountOfFd(fd, mounts);
  } finally {
    closeSync(fd);
  }
}

// The calling thread's id: /proc/thread-self links to PID/task/TID.
export function readOwnThreadId(): number {
  let target: string;
  try {
    target = readlinkSync('/proc/thread-self');
  } catch (error) {
    throw procError('/proc/thread-self', error);
  }
  const tid = parseThreadSelfLink(target);
  if (tid === undefined) throw new CapexecError('proc_unreadable', 'cannot read /proc/thread-self', `it links to '${printable(target)}'`, { fix: 'is /proc mounted?' });
  return tid;
}

// Every thread of this process and its capability sets. A thread that ends between the
// listing and the read of its status is left out: it holds nothing any more.
export function readThreadCaps(): (TaskCaps & { tid: number })[] {
  const threads: (TaskCaps & { tid: number })[] = [];
  for (const entry of listProcDirectory('/proc/self/task')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readWhole(`/proc/self/task/${entry}/status`).toString('latin1');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT' || systemErrorCode(error) === 'ESRCH') continue;
      throw procError(`/proc/self/task/${entry}/status`, error);
    }
    threads.push({ tid: Number(entry), ...parseTaskCaps(text) });
  }
  return threads;
}

function procError(path: string, error: unknown): CapexecError {
  const code = systemErrorCode(error) ?? 'error';
  return new CapexecError('proc_unreadable', `cannot read ${path}`, code, { fix: 'is /proc mounted?', cause: error });
}
