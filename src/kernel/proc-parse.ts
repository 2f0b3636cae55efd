import { isHexDigits } from '../support/characters';
import { CapexecError } from '../support/errors';

// Parsers for the kernel's own text files, as proc(5) documents them. Pure, so the
// odd cases (escaped mount points, optional fields, missing lines) are unit-tested.

export interface UidMapEntry {
  inside: number;
  outside: number;
  count: number;
}

// One line of /proc/self/mountinfo, with escaped paths decoded.
export interface MountEntry {
  mountId: number;
  mountPoint: string;
  // Per-mount options (nosuid lives here, not among the superblock's options).
  options: readonly string[];
  fsType: string;
  source: string;
}

export interface StatusFields {
  bounding: bigint;
  ambient: bigint;
  tracerPid: number;
  uids: number[];
  gids: number[];
  groups: number[];
}

// The "Name:\tvalue" lines of /proc/PID/status.
export function statusFieldMap(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

// One field of that file, as statusFieldMap() would give it (the last line of that name),
// found without splitting the whole file: every start asks for four of its fifty-odd
// lines, before anything else can be done.
export function statusField(text: string, name: string): string | undefined {
  const key = `${name}:`;
  const after = text.lastIndexOf(`\n${key}`);
  const at = after >= 0 ? after + 1 : text.startsWith(key) ? 0 : -1;
  if (at < 0) return undefined;
  const end = text.indexOf('\n', at);
  return text.slice(at + key.length, end < 0 ? text.length : end).trim();
}

// A capability set line (CapPrm, CapBnd, …); undefined when missing or malformed.
export function statusMask(fields: Map<string, string>, name: string): bigint | undefined {
  return maskValue(fields.get(name));
}

export function maskValue(value: string | undefined): bigint | undefined {
  return value !== undefined && isHexDigits(value, 16) ? BigInt(`0x${value}`) : undefined;
}

// A set the status file must have; `file` names it in the message.
function requiredMask(fields: Map<string, string>, name: string, file: string): bigint {
  const value = statusMask(fields, name);
  if (value === undefined) throw new CapexecError('proc_unreadable', `cannot read ${file}`, `it has no ${name} line`, { fix: 'is /proc mounted?' });
  return value;
}

// Kernels before 4.3 have no ambient set, and no CapAmb line.
function ambientMask(fields: Map<string, string>, file: string): bigint {
  return fields.has('CapAmb') ? requiredMask(fields, 'CapAmb', file) : 0n;
}

export function parseStatus(text: string, file = '/proc/self/status'): StatusFields {
  const fields = statusFieldMap(text);
  const numbers = (name: string): number[] => (fields.get(name) ?? '').split(/\s+/).filter((word) => word !== '').map(Number);
  return {
    bounding: requiredMask(fields, 'CapBnd', file),
    ambient: ambientMask(fields, file),
    tracerPid: Number(fields.get('TracerPid') ?? 0),
    uids: numbers('Uid'),
    gids: numbers('Gid'),
    groups: numbers('Groups'),
  };
}

// The capability sets of one thread, from /proc/PID/task/TID/status: what another
// thread of this process holds, which capget() on this thread cannot tell.
export interface TaskCaps {
  name: string;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
  bounding: bigint;
}

export function parseTaskCaps(text: string): TaskCaps {
  const fields = statusFieldMap(text);
  const file = 'a thread\'s status';
  return {
    name: fields.get('Name') ?? '',
    effective: requiredMask(fields, 'CapEff', file),
    permitted: requiredMask(fields, 'CapPrm', file),
    inheritable: requiredMask(fields, 'CapInh', file),
    ambient: ambientMask(fields, file),
    bounding: requiredMask(fields, 'CapBnd', file),
  };
}

// The target of /proc/thread-self, `PID/task/TID`.
export function parseThreadSelfLink(target: string): number | undefined {
  const match = /^\d+\/task\/(\d+)$/.exec(target);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    if (fields.length < 10 || separator < 0) continue;
    entries.push({
      mountId: Number(fields[0]),
      mountPoint: unescapeOctal(fields[4] ?? ''),
      options: (fields[5] ?? '').split(','),
      fsType: fields[separator + 1] ?? '',
      source: unescapeOctal(fields[separator + 2] ?? ''),
    });
  }
  return entries;
}

// The kernel writes space, tab, newline and backslash in paths as \ooo.
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseUidMap(text: string): UidMapEntry[] {
  return text.split('\n').flatMap((line) => {
    const words = line.trim().split(/\s+/);
    if (words.length !== 3 || !words.every((word) => /^\d+$/.test(word))) return [];
    return [{ inside: Number(words[0]), outside: Number(words[1]), count: Number(words[2]) }];
  });
}

// The initial user namespace maps every ID to itself; any other map is a child's.
export function isInitialUidMap(map: readonly UidMapEntry[]): boolean {
  const only = map[0];
  return map.length === 1 && only !== undefined && only.inside === 0 && only.outside === 0 && only.count === 4294967295;
}

// A uid_map as one line, `0 0 4294967295`, ranges separated by commas.
export function uidMapText(map: readonly UidMapEntry[]): string {
  return map.map((entry) => `${entry.inside} ${entry.outside} ${entry.count}`).join(', ') || 'empty';
}

// The mount ID of an open file, from /proc/self/fdinfo/FD: the kernel's answer to
// "which mount is this file on", with no path matching involved.
export function parseFdinfoMountId(text: string): number | undefined {
  const match = /^mnt_id:\s*(\d+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function parseUnsigned(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d{1,10}$/.test(trimmed) ? Number(trimmed) : undefined;
}

export function parseRange(text: string): [number, number] | undefined {
  const words = text.trim().split(/\s+/);
  if (words.length !== 2 || !words.every((word) => /^\d{1,10}$/.test(word))) return undefined;
  return [Number(words[0]), Number(words[1])];
}
