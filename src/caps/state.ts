import { LINUX_CAPABILITY_VERSION_3, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, PR_CAP_AMBIENT_IS_SET, PR_CAP_AMBIENT_LOWER, PR_CAP_AMBIENT_RAISE } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import type { CapMask } from './sets';


export interface CapState {
  effective: CapMask;
  permitted: CapMask;
  inheritable: CapMask;
}

function header(): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
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

export function lowerAmbient(c: Libc, cap: number): void {
  c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0);
}
