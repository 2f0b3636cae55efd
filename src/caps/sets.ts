import { MAX_CAP } from '../kernel/constants';
import { capName } from './names';

// A set of capabilities as the kernel stores it: bit N is capability N.
export type CapMask = bigint;

export function maskOf(caps: readonly number[]): CapMask {
  return caps.reduce((mask, cap) => mask | (1n << BigInt(cap)), 0n);
}

export function capsIn(mask: CapMask): number[] {
  const caps: number[] = [];
  for (let cap = 0; cap <= MAX_CAP; cap++) if (mask & (1n << BigInt(cap))) caps.push(cap);
  return caps;
}

export function hasCap(mask: CapMask, cap: number): boolean {
  return (mask & (1n << BigInt(cap))) !== 0n;
}

export function namesIn(mask: CapMask): string[] {
  return capsIn(mask).map(capName);
}
