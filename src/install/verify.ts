import { spawnSync } from 'node:child_process';
import { capsArgument } from '../caps/names';
import { capsIn, hasCap, maskOf, type CapMask } from '../caps/sets';
import { mountOfPath, readProcFile } from '../kernel/proc';
import { parseStatus, statusFieldMap, statusMask, type MountEntry } from '../kernel/proc-parse';
import { CapexecError, systemErrorCode } from '../support/errors';
import type { Group } from './group';
import { SAFE_PATH } from './layout';
import { printable } from '../support/messages';

// The kernel's overflow uid and gid, which Debian and most others call nobody/nogroup.
export const NOBODY = { uid: 65534, gid: 65534 };

interface RunAs {
  uid: number;
  gid: number;
  label: string;
}

export interface InstalledPaths {
  prefix: string;
  executable: string;
}

// The promise --install makes is that an ordinary user gets the capabilities through
// the installed capexec, so that is what it checks: nobody (in the group, with
// --group) runs it, and the helper reports its own ambient set. Node's spawn drops
// root's groups and capabilities before the exec, as a login would. It runs the file
// that holds the capabilities by its own path, so the file checked is the file just
// written, whatever the link in bin/ leads to. Under a policy, nobody may well not be
// allowed to launch anything; what the file system grants is checked instead, from
// capexec's own --print: whether nobody's capexec holds exactly the permitted set.
export function verifyInstalled({ prefix, executable }: InstalledPaths, caps: readonly number[], group: Group | undefined, policy = false): string[] {
  const user: RunAs = group === undefined
    ? { ...NOBODY, label: 'user nobody' }
    : { uid: NOBODY.uid, gid: group.gid, label: `user nobody in group ${group.name}` };
  const run = policy
    ? spawnSync(executable, ['--print', '--json'], spawnOptions(user))
    : spawnSync(executable, ['--cap', capsArgument(caps), '--', 'cat', '/proc/self/status'], spawnOptions(user));
  const why = policy ? printProblem(run, caps) : runProblem(run, maskOf(caps));
  if (why !== undefined) {
    throw new CapexecError('install_not_verified', `installed ${printable(executable)} does not work for ${user.label}`, why, {
      fix: failureHint(prefix, caps, mountOfPath(executable), ownBoundingSet()),
    });
  }
  const lines = [policy
    ? `verified: ${printable(executable)} holds ${capsArgument(caps)} for ${user.label}, and the policy decides who may pass them`
    : `verified: ${user.label} gets ${capsArgument(caps)} through ${printable(executable)}`];
  if (group !== undefined && group.gid !== NOBODY.gid) {
    const outsider = spawnSync(executable, ['--version'], spawnOptions({ ...NOBODY, label: 'user nobody' }));
    if (outsider.error === undefined || systemErrorCode(outsider.error) !== 'EACCES') {
      throw new CapexecError('install_group_not_enforced', `installed ${printable(executable)} runs for users outside group ${group.name}`, 'its directory should stop them', {
        fix: `check the mode of ${printable(prefix)}/libexec/capexec`,
      });
    }
    lines.push(`verified: users outside group ${group.name} cannot run it`);
  }
  return lines;
}

function spawnOptions(user: RunAs): Parameters<typeof spawnSync>[2] & { encoding: 'latin1' } {
  return {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    env: { PATH: SAFE_PATH },
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  };
}

export interface FinishedRun {
  error?: Error | undefined;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Why the verification run failed, or undefined when the helper got exactly `wanted`.
export function runProblem(run: FinishedRun, wanted: CapMask): string | undefined {
  if (run.error !== undefined) {
    const code = systemErrorCode(run.error);
    return `cannot run it (${code ?? run.error.message})`;
  }
  if (run.status !== 0) {
    const said = run.stderr.split('\n')[0]?.replace(/^capexec: /, '') ?? '';
    const status = run.signal === null ? `exit status ${String(run.status)}` : `killed by ${run.signal}`;
    return said === '' ? status : `it says: ${printable(said)}`;
  }
  const got = statusMask(statusFieldMap(run.stdout), 'CapAmb');
  if (got === undefined) return 'the helper printed no CapAmb line';
  if (got !== wanted) return `the helper's ambient set is ${capsArgument(capsIn(got)) || 'empty'}, not ${capsArgument(capsIn(wanted))}`;
  return undefined;
}

// Why the --print run failed, or undefined when capexec's permitted set is exactly `wanted`.
export function printProblem(run: FinishedRun, wanted: readonly number[]): string | undefined {
  if (run.error !== undefined || run.status !== 0) return runProblem(run, maskOf(wanted));
  let permitted: unknown;
  try {
    permitted = (JSON.parse(run.stdout) as { permitted?: unknown }).permitted;
  } catch {
    return 'its --print --json output is not JSON';
  }
  const expected = capsArgument([...new Set(wanted)].sort((a, b) => a - b));
  const got = Array.isArray(permitted) ? permitted.join(',') : undefined;
  if (got === undefined) return 'its --print --json output has no permitted set';
  return got === expected ? undefined : `its permitted set is ${got || 'empty'}, not ${expected}`;
}

// The usual reasons file capabilities do nothing, most specific first. The installation
// is rolled back by then, so the fix never points at what it installed.
export function failureHint(prefix: string, caps: readonly number[], mount: MountEntry | undefined, bounding: CapMask | undefined): string {
  if (mount?.options.includes('nosuid')) {
    return `${printable(prefix)} is on a nosuid mount (${printable(mount.mountPoint)}), where the kernel ignores file capabilities: install under another prefix`;
  }
  const outside = bounding === undefined ? [] : caps.filter((cap) => !hasCap(bounding, cap));
  if (outside.length > 0) {
    return `${capsArgument(outside)} not in this system's bounding set, so no file can grant it`;
  }
  return 'look for a denial by a security module (SELinux, AppArmor) in the kernel log';
}

function ownBoundingSet(): CapMask | undefined {
  try {
    return parseStatus(readProcFile('/proc/self/status').toString('latin1')).bounding;
  } catch {
    return undefined;
  }
}
