import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Koffi } from '../../../src/kernel/addon';
import { bindLibc } from '../../../src/kernel/libc';
import { CapexecError, SyscallError } from '../../../src/support/errors';

const ERRNO = { EPERM: 1, EBADF: 9, EINVAL: 22, ENOSYS: 38, ENODATA: 61 };

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
  getenv: () => null, strlen: () => 0, strerror: (errno: unknown) => `strerror ${String(errno)}`, execve: () => -1, execveat: () => -1, open: () => 3, memfd_create: () => 4,
  getxattr: () => 0, _exit: () => undefined, close_range: () => 0, getauxval: () => 0, setxattr: () => 0,
  getpwnam_r: () => 0, getpwuid_r: () => 0, getgrnam_r: () => 0, fnmatch: () => 1, openlog: () => undefined, syslog: () => undefined,
  ...overrides,
});

const syscallError = (call: string, code: string) => (error: unknown) =>
  error instanceof SyscallError && error.call === call && error.code === code && error.description.startsWith('strerror');

test('a call returning -1 throws the errno by name, with strerror text', () => {
  const { koffi } = fakeKoffi(ok({ capset: () => [-1, ERRNO.EPERM], getxattr: () => [-1, ERRNO.ENODATA] }));
  const c = bindLibc(koffi);
  assert.throws(() => c.capset(Buffer.alloc(8), Buffer.alloc(24)), syscallError('capset', 'EPERM'));
  assert.throws(() => c.getxattr('/x', 'security.capability'), syscallError('getxattr', 'ENODATA'));
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

test('an unset variable is undefined; a failed execve is returned, not thrown', () => {
  const c = bindLibc(fakeKoffi(ok({ execve: () => [-1, 2] })).koffi);
  assert.is(c.getenv('PATH'), undefined);
  const error = c.execve(0n, 0n, 0n);
  assert.instance(error, SyscallError);
  assert.is(error.errno, 2);
  assert.is(c.errnoName(12345), 'errno 12345');
});

test('a machine without 64-bit pointers is refused before anything is bound', () => {
  assert.throws(() => bindLibc(fakeKoffi(ok(), { pointerSize: 4 }).koffi), (error: unknown) =>
    error instanceof CapexecError && error.code === 'unsupported_machine');
});

test.run();
