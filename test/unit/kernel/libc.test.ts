import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Koffi } from '../../../src/kernel/addon';
import { bindLibc, libc } from '../../../src/kernel/libc';
import { CapexecError, SyscallError } from '../../../src/support/errors';
import { ROOT } from '../../helpers/privileged';

const ERRNO = { EPERM: 1, EBADF: 9, ENOMEM: 12, EINVAL: 22, ENOSYS: 38, ENODATA: 61 };

// koffi as libc.ts sees it, with each C function answered by `results` under its name;
// a name left out is missing from libc. errno is what the last failing call set.
function fakeKoffi(results: Record<string, (...args: unknown[]) => unknown>, options: { pointerSize?: number } = {}): { koffi: Koffi; calls: unknown[][] } {
  let errno = 0;
  const calls: unknown[][] = [];
  const koffi: Koffi = {
    sizeof: () => options.pointerSize ?? 8,
    load: () => ({
      func: (definition) => {
        const name = /([A-Za-z_]\w*)\s*\(/.exec(definition)?.[1] ?? '';
        const result = results[name];
        if (result === undefined) throw new Error(`cannot find function '${name}'`);
        return (...args: unknown[]) => {
          calls.push([name, ...args]);
          const value = result(...args);
          if (Array.isArray(value)) {
            errno = value[1] as number;
            return value[0];
          }
          return value;
        };
      },
      symbol: () => 0n,
    }),
    errno: () => errno,
    os: { errno: ERRNO },
    decode: () => 0n,
    view: () => new ArrayBuffer(0),
    alloc: () => 0n,
  };
  return { koffi, calls };
}

// The functions every binding needs, answering success; a test overrides what it is about.
const ok = (overrides: Record<string, (...args: unknown[]) => unknown> = {}) => ({
  capget: () => 0, capset: () => 0, prctl: () => 0, fcntl: () => 0, signal: () => 0n, pthread_sigmask: () => 0,
  getenv: () => null, strlen: () => 0, strerror: (errno: unknown) => `strerror ${String(errno)}`, execveat: () => -1, open: () => 3, memfd_create: () => 4,
  getxattr: () => 0, _exit: () => undefined, close_range: () => 0, getauxval: () => 0, setxattr: () => 0,
  getpwnam_r: () => 0, getpwuid_r: () => 0, getgrnam_r: () => 0, fnmatch: () => 1, openlog: () => undefined, syslog: () => undefined,
  ...overrides,
});

const syscallError = (call: string, code: string) => (error: unknown) =>
  error instanceof SyscallError && error.call === call && error.code === code && error.description.startsWith('strerror');

test('argz_count and argz_extract, in the real glibc: a pointer to each string of the block, then NULL', () => {
  const c = libc();
  const block = Buffer.from('echo\0\0a b\0\xff\0', 'latin1');
  const strings = c.alloc(block.length);
  block.copy(strings.view);
  assert.is(c.argzCount(strings.address, block.length), 4);
  const pointers = c.alloc(8 * 5);
  pointers.view.fill(0xaa);
  c.argzExtract(strings.address, block.length, pointers.address);
  const offsets = [0, 1, 2, 3, 4].map((i) => pointers.view.readBigUInt64LE(8 * i));
  assert.equal(offsets.slice(0, 4).map((pointer) => Number(pointer - strings.address)), [0, 5, 6, 10]);
  assert.is(offsets[4], 0n);
});

// In a process of its own, whose environment is known: each entry, in order, byte for
// byte, one that is empty and one that is no UTF-8 among them.
test('environBlock, in the real glibc: every entry of environ in order, byte for byte, NUL-ended, back to back', () => {
  const script = `
    const c = require(${JSON.stringify(join(ROOT, 'build', 'src', 'kernel', 'libc.js'))}).libc();
    c.setenv('D', Buffer.from([0xff, 0x3d]));
    const { block, count } = c.environBlock();
    process.stdout.write(JSON.stringify({ block: block.toString('hex'), count }));`;
  const child = spawnSync(process.execPath, ['-e', script], { env: { A: '1', B: '', C: 'x y' }, encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const { block, count } = JSON.parse(child.stdout) as { block: string; count: number };
  assert.is(Buffer.from(block, 'hex').toString('latin1'), 'A=1\0B=\0C=x y\0D=\xff=\0');
  assert.is(count, 4);
});

test('environBlock: no environ is no entry; argz_create failing is its errno; the block is freed', () => {
  const freed: unknown[] = [];
  const emptyEnviron = fakeKoffi(ok());
  emptyEnviron.koffi.decode = () => null;
  assert.equal(bindLibc(emptyEnviron.koffi).environBlock(), { block: Buffer.alloc(0), count: 0 });
  const failing = fakeKoffi(ok({ argz_create: () => 12, free: (pointer: unknown) => freed.push(pointer) }));
  failing.koffi.decode = () => 0x1000n;
  assert.throws(() => bindLibc(failing.koffi).environBlock(), syscallError('argz_create', 'ENOMEM'));
  const copied = fakeKoffi(ok({
    argz_create: (_vector: unknown, argz: unknown, length: unknown) => {
      (argz as Buffer).writeBigUInt64LE(0x2000n, 0);
      (length as Buffer).writeBigUInt64LE(4n, 0);
      return 0;
    },
    argz_count: () => 2,
    free: (pointer: unknown) => freed.push(pointer),
  }));
  copied.koffi.decode = () => 0x1000n;
  copied.koffi.view = () => new Uint8Array(Buffer.from('A\0B\0')).buffer;
  assert.equal(bindLibc(copied.koffi).environBlock(), { block: Buffer.from('A\0B\0'), count: 2 });
  assert.equal(freed, [0x2000n]);
});

test('a call returning -1 throws the errno by name, with strerror text', () => {
  const { koffi } = fakeKoffi(ok({ capset: () => [-1, ERRNO.EPERM], getxattr: () => [-1, ERRNO.EPERM] }));
  const c = bindLibc(koffi);
  assert.throws(() => c.capset(Buffer.alloc(8), Buffer.alloc(24)), syscallError('capset', 'EPERM'));
  assert.throws(() => c.getxattr('/x', 'security.capability'), syscallError('getxattr', 'EPERM'));
});

test('getxattr: no such attribute (ENODATA) is no value, not an error, and builds none', () => {
  const { koffi, calls } = fakeKoffi(ok({ getxattr: () => [-1, ERRNO.ENODATA] }));
  assert.is(bindLibc(koffi).getxattr('/x', 'security.capability'), undefined);
  assert.not.ok(calls.some(([name]) => name === 'strerror'), 'no strerror() for a failure that is none');
});

test('prctl passes every argument as an unsigned long, and returns its value', () => {
  const { koffi, calls } = fakeKoffi(ok({ prctl: () => 1 }));
  assert.is(bindLibc(koffi).prctl(47, 1, 12), 1);
  assert.equal(calls.at(-1), ['prctl', 47, 'unsigned long', 1, 'unsigned long', 12, 'unsigned long', 0, 'unsigned long', 0]);
});

test('close_range: missing, ENOSYS and EINVAL mean the slow path; another errno is an error', () => {
  const { close_range: _, ...withoutCloseRange } = ok();
  assert.is(bindLibc(fakeKoffi(withoutCloseRange).koffi).closeOnExecFrom(3), false);
  assert.is(bindLibc(fakeKoffi(ok({ close_range: () => [-1, ERRNO.ENOSYS] })).koffi).closeOnExecFrom(3), false);
  assert.is(bindLibc(fakeKoffi(ok({ close_range: () => [-1, ERRNO.EINVAL] })).koffi).closeOnExecFrom(3), false);
  assert.throws(() => bindLibc(fakeKoffi(ok({ close_range: () => [-1, ERRNO.EBADF] })).koffi).closeOnExecFrom(3), syscallError('close_range', 'EBADF'));
  assert.is(bindLibc(fakeKoffi(ok()).koffi).closeOnExecFrom(3), true);
});

test('signal() returning SIG_ERR and pthread_sigmask() returning an errno both throw', () => {
  const c = bindLibc(fakeKoffi(ok({ signal: () => [0xffffffffffffffffn, ERRNO.EINVAL], pthread_sigmask: () => ERRNO.EINVAL })).koffi);
  assert.throws(() => c.resetSignal(13), syscallError('signal', 'EINVAL'));
  assert.throws(() => c.unblockAllSignals(), syscallError('pthread_sigmask', 'EINVAL'));
});

test('an unset variable is undefined; a failed execveat is returned, not thrown', () => {
  const c = bindLibc(fakeKoffi(ok({ execveat: () => [-1, 2] })).koffi);
  assert.is(c.getenv('PATH'), undefined);
  const error = c.execveat(3, 0n, 0n);
  assert.instance(error, SyscallError);
  assert.is(error.errno, 2);
  assert.is(c.errnoName(12345), 'errno 12345');
});

test('functions are bound at their first call, not when libc is bound', () => {
  const { koffi, calls } = fakeKoffi(ok());
  let bound = 0;
  const load = koffi.load;
  koffi.load = (path) => {
    const lib = load(path);
    return { ...lib, func: (definition) => { bound++; return lib.func(definition); } };
  };
  const c = bindLibc(koffi);
  const atBind = bound;
  c.fnmatch(Buffer.from('x'), Buffer.from('x'));
  c.fnmatch(Buffer.from('x'), Buffer.from('y'));
  assert.is(bound - atBind, 1);
  assert.ok(atBind <= 2, `${atBind} functions bound up front`);
  assert.is(calls.length, 2);
});

test('a machine without 64-bit pointers is refused before anything is bound', () => {
  assert.throws(() => bindLibc(fakeKoffi(ok(), { pointerSize: 4 }).koffi), (error: unknown) =>
    error instanceof CapexecError && error.code === 'unsupported_machine');
});

// Memory for the NSS lookups: koffi.alloc() blocks at fake addresses, which the fake C
// functions write through and libc.ts reads back through view() and strlen().
function fakeMemory() {
  const blocks = new Map<bigint, Uint8Array>();
  let next = 0x10000n;
  const find = (address: bigint): [Uint8Array, number] => {
    for (const [base, bytes] of blocks) if (address >= base && address < base + BigInt(bytes.length)) return [bytes, Number(address - base)];
    throw new Error(`no memory at ${address}`);
  };
  return {
    blocks,
    alloc: (_type: string, length: number): bigint => {
      const address = next;
      blocks.set(address, new Uint8Array(length));
      next += BigInt(length) + 0x1000n;
      return address;
    },
    view: (address: unknown, length: number): ArrayBuffer => {
      const [bytes, offset] = find(address as bigint);
      // koffi's view is the memory itself: a whole block stays live, as writes must show.
      return offset === 0 && length === bytes.length ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(offset, offset + length) as ArrayBuffer);
    },
    strlen: (address: unknown): number => {
      const [bytes, offset] = find(address as bigint);
      return bytes.indexOf(0, offset) - offset;
    },
    // What getpwnam_r() does: strings into the caller's buffer, the entry pointing at them.
    writePasswd: (entry: bigint, buffer: bigint, result: bigint, fields: { name: string; uid: number; gid: number; dir: string; shell: string }): void => {
      const [entryBytes, entryAt] = find(entry);
      const [bufferBytes, bufferAt] = find(buffer);
      const view = new DataView(entryBytes.buffer);
      let cursor = 0;
      const put = (text: string): bigint => {
        const at = bufferAt + cursor;
        bufferBytes.set(Buffer.from(`${text}\0`, 'latin1'), at);
        cursor += text.length + 1;
        return buffer + BigInt(at - bufferAt);
      };
      view.setBigUint64(entryAt, put(fields.name), true);
      view.setUint32(entryAt + 16, fields.uid, true);
      view.setUint32(entryAt + 20, fields.gid, true);
      view.setBigUint64(entryAt + 32, put(fields.dir), true);
      view.setBigUint64(entryAt + 40, put(fields.shell), true);
      const [resultBytes, resultAt] = find(result);
      new DataView(resultBytes.buffer).setBigUint64(resultAt, entry, true);
    },
  };
}

function nssKoffi(getpwnam: (memory: ReturnType<typeof fakeMemory>, size: number, entry: bigint, buffer: bigint, result: bigint) => number) {
  const memory = fakeMemory();
  const sizes: number[] = [];
  const { koffi } = fakeKoffi(ok({
    strlen: memory.strlen,
    getpwnam_r: (_name, entry, buffer, size, result) => {
      sizes.push(size as number);
      return getpwnam(memory, size as number, entry as bigint, buffer as bigint, result as bigint);
    },
  }));
  Object.assign(koffi, { alloc: memory.alloc, view: memory.view, os: { errno: { ...ERRNO, ENOENT: 2, EIO: 5, ERANGE: 34 } } });
  return { c: bindLibc(koffi), sizes };
}

test('getpwnam_r: the entry is decoded; ERANGE asks again with a larger buffer', () => {
  const shell = '/bin/sh';
  const { c, sizes } = nssKoffi((mem, size, entry, buffer, result) => {
    if (size < 20000) return 34;
    mem.writePasswd(entry, buffer, result, { name: 'www-data', uid: 33, gid: 34, dir: '/var/www', shell });
    return 0;
  });
  assert.equal(c.userByName('www-data'), { name: 'www-data', uid: 33, gid: 34, home: '/var/www', shell });
  assert.equal(sizes, [16384, 65536]);
});

test('getpwnam_r: a null result is "no such user", with 0 or ENOENT', () => {
  assert.is(nssKoffi(() => 0).c.userByName('x'), undefined);
  assert.is(nssKoffi(() => 2).c.userByName('x'), undefined);
});

// getpwnam_r(3): 0, ENOENT, ESRCH, EBADF or EPERM mean the name is not there; any other
// error is NSS failing to answer (an LDAP server down), which must not read as "no such
// user", nor a buffer NSS still finds too small at 16 MB.
test('getpwnam_r: an error NSS returns is thrown, not read as no such user', () => {
  for (const errno of [1, 3, 9]) assert.is(nssKoffi(() => errno).c.userByName('x'), undefined, String(errno));
  assert.throws(() => nssKoffi(() => 5).c.userByName('x'), syscallError('getpwnam_r', 'EIO'));
  assert.throws(() => nssKoffi(() => 34).c.userByName('x'), syscallError('getpwnam_r', 'ERANGE'));
});

test('getgrouplist: a list too small is asked for again at the size it says', () => {
  const sizes: number[] = [];
  const { koffi } = fakeKoffi(ok({
    getgrouplist: (_user, gid, list, count) => {
      const wanted = 100;
      sizes.push((count as Buffer).readInt32LE(0));
      (count as Buffer).writeInt32LE(wanted, 0);
      if ((list as Buffer).length < 4 * wanted) return -1;
      for (let i = 0; i < wanted; i++) (list as Buffer).writeUInt32LE((gid as number) + i, 4 * i);
      return wanted;
    },
  }));
  const groups = bindLibc(koffi).getgrouplist('www-data', 1000);
  assert.equal(sizes, [64, 100]);
  assert.is(groups.length, 100);
  assert.is(groups[99], 1099);
});

test('setgroups passes 32-bit gids; getresuid reads the three ids', () => {
  const { koffi, calls } = fakeKoffi(ok({
    setgroups: () => 0,
    getresuid: (real, effective, saved) => {
      (real as Buffer).writeUInt32LE(1, 0);
      (effective as Buffer).writeUInt32LE(2, 0);
      (saved as Buffer).writeUInt32LE(3, 0);
      return 0;
    },
  }));
  const c = bindLibc(koffi);
  c.setgroups([33, 70000]);
  const [, count, list] = calls.at(-1) ?? [];
  assert.is(count, 2);
  assert.equal([(list as Buffer).readUInt32LE(0), (list as Buffer).readUInt32LE(4)], [33, 70000]);
  assert.equal(c.getresuid(), [1, 2, 3]);
});

test('the identity calls are bound only when first used', () => {
  const { koffi } = fakeKoffi(ok());
  const c = bindLibc(koffi);
  assert.throws(() => c.setresuid(1, 1, 1), /cannot find function 'setresuid'/);
});

test.run();
