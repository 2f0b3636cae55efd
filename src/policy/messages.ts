import { printable, shellWord } from '../support/messages';
import type { PolicyProblem } from './rule';

// Every message about capexec.conf is worded here, so they read alike and every piece of
// the file's own text goes through printable() in one place.

const at = (line: number, column: number, what: string, fix: string, severity: PolicyProblem['severity'] = 'error'): PolicyProblem =>
  ({ line, column, what, fix, severity });

export const problems = {
  syntax: (line: number, column: number, what: string, fix: string) => at(line, column, what, fix),
  noAction: (line: number, column: number, word: string) =>
    at(line, column, `a rule starts with permit or deny, not '${printable(word)}'`, 'e.g. permit :netadmins cap net_admin cmd /usr/bin/tunctl'),
  noIdentity: (line: number, column: number) =>
    at(line, column, 'no user or :group after the options', 'name who the rule is for: a user, a uid, :group or :gid'),
  badIdentity: (line: number, column: number, word: string) =>
    at(line, column, `'${printable(word)}' is not a user name, uid, :group or :gid`, 'e.g. alice, 1000, :netadmins or :117'),
  optionOnDeny: (line: number, column: number, word: string) =>
    at(line, column, `${printable(word)} on a deny rule`, 'keepenv and setenv belong to permit rules'),
  repeated: (line: number, column: number, word: string) =>
    at(line, column, `${printable(word)} given twice`, 'give it once'),
  unknownWord: (line: number, column: number, word: string) =>
    at(line, column, `unknown keyword '${printable(word)}'`, 'the words after the identity are cap, cmd, sha256 and args'),
  missingValue: (line: number, column: number, keyword: string, what: string) =>
    at(line, column, `${keyword} needs ${what}`, `e.g. ${EXAMPLES[keyword] ?? keyword}`),
  permitWithoutCap: (line: number, column: number) =>
    at(line, column, 'a permit rule without cap', 'name the capabilities it permits: cap net_admin'),
  // `fix`: the capability names' own hint (did you mean ...?), when they have one.
  badCap: (line: number, column: number, why: string, fix = 'see capabilities(7) for the names; capexec --help') => at(line, column, why, fix),
  relativeCmd: (line: number, column: number, path: string) =>
    at(line, column, `cmd ${printable(path)} is not a normalized absolute path`, 'give the full path, e.g. cmd /usr/bin/tunctl'),
  notAfterCmd: (line: number, column: number, keyword: string) =>
    at(line, column, `${keyword} without cmd before it`, `${keyword} belongs to a cmd: cmd /usr/bin/tunctl ${keyword} ...`),
  badSha256: (line: number, column: number, word: string) =>
    at(line, column, `sha256 '${printable(word)}' is not 64 hexadecimal digits`, 'sha256sum FILE prints it'),
  badSetenv: (line: number, column: number, word: string) =>
    at(line, column, `setenv item '${printable(word)}' is not VAR=value, VAR or -VAR`, 'e.g. setenv { LANG=C.UTF-8 TERM -TZ }'),
  unclosedSetenv: (line: number, column: number) => at(line, column, 'setenv { without its }', 'close the list with }'),
  unknownUser: (line: number, column: number, name: string) =>
    at(line, column, `no user '${printable(name)}'`, 'check the name, or give a uid'),
  unknownGroup: (line: number, column: number, name: string) =>
    at(line, column, `no group '${printable(name)}'`, 'check the name, or give a gid'),
  // NSS did not answer: the name may well be right.
  identityUnanswered: (line: number, column: number, kind: 'user' | 'group', name: string, why: string) =>
    at(line, column, `cannot look up ${kind} '${printable(name)}' (${why})`, `check that the ${kind} database answers: getent ${kind === 'user' ? 'passwd' : 'group'} ${shellWord(name)}`),
  cmdMissing: (line: number, column: number, path: string, why: string) =>
    at(line, column, `cmd ${printable(path)} ${why}`, 'check the path; a rule for a command that is not there is a typo waiting to happen'),
  cmdUnsafe: (line: number, column: number, path: string, why: string) =>
    at(line, column, `cmd ${printable(path)}: ${why}, so its owner could replace the program this rule allows`,
      'make it and every directory above it root\'s and writable by no one else, or pin its content: sha256 HEX'),
  // `byArguments`: exact args make the rule as narrow as they are.
  runsOthers: (line: number, column: number, path: string, why: string, byArguments: boolean) =>
    at(line, column, `cmd ${printable(path)} ${why}, and every program it starts inherits the ambient capabilities`,
      byArguments ? 'restrict its arguments with args, in words that cannot be options' : 'allow a narrower command, e.g. a root-owned script or program that does just the one job', 'warning'),
  anyCommand: (line: number, column: number) =>
    at(line, column, 'a permit rule without cmd permits its capabilities to any command', 'name the command: cmd /usr/bin/tunctl', 'warning'),
};

