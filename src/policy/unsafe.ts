import { posix } from 'node:path';
import { problems } from './messages';
import type { PolicyProblem, Rule } from './rule';

// Rules that hand capabilities to more than the one program they name. A policy launch
// passes them through the ambient set, and every program the command starts inherits
// them: a permit rule for a shell permits whatever that shell runs. These are warnings,
// for capexec --check: the administrator may mean it, and the rule stays in force.

// Programs that run another only through an option or keyword of theirs: with `args`
// whose words cannot be one (exact words, or patterns that start with a literal
// character other than `-`, such as "tap*"), they run nothing else.
const BY_OPTION: readonly [RegExp, string][] = [
  [/^ip$/, "runs any command through 'ip netns exec'"],
  [/^tcpdump$/, 'runs any command through -z'],
  [/^find$/, 'runs any command through -exec'],
  [/^(?:[gmn]?awk)$/, 'runs commands through system()'],
  [/^sed$/, "runs commands through GNU sed's e command"],
];

// Programs whose arguments name the command they run: only exact words keep it one.
const BY_ARGUMENTS: readonly [RegExp, string][] = [
  [/^(?:env|xargs|nice|ionice|nohup|timeout|setsid|stdbuf|chrt|taskset|flock|time|watch|script|chroot|unshare|nsenter|setpriv|capsh|strace|ltrace|sudo|doas|pkexec|runuser|capexec|systemd-run)$/,
    'runs the command its arguments name'],
];

// Programs that read what to run from files, their working directory or the terminal,
// whatever their arguments: no `args` makes them narrow.
const WHATEVER_ARGUMENTS: readonly [RegExp, string][] = [
  [/^(?:sh|ash|bash|rbash|dash|zsh|ksh|ksh93|mksh|pdksh|csh|tcsh|fish|yash)$/, 'is a shell'],
  [/^busybox$/, 'runs any of its applets, a shell among them'],
  [/^(?:python|perl|ruby|lua|luajit|php|tclsh|wish|guile|pypy)[0-9.]*$/, 'is an interpreter: it runs code from files, modules and its working directory'],
  [/^(?:node|nodejs|deno|bun|Rscript|expect|make|gmake)$/, 'is an interpreter: it runs code from files, modules and its working directory'],
  [/^(?:vi|vim|vim\.[a-z]+|nvim|view|ex|rvim|emacs|emacs-nox|nano|ed|less|more|most|man|gdb|su|screen|tmux)$/, 'has a shell escape'],
];

const GLOB = /[*?[]/;
const exact = (args: readonly string[]): boolean => !args.some((arg) => GLOB.test(arg));
const neverAnOption = (args: readonly string[]): boolean => args.every((arg) => !GLOB.test(arg) || /^[^-*?[\\]/.test(arg));

export function runsOthers(rules: readonly Rule[]): PolicyProblem[] {
  return rules.flatMap((rule) => {
    if (rule.action !== 'permit') return [];
    const command = rule.command;
    if (command === undefined) return [problems.anyCommand(rule.line, rule.columns.identity)];
    const name = posix.basename(command.path);
    const column = rule.columns.command ?? rule.columns.identity;
    const warn = (why: string, byArguments: boolean): PolicyProblem[] => [problems.runsOthers(rule.line, column, command.path, why, byArguments)];
    const always = WHATEVER_ARGUMENTS.find(([pattern]) => pattern.test(name));
    if (always !== undefined) return warn(always[1], false);
    const args = command.args;
    const byOption = BY_OPTION.find(([pattern]) => pattern.test(name));
    if (byOption !== undefined && (args === undefined || !neverAnOption(args))) return warn(byOption[1], true);
    const byArguments = BY_ARGUMENTS.find(([pattern]) => pattern.test(name));
    if (byArguments !== undefined && (args === undefined || !exact(args))) return warn(byArguments[1], true);
    return [];
  });
}
