import type { Libc } from '../kernel/libc';
import type { CapMask } from './sets';

// _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set, enough for caps 0..63.
const VERSION_3 = 0x20080522;

const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_IS_SET = 1;
const PR_CAP_AMBIENT_RAISE = 2;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;

export interface CapState {
  effective: CapMask;
  permitted: CapMask;
  inheritable: CapMask;
}

function header(): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeUInt32LE(VERSION_3, 0);
  return buffer; // pid 0: this thread
}

export function readCapState(c: Libc): CapState {
  const data = Buffer.alloc(24);
  c.capget(header(), data);
  const word = (set: number): CapMask =>
    BigInt(data.readUInt32LE(set * 4)) | (BigInt(data.readUInt32LE(12 + set * 4)) << 32n);
  return { effective: word(0), permitted: word(1), inheritable: word(2) };
}

export function writeCapState(c: Libc, state: CapState): void {
  const data = Buffer.alloc(24);
  [state.effective, state.permitted, state.inheritable].forEach((mask, set) => {
    data.writeUInt32LE(Number(mask & 0xffffffffn), set * 4);
    data.writeUInt32LE(Number(mask >> 32n), 12 + set * 4);
  });
  c.capset(header(), data);
}

export function clearAmbient(c: Libc): void {
  c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

export function raiseAmbient(c: Libc, cap: number): void {
  c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
}

export function isAmbient(c: Libc, cap: number): boolean {
  return c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) === 1;
}
