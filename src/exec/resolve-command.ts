import { accessSync, constants, statSync } from 'node:fs';
import { CapexecError, EXIT_CANNOT_RUN, EXIT_NOT_FOUND } from '../support/errors';
import { printable } from '../support/messages';

// glibc's execvp() falls back to confstr(_CS_PATH) when PATH is unset.
const DEFAULT_PATH = Buffer.from('/bin:/usr/bin');

// The search execvp() does, without exec'ing: a name with a slash is taken as it is;
// otherwise the first executable regular file along PATH wins, an empty entry meaning
// the working directory. Found-but-not-executable is remembered, as execvp() does, so
// the result is 126 rather than 127.
export function resolveCommand(name: Buffer, pathVariable: Buffer | undefined): Buffer {
  if (name.length === 0) throw notFound(name);
  if (name.includes(0x2f)) return name;

  let sawUnrunnable = false;
  for (const directory of splitPath(pathVariable ?? DEFAULT_PATH)) {
    const candidate = Buffer.concat([directory.length === 0 ? Buffer.from('.') : directory, Buffer.from('/'), name]);
    const kind = probe(candidate);
    if (kind === 'runnable') return candidate;
    if (kind === 'unrunnable') sawUnrunnable = true;
  }
  if (sawUnrunnable) {
    throw new CapexecError('command_not_runnable', printable(name), 'Permission denied', { exitCode: EXIT_CANNOT_RUN });
  }
  throw notFound(name);
}

function notFound(name: Buffer): CapexecError {
  return new CapexecError('command_not_found', `'${printable(name)}'`, 'command not found', { exitCode: EXIT_NOT_FOUND });
}

function splitPath(path: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let colon = path.indexOf(0x3a); colon !== -1; colon = path.indexOf(0x3a, start)) {
    parts.push(path.subarray(start, colon));
    start = colon + 1;
  }
  parts.push(path.subarray(start));
  return parts;
}

function probe(candidate: Buffer): 'missing' | 'unrunnable' | 'runnable' {
  let isFile: boolean;
  try {
    isFile = statSync(candidate).isFile();
  } catch {
    return 'missing';
  }
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    return 'unrunnable';
  }
  return isFile ? 'runnable' : 'unrunnable';
}

export interface CommandToInspect {
  // As resolveCommand() found it.
  path: Buffer;
  args: readonly Buffer[];
}

// argv's first word found along PATH, with the rest of argv: what the diagnosis inspects.
export function lookUpCommand(argv: readonly Buffer[], pathVariable: Buffer | undefined): CommandToInspect {
  const [name = Buffer.alloc(0), ...args] = argv;
  return { path: resolveCommand(name, pathVariable), args };
}
