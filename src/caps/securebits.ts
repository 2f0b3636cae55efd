// securebits(7), as PR_GET_SECUREBITS returns them: each flag's lock is the bit above it.
export const SECUREBITS = {
  noroot: 0,
  no_setuid_fixup: 2,
  keep_caps: 4,
  no_cap_ambient_raise: 6,
  exec_restrict_file: 8,
  exec_deny_interactive: 10,
} as const;

export type Securebit = keyof typeof SECUREBITS;

export function isSecurebitSet(bits: number, name: Securebit): boolean {
  return ((bits >> SECUREBITS[name]) & 1) === 1;
}

export function isSecurebitLocked(bits: number, name: Securebit): boolean {
  return ((bits >> (SECUREBITS[name] + 1)) & 1) === 1;
}

// The names of the flags and locks that are set, a lock as `<flag>_locked`.
export function securebitFlags(bits: number): string[] {
  return (Object.keys(SECUREBITS) as Securebit[]).flatMap((name) => [
    ...(isSecurebitSet(bits, name) ? [name] : []),
    ...(isSecurebitLocked(bits, name) ? [`${name}_locked`] : []),
  ]);
}
