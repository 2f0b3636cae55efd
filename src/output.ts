import { writeSync } from 'node:fs';
import { CapexecError } from './errors';

// Synchronous writes to the fd itself, never process.stdout: the stream object can
// switch a shared pipe to non-blocking mode behind the caller's back. A pipe may take
// less than all of it at once.
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
  } catch (error) {
    throw new CapexecError('cannot write the output', (error as NodeJS.ErrnoException).code ?? String(error));
  }
}
