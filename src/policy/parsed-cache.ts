import { chmodSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ownAsset } from '../kernel/addon';
import { systemErrorCode } from '../support/errors';
import { printable } from '../support/messages';
import { findUntrustedComponent, findUntrustedTarget, lstatPath } from '../support/trusted-path';
import { parsePolicy } from './parse';
import type { Identity, Rule } from './rule';

// Parsing a policy of hundreds of rules costs a launch several milliseconds, paid again
// at every launch, although the text seldom changes. So root's capexec --check of the
// installed policy keeps the parsed rules here, with the very text they were parsed
// from; a launch uses them only while the policy's text is the same, and parses the
// file itself on any doubt. What names and cmd paths resolve to is never kept: they are
// resolved at each launch, as users, groups and files change without the policy.
export const PARSED_POLICY_PATH = '/var/cache/capexec/capexec.conf.parsed';

// What the rules were parsed by, and for: another build of capexec, or a kernel that
// knows other capabilities, may read the same text otherwise. Each launch resolves every
// rule's identity and cmd, but can only be decided by the caller's own rules: so each
// rule's identity, cmd path and pin are kept apart, in order, and the rest of it is JSON
// text of its own, parsed only for a rule that is the caller's. Hundreds of rules then cost a launch hundreds of
// strings, not hundreds of objects to read, check and collect.
interface Stored {
  build: string;
  lastCap: number;
  policy: string;
  // As written: a user's name or uid, or `:` and a group's.
  identities: string[];
  commands: (string | null)[];
  // The sha256 that pins the cmd, which decides whether an unsafe one is a problem: kept
  // here alone, so that what a launch reads of every rule and what it makes whole of the
  // caller's cannot say two things.
  pins: (string | null)[];
  rests: string[];
}

// The rest of a rule, beside its identity, cmd path and pin.
type Rest = Omit<Rule, 'identity' | 'command'> & { args: readonly string[] | undefined };

// Kept rules, read back: what every rule is for at once, each rule whole when asked.
export interface KeptRules {
  count: number;
  identity(index: number): Identity;
  // The cmd path, and whether a sha256 pins it; undefined for a rule without cmd.
  command(index: number): { path: string; pinned: boolean } | undefined;
  // undefined when what was kept is not a rule the parser gives.
  rule(index: number): Rule | undefined;
}

// The standalone executable's build, as the SHA-256 of its script (scripts/build-sea.js
// writes it in as an asset); undefined elsewhere, where nothing is stored or used.
export const BUILD_ID_ASSET = 'build-id';

export function buildId(): string | undefined {
  return ownAsset(BUILD_ID_ASSET);
}

export interface StoreOptions {
  path: string;
  build: string | undefined;
}

const STORE: StoreOptions = { path: PARSED_POLICY_PATH, build: undefined };

// The rules parsed from `text`, if the store holds them; undefined otherwise, whatever
// the reason: the store is a shortcut, never a second source of rules. Trusted as the
// policy is, or not at all: root's along its whole path, writable by no one else.
export function storedRules(text: string, lastCap: number, { path, build }: StoreOptions = { ...STORE, build: buildId() }): KeptRules | undefined {
  if (build === undefined || findUntrustedTarget(path, 'file') !== undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  let stored: Partial<Stored> | null;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.uid !== 0 || (stats.mode & 0o022) !== 0 || stats.nlink !== 1) return undefined;
    // Written in ASCII (below), so read one byte to a character: half the memory of a
    // UTF-8 decoding, at every launch.
    stored = JSON.parse(readFileSync(fd).toString('latin1')) as Partial<Stored> | null;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  if (stored?.build !== build || stored.lastCap !== lastCap || stored.policy !== text) return undefined;
  const { identities, commands, pins, rests } = stored;
  if (!Array.isArray(identities) || !Array.isArray(commands) || !Array.isArray(pins) || !Array.isArray(rests)) return undefined;
  const count = identities.length;
  if (commands.length !== count || pins.length !== count || rests.length !== count) return undefined;
  for (let i = 0; i < count; i++) {
    const identity: unknown = identities[i];
    const command: unknown = commands[i];
    const pin: unknown = pins[i];
    if (typeof identity !== 'string' || identity === '' || identity === ':' || typeof rests[i] !== 'string') return undefined;
    if (command === null ? pin !== null : !isCommandPath(command) || (pin !== null && (typeof pin !== 'string' || !SHA256.test(pin)))) return undefined;
  }
  return {
    count,
    identity: (index) => identityOf(identities[index] ?? ''),
    command: (index) => {
      const command = commands[index];
      return command === null || command === undefined ? undefined : { path: command, pinned: typeof pins[index] === 'string' };
    },
    rule: (index) => wholeRule({ identities, commands, pins, rests }, index, lastCap),
  };
}

