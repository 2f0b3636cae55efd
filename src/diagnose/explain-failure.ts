import { CapexecError } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { resolveCommand } from '../exec/resolve-command';
import { collectFacts, type CommandToInspect } from './collect-facts';
import { diagnose } from './diagnose';
import { findingLine, type Finding } from './findings';

// A launch that could not pass its capabilities says why, under its error line: the
// same findings --doctor prints. Only the failure path pays for collecting them.
export function explainFailure(c: Libc, error: CapexecError, caps: readonly number[], argv: readonly Buffer[]): CapexecError {
  let findings: Finding[];
  try {
    findings = diagnose(collectFacts(c, caps, findCommand(c, argv))).findings;
  } catch {
    // The launch has failed already; a diagnosis that cannot be made must not hide why.
    return error;
  }
  if (findings.length === 0) return error;
  const explained = findings.some((finding) => finding.severity === 'error');
  return new CapexecError(error.what, error.why, {
    // The error's own fix assumes the usual cause; a finding names the actual one.
    fix: explained ? undefined : error.fix,
    exitCode: error.exitCode,
    details: findings.map((finding) => `  ${findingLine(finding)}`),
  });
}

// The command is looked up only to inspect it; one that is not found is the launch's
// next error, not this one's.
function findCommand(c: Libc, argv: readonly Buffer[]): CommandToInspect | undefined {
  const [name, ...args] = argv;
  if (name === undefined) return undefined;
  try {
    return { path: resolveCommand(name, c.getenv('PATH')), args };
  } catch (error) {
    if (error instanceof CapexecError) return undefined;
    throw error;
  }
}
