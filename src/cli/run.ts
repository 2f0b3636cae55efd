import { closeSync } from 'node:fs';
import { LONG_OPTIONS, OPTIONAL_VALUE_OPTIONS, parseArguments, SHORT_VALUE_LONG_NAMES, VALUE_OPTIONS, wantsJsonErrors } from './arguments';
import { writeAll } from '../support/output';
import { CapexecError, EXIT_CAPEXEC } from '../support/errors';
import { isStandaloneExecutable } from '../kernel/addon';
import { launch } from '../commands/launch';
import { readNodeChannel, refuseNodeChannel } from '../exec/node-channel';
import { libc } from '../kernel/libc';
import { errorLines, errorReport, unexpectedErrorLine } from '../support/messages';

export function run(args: readonly string[]): never {
  let status: number;
  try {
    refuseNodeChannel(readNodeChannel(libc), libc);
    status = main(args);
  } catch (error) {
    status = report(error, args);
  }
  leave(status);
}

// Node writes a V8 coverage report at a normal exit when NODE_V8_COVERAGE is set, even
// in secure-execution mode. The standalone executable leaves through _exit(2) instead,
// so nothing in the caller's environment acts on it; all its output is written already.
function leave(status: number): never {
  if (isStandaloneExecutable()) {
    try {
      libc().exit(status);
    } catch {
      // No trusted addon to call _exit(2) through, so Node's own exit it is, with the
      // coverage collection stopped first. Node then complains on stderr that it has
      // none to write: capexec's one line is written already, and nothing else may
      // follow it.
      (require('node:v8') as typeof import('node:v8')).stopCoverage();
      closeSync(2);
    }
  }
  process.exit(status);
}

function main(args: readonly string[]): number {
  const options = parseArguments(args);
  switch (options.mode) {
    // Loaded only when asked for: every module the launch path evaluates is paid for
    // by each start of capexec.
    case 'help':
      write(1, help().HELP);
      return 0;
    case 'version':
      write(1, versionText());
      return 0;
    case 'launch':
      return launch(options);
    case 'print':
      return (require('../commands/print') as typeof import('../commands/print')).printState(options.json);
    case 'doctor':
      return (require('../commands/doctor') as typeof import('../commands/doctor')).doctor(options);
    case 'install':
      return (require('../commands/install') as typeof import('../commands/install')).install(options);
    case 'uninstall':
      return (require('../commands/uninstall') as typeof import('../commands/uninstall')).uninstall(options);
    case 'user':
      return (require('../commands/root-launch') as typeof import('../commands/root-launch')).launchAsUser(options);
    case 'check':
      return (require('../commands/check') as typeof import('../commands/check')).check(options);
    case 'list':
      return (require('../commands/list') as typeof import('../commands/list')).list();
    case 'completion': {
      const completion = {
        version: help().VERSION, longOptions: LONG_OPTIONS, valueOptions: VALUE_OPTIONS,
        optionalValueOptions: OPTIONAL_VALUE_OPTIONS, shortValueOptions: SHORT_VALUE_LONG_NAMES,
      };
      return (require('../commands/completion') as typeof import('../commands/completion')).printCompletion(options.shell, completion);
    }
    default:
      return options satisfies never;
  }
}

// The version, the Node.js inside (the standalone executable carries its own), and
// whether this executable refuses every launch by a user other than root without a policy.
function versionText(): string {
  const { policyRequired } = require('../policy/required') as typeof import('../policy/required');
  const { POLICY_PATH } = require('../policy/load') as typeof import('../policy/load');
  const policy = policyRequired()
    ? `policy: required (without ${POLICY_PATH}, only root may launch)`
    : `policy: optional (without ${POLICY_PATH}, whoever may run capexec may launch)`;
  return `capexec ${help().VERSION}\nNode.js ${process.version}\n${policy}\n`;
}

function help(): typeof import('./help') {
  return require('./help') as typeof import('./help');
}

function report(error: unknown, args: readonly string[]): number {
  if (wantsJsonErrors(args)) {
    write(2, `${JSON.stringify(errorReport(error))}\n`);
    return error instanceof CapexecError ? error.exitCode : EXIT_CAPEXEC;
  }
  if (error instanceof CapexecError) {
    write(2, errorLines(error).join('\n') + '\n');
    return error.exitCode;
  }
  write(2, unexpectedErrorLine(error) + '\n');
  return EXIT_CAPEXEC;
}

function write(fd: number, text: string): void {
  try {
    writeAll(fd, text);
  } catch {
    // Reporting must not fail in turn: with nowhere left to write, the exit status
    // still tells.
  }
}