// A kept rule made whole; undefined when its rest is not of the parser's shape, or gives
// args to a rule without cmd.
function wholeRule(kept: Pick<Stored, 'identities' | 'commands' | 'pins' | 'rests'>, index: number, lastCap: number): Rule | undefined {
  const command = kept.commands[index];
  let rest: unknown;
  try {
    rest = JSON.parse(kept.rests[index] ?? '');
  } catch {
    return undefined;
  }
  if (command === undefined || !isRest(rest, lastCap)) return undefined;
  if (command === null && rest.args !== undefined) return undefined;
  const { action, keepenv, setenv, caps, args, line, columns } = rest;
  return {
    action, keepenv, setenv, identity: identityOf(kept.identities[index] ?? ''), caps,
    command: command === null ? undefined : { path: command, sha256: kept.pins[index] ?? undefined, args }, line, columns,
  };
}

function identityOf(text: string): Identity {
  return text.startsWith(':') ? { kind: 'group', text: text.slice(1) } : { kind: 'user', text };
}

// Whether the rest of a kept rule has the shape the parser gives, so that a file damaged
// or edited by hand cannot widen a rule: a permit rule without caps would permit any.
// One that does not sends the launch to the policy.
function isRest(value: unknown, lastCap: number): value is Rest {
  if (!isObject(value)) return false;
  const { action, keepenv, setenv, caps, args, line, columns } = value;
  if ((action !== 'permit' && action !== 'deny') || typeof keepenv !== 'boolean' || !Array.isArray(setenv)) return false;
  for (const item of setenv) if (!isSetenvItem(item)) return false;
  if (caps === undefined) {
    if (action === 'permit') return false;
  } else {
    if (!Array.isArray(caps)) return false;
    for (const cap of caps) if (!Number.isInteger(cap) || cap < 0 || cap > lastCap) return false;
  }
  if (args !== undefined) {
    if (!Array.isArray(args)) return false;
    for (const arg of args) if (typeof arg !== 'string') return false;
  }
  return isCount(line) && isObject(columns) && isCount(columns['identity']) && (columns['command'] === undefined || isCount(columns['command']));
}

function isCommandPath(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('/');
}

const SHA256 = /^[0-9a-f]{64}$/;

function isSetenvItem(value: unknown): boolean {
  if (!isObject(value) || typeof value['name'] !== 'string') return false;
  switch (value['kind']) {
    case 'set':
      return typeof value['value'] === 'string';
    case 'copy-from':
      return typeof value['from'] === 'string';
    case 'keep':
    case 'unset':
      return true;
    default:
      return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

// Keeps the rules parsed from `text`, when it parses without a problem; by root only,
// into a directory only root can change, through a new file renamed into place so that
// a launch never reads half of one. A reason in words when nothing could be kept.
export function storeRules(text: string, lastCap: number, { path, build }: StoreOptions = { ...STORE, build: buildId() }): string | undefined {
  if (build === undefined) return 'only the standalone executable keeps them';
  const parsed = parsePolicy(text, lastCap);
  if (parsed.problems.length > 0) return 'the policy has problems';
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true, mode: 0o755 });
  } catch (error) {
    return `${printable(directory)} cannot be made (${systemErrorCode(error) ?? 'error'})`;
  }
  const unsafe = findUntrustedComponent(directory, 'directory', lstatPath);
  if (unsafe !== undefined) return `${printable(unsafe.path)} ${unsafe.why}`;
  try {
    // 0755 whatever root's umask, which mkdir() applied: every launch, by any user, looks in.
    chmodSync(directory, 0o755);
  } catch (error) {
    return `${printable(directory)} cannot be made readable (${systemErrorCode(error) ?? 'error'})`;
  }
  const rules = parsed.rules;
  const stored: Stored = {
    build,
    lastCap,
    policy: text,
    identities: rules.map(({ identity }) => (identity.kind === 'group' ? `:${identity.text}` : identity.text)),
    commands: rules.map(({ command }) => command?.path ?? null),
    pins: rules.map(({ command }) => command?.sha256 ?? null),
    rests: rules.map(({ action, keepenv, setenv, caps, command, line, columns }) => {
      const rest: Rest = { action, keepenv, setenv, caps, args: command?.args, line, columns };
      return JSON.stringify(rest);
    }),
  };
  const temporary = `${path}.${process.pid}`;
  let fd: number;
  try {
    fd = createExclusively(temporary);
  } catch (error) {
    return `${printable(temporary)} cannot be created (${systemErrorCode(error) ?? 'error'})`;
  }
  try {
    try {
      // 0644 whatever root's umask: every launch, by any user, reads it.
      fchmodSync(fd, 0o644);
      const bytes = Buffer.from(JSON.stringify(stored).replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1');
      for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    return undefined;
  } catch (error) {
    removeQuietly(temporary);
    return `${printable(path)} cannot be written (${systemErrorCode(error) ?? 'error'})`;
  }
}

// A file of that name is what a store killed before its rename left, in a directory only
// root can write (checked above): it is removed once, and made anew.
function createExclusively(path: string): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return openSync(path, flags, 0o644);
  } catch (error) {
    if (systemErrorCode(error) !== 'EEXIST') throw error;
    unlinkSync(path);
    return openSync(path, flags, 0o644);
  }
}

// After a failed write: the partial file is no use to anyone.
function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or as unremovable as it was uncreatable: nothing more to do.
  }
}
