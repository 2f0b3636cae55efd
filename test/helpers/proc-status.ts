// Reads the fields tests assert on from a /proc/PID/status text the helper printed.
export function statusFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s*(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) fields.set(match[1], match[2].trim());
  }
  return fields;
}

export function capMaskField(fields: Map<string, string>, name: string): bigint {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`no ${name} in status`);
  return BigInt(`0x${value}`);
}
