import { CapexecError } from '../support/errors';
import type { Libc } from '../kernel/libc';
import { lookUpCommand } from '../exec/resolve-command';
import { collectFacts } from './collect-facts';
import { diagnose } from './diagnose';
import type { InstalledCopy } from './facts';
import type { Finding } from './findings';
import { CapsNotPermittedError } from '../caps/pass';

// A launch that could not pass its capabilities says why, under its error line: the
// same findings --doctor prints, attached to the error itself. Only the failure path
// pays for collecting them.
export function explainFailure(c: Libc, error: CapexecError, caps: readonly number[], argv: readonly Buffer[], installation?: InstalledCopy): CapexecError {
  // An installed copy's fix is --install again, whatever the diagnosis finds.
  const explained = error instanceof CapsNotPermittedError && installation !== undefined ? new CapsNotPermittedError(error.missing, installation) : error;
  let findings: Finding[];
  try {
    findings = diagnose(collectFacts(c, caps, commandToInspect(c, argv), installation)).findings;
  } catch {
    // The launch has failed already; a diagnosis that cannot be made must not hide why.
    return explained;
  }
  return explained.attachFindings(findings);
}

// The command is looked up only to inspect it; one that is not found is the launch's
// next error, not this one's.
function commandToInspect(c: Libc, argv: readonly Buffer[]): ReturnType<typeof lookUpCommand> | undefined {
  if (argv.length === 0) return undefined;
  try {
    return lookUpCommand(argv, c.getenv('PATH'));
  } catch (error) {
    if (error instanceof CapexecError) return undefined;
    throw error;
  }
}
