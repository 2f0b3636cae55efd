import { capsText, resolveCapNames } from '../caps/names';
import { collectFacts } from '../diagnose/collect-facts';
import { diagnose, type Diagnosis } from '../diagnose/diagnose';
import { installedCopy } from '../install/installation';
import { writeAll } from '../support/output';
import { libc } from '../kernel/libc';
import { findingLine, printable } from '../support/messages';
import { readCapLastCap } from '../kernel/proc';
import { argvEntries, rawArgvTail } from '../exec/raw-argv';
import { closeCommand, openCommand, requireRunnable } from '../exec/open-command';
import { lookUpCommand, type CommandToInspect } from '../exec/resolve-command';
import { CapexecError, EXIT_CAPEXEC } from '../support/errors';

export interface DoctorRequest {
  json: boolean;
  caps: readonly string[];
  command: readonly string[];
}

export const EXIT_WOULD_REACH = 0;
export const EXIT_WOULD_NOT_REACH = 1;

// capexec --doctor: every check, for these caps and this command, on this process as
// it was started. Nothing about the process is changed.
export function doctor(request: DoctorRequest): number {
  const c = libc();
  const caps = resolveCapNames(request.caps, readCapLastCap());
  let command: CommandToInspect | undefined;
  if (request.command.length > 0) {
    try {
      command = lookUpCommand(argvEntries(rawArgvTail(request.command)), c.getenv('PATH'));
      const opened = openCommand(c, command.path);
      try {
        requireRunnable(opened);
      } finally {
        closeCommand(opened);
      }
    } catch (error) {
      // With --json, a command that cannot run is a finding like any other; its exit
      // status stays what a launch would give.
      if (!request.json || !(error instanceof CapexecError) || error.exitCode === EXIT_CAPEXEC) throw error;
      writeAll(1, commandFailureJson(error));
      return error.exitCode;
    }
  }
  const diagnosis = diagnose(collectFacts(c, caps, command, installedCopy(process.execPath)));
  writeAll(1, request.json ? doctorJson(diagnosis) : doctorText(diagnosis, caps, command?.path));
  return diagnosis.ok ? EXIT_WOULD_REACH : EXIT_WOULD_NOT_REACH;
}

export function doctorJson(diagnosis: Diagnosis): string {
  const findings = diagnosis.findings.map(({ id, severity, message, fix }) => ({ id, severity, message, fix }));
  return `${JSON.stringify({ ok: diagnosis.ok, findings })}\n`;
}

function commandFailureJson(error: CapexecError): string {
  const message = error.why === undefined ? error.what : `${error.what}: ${error.why}`;
  const fix = error.code === 'command_not_found' ? 'check the name and PATH, or give the full path' : 'check that it is an executable regular file';
  return `${JSON.stringify({ ok: false, findings: [{ id: error.code, severity: 'error', message, fix }] })}\n`;
}

// A verdict line, then one line per finding.
export function doctorText(diagnosis: Diagnosis, caps: readonly number[], command: Buffer | undefined): string {
  const target = command === undefined ? 'a command' : printable(command);
  let verdict = `capexec: ${capsText(caps)} would ${diagnosis.ok ? '' : 'not '}reach ${target}`;
  if (diagnosis.missing.length > 0) verdict += `: capexec does not hold ${capsText(diagnosis.missing)}`;
  return [verdict, ...diagnosis.findings.map((finding) => `  ${findingLine(finding)}`)].join('\n') + '\n';
}
