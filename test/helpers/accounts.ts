import { execFileSync, spawnSync } from 'node:child_process';

// Real users and groups for tests that need identities the kernel and NSS both know:
// created with useradd/groupadd under names no one else uses (they carry the test's pid),
// and removed by remove(), which a suite calls from its after hook and which runs again
// at exit, so that a failing test leaves none behind.
export interface Account {
  name: string;
  uid: number;
  // The user's own primary group, made with it.
  gid: number;
}

export interface Group {
  name: string;
  gid: number;
}

// useradd and groupadd take a lock on /etc/passwd and /etc/group; another test run on
// the machine may hold it for a moment ("cannot lock /etc/passwd; try again later").
function runLocked(file: string, args: readonly string[]): void {
  for (let attempt = 0; ; attempt++) {
    const result = spawnSync(file, args, { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    if (result.status === 0) return;
    if (!/cannot lock/.test(result.stderr) || attempt >= 50) {
      throw new Error(`${file} ${args.join(' ')} failed: ${result.error?.message ?? `exit ${String(result.status)} ${result.stderr.trim()}`}`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

function idOf(database: 'passwd' | 'group', name: string, field: number): number {
  const entry = execFileSync('getent', [database, name], { encoding: 'utf8' }).trim().split(':');
  return Number(entry[field]);
}

export class TemporaryAccounts {
  private readonly users: string[] = [];
  private readonly groups: string[] = [];
  private serial = 0;
  private readonly atExit = (): void => this.remove();

  constructor(private readonly label: string) {
    process.on('exit', this.atExit);
  }

  private nextName(kind: string): string {
    return `cx${this.label}${kind}${process.pid}x${this.serial++}`;
  }

  group(): Group {
    const name = this.nextName('g');
    runLocked('groupadd', [name]);
    this.groups.push(name);
    return { name, gid: idOf('group', name, 2) };
  }

  // With its own primary group, and members of `groups` as supplementary groups.
  user(groups: readonly Group[] = []): Account {
    const name = this.nextName('u');
    const supplementary = groups.length === 0 ? [] : ['--groups', groups.map((group) => group.name).join(',')];
    runLocked('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', ...supplementary, name]);
    this.users.push(name);
    this.groups.push(name);
    return { name, uid: idOf('passwd', name, 2), gid: idOf('passwd', name, 3) };
  }

  // Users first: a group that is still someone's primary group cannot be deleted.
  remove(): void {
    // userdel removes a user's own group already, so each is looked up before it goes.
    const failures = [...deleteAll(this.users.splice(0), 'passwd', 'userdel'), ...deleteAll(this.groups.splice(0), 'group', 'groupdel')];
    if (failures.length > 0) throw new Error(failures.join('\n'));
  }
}

// Deletes each name that `database` still knows with `command`; the failures, as text.
function deleteAll(names: readonly string[], database: 'passwd' | 'group', command: 'userdel' | 'groupdel'): string[] {
  const failures: string[] = [];
  for (const name of names) {
    if (spawnSync('getent', [database, name]).status !== 0) continue;
    try {
      runLocked(command, [name]);
    } catch (error) {
      failures.push(String(error));
    }
  }
  return failures;
}
