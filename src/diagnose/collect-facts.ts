import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { isAmbient, readCapState } from '../caps/state';
import { CAPABILITY_XATTR } from '../caps/file-caps';
import { CapexecError, SyscallError, systemErrorCode } from '../support/errors';
import type { CommandToInspect } from '../exec/resolve-command';
import { isStandaloneExecutable } from '../kernel/addon';
import type { Libc } from '../kernel/libc';
import { readCapLastCap, readProcFile } from '../kernel/proc';
import type { CommandFacts, DeviceFacts, ExecutableFacts, Facts, MountEntry, ProbeResult, ProcessFacts, SysctlFacts, XattrRead } from './facts';
import { parseFdinfoMountId, parseMountinfo, parseRange, parseStatus, parseUidMap, parseUnsigned } from '../kernel/proc-parse';

const PR_GET_SECUREBITS = 27;
const PR_GET_NO_NEW_PRIVS = 39;
const AT_SECURE = 23;
// Opens a file only to name it: no read permission needed, nothing executed or locked.
const O_PATH = 0o10000000;

const TUN_DEVICE = '/dev/net/tun';

export function collectFacts(c: Libc, requested: readonly number[], command: CommandToInspect | undefined): Facts {
  const mounts = parseMountinfo(readProcFile('/proc/self/mountinfo').toString('utf8'));
  return {
    requested,
    process: collectProcessFacts(c),
    executable: executableFacts(c, mounts),
    command: command === undefined ? undefined : commandFacts(c, mounts, command),
    tun: deviceFacts(TUN_DEVICE),
    sysctl: sysctlFacts(),
  };
}

export function collectProcessFacts(c: Libc): ProcessFacts {
  const status = parseStatus(readProcFile('/proc/self/status').toString('utf8'));
  const caps = readCapState(c);
  return {
    effective: caps.effective,
    permitted: caps.permitted,
    inheritable: caps.inheritable,
    ambient: status.ambient,
    bounding: status.bounding,
    securebits: c.prctl(PR_GET_SECUREBITS, 0, 0),
    noNewPrivs: c.prctl(PR_GET_NO_NEW_PRIVS, 0, 0) === 1,
    tracerPid: status.tracerPid,
    uids: status.uids,
    gids: status.gids,
    groups: status.groups,
    // Not /proc/self/auxv: a process made privileged at exec is not dumpable, and its
    // 0400 /proc files then belong to root.
    secureExec: c.getauxval(AT_SECURE) !== 0n,
    uidMap: parseUidMap(readProcFile('/proc/self/uid_map').toString('latin1')),
    // EINVAL here means a kernel without ambient capabilities (before 4.3).
    ambientProbe: probe(() => isAmbient(c, 0)),
    capLastCap: readCapLastCap(),
  };
}

function probe(call: () => unknown): ProbeResult {
  try {
    call();
    return { ok: true };
  } catch (error) {
    if (error instanceof SyscallError) return { ok: false, errno: error.code };
    const code = systemErrorCode(error);
    if (code !== undefined) return { ok: false, errno: code };
    throw error;
  }
}

interface Inspected {
  stats: Stats;
  mount: MountEntry | undefined;
  capability: XattrRead;
}

// Everything is asked of one open file, so the mount, the mode and the attribute all
// belong to the same inode even if the path changes meanwhile. /proc/self/exe is the
// file the kernel executed, wherever it is now.
function inspect(c: Libc, mounts: readonly MountEntry[], path: string | Buffer): Inspected {
  const fd = openSync(path, O_PATH);
  try {
    const stats = fstatSync(fd);
    const mountId = parseFdinfoMountId(readProcFile(`/proc/self/fdinfo/${fd}`).toString('latin1'));
    return {
      stats,
      mount: mounts.find((mount) => mount.mountId === mountId),
      capability: readCapabilityAttribute(c, `/proc/self/fd/${fd}`),
    };
  } finally {
    closeSync(fd);
  }
}

function readCapabilityAttribute(c: Libc, path: string): XattrRead {
  try {
    return { bytes: c.getxattr(path, CAPABILITY_XATTR) };
  } catch (error) {
    if (error instanceof SyscallError) return { errno: error.code };
    throw error;
  }
}

function executableFacts(c: Libc, mounts: readonly MountEntry[]): ExecutableFacts {
  let inspected: Inspected;
  try {
    inspected = inspect(c, mounts, '/proc/self/exe');
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === undefined) throw error;
    throw new CapexecError('proc_unreadable', 'cannot inspect /proc/self/exe', code, { fix: 'is /proc mounted?' });
  }
  const { mount, capability } = inspected;
  return { path: Buffer.from(process.execPath), mount, capability, standalone: isStandaloneExecutable() };
}

// Undefined when the command cannot be opened even to be named: then the kernel will
// not run it either, and the launch says so.
function commandFacts(c: Libc, mounts: readonly MountEntry[], command: CommandToInspect): CommandFacts | undefined {
  let inspected: Inspected;
  try {
    inspected = inspect(c, mounts, command.path);
  } catch (error) {
    if (systemErrorCode(error) !== undefined) return undefined;
    throw error;
  }
  const { stats, mount, capability } = inspected;
  return { path: command.path, args: command.args, mount, capability, mode: stats.mode, uid: stats.uid, gid: stats.gid };
}

function deviceFacts(path: string): DeviceFacts {
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  return {
    path,
    access: probe(() => accessSync(path, constants.R_OK | constants.W_OK)),
    mode: stats?.mode,
    uid: stats?.uid,
    gid: stats?.gid,
  };
}

function sysctlFacts(): SysctlFacts {
  const read = (name: string): string => {
    try {
      return readFileSync(`/proc/sys/${name}`, 'latin1');
    } catch {
      return '';
    }
  };
  return {
    unprivilegedPortStart: parseUnsigned(read('net/ipv4/ip_unprivileged_port_start')),
    pingGroupRange: parseRange(read('net/ipv4/ping_group_range')),
  };
}
