import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError, SyscallError } from '../../../src/support/errors';
import { environmentBounds, findNodeChannel, readNodeChannel, refuseNodeChannel } from '../../../src/exec/node-channel';
import type { Libc } from '../../../src/kernel/libc';

const O_NONBLOCK = 0o4000;
const environ = (...entries: string[]): Buffer => Buffer.from(entries.map((entry) => `${entry}\0`).join(''), 'latin1');
const text = (value: Buffer | undefined): string | undefined => value?.toString('latin1');

// File status flags by fd, as fcntl(F_GETFL) reports them; fds not listed are closed.
function fakeLibc(flags: Map<number, number>): { libc: () => Libc; calls: number } {
  const state = { calls: 0 };
  const libc = {
    fcntl(fd: number, command: number, argument?: number): number {
      state.calls++;
      const current = flags.get(fd);
      if (current === undefined) throw new SyscallError('fcntl', 9, 'EBADF', 'Bad file descriptor');
      if (command === 3) return current;
      if (command === 4) {
        flags.set(fd, argument ?? 0);
        return 0;
      }
      throw new Error(`unexpected fcntl command ${command}`);
    },
  } as unknown as Libc;
  return { libc: () => libc, get calls() { return state.calls; } };
}

test('the variables are found wherever they are in the environment, first value first', () => {
  assert.equal(text(findNodeChannel(environ('NODE_CHANNEL_FD=1', 'PATH=/bin')).channelFd), '1');
  assert.equal(text(findNodeChannel(environ('PATH=/bin', 'NODE_CHANNEL_FD=4', 'NODE_CHANNEL_FD=5')).channelFd), '4');
  assert.equal(text(findNodeChannel(environ('PATH=/bin', 'NODE_UNIQUE_ID=7')).uniqueId), '7');
  assert.equal(text(findNodeChannel(Buffer.from('A=1\0NODE_CHANNEL_FD=', 'latin1')).channelFd), '');
  assert.equal(findNodeChannel(environ('XNODE_CHANNEL_FD=1', 'NODE_CHANNEL_FDX=1', 'A=NODE_UNIQUE_ID=1')), { channelFd: undefined, uniqueId: undefined });
  assert.equal(findNodeChannel(Buffer.alloc(0)), { channelFd: undefined, uniqueId: undefined });
});

test('without them nothing is touched', () => {
  const fake = fakeLibc(new Map([[1, 1 | O_NONBLOCK]]));
  refuseNodeChannel({ channelFd: undefined, uniqueId: undefined }, fake.libc);
  assert.is(fake.calls, 0);
});

test('the channel fd gets its blocking mode back, and the start is refused', () => {
  const flags = new Map([[1, 1 | O_NONBLOCK]]);
  const fake = fakeLibc(flags);
  try {
    refuseNodeChannel({ channelFd: Buffer.from('1'), uniqueId: undefined }, fake.libc);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.is((error as CapexecError).code, 'node_channel_set');
    assert.is((error as CapexecError).exitCode, 125);
    assert.match((error as CapexecError).message, /^refusing to start with NODE_CHANNEL_FD=1: /);
  }
  assert.is(flags.get(1), 1);
});

test('Node parses the fd with parseInt, and so does capexec', () => {
  const flags = new Map([[3, O_NONBLOCK]]);
  assert.throws(() => refuseNodeChannel({ channelFd: Buffer.from('3 apples'), uniqueId: undefined }, fakeLibc(flags).libc), /NODE_CHANNEL_FD=3 apples/);
  assert.is(flags.get(3), 0);
});

test('a channel fd that is not open, or no number, is refused all the same', () => {
  for (const value of ['9', '99999999999', 'x']) {
    const fake = fakeLibc(new Map());
    assert.throws(() => refuseNodeChannel({ channelFd: Buffer.from(value), uniqueId: undefined }, fake.libc), /NODE_CHANNEL_FD/);
  }
});

test('NODE_UNIQUE_ID alone is refused, without touching any fd', () => {
  const fake = fakeLibc(new Map([[1, 1 | O_NONBLOCK]]));
  assert.throws(() => refuseNodeChannel({ channelFd: undefined, uniqueId: Buffer.from('\x1b[2J') }, fake.libc), /^refusing to start with NODE_UNIQUE_ID=\\x1b\[2J: /);
  assert.is(fake.calls, 0);
});

test('the environment\'s bounds come from fields 50 and 51 of /proc/self/stat', () => {
  const tail = (start: string, end: string) => [...Array.from({ length: 47 }, (_, i) => String(i + 3)), start, end, '0'].join(' ');
  assert.equal(environmentBounds(`42 (a) b) ${tail('1000', '1010')}\n`), { start: 1000n, length: 10 });
  assert.equal(environmentBounds(`42 (sh) ${tail('1000', '1000')}`), { start: 1000n, length: 0 });
  assert.is(environmentBounds(`42 (sh) ${tail('0', '0')}`), undefined);
  assert.is(environmentBounds(`42 (sh) ${tail('1010', '1000')}`), undefined);
  assert.is(environmentBounds('42 (sh) S 1 2'), undefined);
});

// A privileged process reads its environment from memory, where /proc/self/stat says
// it is, and never tries /proc/self/environ, which it may not open.
test('a privileged process reads the environment from memory, others from /proc/self/environ', () => {
  const asked: [bigint, number][] = [];
  const memory = {
    readMemory(address: bigint, length: number): Buffer {
      asked.push([address, length]);
      return environ('PATH=/bin', 'NODE_UNIQUE_ID=7');
    },
  } as unknown as Libc;
  const stat = environmentBounds(readFileSync('/proc/self/stat', 'latin1'));
  assert.equal(text(readNodeChannel(() => memory, true).uniqueId), '7');
  assert.equal(asked, [[stat?.start, stat?.length]]);
  asked.length = 0;
  assert.is(readNodeChannel(() => memory, false).uniqueId, undefined);
  assert.equal(asked, []);
});

test.run();
