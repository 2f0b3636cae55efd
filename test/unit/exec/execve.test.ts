import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execCommand } from '../../../src/exec/execve';
import type { OpenedCommand } from '../../../src/exec/open-command';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState, type FakeState } from '../../helpers/fake-libc';

// latin1: one byte per character, so a test can hand over bytes that are not UTF-8.
const argvBlock = (args: string[]) => ({ block: Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'latin1'), count: args.length });
const opened = (fd = 7): OpenedCommand => ({ path: Buffer.from('/bin/x'), fd, dev: 1n, ino: 2n, mode: 0o100755, uid: 0, gid: 0, capability: undefined });
const isCapexecError = (error: unknown) => error instanceof CapexecError;

// What execveat() was handed: the fd and the argv strings, read back through the
// pointers the way the kernel reads them.
function handed(state: FakeState): { fd: number; argv: string[] } {
  const exec = state.exec;
  if (exec === undefined || !('fd' in exec)) throw new Error('execveat was not called');
  const pointers = state.memory.get(exec.argv);
  if (pointers === undefined) throw new Error('unknown argv address');
  const argv: string[] = [];
  for (let i = 0; ; i++) {
    const pointer = pointers.readBigUInt64LE(8 * i);
    if (pointer === 0n) break;
    const [base, block] = [...state.memory].find(([address, view]) => pointer >= address && pointer < address + BigInt(view.length)) ?? [];
    if (base === undefined || block === undefined) throw new Error(`pointer ${pointer} is outside every block`);
    const at = Number(pointer - base);
    argv.push(block.toString('latin1', at, block.indexOf(0, at)));
  }
  return { fd: exec.fd, argv };
}

test('the opened fd is exec\'d; argv pointers point at each string, and the array ends in NULL', () => {
  const state = fakeState({ fds: new Map([[9, [1, 0]]]) });
  assert.throws(() => execCommand(new FakeLibc(state), opened(9), argvBlock(['echo', '', 'a b', '\xff'])), isCapexecError);
  assert.equal(handed(state), { fd: 9, argv: ['echo', '', 'a b', '\xff'] });
});

test('a block that does not hold exactly its count of NUL-ended strings is refused before any pointer is written', () => {
  for (const block of [{ block: Buffer.from('a\0b\0'), count: 1 }, { block: Buffer.from('a\0b\0'), count: 3 }, { block: Buffer.from('a\0b'), count: 2 }]) {
    const state = fakeState({ fds: new Map([[7, [1, 0]]]) });
    assert.throws(() => execCommand(new FakeLibc(state), opened(), block), (error: unknown) => error instanceof CapexecError && error.code === 'internal_error');
    assert.is(state.exec, undefined);
  }
});

test('ENOENT from a close-on-exec fd is the script case: the fd is kept open and the exec tried again', () => {
  const state = fakeState({ fds: new Map([[7, [1, 0]]]) });
  assert.throws(() => execCommand(new FakeLibc(state), opened(), argvBlock(['x'])), isCapexecError);
  assert.equal(state.calls.filter((call) => call === 'execveat' || call === 'fcntl'), ['execveat', 'fcntl', 'execveat']);
  assert.is(state.fds.get(7)?.[0], 0);
});

test('a failed exec is 127 for ENOENT and 126 otherwise', () => {
  for (const [errno, status, code] of [['ENOENT', 127, 'command_not_found'], ['EACCES', 126, 'command_not_runnable']] as const) {
    const state = fakeState({ failures: { execveat: errno }, fds: new Map([[7, [1, 0]]]) });
    assert.throws(() => execCommand(new FakeLibc(state), opened(), argvBlock(['x'])), (error: unknown) =>
      error instanceof CapexecError && error.exitCode === status && error.code === code);
  }
});

test.run();
