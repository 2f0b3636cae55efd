import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { printable } from '../support/messages';
import type { RawArgv } from './raw-argv';

const TWO_TO_32 = 0x1_0000_0000;

// execve() with byte-exact strings: the path and argv as the caller gave them, and
// libc's own environ, which Node never re-encodes. Returns only by throwing. Pointers
// are 64-bit little-endian, as on x64 and arm64, the only targets, and are written as
// two 32-bit halves in plain numbers: a BigInt per argument would cost more than the
// exec itself on a long command line.
export function execCommand(c: Libc, path: Buffer, argv: RawArgv): never {
  const strings = c.alloc(path.length + 1 + argv.block.length);
  path.copy(strings.view, 0);
  strings.view[path.length] = 0;
  argv.block.copy(strings.view, path.length + 1);

  const pointers = c.alloc(8 * (argv.count + 1));
  const words = new Uint32Array(pointers.view.buffer, pointers.view.byteOffset, 2 * (argv.count + 1));
  const base = strings.address + BigInt(path.length + 1);
  const low = Number(base & 0xffffffffn);
  const high = Number(base >> 32n);
  // One character per byte, and JavaScript's string search, which is far cheaper per
  // call than a Buffer's.
  const text = argv.block.toString('latin1');
  for (let i = 0, start = 0; i < argv.count; i++, start = text.indexOf('\0', start) + 1) {
    const address = low + start;
    words[2 * i] = address % TWO_TO_32;
    words[2 * i + 1] = high + Math.floor(address / TWO_TO_32);
  }
  words[2 * argv.count] = 0;
  words[2 * argv.count + 1] = 0;

  const error = c.execve(strings.address, pointers.address, c.environ());
  throw new CapexecError(error.code === 'ENOENT' ? 'command_not_found' : 'command_not_runnable', printable(path), error.description, {
    exitCode: error.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN,
  });
}
