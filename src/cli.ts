import { writeSync } from 'node:fs';
import { parseArguments } from './arguments';
import { CapexecError } from './errors';
import { HELP, VERSION } from './help';
import { launch } from './launch';
import { errorLines, unexpectedErrorLine } from './messages';

export function run(args: readonly string[]): never {
  let status: number;
  try {
    status = main(args);
  } catch (error) {
    status = report(error);
  }
  process.exit(status);
}

function main(args: readonly string[]): number {
  const options = parseArguments(args);
  switch (options.mode) {
    case 'help':
      write(1, HELP);
      return 0;
    case 'version':
      write(1, `capexec ${VERSION}\n`);
      return 0;
    case 'launch':
      return launch(options);
    default:
      throw new CapexecError(`--${options.mode}`, 'not built yet');
  }
}

function report(error: unknown): number {
  if (error instanceof CapexecError) {
    write(2, errorLines(error).join('\n') + '\n');
    return error.exitCode;
  }
  write(2, unexpectedErrorLine(error) + '\n');
  return 125;
}

// Synchronous writes, never process.stdout: touching the stream objects can switch a
// shared pipe to non-blocking mode behind the caller's back.
function write(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // Nowhere left to report to; the exit status still tells.
  }
}
