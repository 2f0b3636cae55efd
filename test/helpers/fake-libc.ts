import type { Account, IdTriple, Libc } from '../../src/kernel/libc';
import { SyscallError } from '../../src/support/errors';

// A complete, typed stand-in for the libc binding: a small simulated kernel with the
// rules capexec relies on (capabilities(7), prctl(2), fcntl(2), setresuid(2) and its
// capability rules from commoncap.c), and a user and group database for NSS, so unit
// tests reach
// the paths that otherwise only a real root run covers. Because it implements Libc
// itself, the compiler names any member a new binding adds and the fake lacks.

const ERRNO: Record<string, number> = { EPERM: 1, ENOENT: 2, EIO: 5, EBADF: 9, EACCES: 13, EINVAL: 22, ENOSYS: 38, ENODATA: 61 };
const NAMES = new Map(Object.entries(ERRNO).map(([name, value]) => [value, name]));

const PR_GET_KEEPCAPS = 7;
const PR_SET_KEEPCAPS = 8;
const PR_CAPBSET_READ = 23;
const PR_CAPBSET_DROP = 24;
const PR_GET_SECUREBITS = 27;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_NO_NEW_PRIVS = 39;
const PR_CAP_AMBIENT = 47;
const SECBIT_NO_SETUID_FIXUP = 1 << 2;
const SECBIT_KEEP_CAPS = 1 << 4;
const SECBIT_KEEP_CAPS_LOCKED = 1 << 5;
const SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
const CAP_SETGID = 6;
const CAP_SETUID = 7;
const CAP_SETPCAP = 8;
// The highest capability the simulated kernel knows, as Linux 5.9 to 6.x.
export const LAST_CAP = 40;
// -1 as a uid_t or gid_t: leave this id as it is.
const UNCHANGED = 0xffffffff;

export interface FakeGroup {
  name: string;
  gid: number;
  members?: string[];
}

export interface FakeCaps {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
  bounding: bigint;
}

export interface FakeState {
  caps: FakeCaps;
  securebits: number;
  noNewPrivs: boolean;
  env: Record<string, string>;
  // fd → [FD_ flags, O_ flags]
  fds: Map<number, [number, number]>;
  xattrs: Map<string, Buffer>;
  auxv: Map<number, bigint>;
  // Whether close_range(CLOSE_RANGE_CLOEXEC) exists (Linux 5.11, glibc 2.34).
  closeRange: boolean;
  // False for a kernel before 4.3: every PR_CAP_AMBIENT call fails with EINVAL.
  ambientSupported: boolean;
  // A kernel that accepts a raise but does not keep it, for the re-check after it.
  ambientKept: boolean;
  resetSignals: number[];
  signalsUnblocked: boolean;
  // Every call made, by name, in order.
  calls: string[];
  // The same calls with their numeric arguments: `prctl(24, 0, 0)`.
  trace: string[];
  // The errno name a call fails with, by call name, e.g. { capset: 'EPERM' }; a function
  // decides per call from its arguments.
  failures: Record<string, string | ((...args: number[]) => string | undefined)>;
  // Memory handed out by alloc(), by address, for tests that read what was written.
  memory: Map<bigint, Buffer>;
  nextAddress: bigint;
  // What execveat() was handed: the fd it ran.
  exec: { path: bigint; argv: bigint; envp: bigint } | { fd: number; argv: bigint; envp: bigint } | undefined;
  // Paths open() may open, with the fd each gets.
  files: Map<string, number>;
  // What NSS knows: users, and groups with the users each lists as members.
  users: Account[];
  groups: FakeGroup[];
  // What syslog() was handed: facility, priority and the message.
  logged: { facility: number; priority: number; message: string }[];
  uids: IdTriple;
  gids: IdTriple;
  // The supplementary groups, as getgroups(2) returns them.
  supplementary: number[];
}

export class FakeExit extends Error {
  constructor(readonly status: number) {
    super(`_exit(${status})`);
  }
}

const ALL = (1n << 41n) - 1n;

