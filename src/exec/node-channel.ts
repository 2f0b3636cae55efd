import { isDigits } from '../support/characters';
import { CapexecError } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { printable } from '../support/messages';
import { readProcFile } from '../kernel/proc';
import { O_NONBLOCK } from '../kernel/constants';
import { changeFlags } from './hygiene';
import { startedPrivileged } from '../kernel/privilege';


// Node.js acts on these before any of capexec's code runs, and then deletes them from
// the environment: NODE_CHANNEL_FD makes it open that fd as an IPC channel (switching
// it to non-blocking mode), NODE_UNIQUE_ID makes it a cluster worker, which writes a
// message to that channel. The command would neither get them nor the fd as it was.
const NODE_CHANNEL = 'NODE_CHANNEL_FD';
const NODE_CLUSTER = 'NODE_UNIQUE_ID';

export interface NodeChannelRequest {
  channelFd: Buffer | undefined;
  uniqueId: Buffer | undefined;
}

// The first value of each, from the environment as the kernel passed it at exec: the
// bytes of /proc/self/environ stay as they were when Node removes the variables.
export function findNodeChannel(environ: Buffer): NodeChannelRequest {
  return { channelFd: firstValue(environ, NODE_CHANNEL), uniqueId: firstValue(environ, NODE_CLUSTER) };
}

function firstValue(environ: Buffer, name: string): Buffer | undefined {
  const entry = `${name}=`;
  let start = entry.length;
  if (environ.toString('latin1', 0, entry.length) !== entry) {
    const at = environ.indexOf(`\0${entry}`, 0, 'latin1');
    if (at < 0) return undefined;
    start += at + 1;
  }
  const end = environ.indexOf(0, start);
  return environ.subarray(start, end < 0 ? environ.length : end);
}

// Gives the caller's fd back its blocking mode, which Node switched off, and refuses:
// whoever shares that fd (the other end of `capexec … | cat`, the shell) would
// otherwise keep reading or writing it non-blocking after capexec has gone.
export function refuseNodeChannel(request: NodeChannelRequest, c: () => Libc): void {
  if (request.channelFd === undefined && request.uniqueId === undefined) return;
  // Node reads the number with parseInt(), and so does this.
  if (request.channelFd !== undefined) restoreBlocking(c(), Number.parseInt(request.channelFd.toString('latin1'), 10));
  const name = request.channelFd !== undefined ? NODE_CHANNEL : NODE_CLUSTER;
  const value = request.channelFd ?? request.uniqueId ?? Buffer.alloc(0);
  throw new CapexecError('node_channel_set', `refusing to start with ${name}=${printable(value)}`, 'Node.js used it before capexec ran, and removed it from the environment', {
    fix: `run capexec with env -u ${NODE_CHANNEL} -u ${NODE_CLUSTER}`,
  });
}

function restoreBlocking(c: Libc, fd: number): void {
  // Node itself refuses to start when the value is no fd number (it asserts fd >= 0).
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff) return;
  // Not open: Node had nothing to switch.
  changeFlags(c, fd, 'status', (flags) => flags & ~O_NONBLOCK);
}

// A process that holds capabilities is not dumpable and may not open
// /proc/self/environ; /proc/self/stat still tells where the same bytes are, in memory
// that only koffi reaches. Such a process goes there directly, as one that needs the
// addon anyway; everyone else reads the file, and needs no addon for it.
export function readNodeChannel(c: () => Libc, privileged: boolean = startedPrivileged()): NodeChannelRequest {
  if (!privileged) {
    try {
      return findNodeChannel(readProcFile('/proc/self/environ'));
    } catch {
      // Unreadable after all: the memory is still ours.
    }
  }
  const bounds = environmentBounds(readProcFile('/proc/self/stat').toString('latin1'));
  if (bounds === undefined) {
    throw new CapexecError('proc_unreadable', 'cannot read /proc/self/stat', 'it does not say where the environment is', { fix: 'is /proc mounted?' });
  }
  return findNodeChannel(c().readMemory(bounds.start, bounds.length));
}

// env_start and env_end are fields 50 and 51 (proc(5)); the command name before them
// is in parentheses and may itself hold spaces and parentheses.
export function environmentBounds(stat: string): { start: bigint; length: number } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [start, end] = [fields[50 - 3], fields[51 - 3]].map((field) => (field !== undefined && isDigits(field, 20) ? BigInt(field) : undefined));
  if (start === undefined || end === undefined || start === 0n || end < start || end - start > 0x7fffffffn) return undefined;
  return { start, length: Number(end - start) };
}
