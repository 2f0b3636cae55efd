import { statusFieldMap, statusMask } from '../../src/kernel/proc-parse';

// The fields tests assert on, from a /proc/PID/status text the helper printed.
export const statusFields = statusFieldMap;

export function capMaskField(fields: Map<string, string>, name: string): bigint {
  const mask = statusMask(fields, name);
  if (mask === undefined) throw new Error(`no ${name} in status`);
  return mask;
}