// Why a launch is refused, for its error line and for the policy_denied finding that a
// refused launch and --doctor both show.
export const denial = {
  what: (user: string, caps: string, command: string | Buffer) => `${printable(user)} may not pass ${caps} to ${printable(command)}`,
  why: (path: string, denyingLine: number | undefined) =>
    denyingLine === undefined ? `no rule in ${printable(path)} permits it` : `${printable(path)}:${denyingLine} denies it`,
  closest: (path: string, closest: { line: number; differences: readonly string[] } | undefined) =>
    closest === undefined
      ? `${printable(path)} has no permit rule`
      : `the closest rule, ${printable(path)}:${closest.line}, does not fit: ${closest.differences.join('; ') || 'a later deny rule overrides it'}`,
  fix: 'ask the administrator for a rule; capexec --list shows the rules that apply to you',
};

const EXAMPLES: Record<string, string> = {
  cap: 'cap net_admin,net_raw',
  cmd: 'cmd /usr/bin/tunctl',
  sha256: 'sha256 followed by what sha256sum prints',
  setenv: 'setenv { LANG=C.UTF-8 }',
};

// What capexec --check and --list print.
export const report = {
  valid: (path: string, rules: number, warnings: number) =>
    `${printable(path)}: valid, ${rules} rule${rules === 1 ? '' : 's'}${warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'}`}`,
  kept: (store: string) => `${printable(store)}: the parsed rules, kept for launches while the policy's text stays the same`,
  notKept: (store: string, why: string) => `${printable(store)}: nothing kept (${why}); each launch parses the policy itself`,
  invalid: (path: string, errors: number, installed: boolean) =>
    `${printable(path)}: ${errors} error${errors === 1 ? '' : 's'}, so capexec ${installed ? 'refuses' : 'would refuse'} every launch by a user other than root`,
  unusable: (path: string, why: string, fix: string) =>
    `${printable(path)}: ${why}, so capexec refuses every launch by a user other than root (${fix})`,
  noPolicy: (path: string, required: boolean) => required
    ? `no ${printable(path)}: this capexec requires one, so it refuses every launch by a user other than root`
    : `no ${printable(path)}: no policy, so whoever may run capexec may pass any capability it holds to any command`,
  noCandidate: (path: string) => `${printable(path)} does not exist`,
  permit: (where: string) => `permit ${where}`,
  deny: (where: string | undefined) => `deny ${where ?? '(no rule)'}`,
  rootNeedsNoRule: 'root needs no rule',
  listHeader: (path: string, user: string, uid: number, gids: readonly number[]) =>
    `rules in ${printable(path)} for ${printable(user)} (uid ${uid}, gids ${gids.join(',')}); the last that fits a launch decides:`,
  listNone: (path: string, user: string) => `no rule in ${printable(path)} is for ${printable(user)}, so capexec refuses every launch of theirs`,
  listRoot: 'root\'s own launches need no rule',
  listed: (path: string, line: number, text: string) => `${printable(path)}:${line}: ${printable(text)}`,
};

export function problemLine(file: string, problem: PolicyProblem): string {
  const kind = problem.severity === 'warning' ? 'warning: ' : '';
  return `${printable(file)}:${problem.line}:${problem.column}: ${kind}${problem.what} (${problem.fix})`;
}
