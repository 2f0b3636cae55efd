import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND } from './errors';
import type { Libc } from './libc';
import { printable } from './messages';

// execve() with byte-exact strings: the path and argv as the caller gave them, and
// libc's own environ, which Node never re-encodes. Returns only by throwing. Pointers
// are written as 64-bit little-endian: the executable is built for x64 and arm64 only.
export function execCommand(c: Libc, path: Buffer, argv: readonly Buffer[]): never {
  const strings = [path, ...argv];
  const size = strings.reduce((total, bytes) => total + bytes.length + 1, 0);
  const block = c.alloc(size);
  const pointers = c.alloc(8 * (argv.length + 1));
  const addresses: bigint[] = [];
  let offset = 0;
  for (const bytes of strings) {
    bytes.copy(block.view, offset);
    block.view[offset + bytes.length] = 0;
    addresses.push(block.address + BigInt(offset));
    offset += bytes.length + 1;
  }
  addresses.slice(1).forEach((address, i) => pointers.view.writeBigUInt64LE(address, 8 * i));
  pointers.view.writeBigUInt64LE(0n, 8 * argv.length);

  const error = c.execve(block.address, pointers.address, c.environ());
  throw new CapexecError(printable(path), error.message.replace(/^execve: /, ''), {
    exitCode: error.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN,
  });
}
