import { readdirSync, readFileSync } from 'node:fs';
import { MAX_CAP } from '../caps/names';
import { CapexecError, systemErrorCode } from '../support/errors';

// The highest capability the running kernel knows; older kernels lack newer caps.
export function readCapLastCap(): number {
  try {
    const value = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'latin1').trim());
    return Number.isInteger(value) && value >= 0 && value <= MAX_CAP ? value : MAX_CAP;
  } catch {
    return MAX_CAP;
  }
}

// capexec cannot launch safely without /proc: it is where the exact argument bytes and
// the list of open fds come from.
export function readProcFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw procError(path, error);
  }
}

export function listProcDirectory(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    throw procError(path, error);
  }
}

function procError(path: string, error: unknown): CapexecError {
  const code = systemErrorCode(error) ?? 'error';
  return new CapexecError('proc_unreadable', `cannot read ${path}`, code, { fix: 'is /proc mounted?' });
}
