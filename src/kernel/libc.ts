import { AT_EMPTY_PATH, CLOSE_RANGE_CLOEXEC, SIG_SETMASK } from './constants';
import { CapexecError, SyscallError } from '../support/errors';
import { loadKoffi, type Koffi } from './addon';

// The few libc entry points capexec needs, bound through koffi. Every call is
// synchronous and runs on the main thread: capset() and prctl() change only the
// calling thread, and execve() must come from the thread that holds those changes.
export interface Libc {
  capget(header: Buffer, data: Buffer): void;
  capset(header: Buffer, data: Buffer): void;
  // prctl() returns a value for some options (PR_CAP_AMBIENT_IS_SET, PR_GET_*).
  prctl(option: number, arg2: number, arg3: number, arg4?: number, arg5?: number): number;
  fcntl(fd: number, command: number, argument?: number): number;
  resetSignal(signal: number): void;
  // close_range(first, ~0U, CLOSE_RANGE_CLOEXEC); false where the kernel or libc lacks it.
  closeOnExecFrom(first: number): boolean;
  unblockAllSignals(): void;
  getenv(name: string): Buffer | undefined;
  environ(): bigint;
  // The entries of environ, byte for byte, as NUL-ended strings back to back.
  environBlock(): { block: Buffer; count: number };
  // execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs the very file fd names.
  execveat(fd: number, argv: bigint, envp: bigint): SyscallError;
  // open(2) of a path as bytes, with these flags; the fd, or a SyscallError.
  open(path: Buffer, flags: number): number;
  // memfd_create(2): an anonymous file, for content that must not change once checked.
  memfdCreate(name: string, flags: number): number;
  // The value of extended attribute `name` of the file at `path`, following symlinks;
  // undefined when the file has none (ENODATA), the usual answer, which is no error.
  getxattr(path: string, name: string): Buffer | undefined;
  alloc(bytes: number): { address: bigint; view: Buffer };
  // glibc's argz_count(3) and argz_extract(3) on `length` bytes at `argz`, NUL-ended
  // strings back to back: how many there are, and a pointer to each written at `argv`,
  // then NULL (room for one more than the count).
  argzCount(argz: bigint, length: number): number;
  argzExtract(argz: bigint, length: number, argv: bigint): void;
  // argz_stringify(3) in place: every NUL of `argz` but its last becomes `separator`.
  argzStringify(argz: Buffer, separator: number): void;
  // strpbrk(3): whether the NUL-ended `text` holds any byte of the NUL-ended `bytes`.
  strpbrk(text: Buffer, bytes: Buffer): boolean;
  // A copy of `length` bytes of this process's own memory at `address`.
  readMemory(address: bigint, length: number): Buffer;
  errnoName(errno: number): string;
  // getauxval(3): what the kernel said in the auxiliary vector at exec.
  getauxval(type: number): bigint;
  // _exit(2): leaves without running Node's exit work.
  exit(status: number): never;
  setxattr(path: string, name: string, value: Buffer): void;
  // NSS, as getpwnam_r(3), getpwuid_r(3) and getgrnam_r(3): /etc/passwd, LDAP or sssd
  // alike. undefined when there is no such entry; a SyscallError when NSS cannot say
  // (EIO, ENOMEM, EMFILE: an LDAP server down), which is no answer about the entry.
  userByName(name: string): Account | undefined;
  userById(uid: number): Account | undefined;
  groupByName(name: string): { name: string; gid: number } | undefined;
  // getgrgid_r(3).
  groupById(gid: number): { name: string; gid: number } | undefined;
  // getgrouplist(3): `group` and every group NSS lists `user` in; a throw when it cannot.
  getgrouplist(user: string, group: number): number[];
  // The names getpwent(3) and getgrent(3) enumerate, at most `limit`: only for
  // suggesting a name that is close to a mistyped one.
  userNames(limit: number): string[];
  groupNames(limit: number): string[];
  // Identity changes. glibc and musl apply each to every thread of the process, as POSIX
  // says; the kernel's capability rules act on each thread's own credentials.
  setgroups(gids: readonly number[]): void;
  setresgid(real: number, effective: number, saved: number): void;
  setresuid(real: number, effective: number, saved: number): void;
  getresuid(): IdTriple;
  getresgid(): IdTriple;
  getgroups(): number[];
  // The environment the exec passes on (libc's environ).
  setenv(name: string, value: Buffer): void;
  clearenv(): void;
  // fnmatch(3) with no flags: whether `text` matches the shell pattern, byte for byte.
  fnmatch(pattern: Buffer, text: Buffer): boolean;
  // openlog("capexec", LOG_PID, facility) once, then syslog(priority, "%s", message).
  syslog(facility: number, priority: number, message: Buffer): void;
}

