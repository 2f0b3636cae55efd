import { closeSync, openSync, readSync } from 'node:fs';

// A sha256 pin is checked on what the command's own fd reads, never on the path again:
// the one hashing loop for a launch (which copies each chunk as it hashes it) and for
// capexec --check and --doctor (which only hash).

// SHA-256 of everything `input` reads from its offset on, in hex; each chunk is handed
// to `each` after it is hashed, so a copy holds exactly the bytes the hash covers.
export function sha256Reading(input: number, each?: (chunk: Buffer) => void): string {
  // Loaded here: node:crypto costs milliseconds to load, and only a pinned rule needs it.
  const hash = (require('node:crypto') as typeof import('node:crypto')).createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer)) {
    const chunk = buffer.subarray(0, read);
    hash.update(chunk);
    each?.(chunk);
  }
  return hash.digest('hex');
}

// The content of an O_PATH fd, hashed through a readable open of the same file. An empty
// string, which no pin can equal, when the caller may not read it: then nothing shows
// that the content is the pinned one.
export function sha256OfOpened(fd: number): string {
  let input: number;
  try {
    input = openSync(`/proc/self/fd/${fd}`, 'r');
  } catch {
    return '';
  }
  try {
    return sha256Reading(input);
  } finally {
    closeSync(input);
  }
}