export type FakeStateOverrides = Partial<Omit<FakeState, 'caps'>> & { caps?: Partial<FakeCaps> };

export function fakeState(overrides: FakeStateOverrides = {}): FakeState {
  const { caps, ...rest } = overrides;
  return {
    securebits: 0,
    noNewPrivs: false,
    env: {},
    fds: new Map([[0, [0, 0]], [1, [0, 1]], [2, [0, 1]]]),
    xattrs: new Map(),
    auxv: new Map(),
    closeRange: true,
    ambientSupported: true,
    ambientKept: true,
    resetSignals: [],
    signalsUnblocked: false,
    calls: [],
    trace: [],
    failures: {},
    memory: new Map(),
    nextAddress: 0x7f00_0000_0000n,
    exec: undefined,
    files: new Map(),
    users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }, { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: '/usr/sbin/nologin' }],
    groups: [{ name: 'root', gid: 0 }, { name: 'nogroup', gid: 65534 }],
    logged: [],
    uids: [65534, 65534, 65534],
    gids: [65534, 65534, 65534],
    supplementary: [],
    ...rest,
    caps: { effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n, bounding: ALL, ...caps },
  };
}

// Root as a container's entrypoint or an init script starts: uid 0, every capability.
export function rootState(overrides: FakeStateOverrides = {}): FakeState {
  const { caps, ...rest } = overrides;
  return fakeState({ uids: [0, 0, 0], gids: [0, 0, 0], ...rest, caps: { effective: ALL, permitted: ALL, ...caps } });
}

const isSubset = (a: bigint, b: bigint): boolean => (a & ~b) === 0n;
const bit = (cap: number): bigint => 1n << BigInt(cap);

export class FakeLibc implements Libc {
  constructor(readonly state: FakeState = fakeState()) {}

  private enter(call: string, ...args: number[]): void {
    this.state.calls.push(call);
    this.state.trace.push(args.length === 0 ? call : `${call}(${args.join(', ')})`);
    const failure = this.state.failures[call];
    const errno = typeof failure === 'function' ? failure(...args) : failure;
    if (errno !== undefined) throw this.error(call, errno);
  }

  private error(call: string, errno: string): SyscallError {
    return new SyscallError(call, ERRNO[errno] ?? 0, errno, `fake ${errno}`);
  }

  capget(_header: Buffer, data: Buffer): void {
    this.enter('capget');
    const { effective, permitted, inheritable } = this.state.caps;
    [effective, permitted, inheritable].forEach((mask, set) => {
      data.writeUInt32LE(Number(mask & 0xffffffffn), set * 4);
      data.writeUInt32LE(Number(mask >> 32n), 12 + set * 4);
    });
  }

  private effective(cap: number): boolean {
    return (this.state.caps.effective & bit(cap)) !== 0n;
  }

  // The kernel's rules (cap_capset in commoncap.c): only CAP_SETPCAP, effective, lets the
  // inheritable set grow beyond the permitted one, and never beyond the bounding set.
  capset(_header: Buffer, data: Buffer): void {
    this.enter('capset');
    const word = (set: number): bigint => BigInt(data.readUInt32LE(set * 4)) | (BigInt(data.readUInt32LE(12 + set * 4)) << 32n);
    const [effective, permitted, inheritable] = [word(0), word(1), word(2)];
    const now = this.state.caps;
    const capped = !this.effective(CAP_SETPCAP) && !isSubset(inheritable, now.inheritable | now.permitted);
    if (capped || !isSubset(inheritable, now.inheritable | now.bounding) || !isSubset(permitted, now.permitted) || !isSubset(effective, permitted)) {
      throw this.error('capset', 'EPERM');
    }
    // A capability leaves the ambient set once it is no longer both permitted and inheritable.
    this.state.caps = { ...now, effective, permitted, inheritable, ambient: now.ambient & permitted & inheritable };
  }