export type IdTriple = [real: number, effective: number, saved: number];

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

let bound: Libc | undefined;

// The process's libc, through the addon beside the executable.
export function libc(): Libc {
  bound ??= bindLibc(loadKoffi());
  return bound;
}

// Through another copy of the addon: the installer runs as root from a build tree that
// may belong to whoever built it, so it binds the copy it has just staged inside the
// root-owned installation instead.
export function libcWithAddon(path: string): Libc {
  return bindLibc(loadKoffi(path));
}

// Asked of a typed array rather than node:os, which a launch would load for it alone.
function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

export function bindLibc(koffi: Koffi): Libc {
  // exec.ts lays out argv as 64-bit little-endian pointers, as on x64 and arm64.
  if (koffi.sizeof('void *') !== 8 || !littleEndian()) {
    throw new CapexecError('unsupported_machine', 'unsupported machine', `capexec needs 64-bit little-endian pointers, not ${process.arch}`);
  }
  const lib = koffi.load(null);
  // Every function is bound at its first call: each binding parses its prototype, and a
  // launch uses a fraction of what the other modes need.
  const later = (definition: string): ((...args: unknown[]) => unknown) => {
    let bound: ((...args: unknown[]) => unknown) | undefined;
    return (...args) => (bound ??= lib.func(definition))(...args);
  };
  const capget = later('int capget(void *header, void *data)');
  const capset = later('int capset(void *header, void *data)');
  const prctl = later('int prctl(int option, ...)');
  const fcntl = later('int fcntl(int fd, int cmd, ...)');
  const signal = later('void *signal(int sig, void *handler)');
  const sigmask = later('int pthread_sigmask(int how, void *set, void *old)');
  const getenv = later('void *getenv(const char *name)');
  const strlen = later('size_t strlen(void *s)');
  const strerror = later('const char *strerror(int errnum)');
  const argzCount = later('size_t argz_count(void *argz, size_t len)');
  const argzExtract = later('void argz_extract(void *argz, size_t len, void *argv)');
  const argzStringify = later('void argz_stringify(void *argz, size_t len, int sep)');
  const argzCreate = later('int argz_create(void *argv, void *argz, void *len)');
  const free = later('void free(void *pointer)');
  const strpbrk = later('void *strpbrk(void *s, void *accept)');
  const execveat = later('int execveat(int fd, const char *path, void *argv, void *envp, int flags)');
  const open = later('int open(void *path, int flags, ...)');
  let memfdCreate: ((...args: unknown[]) => unknown) | null | undefined;
  const getxattr = later('long getxattr(const char *path, const char *name, void *value, size_t size)');
  const environ = lib.symbol('environ') as bigint;
  const exit = later('void _exit(int status)');
  const closeRange = optional(() => lib.func('int close_range(unsigned int first, unsigned int last, int flags)'));
  const getauxval = later('unsigned long getauxval(unsigned long type)');
  const setxattr = later('int setxattr(const char *path, const char *name, void *value, size_t size, int flags)');
  const getpwnam = later('int getpwnam_r(void *name, void *pwd, void *buf, size_t size, void *result)');
  const getpwuid = later('int getpwuid_r(unsigned int uid, void *pwd, void *buf, size_t size, void *result)');
  const getgrnam = later('int getgrnam_r(void *name, void *grp, void *buf, size_t size, void *result)');
  const fnmatch = later('int fnmatch(void *pattern, void *string, int flags)');
  const openlog = later('void openlog(void *ident, int option, int facility)');
  const syslog = later('void syslog(int priority, void *format, ...)');

  // Searched, not indexed: a launch meets a failure seldom, and a table would cost
  // more to build.
  const errnoName = (errno: number): string => {
    // Where two names share a number (EAGAIN, EWOULDBLOCK), the one koffi lists last.
    const errnos = koffi.os.errno;
    let found = `errno ${errno}`;
    for (const name in errnos) if (errnos[name] === errno) found = name;
    return found;
  };
  const failure = (call: string): SyscallError => {
    const errno = koffi.errno();
    return new SyscallError(call, errno, errnoName(errno), String(strerror(errno)));
  };
  const check = (call: string, result: number): number => {
    if (result === -1) throw failure(call);
    return result;
  };
  const ulong = (value: number | undefined): [string, number] => ['unsigned long', value ?? 0];

  const cString = (text: string | Buffer): Buffer => Buffer.concat([Buffer.from(text), Buffer.alloc(1)]);
  const memory = (bytes: number): { address: bigint; view: Buffer } => {
    const address = koffi.alloc('uint8_t', bytes) as bigint;
    return { address, view: Buffer.from(koffi.view(address, bytes)) };
  };
  // One record and one string area for every NSS lookup, made at the first; a lookup that
  // needs more (ERANGE) gets a larger area. A launch that looks nothing up allocates none.
  const ERANGE = 34;
  let nss: { record: { address: bigint; view: Buffer }; result: { address: bigint; view: Buffer }; strings: { address: bigint; view: Buffer } } | undefined;
  const stringAt = (pointer: bigint): string => {
    const strings = nss?.strings.view ?? Buffer.alloc(0);
    const at = Number(pointer - (nss?.strings.address ?? 0n));
    return strings.toString('utf8', at, strings.indexOf(0, at));
  };
  // What getpwnam_r(3) and the like return for an entry that is not there: 0 with no
  // result, EPERM, ENOENT, ESRCH or EBADF. Anything else is NSS failing to answer.
  const NOT_FOUND = [0, 1, 2, 3, 9];
  const lookUp = <T>(name: string, call: (record: bigint, strings: bigint, size: number, result: bigint) => number, decode: (record: Buffer) => T): T | undefined => {
    nss ??= { record: memory(64), result: memory(8), strings: memory(16384) };
    for (;;) {
      const { record, result, strings } = nss;
      const error = call(record.address, strings.address, strings.view.length, result.address);
      if (error === ERANGE && strings.view.length < 1 << 24) {
        nss.strings = memory(strings.view.length * 4);
        continue;
      }
      if (!NOT_FOUND.includes(error)) throw new SyscallError(name, error, errnoName(error), String(strerror(error)));
      if (error !== 0 || result.view.readBigUInt64LE(0) === 0n) return undefined;
      return decode(record.view);
    }
  };
  // struct passwd on LP64: name, passwd, uid, gid, gecos, dir, shell.
  const account = (record: Buffer): Account => ({
    name: stringAt(record.readBigUInt64LE(0)),
    uid: record.readUInt32LE(16),
    gid: record.readUInt32LE(20),
    home: stringAt(record.readBigUInt64LE(32)),
    shell: stringAt(record.readBigUInt64LE(40)),
  });
  // openlog() keeps the ident pointer, so it lives in memory koffi never frees.
  let log: { ident: bigint; format: bigint } | undefined;
  const cText = (text: string): bigint => {
    const area = memory(text.length + 1);
    area.view.write(`${text}\0`, 'latin1');
    return area.address;
  };
  const getgrgid = later('int getgrgid_r(unsigned int gid, void *grp, void *buf, size_t size, void *result)');
  const getgrouplist = later('int getgrouplist(void *user, unsigned int group, void *groups, void *count)');
  const setpwent = later('void setpwent()');
  const getpwent = later('void *getpwent()');
  const endpwent = later('void endpwent()');
  const setgrent = later('void setgrent()');
  const getgrent = later('void *getgrent()');
  const endgrent = later('void endgrent()');
  const setgroups = later('int setgroups(size_t size, void *list)');
  const setresgid = later('int setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid)');
  const setresuid = later('int setresuid(unsigned int ruid, unsigned int euid, unsigned int suid)');
  const getresgid = later('int getresgid(void *rgid, void *egid, void *sgid)');
  const getresuid = later('int getresuid(void *ruid, void *euid, void *suid)');
  const getgroups = later('int getgroups(int size, void *list)');
  const setenv = later('int setenv(void *name, void *value, int overwrite)');
  const clearenv = later('int clearenv()');
  const ids = (call: string, get: (...args: unknown[]) => unknown): IdTriple => {
    const words = [Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)] as const;
    check(call, get(...words) as number);
    return [words[0].readUInt32LE(0), words[1].readUInt32LE(0), words[2].readUInt32LE(0)];
  };
  // getpwent(3) and getgrent(3) hand out their own static entries; the name comes first.
  const enumerate = (open: () => unknown, next: () => unknown, close: () => unknown, limit: number): string[] => {
    const names: string[] = [];
    open();
    try {
      for (let entry = next() as bigint | null; entry !== null && entry !== 0n && names.length < limit; entry = next() as bigint | null) {
        const name = Buffer.from(koffi.view(entry, 8)).readBigUInt64LE(0);
        const length = Number(strlen(name) as bigint | number);
        names.push(Buffer.from(koffi.view(name, length)).toString('utf8'));
      }
    } finally {
      close();
    }
    return names;
  };

  return {
    capget: (header, data) => void check('capget', capget(header, data) as number),
    capset: (header, data) => void check('capset', capset(header, data) as number),
    prctl: (option, arg2, arg3, arg4, arg5) =>
      check('prctl', prctl(option, ...ulong(arg2), ...ulong(arg3), ...ulong(arg4), ...ulong(arg5)) as number),
    fcntl: (fd, command, argument) =>
      check('fcntl', (argument === undefined ? fcntl(fd, command) : fcntl(fd, command, 'int', argument)) as number),
    closeOnExecFrom: (first) => {
      if (closeRange === undefined) return false;
      if ((closeRange(first, 0xffffffff, CLOSE_RANGE_CLOEXEC) as number) === 0) return true;
      const errno = koffi.errno();
      // ENOSYS: a kernel before 5.9; EINVAL: before 5.11, without CLOSE_RANGE_CLOEXEC.
      if (errno === koffi.os.errno.ENOSYS || errno === koffi.os.errno.EINVAL) return false;
      throw failure('close_range');
    },
    resetSignal: (sig) => {
      // SIG_DFL is the null handler; SIG_ERR is (void *) -1.
      const previous = signal(sig, null) as bigint | null;
      if (previous === 0xffffffffffffffffn) throw failure('signal');
    },
    unblockAllSignals: () => {
      const empty = Buffer.alloc(128);
      const error = sigmask(SIG_SETMASK, empty, null) as number;
      if (error !== 0) throw new SyscallError('pthread_sigmask', error, errnoName(error), String(strerror(error)));
    },
    getenv: (name) => {
      const pointer = getenv(name) as bigint | null;
      if (pointer === null) return undefined;
      const length = Number(strlen(pointer) as bigint | number);
      return Buffer.copyBytesFrom(new Uint8Array(koffi.view(pointer, length)));
    },
    environ: () => koffi.decode(environ, 'void *') as bigint,
    // argz_create(3) copies every entry into one block, where a view and a strlen() of
    // each took a policy launch 0.18 ms for 32 variables.
    environBlock: () => {
      const vector = koffi.decode(environ, 'void *') as bigint | null;
      if (vector === null) return { block: Buffer.alloc(0), count: 0 };
      const argz = Buffer.alloc(8);
      const length = Buffer.alloc(8);
      const error = argzCreate(vector, argz, length) as number;
      if (error !== 0) throw new SyscallError('argz_create', error, errnoName(error), String(strerror(error)));
      const address = argz.readBigUInt64LE(0);
      const size = Number(length.readBigUInt64LE(0));
      if (size === 0) return { block: Buffer.alloc(0), count: 0 };
      try {
        return { block: Buffer.copyBytesFrom(new Uint8Array(koffi.view(address, size))), count: Number(argzCount(address, size) as bigint | number) };
      } finally {
        free(address);
      }
    },
    execveat: (fd, argv, envp) => {
      execveat(fd, '', argv, envp, AT_EMPTY_PATH);
      return failure('execveat');
    },
    open: (path, flags) => check('open', open(Buffer.concat([path, Buffer.alloc(1)]), flags) as number),
    memfdCreate: (name, flags) => {
      // glibc before 2.27 lacks the wrapper, as kernels before 3.17 lack the call.
      if (memfdCreate === undefined) memfdCreate = optional(() => lib.func('int memfd_create(const char *name, unsigned int flags)')) ?? null;
      if (memfdCreate === null) throw new SyscallError('memfd_create', 38, 'ENOSYS', 'Function not implemented');
      return check('memfd_create', memfdCreate(name, flags) as number);
    },
    getxattr: (path, name) => {
      // XATTR_SIZE_MAX: no attribute is larger, so one call always gets all of it.
      const value = Buffer.alloc(65536);
      const size = Number(getxattr(path, name, value, value.length) as number | bigint);
      if (size === -1 && koffi.errno() === koffi.os.errno['ENODATA']) return undefined;
      if (size === -1) throw failure('getxattr');
      return Buffer.from(value.subarray(0, size));
    },
    alloc: (bytes) => {
      const address = koffi.alloc('uint8_t', Math.max(bytes, 1)) as bigint;
      return { address, view: Buffer.from(koffi.view(address, Math.max(bytes, 1))) };
    },
    argzCount: (argz, length) => Number(argzCount(argz, length) as number | bigint),
    argzExtract: (argz, length, argv) => void argzExtract(argz, length, argv),
    argzStringify: (argz, separator) => void argzStringify(argz, argz.length, separator),
    // Both must end in a NUL, or strpbrk() would read past them.
    strpbrk: (text, bytes) => {
      if (text[text.length - 1] !== 0 || bytes[bytes.length - 1] !== 0) throw new CapexecError('internal_error', 'strpbrk', 'a string without its NUL');
      return strpbrk(text, bytes) !== null;
    },
    readMemory: (address, length) => (length === 0 ? Buffer.alloc(0) : Buffer.copyBytesFrom(new Uint8Array(koffi.view(address, length)))),
    errnoName,
    getauxval: (type) => BigInt(getauxval(type) as number | bigint),
    exit: (status) => {
      exit(status);
      throw new Error('_exit returned');
    },
    setxattr: (path, name, value) => void check('setxattr', setxattr(path, name, value, value.length, 0) as number),
    userByName: (name) => lookUp('getpwnam_r', (...area) => getpwnam(cString(name), ...area) as number, account),
    userById: (uid) => lookUp('getpwuid_r', (...area) => getpwuid(uid, ...area) as number, account),
    // struct group on LP64: name, passwd, gid, members.
    groupByName: (name) => lookUp('getgrnam_r', (...area) => getgrnam(cString(name), ...area) as number,
      (record) => ({ name: stringAt(record.readBigUInt64LE(0)), gid: record.readUInt32LE(16) })),
    groupById: (gid) => lookUp('getgrgid_r', (...area) => getgrgid(gid, ...area) as number,
      (record) => ({ name: stringAt(record.readBigUInt64LE(0)), gid: record.readUInt32LE(16) })),
    getgrouplist: (user, gid) => {
      // -1 means the list was too small, and the count says how large it must be.
      for (let size = 64; ;) {
        const list = Buffer.alloc(4 * size);
        const count = Buffer.alloc(4);
        count.writeInt32LE(size, 0);
        const found = getgrouplist(cString(user), gid, list, count) as number;
        const needed = count.readInt32LE(0);
        if (found !== -1) return Array.from({ length: needed }, (_, i) => list.readUInt32LE(4 * i));
        if (needed <= size || needed > 65536) throw new SyscallError('getgrouplist', ERANGE, errnoName(ERANGE), 'too many groups');
        size = needed;
      }
    },
    userNames: (limit) => enumerate(setpwent, getpwent, endpwent, limit),
    groupNames: (limit) => enumerate(setgrent, getgrent, endgrent, limit),
    setgroups: (gids) => {
      const list = Buffer.alloc(Math.max(4 * gids.length, 4));
      gids.forEach((gid, i) => list.writeUInt32LE(gid, 4 * i));
      check('setgroups', setgroups(gids.length, list) as number);
    },
    setresgid: (real, effective, saved) => void check('setresgid', setresgid(real, effective, saved) as number),
    setresuid: (real, effective, saved) => void check('setresuid', setresuid(real, effective, saved) as number),
    getresuid: () => ids('getresuid', getresuid),
    getresgid: () => ids('getresgid', getresgid),
    getgroups: () => {
      const count = check('getgroups', getgroups(0, null) as number);
      const list = Buffer.alloc(Math.max(4 * count, 4));
      const got = check('getgroups', getgroups(count, list) as number);
      return Array.from({ length: got }, (_, i) => list.readUInt32LE(4 * i));
    },
    setenv: (name, value) => void check('setenv', setenv(cString(name), cString(value), 1) as number),
    clearenv: () => void check('clearenv', clearenv() as number),
    fnmatch: (pattern, text) => (fnmatch(cString(pattern), cString(text), 0) as number) === 0,
    syslog: (facility, priority, message) => {
      const LOG_PID = 0x01;
      if (log === undefined) {
        log = { ident: cText('capexec'), format: cText('%s') };
        openlog(log.ident, LOG_PID, facility);
      }
      syslog(priority, log.format, 'void *', cString(message));
    },
  };
}

// A libc older than 2.34 has no close_range(): its absence only costs a slower path.
function optional<T>(bind: () => T): T | undefined {
  try {
    return bind();
  } catch {
    return undefined;
  }
}
