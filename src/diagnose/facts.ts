import type { Reinstall } from '../caps/pass';
import type { ProcessState } from '../caps/process-state';
import type { MountEntry } from '../kernel/proc-parse';
import type { ProbeResult } from '../support/errors';

// Everything the checks look at, gathered once by collect-facts.ts. The checks are pure
// functions of this object, so each can be tested with a fixture instead of a kernel.

// What getxattr(2) said about security.capability: its bytes, or the errno name
// (ENODATA when the file has none).
export type XattrRead = { bytes: Buffer } | { errno: string };

export interface FileFacts {
  // For messages only; printable() it before showing it.
  path: Buffer;
  mount: MountEntry | undefined;
  capability: XattrRead;
}

export interface ExecutableFacts extends FileFacts {
  // False when capexec runs as a script on Node, whose executable is node itself.
  standalone: boolean;
  // Set when the executable is one --install put in place: then --install, not
  // setcap, is how its file capabilities change, or its manifest would go stale.
  installation?: InstalledCopy;
}

// What its manifest says --install gave it, and the group it is limited to.
export type InstalledCopy = Reinstall;

export interface CommandFacts extends FileFacts {
  // The arguments after the command's name, byte for byte.
  args: readonly Buffer[];
  mode: number;
  uid: number;
  gid: number;
}

export interface DeviceFacts {
  path: string;
  // access(2) with R_OK|W_OK, which uses the real IDs and, for a user other than
  // root, no capabilities: file permissions alone.
  access: ProbeResult;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
}

export interface SysctlFacts {
  // net.ipv4.ip_unprivileged_port_start: ports below it need CAP_NET_BIND_SERVICE.
  unprivilegedPortStart: number | undefined;
  // net.ipv4.ping_group_range: groups that may open ICMP echo sockets without CAP_NET_RAW.
  pingGroupRange: readonly [number, number] | undefined;
}

// What /etc/capexec.conf decides about this caller passing the requested capabilities to
// the command, as a launch would decide it.
export type PolicyFacts =
  | { kind: 'permit'; path: string; line: number }
  | { kind: 'deny'; path: string; user: string; line: number | undefined; closest: { line: number; differences: readonly string[] } | undefined }
  // A policy a launch cannot use (broken, unsafe, or required and missing): it refuses all.
  | { kind: 'unusable'; what: string; fix: string }
  // A caller NSS cannot look up (an LDAP server down): the launch stops before deciding.
  | { kind: 'unanswered'; what: string; fix: string };

export interface Facts {
  requested: readonly number[];
  process: ProcessState;
  executable: ExecutableFacts;
  command: CommandFacts | undefined;
  tun: DeviceFacts;
  sysctl: SysctlFacts;
  // Only for a caller other than root, with a command, under a policy: root's launches
  // need no rule, and without a command there is nothing to decide.
  policy: PolicyFacts | undefined;
}
