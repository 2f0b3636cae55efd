// The fields tests assert on, from a /proc/PID/status text the helper printed. Parsed
// here, not with src/kernel/proc-parse.ts: a test that checks capexec against the
// kernel must not share capexec's reading of the kernel.
export function statusFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (match?.[1] !== undefined) fields.set(match[1], (match[2] ?? '').trim());
  }
  return fields;
}

export function capMaskField(fields: Map<string, string>, name: string): bigint {
  const value = fields.get(name);
  if (value === undefined || !/^[0-9a-f]{16}$/.test(value)) throw new Error(`no ${name} in status`);
  return BigInt(`0x${value}`);
}
