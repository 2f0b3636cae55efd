import { writeSync } from 'node:fs';
import { CapexecError, systemErrorCode } from './errors';

// Synchronous writes to the fd itself, never process.stdout: the stream object can
// switch a shared pipe to non-blocking mode behind the caller's back. A pipe may take
// less than all of it at once, and one the caller made non-blocking may take nothing
// for a while: wait a millisecond and write again, as a blocking write would wait.
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      const code = systemErrorCode(error);
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw new CapexecError('output_failed', 'cannot write the output', code ?? String(error));
    }
  }
}
