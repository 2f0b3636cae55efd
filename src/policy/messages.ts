import { printable } from '../support/messages';
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
  badCap: (line: number, column: number, why: string) => at(line, column, why, 'see capabilities(7) for the names; capexec --help'),
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
  cmdMissing: (line: number, column: number, path: string, why: string) =>
    at(line, column, `cmd ${printable(path)} ${why}`, 'check the path; a rule for a command that is not there is a typo waiting to happen'),
  cmdUnsafe: (line: number, column: number, path: string, why: string) =>
    at(line, column, `cmd ${printable(path)}: ${why}, so its owner could replace the program this rule allows`,
      'make it and every directory above it root\'s and writable by no one else, or pin its content: sha256 HEX'),
  runsOthers: (line: number, column: number, path: string, why: string) =>
    at(line, column, `cmd ${printable(path)} ${why}, and every program it starts inherits the ambient capabilities`,
      'allow a narrower command, or restrict its arguments with args', 'warning'),
};

const EXAMPLES: Record<string, string> = {
  cap: 'cap net_admin,net_raw',
  cmd: 'cmd /usr/bin/tunctl',
  sha256: 'sha256 followed by what sha256sum prints',
  setenv: 'setenv { LANG=C.UTF-8 }',
};

export function problemLine(file: string, problem: PolicyProblem): string {
  const kind = problem.severity === 'warning' ? 'warning: ' : '';
  return `${printable(file)}:${problem.line}:${problem.column}: ${kind}${problem.what} (${problem.fix})`;
}
