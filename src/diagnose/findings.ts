import { capsText, capName, installCommand, setcapCommand } from '../caps/names';
import { capsIn, hasCap, type CapMask } from '../caps/sets';
import { octalMode, printable } from '../support/messages';
import type { DeviceFacts, InstalledCopy, PolicyFacts } from './facts';
import { denial } from '../policy/messages';
import { uidMapText, type MountEntry, type UidMapEntry } from '../kernel/proc-parse';
import { fileCapsText, type FileCaps } from '../caps/file-caps';

// Every message a check can produce is built here, so the wording stays consistent and
// every piece of outside text (paths, mount points, command names) goes through
// printable() in one place.

export const FINDING_IDS = [
  'nosuid', 'traced', 'no_new_privs', 'no_file_caps', 'file_caps_rootid', 'bounding',
  'ambient_locked', 'no_ambient_support', 'target_cancels_ambient', 'tun_permission',
  'wrong_cap', 'user_namespace', 'policy_denied',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

// error: the requested capabilities will not reach the command. warning: they will,
// but something else stands in the way or deserves knowing.
export type Severity = 'error' | 'warning';

export interface Finding {
  id: FindingId;
  severity: Severity;
  message: string;
  fix: string;
}

const neverReached = (missing: readonly number[]): string =>
  `${capsText(missing)} never reached capexec's permitted set`;

export function nosuid(executable: Buffer, mount: MountEntry, missing: readonly number[]): Finding {
  return {
    id: 'nosuid',
    severity: 'error',
    message: `${printable(executable)} is on ${printable(mount.mountPoint)} (${printable(mount.fsType)}), mounted nosuid, where the kernel ignores file capabilities: ${neverReached(missing)}`,
    fix: 'install capexec on a filesystem mounted without nosuid, e.g. under /usr/local',
  };
}

export function traced(tracerPid: number, missing: readonly number[]): Finding {
  return {
    id: 'traced',
    severity: 'error',
    message: `capexec is traced by process ${tracerPid} (TracerPid), so the kernel ignored its file capabilities: ${neverReached(missing)}`,
    fix: 'trace as root with strace -u USER, or attach to the command once it runs with strace -p PID',
  };
}

export function noNewPrivs(missing: readonly number[]): Finding {
  return {
    id: 'no_new_privs',
    severity: 'error',
    message: `no_new_privs is set (NoNewPrivs: 1, from a container runtime, systemd NoNewPrivileges= or setpriv --no-new-privs), so the kernel ignored capexec's file capabilities: ${neverReached(missing)}`,
    fix: 'run capexec from a session without no_new_privs; once set, it cannot be cleared',
  };
}

export type FileCapsProblem =
  | { kind: 'not-standalone' }
  | { kind: 'none' }
  | { kind: 'unreadable'; errno: string }
  | { kind: 'malformed'; size: number }
  | { kind: 'lacking'; caps: FileCaps };

// For an installed copy, the fix is --install again, with what it has and what is missing.
export function noFileCaps(executable: Buffer, problem: FileCapsProblem, missing: readonly number[], installation?: InstalledCopy): Finding {
  const file = printable(executable);
  const granting = (caps: readonly number[]): string => {
    const all = [...new Set([...installation?.caps ?? [], ...caps])].sort((a, b) => a - b);
    return `as root: ${installation === undefined ? setcapCommand(all, executable) : installCommand(executable, installation.prefix, all, installation.group, installation.policy)}`;
  };
  const setcap = granting(missing);
  switch (problem.kind) {
    case 'not-standalone':
      return {
        id: 'no_file_caps',
        severity: 'error',
        message: `capexec runs as a script on Node (${file}), not as its standalone executable, so no file capabilities of its own apply: ${neverReached(missing)}`,
        fix: 'run the standalone executable, dist/capexec from npm run build, given the capabilities with setcap; never give them to node',
      };
    case 'none':
      return {
        id: 'no_file_caps',
        severity: 'error',
        message: `${file} has no file capabilities (no security.capability attribute; copying or rebuilding a file drops them): ${neverReached(missing)}`,
        fix: setcap,
      };
    case 'unreadable':
      return {
        id: 'no_file_caps',
        severity: 'error',
        message: `the file capabilities of ${file} cannot be read (getxattr: ${problem.errno}${problem.errno === 'EOPNOTSUPP' || problem.errno === 'ENOTSUP' ? ', its filesystem has none' : ''}): ${neverReached(missing)}`,
        fix: 'install capexec on a filesystem that keeps file capabilities (ext4, xfs, btrfs, tmpfs)',
      };
    case 'malformed':
      return {
        id: 'no_file_caps',
        severity: 'error',
        message: `${file} has a malformed security.capability attribute (${problem.size} bytes), which the kernel ignores: ${neverReached(missing)}`,
        fix: setcap,
      };
    case 'lacking':
      return {
        id: 'no_file_caps',
        severity: 'error',
        message: `${file} has file capabilities ${fileCapsText(problem.caps)}, without ${capsText(missing)}`,
        // setcap replaces the whole attribute: keep what the file already grants.
        fix: granting([...capsIn(problem.caps.permitted), ...missing]),
      };
  }
}

export function fileCapsRootid(executable: Buffer, caps: FileCaps | undefined, missing: readonly number[]): Finding {
  const owner = caps === undefined
    ? 'for a root uid that is not mapped in this user namespace'
    : `${fileCapsText(caps)} for root uid ${caps.rootid ?? 0}, which is not root in this user namespace`;
  return {
    id: 'file_caps_rootid',
    severity: 'error',
    message: `${printable(executable)} has namespaced (revision 3) file capabilities ${owner}, so the kernel ignores them: ${neverReached(missing)}`,
    fix: `as root in the user namespace capexec runs in: ${setcapCommand(missing, executable)}`,
  };
}

export function bounding(caps: readonly number[]): Finding {
  const them = caps.length === 1 ? 'it' : 'them';
  return {
    id: 'bounding',
    severity: 'error',
    message: `the bounding set lacks ${capsText(caps)}, so neither the inheritable nor the ambient set can hold ${them} (a container runtime or service manager dropped ${them})`,
    fix: `start capexec where the bounding set keeps ${them}: docker run --cap-add, systemd CapabilityBoundingSet=`,
  };
}

export function ambientLocked(securebits: number, locked: boolean): Finding {
  return {
    id: 'ambient_locked',
    severity: 'error',
    message: `SECBIT_NO_CAP_AMBIENT_RAISE is set (securebits 0x${securebits.toString(16)}, ${locked ? 'locked' : 'unlocked'}), so no capability can be raised into the ambient set`,
    fix: 'start capexec from a session that does not set it: securebits pass from parent to child',
  };
}

export function noAmbientSupport(errno: string): Finding {
  return {
    id: 'no_ambient_support',
    severity: 'error',
    message: `this kernel has no ambient capability set (prctl(PR_CAP_AMBIENT) fails with ${errno}; Linux 4.3 added it)`,
    fix: 'run capexec on Linux 4.3 or later',
  };
}

export type PrivilegeSource =
  | { kind: 'setuid'; uid: number }
  | { kind: 'setgid'; gid: number }
  | { kind: 'file-caps'; caps: FileCaps };

export function targetCancelsAmbient(
  command: Buffer,
  sources: readonly PrivilegeSource[],
  requested: readonly number[],
  granted: { permitted: CapMask; effective: CapMask },
): Finding {
  const reasons = sources.map((source) => {
    switch (source.kind) {
      case 'setuid':
        return source.uid === 0 ? 'is setuid root' : `is setuid (uid ${source.uid})`;
      case 'setgid':
        return `is setgid (gid ${source.gid})`;
      case 'file-caps':
        return `has file capabilities of its own (${fileCapsText(source.caps)})`;
    }
  });
  const lost = requested.filter((cap) => !hasCap(granted.effective, cap));
  const onlyPermitted = lost.filter((cap) => hasCap(granted.permitted, cap));
  const gone = lost.filter((cap) => !hasCap(granted.permitted, cap));
  const outcomes = [
    ...(lost.length === 0 ? [`it gets ${capsText(requested)} from its own privileges, not from capexec`] : []),
    ...(gone.length > 0 ? [`${capsText(gone)} will not reach it`] : []),
    ...(onlyPermitted.length > 0 ? [`it starts with ${capsText(onlyPermitted)} permitted but not effective, so it cannot use them unless it raises them itself`] : []),
  ];
  const outcome = outcomes.join('; ');
  const setid = sources.some((source) => source.kind !== 'file-caps');
  return {
    id: 'target_cancels_ambient',
    severity: lost.length === 0 ? 'warning' : 'error',
    message: `${printable(command)} ${reasons.join(' and ')}, so the kernel clears the ambient set when it runs: ${outcome}`,
    fix: setid
      ? 'run a copy of the command without the setuid and setgid bits'
      : 'run a copy of the command without file capabilities: as root, setcap -r COPY',
  };
}

export function tunPermission(command: Buffer, device: DeviceFacts, errno: string): Finding {
  const mode = device.mode === undefined ? '' : `, mode ${octalMode(device.mode)} owner ${device.uid}:${device.gid}`;
  return {
    id: 'tun_permission',
    severity: 'warning',
    message: `${printable(command)} opens ${device.path}, which this user cannot open for reading and writing (${errno}${mode}): file permissions decide that, not capabilities`,
    fix: errno === 'ENOENT'
      ? 'as root: modprobe tun'
      : `as root, let a group open it, e.g. a udev rule KERNEL=="tun", GROUP="netdev", MODE="0660", and add the user to that group`,
  };
}

export function wrongCap(command: Buffer, cap: number, why: string): Finding {
  return {
    id: 'wrong_cap',
    severity: 'warning',
    message: `${printable(command)} ${why}, but ${capName(cap)} was not requested`,
    fix: `add --cap ${capName(cap).slice(4)}`,
  };
}

export function userNamespace(uidMap: readonly UidMapEntry[]): Finding {
  return {
    id: 'user_namespace',
    severity: 'warning',
    message: `capexec runs in a user namespace other than the initial one (uid_map: ${uidMapText(uidMap)}): its capabilities act only on what that namespace owns, not on the host's devices or network`,
    fix: 'run capexec in the initial user namespace, outside the container',
  };
}

// The wording is the policy's own, as a refused launch words it.
export function policyDenied(policy: Exclude<PolicyFacts, { kind: 'permit' }>, caps: readonly number[], command: Buffer | undefined): Finding {
  if (policy.kind === 'unusable') {
    return { id: 'policy_denied', severity: 'error', message: `${policy.what}, so every launch by a user other than root is refused`, fix: policy.fix };
  }
  if (policy.kind === 'unanswered') {
    return { id: 'policy_denied', severity: 'error', message: `${policy.what}, so the launch is refused before the policy decides`, fix: policy.fix };
  }
  const refused = `${denial.what(policy.user, capsText(caps), command ?? 'the command')}: ${denial.why(policy.path, policy.line)}`;
  return { id: 'policy_denied', severity: 'error', message: `${refused}; ${denial.closest(policy.path, policy.closest)}`, fix: denial.fix };
}
