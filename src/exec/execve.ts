import { F_SETFD } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND, type SyscallError } from '../support/errors';
import { printable } from '../support/messages';
import type { OpenedCommand } from './open-command';
import type { RawArgv } from './raw-argv';

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
// glibc's argz functions walk the block in C: a JavaScript loop over tens of thousands
// of arguments would cost milliseconds. The count is checked before any pointer is
// written, so the array can never be too short for what the block holds.
function argvPointers(c: Libc, argv: RawArgv): bigint {
  const strings = c.alloc(argv.block.length);
  argv.block.copy(strings.view, 0);
  if (argv.block.length > 0 && argv.block[argv.block.length - 1] !== 0) throw malformed('its last string has no NUL');
  const count = c.argzCount(strings.address, argv.block.length);
  if (count !== argv.count) throw malformed(`it holds ${count} strings, not ${argv.count}`);
  const pointers = c.alloc(8 * (argv.count + 1));
  c.argzExtract(strings.address, argv.block.length, pointers.address);
  return pointers.address;
}

function malformed(why: string): CapexecError {
  return new CapexecError('internal_error', 'cannot lay out the command line', why);
}
