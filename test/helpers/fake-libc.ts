import type { Account, Libc } from '../../src/kernel/libc';
import { SyscallError } from '../../src/support/errors';

// A complete, typed stand-in for the libc binding: a small simulated kernel with the
// rules capexec relies on (capabilities(7), prctl(2), fcntl(2)), so unit tests reach
// the paths that otherwise only a real root run covers. Because it implements Libc
// itself, the compiler names any member a new binding adds and the fake lacks.

const ERRNO: Record<string, number> = { EPERM: 1, ENOENT: 2, EBADF: 9, EACCES: 13, EINVAL: 22, ENOSYS: 38, ENODATA: 61 };
const NAMES = new Map(Object.entries(ERRNO).map(([name, value]) => [value, name]));

const PR_GET_SECUREBITS = 27;
const PR_GET_NO_NEW_PRIVS = 39;
const PR_CAP_AMBIENT = 47;
const SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;

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
  // The errno name a call fails with, by call name, e.g. { capset: 'EPERM' }; a function
  // decides per call from its arguments.
  failures: Record<string, string | ((...args: number[]) => string | undefined)>;
  // Memory handed out by alloc(), by address, for tests that read what was written.
  memory: Map<bigint, Buffer>;
  nextAddress: bigint;
  // What execve() or execveat() was handed: a path's address, or the fd it ran.
  exec: { path: bigint; argv: bigint; envp: bigint } | { fd: number; argv: bigint; envp: bigint } | undefined;
  // Paths open() may open, with the fd each gets.
  files: Map<string, number>;
  // What NSS knows.
  users: Account[];
  groups: { name: string; gid: number }[];
  // What syslog() was handed: facility, priority and the message.
  logged: { facility: number; priority: number; message: string }[];
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
    failures: {},
    memory: new Map(),
    nextAddress: 0x7f00_0000_0000n,
    exec: undefined,
    files: new Map(),
    users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }, { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: '/usr/sbin/nologin' }],
    groups: [{ name: 'root', gid: 0 }, { name: 'nogroup', gid: 65534 }],
    logged: [],
    ...rest,
    caps: { effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n, bounding: ALL, ...caps },
  };
}

const isSubset = (a: bigint, b: bigint): boolean => (a & ~b) === 0n;

export class FakeLibc implements Libc {
  constructor(readonly state: FakeState = fakeState()) {}

  private enter(call: string, ...args: number[]): void {
    this.state.calls.push(call);
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

  // The kernel's rules for a process without CAP_SETPCAP (cap_capset in commoncap.c).
  capset(_header: Buffer, data: Buffer): void {
    this.enter('capset');
    const word = (set: number): bigint => BigInt(data.readUInt32LE(set * 4)) | (BigInt(data.readUInt32LE(12 + set * 4)) << 32n);
    const [effective, permitted, inheritable] = [word(0), word(1), word(2)];
    const now = this.state.caps;
    const inheritableAllowed = (now.inheritable | now.permitted) & (now.inheritable | now.bounding);
    if (!isSubset(permitted, now.permitted) || !isSubset(effective, permitted) || !isSubset(inheritable, inheritableAllowed)) {
      throw this.error('capset', 'EPERM');
    }
    // A capability leaves the ambient set once it is no longer both permitted and inheritable.
    this.state.caps = { ...now, effective, permitted, inheritable, ambient: now.ambient & permitted & inheritable };
  }

  prctl(option: number, arg2: number, arg3: number): number {
    this.enter('prctl', option, arg2, arg3);
    if (option === PR_GET_SECUREBITS) return this.state.securebits;
    if (option === PR_GET_NO_NEW_PRIVS) return this.state.noNewPrivs ? 1 : 0;
    if (option !== PR_CAP_AMBIENT || !this.state.ambientSupported) throw this.error('prctl', 'EINVAL');
    const caps = this.state.caps;
    const bit = 1n << BigInt(arg3);
    switch (arg2) {
      case 1: // IS_SET
        return (caps.ambient & bit) === 0n ? 0 : 1;
      case 2: // RAISE
        if ((caps.permitted & caps.inheritable & bit) === 0n || (this.state.securebits & SECBIT_NO_CAP_AMBIENT_RAISE) !== 0) {
          throw this.error('prctl', 'EPERM');
        }
        if (this.state.ambientKept) caps.ambient |= bit;
        return 0;
      case 3: // LOWER
        caps.ambient &= ~bit;
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

  environEntries(): Buffer[] {
    return Object.entries(this.state.env).map(([name, value]) => Buffer.from(`${name}=${value}`));
  }

  execve(path: bigint, argv: bigint, envp: bigint): SyscallError {
    this.state.calls.push('execve');
    this.state.exec = { path, argv, envp };
    const failure = this.state.failures['execve'];
    return this.error('execve', typeof failure === 'string' ? failure : 'ENOENT');
  }

  execveat(fd: number, argv: bigint, envp: bigint): SyscallError {
    this.state.calls.push('execveat');
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

  getxattr(path: string, name: string): Buffer {
    this.enter('getxattr');
    const value = this.state.xattrs.get(`${path}\0${name}`);
    if (value === undefined) throw this.error('getxattr', 'ENODATA');
    return Buffer.from(value);
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
    return this.state.users.find((user) => user.name === name);
  }

  userById(uid: number): Account | undefined {
    return this.state.users.find((user) => user.uid === uid);
  }

  groupByName(name: string): { name: string; gid: number } | undefined {
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
}