  prctl(option: number, arg2: number, arg3: number): number {
    this.enter('prctl', option, arg2, arg3);
    const caps = this.state.caps;
    switch (option) {
      case PR_GET_SECUREBITS: return this.state.securebits;
      case PR_GET_NO_NEW_PRIVS: return this.state.noNewPrivs ? 1 : 0;
      case PR_SET_NO_NEW_PRIVS:
        if (arg2 !== 1) throw this.error('prctl', 'EINVAL');
        this.state.noNewPrivs = true;
        return 0;
      case PR_GET_KEEPCAPS: return (this.state.securebits & SECBIT_KEEP_CAPS) === 0 ? 0 : 1;
      case PR_SET_KEEPCAPS:
        if (arg2 > 1) throw this.error('prctl', 'EINVAL');
        if ((this.state.securebits & SECBIT_KEEP_CAPS_LOCKED) !== 0) throw this.error('prctl', 'EPERM');
        this.state.securebits = arg2 === 1 ? this.state.securebits | SECBIT_KEEP_CAPS : this.state.securebits & ~SECBIT_KEEP_CAPS;
        return 0;
      case PR_CAPBSET_READ:
        if (arg2 > LAST_CAP) throw this.error('prctl', 'EINVAL');
        return (caps.bounding & bit(arg2)) === 0n ? 0 : 1;
      case PR_CAPBSET_DROP:
        if (!this.effective(CAP_SETPCAP)) throw this.error('prctl', 'EPERM');
        if (arg2 > LAST_CAP) throw this.error('prctl', 'EINVAL');
        caps.bounding &= ~bit(arg2);
        return 0;
    }
    if (option !== PR_CAP_AMBIENT || !this.state.ambientSupported) throw this.error('prctl', 'EINVAL');
    const cap = bit(arg3);
    switch (arg2) {
      case 1: // IS_SET
        return (caps.ambient & cap) === 0n ? 0 : 1;
      case 2: // RAISE
        if ((caps.permitted & caps.inheritable & cap) === 0n || (this.state.securebits & SECBIT_NO_CAP_AMBIENT_RAISE) !== 0) {
          throw this.error('prctl', 'EPERM');
        }
        if (this.state.ambientKept) caps.ambient |= cap;
        return 0;
      case 3: // LOWER
        caps.ambient &= ~cap;
        return 0;
      case 4: // CLEAR_ALL
        caps.ambient = 0n;
        return 0;
      default:
        throw this.error('prctl', 'EINVAL');
    }
  }

  fcntl(fd: number, command: number, argument?: number): number {
    this.enter('fcntl', fd, command);
    const flags = this.state.fds.get(fd);
    if (flags === undefined) throw this.error('fcntl', 'EBADF');
    switch (command) {
      case 1: return flags[0];
      case 2: flags[0] = argument ?? 0; return 0;
      case 3: return flags[1];
      case 4: flags[1] = argument ?? 0; return 0;
      default: throw this.error('fcntl', 'EINVAL');
    }
  }

  resetSignal(signal: number): void {
    this.enter('signal', signal);
    this.state.resetSignals.push(signal);
  }

  closeOnExecFrom(first: number): boolean {
    this.enter('close_range', first);
    if (!this.state.closeRange) return false;
    for (const [fd, flags] of this.state.fds) if (fd >= first) flags[0] |= 1;
    return true;
  }

  unblockAllSignals(): void {
    this.enter('pthread_sigmask');
    this.state.signalsUnblocked = true;
  }

  getenv(name: string): Buffer | undefined {
    const value = this.state.env[name];
    return value === undefined ? undefined : Buffer.from(value);
  }

  environ(): bigint {
    return 0n;
  }

  environBlock(): { block: Buffer; count: number } {
    const entries = Object.entries(this.state.env);
    return { block: Buffer.from(entries.map(([name, value]) => `${name}=${value}\0`).join('')), count: entries.length };
  }

  execveat(fd: number, argv: bigint, envp: bigint): SyscallError {
    this.state.calls.push('execveat');
    this.state.trace.push(`execveat(${fd})`);
    this.state.exec = { fd, argv, envp };
    const failure = this.state.failures['execveat'];
    return this.error('execveat', typeof failure === 'string' ? failure : 'ENOENT');
  }

