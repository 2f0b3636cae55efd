import { capName, capsText, resolveCapNames } from '../caps/names';
import { readProcessState, stateJson } from '../caps/process-state';
import { maskOf, namesIn } from '../caps/sets';
import { isAmbient, lowerAmbient, readCapState, writeCapState } from '../caps/state';
import { libc, type Libc } from '../kernel/libc';
import { readCapLastCap } from '../kernel/proc';
import { CapexecError, SyscallError } from '../support/errors';
import { threadCapabilities, type CapabilityState, type ThreadCapabilities } from './state';

/**
 * The sets drop() empties of the named capabilities. The bounding set is not among
 * them: lowering it needs CAP_SETPCAP, and nothing is gained once permitted is empty.
 */
export type DroppedSet = 'effective' | 'permitted' | 'inheritable' | 'ambient';
const SETS: readonly DroppedSet[] = ['effective', 'permitted', 'inheritable', 'ambient'];

export interface DropResult {
  /** The capabilities removed, as lowercase `cap_…` names. */
  dropped: string[];
  /** The calling thread's state afterwards, read back from the kernel. */
  state: CapabilityState;
  /**
   * The other threads of this process that still hold one of the dropped capabilities
   * in any set: capset() changes the calling thread only.
   */
  otherThreads: ThreadCapabilities[];
}

/** The kernel kept a capability drop() asked it to remove, or refused the change. */
export class DropError extends CapexecError {
  /** What the calling thread still holds of the capabilities asked for, set by set. */
  readonly kept: Readonly<Record<DroppedSet, readonly string[]>>;

  constructor(what: string, why: string, kept: Record<DroppedSet, string[]>, cause?: unknown) {
    super('caps_not_dropped', what, why, { cause });
    this.name = 'DropError';
    this.kept = kept;
  }
}

/**
 * Removes `caps` (names as --cap takes them) from the calling thread's ambient,
 * inheritable, permitted and effective sets, and reads them back. Only the calling
 * thread changes: the other threads of the process (libuv's pool, which runs fs, dns
 * and crypto work, and V8's platform threads) keep what they held, as `otherThreads`
 * shows. Children spawned from the calling thread afterwards get none of them.
 */
export function drop(caps: string | readonly string[]): DropResult {
  const c = libc();
  const numbers = resolveCapNames(capNames(caps), readCapLastCap());
  dropFromThisThread(c, numbers);
  const dropped = namesIn(maskOf(numbers));
  const others = threadCapabilities().filter((thread) => !thread.current && SETS.some((set) => thread[set].some((name) => dropped.includes(name))));
  return { dropped, state: stateJson(readProcessState(c)), otherThreads: others };
}

/**
 * The kernel's own answers decide, read back through capget() and prctl(): a drop that
 * did not happen must not look as if it had.
 */
export function dropFromThisThread(c: Libc, caps: readonly number[]): void {
  const mask = maskOf(caps);
  try {
    lowerAmbientCaps(c, caps);
    const current = readCapState(c);
    writeCapState(c, {
      effective: current.effective & ~mask,
      permitted: current.permitted & ~mask,
      inheritable: current.inheritable & ~mask,
    });
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new DropError(`cannot drop ${capsText(caps)}`, error.message, keptOf(c, caps), error);
  }
  const kept = keptOf(c, caps);
  const still = SETS.filter((set) => kept[set].length > 0);
  if (still.length > 0) {
    const held = capsText(caps.filter((cap) => still.some((set) => kept[set].includes(capName(cap)))));
    throw new DropError(`cannot drop ${held}`, `the kernel kept them in the ${still.join(', ')} set`, kept);
  }
}

// The same form as --cap: a name, or several separated by commas.
function capNames(caps: string | readonly string[]): string[] {
  const list: readonly unknown[] = typeof caps === 'string' ? [caps] : caps;
  return list.flatMap((item) => {
    if (typeof item !== 'string') throw new CapexecError('usage', 'drop() needs capability names', `not ${typeof item}`);
    return item.split(',');
  });
}

// PR_CAP_AMBIENT fails with EINVAL on a kernel without ambient sets (before 4.3): there
// is nothing to lower there.
function ambientCaps(c: Libc, caps: readonly number[]): number[] {
  try {
    return caps.filter((cap) => isAmbient(c, cap));
  } catch (error) {
    if (error instanceof SyscallError && error.code === 'EINVAL') return [];
    throw error;
  }
}

function lowerAmbientCaps(c: Libc, caps: readonly number[]): void {
  for (const cap of ambientCaps(c, caps)) lowerAmbient(c, cap);
}

function keptOf(c: Libc, caps: readonly number[]): Record<DroppedSet, string[]> {
  const mask = maskOf(caps);
  const now = readCapState(c);
  return {
    effective: namesIn(now.effective & mask),
    permitted: namesIn(now.permitted & mask),
    inheritable: namesIn(now.inheritable & mask),
    ambient: ambientCaps(c, caps).map(capName),
  };
}
