import { resolveCapNames } from '../caps/names';
import { closeCommand, openCommand } from '../exec/open-command';
import { argvEntries, rawArgvTail } from '../exec/raw-argv';
import { resolveCommand } from '../exec/resolve-command';
import { libc, type Libc } from '../kernel/libc';
import { readCapLastCap } from '../kernel/proc';
import { askPolicy } from '../policy/ask';
import { namedCaller } from '../policy/caller';
import { POLICY_PATH_VARIABLE } from '../policy/environment';
import { POLICY_PATH, readCandidatePolicy, readPolicy, type Policy } from '../policy/load';
import { denial, problemLine, report } from '../policy/messages';
import { buildId, PARSED_POLICY_PATH, storeRules } from '../policy/parsed-cache';
import { policyRequired } from '../policy/required';
import { CapexecError } from '../support/errors';
import { writeAll } from '../support/output';

// Would this user's launch be allowed?
export interface CheckQuery {
  user: string;
  caps: string[];
  command: string[];
}

export interface CheckRequest {
  // undefined: /etc/capexec.conf.
  file: string | undefined;
  query: CheckQuery | undefined;
}

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;

// capexec --check [FILE] (as visudo -c, doas -C): every problem of the policy, one line
// each, exit 1 if any is an error. The installed policy is judged as a launch judges it,
// its own owner and mode included; another FILE is a candidate, checked before it is
// installed, so its owner and mode are not its concern. It runs as anyone, and writes
// nothing but, run by root on a valid installed policy, the parsed rules it keeps.
export function check(request: CheckRequest): number {
  const c = libc();
  const lastCap = readCapLastCap();
  const installed = request.file === undefined || request.file === POLICY_PATH;
  const path = request.file ?? POLICY_PATH;
  let policy: Policy | undefined;
  try {
    policy = installed ? readPolicy(c, path, lastCap) : readCandidatePolicy(c, path, lastCap);
  } catch (error) {
    if (!(error instanceof CapexecError) || error.code !== 'policy_unsafe') throw error;
    writeAll(1, `${report.unusable(path, error.why ?? error.what, error.fix ?? 'capexec --check')}\n`);
    return EXIT_INVALID;
  }
  if (policy === undefined) {
    if (!installed) throw new CapexecError('policy_missing', report.noCandidate(path), undefined, { fix: 'give the path of the file to check' });
    const required = policyRequired();
    writeAll(1, `${request.query === undefined ? report.noPolicy(path, required) : required ? report.deny(undefined) : report.permit('(no policy)')}\n`);
    return required ? EXIT_INVALID : EXIT_VALID;
  }
  const errors = policy.problems.filter((problem) => problem.severity === 'error').length;
  if (request.query === undefined || errors > 0) {
    const lines = policy.problems.map((problem) => problemLine(path, problem));
    lines.push(errors > 0 ? report.invalid(path, errors, installed) : report.valid(path, policy.rules.length, policy.problems.length));
    if (errors === 0 && installed && process.geteuid?.() === 0 && buildId() !== undefined) lines.push(keep(policy.text, lastCap));
    writeAll(1, `${lines.join('\n')}\n`);
    return errors > 0 ? EXIT_INVALID : EXIT_VALID;
  }
  return answer(c, policy, request.query, lastCap);
}

// Root's check of the installed policy keeps its parsed rules for launches, which would
// otherwise parse the whole file each time.
function keep(text: string, lastCap: number): string {
  const why = storeRules(text, lastCap);
  return why === undefined ? report.kept(PARSED_POLICY_PATH) : report.notKept(PARSED_POLICY_PATH, why);
}

// Would this user's launch be allowed? The command is found along the policy's own PATH
// (a name with a slash as it is), opened, and decided about as a launch decides.
function answer(c: Libc, policy: Policy, query: CheckQuery, lastCap: number): number {
  const caller = namedCaller(c, query.user);
  const caps = resolveCapNames(query.caps, lastCap);
  const [name = Buffer.alloc(0), ...args] = argvEntries(rawArgvTail(query.command));
  const opened = openCommand(c, resolveCommand(name, Buffer.from(POLICY_PATH_VARIABLE)));
  try {
    if (caller.uid === 0) {
      writeAll(1, `${report.permit(`(${report.rootNeedsNoRule})`)}\n`);
      return EXIT_VALID;
    }
    const { decision, closest } = askPolicy(c, policy.rules, caller, caps, opened, args);
    const where = (line: number): string => `${policy.path}:${line}`;
    if (decision.permit) {
      writeAll(1, `${report.permit(where(decision.rule.line))}\n`);
      return EXIT_VALID;
    }
    const nearest = denial.closest(policy.path, closest === undefined ? undefined : { line: closest.rule.line, differences: closest.differences });
    writeAll(1, `${report.deny(decision.rule === undefined ? undefined : where(decision.rule.line))}\n  ${nearest}\n`);
    return EXIT_INVALID;
  } finally {
    closeCommand(opened);
  }
}
