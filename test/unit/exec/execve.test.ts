import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execCommand } from '../../../src/exec/execve';
import { CapexecError } from '../../../src/support/errors';
import { FakeLibc, fakeState, type FakeState } from '../../helpers/fake-libc';

// latin1: one byte per character, so a test can hand over bytes that are not UTF-8.
const argvBlock = (args: string[]) => ({ block: Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'latin1'), count: args.length });

// What execve() was handed: the path and the argv strings, read back through the
// pointers the way the kernel reads them.
function handed(state: FakeState): { path: string; argv: string[] } {
  const exec = state.exec;
  if (exec === undefined) throw new Error('execve was not called');
  const [stringsAddress, strings] = [...state.memory].find(([address]) => address === exec.path) ?? [];
  const pointers = state.memory.get(exec.argv);
  if (stringsAddress === undefined || strings === undefined || pointers === undefined) throw new Error('unknown address');
  const cString = (at: number) => strings.toString('latin1', at, strings.indexOf(0, at));
  const argv: string[] = [];
  for (let i = 0; ; i++) {
    const pointer = pointers.readBigUInt64LE(8 * i);
    if (pointer === 0n) break;
    argv.push(cString(Number(pointer - stringsAddress)));
  }
  return { path: cString(0), argv };
}

test('argv pointers point at each string, and the array ends in NULL', () => {
  const state = fakeState();
  assert.throws(() => execCommand(new FakeLibc(state), Buffer.from('/bin/echo'), argvBlock(['echo', '', 'a b', '\xff'])), (error: unknown) => error instanceof CapexecError);
  assert.equal(handed(state), { path: '/bin/echo', argv: ['echo', '', 'a b', '\xff'] });
});

test('a string block that crosses a 4 GiB boundary carries into the high half of its pointers', () => {
  // The strings start 16 bytes below 2^32 * 0x7f01: the low 32-bit half overflows partway.
  const state = fakeState({ nextAddress: 0x7f01_0000_0000n - 16n });
  const args = ['first-argument', 'second-argument', 'third'];
  assert.throws(() => execCommand(new FakeLibc(state), Buffer.from('/x'), argvBlock(args)));
  assert.equal(handed(state).argv, args);
});

test('a failed exec is 127 for ENOENT and 126 otherwise', () => {
  for (const [errno, status, code] of [['ENOENT', 127, 'command_not_found'], ['EACCES', 126, 'command_not_runnable']] as const) {
    const state = fakeState({ failures: { execve: errno } });
    assert.throws(() => execCommand(new FakeLibc(state), Buffer.from('/x'), argvBlock(['x'])), (error: unknown) =>
      error instanceof CapexecError && error.exitCode === status && error.code === code);
  }
});

test.run();
