// One line of capexec.conf, as parsed: what it says, before names are resolved.

export type SetenvItem =
  | { kind: 'set'; name: string; value: string }
  // VAR=$OTHER: OTHER's value in the caller's environment, if it has one.
  | { kind: 'copy-from'; name: string; from: string }
  | { kind: 'keep'; name: string }
  | { kind: 'unset'; name: string };

export interface Identity {
  kind: 'user' | 'group';
  // As written, without the colon of a group: a name or a decimal id.
  text: string;
}

export interface CommandPattern {
  path: string;
  sha256: string | undefined;
  // undefined: any arguments; []: none at all.
  args: readonly string[] | undefined;
}

export interface Rule {
  action: 'permit' | 'deny';
  keepenv: boolean;
  setenv: readonly SetenvItem[];
  identity: Identity;
  // undefined only on a deny rule without `cap`: it denies any request.
  caps: readonly number[] | undefined;
  command: CommandPattern | undefined;
  line: number;
  // Where the identity and the cmd path stand, for problems found when they are resolved.
  columns: { identity: number; command: number | undefined };
}

// Where a problem is, and what to do about it: `FILE:LINE:COL: what (fix)`.
export interface PolicyProblem {
  line: number;
  column: number;
  what: string;
  fix: string;
  // A warning (a rule that hands capabilities to a program that runs others) leaves the
  // policy in force; an error stops it, and with it every launch.
  severity: 'error' | 'warning';
}