  open(path: Buffer, flags: number): number {
    this.enter('open', flags);
    const fd = this.state.files.get(path.toString('latin1'));
    if (fd === undefined) throw this.error('open', 'ENOENT');
    return fd;
  }

  memfdCreate(): number {
    this.enter('memfd_create');
    throw this.error('memfd_create', 'ENOSYS');
  }

  getxattr(path: string, name: string): Buffer | undefined {
    this.enter('getxattr');
    const value = this.state.xattrs.get(`${path}\0${name}`);
    return value === undefined ? undefined : Buffer.from(value);
  }

  setxattr(path: string, name: string, value: Buffer): void {
    this.enter('setxattr');
    this.state.xattrs.set(`${path}\0${name}`, Buffer.from(value));
  }

  alloc(bytes: number): { address: bigint; view: Buffer } {
    const address = this.state.nextAddress;
    const view = Buffer.alloc(Math.max(bytes, 1));
    this.state.memory.set(address, view);
    // Page-aligned, with a gap, as a real allocator's blocks would not touch either.
    this.state.nextAddress += BigInt(Math.ceil((view.length + 1) / 4096) * 4096);
    return { address, view };
  }

  // argz_count(3) and argz_extract(3) over the fake's memory, as glibc walks it.
  argzCount(argz: bigint, length: number): number {
    const bytes = this.readMemory(argz, length);
    let count = 0;
    // Each string ends at its NUL; one without ends the walk, as the bytes do.
    for (let at = 0; at < length && at > -1; count++) {
      const end = bytes.indexOf(0, at);
      at = end === -1 ? -1 : end + 1;
    }
    return count;
  }

  argzExtract(argz: bigint, length: number, argv: bigint): void {
    const bytes = this.readMemory(argz, length);
    const pointers = this.state.memory.get(argv);
    if (pointers === undefined) throw new Error(`fake memory: nothing allocated at ${argv}`);
    let i = 0;
    for (let at = 0; at < length && at > -1; i++) {
      pointers.writeBigUInt64LE(argz + BigInt(at), 8 * i);
      const end = bytes.indexOf(0, at);
      at = end === -1 ? -1 : end + 1;
    }
    pointers.writeBigUInt64LE(0n, 8 * i);
  }

  argzStringify(argz: Buffer, separator: number): void {
    for (let at = argz.indexOf(0); at !== -1 && at < argz.length - 1; at = argz.indexOf(0, at + 1)) argz[at] = separator;
  }

  strpbrk(text: Buffer, bytes: Buffer): boolean {
    const end = text.indexOf(0);
    return [...bytes.subarray(0, -1)].some((byte) => {
      const at = text.indexOf(byte);
      return at !== -1 && (end === -1 || at < end);
    });
  }

  readMemory(address: bigint, length: number): Buffer {
    for (const [start, view] of this.state.memory) {
      const offset = Number(address - start);
      if (offset >= 0 && offset + length <= view.length) return Buffer.from(view.subarray(offset, offset + length));
    }
    throw new Error(`fake memory: nothing allocated at ${address}`);
  }

  errnoName(errno: number): string {
    return NAMES.get(errno) ?? `errno ${errno}`;
  }

  getauxval(type: number): bigint {
    return this.state.auxv.get(type) ?? 0n;
  }

  userByName(name: string): Account | undefined {
    this.enter('getpwnam_r');
    return this.state.users.find((user) => user.name === name);
  }

  userById(uid: number): Account | undefined {
    this.enter('getpwuid_r', uid);
    return this.state.users.find((user) => user.uid === uid);
  }

  groupByName(name: string): { name: string; gid: number } | undefined {
    this.enter('getgrnam_r');
    return this.state.groups.find((group) => group.name === name);
  }

