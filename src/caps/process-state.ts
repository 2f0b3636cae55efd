import { AT_SECURE, PR_GET_NO_NEW_PRIVS, PR_GET_SECUREBITS } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { readCapLastCap, readProcFile } from '../kernel/proc';
import { isInitialUidMap, parseStatus, parseUidMap, type UidMapEntry } from '../kernel/proc-parse';
import { probe, type ProbeResult } from '../support/errors';
import { securebitFlags } from './securebits';
import { namesIn, type CapMask } from './sets';
import { isAmbient, readCapState } from './state';

// The capability state of the calling thread and the ids of its process, as the kernel
// reports them: what --print shows, what the library's capabilityState() returns, and
// what the diagnosis reasons about.
export interface ProcessState {
  effective: CapMask;
  permitted: CapMask;
  inheritable: CapMask;
  ambient: CapMask;
  bounding: CapMask;
  securebits: number;
  noNewPrivs: boolean;
  tracerPid: number;
  // Real, effective, saved and filesystem IDs, as in /proc/self/status.
  uids: readonly number[];
  gids: readonly number[];
  groups: readonly number[];
  secureExec: boolean;
  uidMap: readonly UidMapEntry[];
  // prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, ...): EINVAL on kernels without ambient sets.
  ambientProbe: ProbeResult;
  capLastCap: number;
}

export function readProcessState(c: Libc): ProcessState {
  // /proc/thread-self: capability sets are per thread, and capget() reads this one.
  const status = parseStatus(readProcFile('/proc/thread-self/status').toString('utf8'), '/proc/thread-self/status');
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

// The schema of `--print --json`, also the library's capabilityState(): capability sets
// as lowercase `cap_…` names.
export interface StateJson {
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
  bounding: string[];
  securebits: { value: number; flags: string[] };
  no_new_privs: boolean;
  traced: boolean;
  tracer_pid: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  groups: number[];
  secure_exec: boolean;
  user_namespace: { initial: boolean; uid_map: [number, number, number][] };
}

export function stateJson(state: ProcessState): StateJson {
  return {
    effective: namesIn(state.effective),
    permitted: namesIn(state.permitted),
    inheritable: namesIn(state.inheritable),
    ambient: namesIn(state.ambient),
    bounding: namesIn(state.bounding),
    securebits: { value: state.securebits, flags: securebitFlags(state.securebits) },
    no_new_privs: state.noNewPrivs,
    traced: state.tracerPid !== 0,
    tracer_pid: state.tracerPid,
    uid: state.uids[0] ?? -1,
    euid: state.uids[1] ?? -1,
    gid: state.gids[0] ?? -1,
    egid: state.gids[1] ?? -1,
    groups: [...state.groups],
    secure_exec: state.secureExec,
    user_namespace: {
      initial: isInitialUidMap(state.uidMap),
      uid_map: state.uidMap.map((entry) => [entry.inside, entry.outside, entry.count]),
    },
  };
}
