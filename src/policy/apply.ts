import { closeSync, openSync, writeSync } from 'node:fs';
import { capsText } from '../caps/names';
import type { OpenedCommand } from '../exec/open-command';
import { argumentsBlock, argvEntries, type RawArgv } from '../exec/raw-argv';
import { F_ADD_SEALS, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, MFD_ALLOW_SEALING, MFD_CLOEXEC } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { CapexecError, type ErrorFinding } from '../support/errors';
import { audit } from './audit';
import { currentCaller } from './caller';
import { policyEnvironment } from './environment';
import { sha256Reading } from './hash';
import { loadLaunchPolicy, POLICY_PATH } from './load';
import { closestPermit, decide, type Caller, type Glob, type LoadedRule, type Request } from './match';
import { denial } from './messages';
import { policyRequired } from './required';

export interface PolicyLaunch {
  // What to exec: the command capexec opened, or for a rule that pins its content, a
  // sealed copy of exactly the bytes that were hashed.
  command: OpenedCommand;
  // The command's environment, when the policy replaces the caller's.
  environment: RawArgv | undefined;
}

// A launch by a user other than root: the policy decides, and the decision is logged.
// Without a policy file (and an executable that does not require one) capexec works as
// it always has, and the launch is logged all the same. A caller NSS cannot look up
// stops the launch either way, logged under the uid.
export function applyPolicy(c: Libc, caps: readonly number[], command: OpenedCommand, argv: RawArgv, lastCap: number): PolicyLaunch {
  const commandLine = Buffer.concat([command.path, Buffer.alloc(1), argumentsBlock(argv)]);
  const log = (user: string, rule: string | undefined, denied: boolean): void =>
    audit(c, { user, caps, pwd: workingDirectory(), rule, command: commandLine, denied });
  let caller: Caller;
  try {
    caller = currentCaller(c);
  } catch (error) {
    log(String(process.getuid?.() ?? -1), undefined, true);
    throw error;
  }
  const { name } = caller;
  const logged = (rule: string | undefined, denied: boolean): void => log(name, rule, denied);
  let policy;
  try {
    policy = loadLaunchPolicy(c, POLICY_PATH, lastCap, policyRequired(), caller);
  } catch (error) {
    logged(undefined, true);
    throw error;
  }
  if (policy === undefined) {
    logged(undefined, false);
    return { command, environment: undefined };
  }
  const pinned = new PinnedCopy(c, command);
  let args: Buffer[] | undefined;
  const request: Request = {
    caller,
    caps,
    file: { dev: command.dev, ino: command.ino },
    // Split only for a rule that gets as far as its args.
    get args() {
      args ??= argvEntries(argv).slice(1);
      return args;
    },
    sha256: () => pinned.sha256(),
  };
  const glob: Glob = (pattern, text) => c.fnmatch(pattern, text);
  const decision = decide(policy.rules, request, glob);
  if (!decision.permit) {
    logged(decision.rule === undefined ? undefined : `${policy.path}:${decision.rule.line}`, true);
    pinned.discard();
    throw refusal(policy.path, caller, caps, command, decision.rule, closestPermit(policy.everyRule(), request, glob));
  }
  const rule = decision.rule;
  logged(`${policy.path}:${rule.line}`, false);
  const run = rule.command?.sha256 === undefined ? command : pinned.opened();
  if (run !== command) pinned.keep();
  else pinned.discard();
  return { command: run, environment: block(policyEnvironment(argvEntries(c.environBlock()), rule, caller.name)) };
}

function workingDirectory(): Buffer {
  try {
    return Buffer.from(process.cwd());
  } catch {
    return Buffer.from('?');
  }
}

function refusal(
  path: string,
  caller: Caller,
  caps: readonly number[],
  command: OpenedCommand,
  denying: LoadedRule | undefined,
  closest: { rule: LoadedRule; differences: string[] } | undefined,
): CapexecError {
  const finding: ErrorFinding = {
    id: 'policy_denied',
    severity: 'error',
    message: denial.closest(path, closest === undefined ? undefined : { line: closest.rule.line, differences: closest.differences }),
    fix: denial.fix,
  };
  return new CapexecError('policy_denied', denial.what(caller.name, capsText(caps), command.path), denial.why(path, denying?.line))
    .attachFindings([finding]);
}

// The environment entries as one NUL-separated block, the form execCommand() takes.
function block(entries: readonly Buffer[]): RawArgv {
  const end = Buffer.alloc(1);
  return { block: Buffer.concat(entries.flatMap((entry) => [entry, end])), count: entries.length };
}

// A rule's sha256 is checked on a sealed memfd copy of the command, and that copy is what
// runs: hashing the file and then exec'ing it would leave whoever can write it (a pinned
// rule exists for exactly such files) a moment to change it in between.
class PinnedCopy {
  private copy: { fd: number; hex: string } | undefined;
  private kept = false;

  constructor(private readonly c: Libc, private readonly command: OpenedCommand) {}

  sha256(): string {
    this.copy ??= this.make();
    return this.copy.hex;
  }

  opened(): OpenedCommand {
    this.copy ??= this.make();
    // dev and ino stay the original's: what the rule was matched against.
    return { ...this.command, fd: this.copy.fd, mode: 0o100555, capability: undefined };
  }

  keep(): void {
    this.kept = true;
  }

  discard(): void {
    if (this.copy !== undefined && this.copy.fd >= 0 && !this.kept) closeSync(this.copy.fd);
  }

  private make(): { fd: number; hex: string } {
    let input: number;
    try {
      input = openSync(`/proc/self/fd/${this.command.fd}`, 'r');
    } catch {
      // Unreadable to the caller: no content can be shown to match the pin.
      return { fd: -1, hex: '' };
    }
    const output = this.c.memfdCreate('capexec-pinned', MFD_CLOEXEC | MFD_ALLOW_SEALING);
    try {
      const hex = sha256Reading(input, (chunk) => {
        for (let written = 0; written < chunk.length;) written += writeSync(output, chunk, written, chunk.length - written);
      });
      this.c.fcntl(output, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
      return { fd: output, hex };
    } catch (error) {
      closeSync(output);
      throw error;
    } finally {
      closeSync(input);
    }
  }
}
