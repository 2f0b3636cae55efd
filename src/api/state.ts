import { readProcessState, stateJson, type StateJson } from '../caps/process-state';
import { namesIn } from '../caps/sets';
import { libc } from '../kernel/libc';
import { readOwnThreadId, readThreadCaps } from '../kernel/proc';

/**
 * The calling thread's capability sets and the ids of its process: the object
 * `capexec --print --json` prints, read by the same code.
 */
export type CapabilityState = StateJson;

/**
 * Capability sets are per thread. This is the calling thread's: the main thread for
 * code on Node's event loop, a Worker's own thread inside a Worker.
 */
export function capabilityState(): CapabilityState {
  return stateJson(readProcessState(libc()));
}

/** One thread of this process and what it holds, from /proc/self/task/TID/status. */
export interface ThreadCapabilities {
  tid: number;
  /**
   * The thread's name as the kernel has it: Node 24 names its threads (`MainThread`,
   * `V8Worker`, `libuv-worker`, ...), Node 20 leaves them all `node`.
   */
  name: string;
  /** Whether this is the thread that asked. */
  current: boolean;
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
  bounding: string[];
}

/**
 * Every thread of this process. drop() changes only the calling thread; this is where
 * the others (libuv's thread pool, V8's platform threads, Workers) show what they kept.
 */
export function threadCapabilities(): ThreadCapabilities[] {
  const own = readOwnThreadId();
  return readThreadCaps().map((thread) => ({
    tid: thread.tid,
    name: thread.name,
    current: thread.tid === own,
    effective: namesIn(thread.effective),
    permitted: namesIn(thread.permitted),
    inheritable: namesIn(thread.inheritable),
    ambient: namesIn(thread.ambient),
    bounding: namesIn(thread.bounding),
  }));
}
