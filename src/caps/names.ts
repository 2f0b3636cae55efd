import { MAX_CAP } from '../kernel/constants';
import { isDigits } from '../support/characters';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';
import { closestMatch } from '../support/suggest';

// Names and numbers of Linux capabilities, as in <linux/capability.h>. The kernel only
// ever appends, so a number's meaning never changes; which ones exist on the running
// kernel is decided by /proc/sys/kernel/cap_last_cap, not by this table.
const NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid',
  'setuid', 'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast',
  'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio',
  'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write',
  'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm',
  'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
] as const;

// The table itself, by number, without the cap_ prefix: for the shell completion.
export const CAP_NAMES: readonly string[] = NAMES;

export function capName(cap: number): string {
  return `cap_${NAMES[cap] ?? String(cap)}`;
}

// How prose names several capabilities: `cap_net_admin, cap_net_raw`.
export function capsText(caps: readonly number[]): string {
  return caps.map(capName).join(', ');
}

// The form a command line takes them in, for setcap(8) and --cap: `cap_net_admin,cap_net_raw`.
export function capsArgument(caps: readonly number[]): string {
  return caps.map(capName).join(',');
}

// The command that gives `file` exactly these capabilities, permitted only.
export function setcapCommand(caps: readonly number[], file: string | Buffer): string {
  return `setcap ${capsArgument(caps)}+p ${printable(file)}`;
}

// The command that (re)installs capexec under `prefix` with these capabilities, run by
// `executable`; for an installed copy this, not setcap, keeps its manifest true.
// `policy`: the policy file an installation made with --policy requires, which a
// reinstall must name again.
export function installCommand(executable: string | Buffer, prefix: string, caps: readonly number[], group: string | undefined, policy?: string): string {
  const onlyFor = group === undefined ? '' : ` --group ${printable(group)}`;
  const policyFile = policy === undefined ? '' : ` --policy ${printable(policy)}`;
  return `${printable(executable)} --install ${printable(prefix)}${policyFile} --cap ${capsArgument(caps)}${onlyFor}`;
}

// A capability this code names itself; a name missing from the table is a bug here.
export function capNumber(name: string): number {
  const cap = (NAMES as readonly string[]).indexOf(name);
  if (cap < 0) throw new Error(`no capability ${name}`);
  return cap;
}

export type CapLookup =
  | { ok: true; cap: number }
  | { ok: false; reason: 'unknown'; suggestion?: string }
  | { ok: false; reason: 'not-a-name' }
  | { ok: false; reason: 'unsupported'; cap: number };

// Accepts `net_admin`, `cap_net_admin`, `CAP_NET_ADMIN` and decimal numbers, like
// libcap's cap_from_name(); `lastCap` is the running kernel's highest capability.
export function lookupCap(text: string, lastCap: number): CapLookup {
  const name = text.trim().toLowerCase();
  if (isDigits(name, 3)) {
    const cap = Number(name);
    if (cap > MAX_CAP) return { ok: false, reason: 'unknown' };
    return cap > lastCap ? { ok: false, reason: 'unsupported', cap } : { ok: true, cap };
  }
  const bare = name.startsWith('cap_') ? name.slice(4) : name;
  // libcap's "all", and the like: capexec passes named capabilities only.
  if (bare === 'all' || bare === '*' || bare === 'any') return { ok: false, reason: 'not-a-name' };
  const cap = (NAMES as readonly string[]).indexOf(bare);
  if (cap < 0) {
    const suggestion = closestMatch(bare, NAMES);
    return suggestion === undefined
      ? { ok: false, reason: 'unknown' }
      : { ok: false, reason: 'unknown', suggestion };
  }
  return cap > lastCap ? { ok: false, reason: 'unsupported', cap } : { ok: true, cap };
}

// Turns the user's list into capability numbers, in order, without duplicates.
export function resolveCapNames(texts: readonly string[], lastCap: number): number[] {
  const caps: number[] = [];
  for (const text of texts) {
    const found = lookupCap(text, lastCap);
    if (!found.ok) throw capNameError(text, found, lastCap);
    if (!caps.includes(found.cap)) caps.push(found.cap);
  }
  return caps;
}

function capNameError(text: string, found: Exclude<CapLookup, { ok: true }>, lastCap: number): CapexecError {
  if (found.reason === 'not-a-name') {
    return new CapexecError('unknown_capability', `--cap '${printable(text)}'`, 'capexec passes named capabilities only, never all of them', {
      fix: 'name each one the command needs, e.g. --cap net_admin,net_raw',
    });
  }
  if (found.reason === 'unsupported') {
    return new CapexecError('unsupported_capability', `capability '${printable(text)}'`, `not known to this kernel, whose last is ${capName(lastCap)} (${lastCap})`);
  }
  return new CapexecError('unknown_capability', `unknown capability '${printable(text)}'`, undefined, {
    fix: found.suggestion === undefined ? 'see capabilities(7) for the names' : `did you mean ${found.suggestion}?`,
  });
}
