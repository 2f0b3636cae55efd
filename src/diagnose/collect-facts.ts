import { accessSync, closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { readProcessState } from '../caps/process-state';
import type { CommandToInspect } from '../exec/resolve-command';
import { isStandaloneExecutable } from '../kernel/addon';
import { CAPABILITY_XATTR, O_PATH } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { mountOfFd, readMounts, readSysctl } from '../kernel/proc';
import { parseRange, parseUnsigned, type MountEntry } from '../kernel/proc-parse';
import { CapexecError, probe, SyscallError, systemErrorCode } from '../support/errors';
import { closeCommand, openCommand, type OpenedCommand } from '../exec/open-command';
import { askPolicy } from '../policy/ask';
import type { Caller } from '../policy/match';
import { currentCaller } from '../policy/caller';
import { loadPolicy, POLICY_PATH, type Policy } from '../policy/load';
import { policyRequired } from '../policy/required';
import type { CommandFacts, DeviceFacts, ExecutableFacts, Facts, InstalledCopy, PolicyFacts, SysctlFacts, XattrRead } from './facts';

const TUN_DEVICE = '/dev/net/tun';

// `installation` is what install/ found out about the executable, for its layer to tell.
export function collectFacts(c: Libc, requested: readonly number[], command: CommandToInspect | undefined, installation?: InstalledCopy): Facts {
  const mounts = readMounts();
  const state = readProcessState(c);
  return {
    requested,
    process: state,
    executable: executableFacts(c, mounts, installation),
    command: command === undefined ? undefined : commandFacts(c, mounts, command),
    tun: deviceFacts(TUN_DEVICE),
    sysctl: sysctlFacts(),
    policy: command === undefined || process.getuid?.() === 0 ? undefined : policyFacts(c, requested, command, state.capLastCap),
  };
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
    return {
      stats,
      mount: mountOfFd(fd, mounts),
      capability: readCapabilityAttribute(c, `/proc/self/fd/${fd}`),
    };
  } finally {
    closeSync(fd);
  }
}

function readCapabilityAttribute(c: Libc, path: string): XattrRead {
  try {
    const bytes = c.getxattr(path, CAPABILITY_XATTR);
    return bytes === undefined ? { errno: 'ENODATA' } : { bytes };
  } catch (error) {
    if (error instanceof SyscallError) return { errno: error.code };
    throw error;
  }
}

function executableFacts(c: Libc, mounts: readonly MountEntry[], installation: InstalledCopy | undefined): ExecutableFacts {
  let inspected: Inspected;
  try {
    inspected = inspect(c, mounts, '/proc/self/exe');
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === undefined) throw error;
    throw new CapexecError('proc_unreadable', 'cannot inspect /proc/self/exe', code, { fix: 'is /proc mounted?' });
  }
  const { mount, capability } = inspected;
  const standalone = isStandaloneExecutable();
  return { path: Buffer.from(process.execPath), mount, capability, standalone, ...installation === undefined ? {} : { installation } };
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

function policyFacts(c: Libc, requested: readonly number[], command: CommandToInspect, lastCap: number): PolicyFacts | undefined {
  let policy: Policy | undefined;
  try {
    policy = loadPolicy(c, POLICY_PATH, lastCap, policyRequired());
  } catch (error) {
    if (!(error instanceof CapexecError)) throw error;
    return { kind: 'unusable', what: error.why === undefined ? error.what : `${error.what}: ${error.why}`, fix: error.fix ?? 'capexec --check' };
  }
  if (policy === undefined) return undefined;
  let opened: OpenedCommand;
  try {
    opened = openCommand(c, command.path);
  } catch (error) {
    // Not there to be decided about: the launch fails on that before the policy.
    if (error instanceof CapexecError) return undefined;
    throw error;
  }
  try {
    let caller: Caller;
    try {
      caller = currentCaller(c);
    } catch (error) {
      if (!(error instanceof CapexecError)) throw error;
      return { kind: 'unanswered', what: `${error.what}: ${error.why ?? ''}`, fix: error.fix ?? 'getent passwd' };
    }
    const { decision, closest } = askPolicy(c, policy.rules, caller, requested, opened, command.args);
    if (decision.permit) return { kind: 'permit', path: policy.path, line: decision.rule.line };
    return {
      kind: 'deny', path: policy.path, user: caller.name, line: decision.rule?.line,
      closest: closest === undefined ? undefined : { line: closest.rule.line, differences: closest.differences },
    };
  } finally {
    closeCommand(opened);
  }
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
  return {
    unprivilegedPortStart: parseUnsigned(readSysctl('net/ipv4/ip_unprivileged_port_start')),
    pingGroupRange: parseRange(readSysctl('net/ipv4/ping_group_range')),
  };
}
