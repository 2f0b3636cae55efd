import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Test } from 'uvu';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const DIST = join(ROOT, 'dist');
export const NOBODY = 65534;

// Privileged tests run the real setcap'd artifact; without root they cannot. On a
// developer's machine they skip, saying why; under CI a skip would hide a regression.
let unavailable: { reason: string | undefined } | undefined;

export function privilegedUnavailable(): string | undefined {
  unavailable ??= { reason: findWhyUnavailable() };
  return unavailable.reason;
}

function findWhyUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync(join(DIST, 'capexec'))) return 'dist/capexec is missing (npm run build)';
  for (const tool of ['setcap', 'setpriv', 'unshare']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

// uvu swallows an error thrown by a before hook, then runs none of the suite's tests and
// reports no failure. Setup goes through here instead, and every privileged test of the
// suite fails with the setup's error.
const setupFailures = new Map<Test, unknown>();

export function privilegedSetup(suite: Test, setup: () => void): void {
  suite.before(() => {
    if (privilegedUnavailable() !== undefined) return;
    try {
      setup();
    } catch (error) {
      setupFailures.set(suite, error);
    }
  });
}

// Registers `name` on `suite` so that it runs where privileged tests can, skips with a
// note elsewhere, and fails under CI rather than skipping.
export function privileged(suite: Test, name: string, body: () => Promise<void> | void): void {
  const reason = privilegedUnavailable();
  if (reason === undefined) {
    suite(name, async () => {
      if (setupFailures.has(suite)) throw setupFailures.get(suite);
      await body();
    });
  } else if (process.env['CI']) {
    suite(name, () => {
      throw new Error(`privileged test cannot run under CI: ${reason}`);
    });
  } else {
    suite.skip(`${name} (${reason})`, body);
  }
}

export interface Installed {
  dir: string;
  exe: string;
  remove(): void;
}

// A fresh copy of dist/ in a 0755 temp dir on a filesystem that honours file
// capabilities, with `fileCaps` (e.g. "cap_net_admin,cap_net_raw+p") on the executable.
export function installCopy(fileCaps: string | undefined, base = tmpdir()): Installed {
  const dir = scratchDirectory('test', base);
  // The Debian package (npm run deb) is not part of an installed copy.
  for (const name of readdirSync(DIST).filter((file) => !file.endsWith('.deb'))) {
    copyFileSync(join(DIST, name), join(dir, name));
    chmodSync(join(dir, name), /\.[15]$/.test(name) ? 0o644 : 0o755);
  }
  const exe = join(dir, 'capexec');
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    if (fileCaps !== undefined) execFileSync('setcap', [fileCaps, exe]);
  } catch (error) {
    remove();
    throw error;
  }
  return { dir, exe, remove };
}

// A fresh 0755 directory in the temp dir, on a filesystem that honours file capabilities
// and device nodes, for files a test shares with nobody.
export function scratchDirectory(label: string, base = tmpdir()): string {
  const dir = mkdtempSync(join(base, `capexec-${label}-`));
  chmodSync(dir, 0o755);
  return dir;
}

// What most privileged suites share: a copy of dist/ with `fileCaps`, and a scratch
// directory, made before the suite's tests and removed after them.
export interface Fixture {
  installed: Installed;
  scratch: string;
}

export function privilegedFixture(suite: Test, fileCaps: string, label: string): Fixture {
  const fixture: Partial<Fixture> = {};
  privilegedSetup(suite, () => {
    fixture.installed = installCopy(fileCaps);
    fixture.scratch = scratchDirectory(label);
  });
  suite.after(() => {
    fixture.installed?.remove();
    if (fixture.scratch !== undefined) rmSync(fixture.scratch, { recursive: true, force: true });
  });
  // Filled in before any test runs; a failed setup fails every test first.
  return fixture as Fixture;
}

// Runs argv as user nobody with no inheritable capabilities, as an unprivileged user
// would start it. setpriv may still hold root's effective capabilities when it calls
// execve(), so a plain shell, holding none, makes the exec: directory and file
// permissions then apply to it as they would to any user. `exec` keeps the PID.
// `setprivOptions` add to the process state, e.g. --no-new-privs or --bounding-set.
export function asNobody(argv: readonly string[], setprivOptions: readonly string[] = []): [string, string[]] {
  const user = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
  return ['setpriv', [...user, ...setprivOptions, '--', '/bin/sh', '-c', 'exec "$@"', 'sh', ...argv]];
}
