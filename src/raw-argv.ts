import { CapexecError } from './errors';
import { readProcFile } from './proc-files';

// Node decodes argv as UTF-8 and replaces invalid bytes with U+FFFD, so the strings in
// process.argv cannot be handed to the helper. The kernel still has the exact bytes.
export function rawArgvTail(tail: readonly string[], cmdline: Buffer = readProcFile('/proc/self/cmdline')): Buffer[] {
  const entries = splitNul(cmdline);
  const raw = entries.slice(entries.length - tail.length);
  const matches = raw.length === tail.length && raw.every((bytes, i) => bytes.toString('utf8') === tail[i]);
  if (!matches) {
    throw new CapexecError('cannot read the command line', '/proc/self/cmdline does not match the arguments');
  }
  return raw;
}

function splitNul(bytes: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0, start); end !== -1; end = bytes.indexOf(0, start)) {
    entries.push(bytes.subarray(start, end));
    start = end + 1;
  }
  if (start < bytes.length) entries.push(bytes.subarray(start));
  return entries;
}
