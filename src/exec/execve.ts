import { F_SETFD } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND, type SyscallError } from '../support/errors';
import { printable } from '../support/messages';
import type { OpenedCommand } from './open-command';
import type { RawArgv } from './raw-argv';

const TWO_TO_32 = 0x1_0000_0000;

// execveat() of the opened command, with byte-exact argv and libc's own environ, which
// Node never re-encodes. Returns only by throwing.
// `environment`, when given, replaces the caller's, in the same block form as argv.
export function execCommand(c: Libc, command: OpenedCommand, argv: RawArgv, environment?: RawArgv): never {
  const pointers = argvPointers(c, argv);
  const envp = environment === undefined ? c.environ() : argvPointers(c, environment);
  let error = c.execveat(command.fd, pointers, envp);
  // execveat(2): a script run from a close-on-exec fd fails with ENOENT, since its
  // interpreter could not open /dev/fd/N. Only then is the fd kept open for it.
  if (error.code === 'ENOENT') {
    c.fcntl(command.fd, F_SETFD, 0);
    error = c.execveat(command.fd, pointers, envp);
  }
  throw execFailure(command.path, error);
}

function execFailure(path: Buffer, error: SyscallError): CapexecError {
  const missing = error.code === 'ENOENT';
  return new CapexecError(missing ? 'command_not_found' : 'command_not_runnable', printable(path), error.description, {
    exitCode: missing ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN,
    cause: error,
  });
}

// The argv array execve() takes: a pointer to each string of the block, then NULL.
// Pointers are 64-bit little-endian, as on x64 and arm64, the only targets, and are
// written as two 32-bit halves in plain numbers: a BigInt per argument would cost more
// than the exec itself on a long command line.
function argvPointers(c: Libc, argv: RawArgv): bigint {
  const strings = c.alloc(argv.block.length);
  argv.block.copy(strings.view, 0);

  const pointers = c.alloc(8 * (argv.count + 1));
  const words = new Uint32Array(pointers.view.buffer, pointers.view.byteOffset, 2 * (argv.count + 1));
  const low = Number(strings.address & 0xffffffffn);
  const high = Number(strings.address >> 32n);
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
  return pointers.address;
}