  // fnmatch(3) with no flags, for the patterns tests use: *, ? and [...] (with ! or ^).
  fnmatch(pattern: Buffer, text: Buffer): boolean {
    const source = pattern.toString('latin1').replace(/\[(!|\^)?([^\]]*)\]|[*?]|[^*?[]+/g, (part, negate?: string, set?: string) => {
      if (part === '*') return '[\\s\\S]*';
      if (part === '?') return '[\\s\\S]';
      if (set !== undefined) return `[${negate === undefined ? '' : '^'}${set.replace(/[\\\]]/g, '\\$&')}]`;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
    return new RegExp(`^${source}$`).test(text.toString('latin1'));
  }

  syslog(facility: number, priority: number, message: Buffer): void {
    this.enter('syslog');
    this.state.logged.push({ facility, priority, message: message.toString('latin1') });
  }

  exit(status: number): never {
    throw new FakeExit(status);
  }

  // Without the capability, an id may only become one the process already has.
  private newIds(call: string, cap: number, now: IdTriple, wanted: IdTriple): IdTriple {
    const ids = wanted.map((id, i) => (id === UNCHANGED ? now[i] : id)) as IdTriple;
    if (!this.effective(cap) && !ids.every((id) => now.includes(id ?? -1))) throw this.error(call, 'EPERM');
    return ids;
  }

  setresgid(real: number, effective: number, saved: number): void {
    this.enter('setresgid', real, effective, saved);
    this.state.gids = this.newIds('setresgid', CAP_SETGID, this.state.gids, [real, effective, saved]);
  }

  // cap_emulate_setxuid(): leaving uid 0 clears the ambient set, and the permitted and
  // effective sets unless keep-caps is on; a non-zero euid never keeps the effective set.
  setresuid(real: number, effective: number, saved: number): void {
    this.enter('setresuid', real, effective, saved);
    const before = this.state.uids;
    const after = this.newIds('setresuid', CAP_SETUID, before, [real, effective, saved]);
    this.state.uids = after;
    if ((this.state.securebits & SECBIT_NO_SETUID_FIXUP) !== 0) return;
    const caps = this.state.caps;
    if (before.includes(0) && !after.includes(0)) {
      if ((this.state.securebits & SECBIT_KEEP_CAPS) === 0) {
        caps.permitted = 0n;
        caps.effective = 0n;
      }
      caps.ambient = 0n;
    }
    if (before[1] === 0 && after[1] !== 0) caps.effective = 0n;
    if (before[1] !== 0 && after[1] === 0) caps.effective = caps.permitted;
  }

  setgroups(gids: readonly number[]): void {
    this.enter('setgroups', ...gids);
    if (!this.effective(CAP_SETGID)) throw this.error('setgroups', 'EPERM');
    this.state.supplementary = [...gids].sort((a, b) => a - b);
  }

  getresuid(): IdTriple {
    this.enter('getresuid');
    return [...this.state.uids];
  }

  getresgid(): IdTriple {
    this.enter('getresgid');
    return [...this.state.gids];
  }

  getgroups(): number[] {
    this.enter('getgroups');
    return [...this.state.supplementary];
  }

  groupById(gid: number): { name: string; gid: number } | undefined {
    this.enter('getgrgid_r', gid);
    const found = this.state.groups.find((group) => group.gid === gid);
    return found && { name: found.name, gid: found.gid };
  }

  getgrouplist(user: string, gid: number): number[] {
    this.enter('getgrouplist', gid);
    return [gid, ...this.state.groups.filter((group) => (group.members ?? []).includes(user) && group.gid !== gid).map((group) => group.gid)];
  }

  userNames(limit: number): string[] {
    this.enter('getpwent');
    return this.state.users.map((user) => user.name).slice(0, limit);
  }

  groupNames(limit: number): string[] {
    this.enter('getgrent');
    return this.state.groups.map((group) => group.name).slice(0, limit);
  }

  setenv(name: string, value: Buffer): void {
    this.enter('setenv');
    this.state.env[name] = value.toString();
  }

  clearenv(): void {
    this.enter('clearenv');
    this.state.env = {};
  }
}
