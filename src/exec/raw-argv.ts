import { CapexecError } from '../support/errors';
import { readProcFile } from '../kernel/proc';

// The command's exact bytes: `count` NUL-terminated strings back to back, as execve()
// takes them. One block rather than a Buffer per argument: a command line may hold
// tens of thousands of arguments, and per-argument objects would cost more than the
// rest of capexec's start-up.
export interface RawArgv {
  block: Buffer;
  count: number;
}

// Node decodes argv as UTF-8 and replaces invalid bytes with U+FFFD, so the strings in
// process.argv cannot be handed to the helper. The kernel still has the exact bytes:
// the last `tail.length` strings of /proc/self/cmdline, which must decode to `tail`.
export function rawArgvTail(tail: readonly string[], cmdline: Buffer = readProcFile('/proc/self/cmdline')): RawArgv {
  // One native join, encoded outside the JavaScript heap and compared there as bytes,
  // the last NUL on its own: a map() over tens of thousands of arguments, a NUL appended
  // to the joined string (which its encoding flattens into a second copy) or a decoded
  // copy of the command line would each cost a launch milliseconds at that size.
  const joined = tail.join('\0');
  const bytes = Buffer.from(joined);
  // Usually the bytes are the strings' own UTF-8; only invalid UTF-8 needs a search.
  const end = cmdline.length - 1;
  const guess = tail.length === 0 ? cmdline.length : end - bytes.length;
  if (atStringStart(cmdline, guess) && (tail.length === 0 || (cmdline[end] === 0 && cmdline.compare(bytes, 0, bytes.length, guess, end) === 0))) {
    return { block: cmdline.subarray(guess), count: tail.length };
  }
  const start = startOfLastStrings(cmdline, tail.length);
  if (start === undefined || !atStringStart(cmdline, start) || cmdline.toString('utf8', start) !== (tail.length === 0 ? '' : `${joined}\0`)) {
    throw new CapexecError('cmdline_mismatch', 'cannot read the command line', '/proc/self/cmdline does not match the arguments');
  }
  return { block: cmdline.subarray(start), count: tail.length };
}

function atStringStart(cmdline: Buffer, at: number): boolean {
  return at >= 0 && (at === 0 || cmdline[at - 1] === 0);
}

// Where the last `count` NUL-terminated strings of `bytes` begin; undefined if it holds
// fewer, or does not end in a NUL. Searched in a latin1 string, one character per byte:
// JavaScript's own string search is far cheaper per call than a Buffer's.
function startOfLastStrings(bytes: Buffer, count: number): number | undefined {
  if (count === 0) return bytes.length;
  const text = bytes.toString('latin1');
  if (!text.endsWith('\0')) return undefined;
  let at = text.length - 1;
  for (let seen = 0; seen < count; seen++) {
    if (at < 0) return undefined;
    at = text.lastIndexOf('\0', at - 1);
  }
  return at + 1;
}

export function firstArgument(argv: RawArgv): Buffer {
  return argv.count === 0 ? Buffer.alloc(0) : argv.block.subarray(0, argv.block.indexOf(0));
}

// The arguments one by one, for what inspects them so (the diagnosis, a policy rule's
// args); a launch asks only when one does. The NULs are found in a latin1 string, whose
// search is far cheaper per call than a Buffer's.
export function argvEntries(argv: RawArgv): Buffer[] {
  const entries: Buffer[] = [];
  const text = argv.block.toString('latin1');
  let start = 0;
  for (let end = text.indexOf('\0'); end !== -1; end = text.indexOf('\0', start)) {
    entries.push(argv.block.subarray(start, end));
    start = end + 1;
  }
  return entries;
}

// The block without its first word: the arguments after the command's name.
export function argumentsBlock(argv: RawArgv): Buffer {
  return argv.count === 0 ? Buffer.alloc(0) : argv.block.subarray(argv.block.indexOf(0) + 1);
}
