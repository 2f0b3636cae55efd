import { execFileSync } from 'node:child_process';
import {
  chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { installCopy, NOBODY, privileged, privilegedSetup, ROOT, scratchDirectory, type Installed } from '../helpers/privileged';
import { isOneErrorLine, runAsNobody, runAsRoot } from '../helpers/run';

const NET_ADMIN = 1n << 12n;
const PINNED_NODE = require.resolve(`node-linux-${process.arch}/bin/node`, { paths: [ROOT] });

const hardening = suite("the setcap'd executable cannot be made to run other code");
let copy: Installed;
// Node counts a process whose only capability is cap_net_bind_service as unprivileged
// for its own environment variables, so that case is checked on its own copy.
let bindOnly: Installed;
let scratch: string;
// World-writable, so that code run as nobody can leave markers in it.
let out: string;
let requireMe: string;
// The Node.js the executable is built from, copied where nobody can reach it: the
// checkout may be somewhere nobody cannot.
let NODE24: string;

privilegedSetup(hardening, () => {
  copy = installCopy('cap_net_admin+p');
  bindOnly = installCopy('cap_net_bind_service+p');
  scratch = scratchDirectory('hardening');
  out = join(scratch, 'out');
  mkdirSync(out);
  chmodSync(out, 0o777);
  requireMe = join(scratch, 'marker.js');
  writeFileSync(requireMe, `require('fs').writeFileSync(${JSON.stringify(out)} + '/ran-' + process.pid, process.execPath);\n`);
  chmodSync(requireMe, 0o644);
  NODE24 = join(scratch, 'node');
  copyFileSync(PINNED_NODE, NODE24);
  chmodSync(NODE24, 0o755);
});
hardening.after(() => {
  copy?.remove();
  bindOnly?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
hardening.after.each(() => {
  if (out) for (const name of readdirSync(out)) rmSync(join(out, name), { recursive: true, force: true });
});

const markers = (): string[] => readdirSync(out).sort();

function freshDirectory(name: string): string {
  const path = join(out, name);
  mkdirSync(path);
  chmodSync(path, 0o777);
  return path;
}

function fifo(name: string): string {
  const path = join(scratch, name);
  execFileSync('mkfifo', ['-m', '0666', path]);
  return path;
}

// Node.js environment variables that load code, write files or read files at start-up.
function nodeEnvironment(): Record<string, string> {
  const nodePath = join(scratch, 'node_path');
  for (const name of ['koffi', 'minimist']) {
    mkdirSync(join(nodePath, name), { recursive: true });
    writeFileSync(join(nodePath, name, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(out)} + '/found-${name}-' + process.pid, '');\n`);
  }
  return {
    PATH: '/usr/bin:/bin',
    NODE_OPTIONS: `--require ${requireMe}`,
    NODE_PATH: nodePath,
    NODE_COMPILE_CACHE: freshDirectory('compile-cache'),
    NODE_DEBUG: 'module,fs,net',
    NODE_DEBUG_NATIVE: 'SEA,INSPECTOR_SERVER,ADDONS',
    NODE_REDIRECT_WARNINGS: join(out, 'warnings'),
    NODE_PENDING_DEPRECATION: '1',
    NODE_REPL_EXTERNAL_MODULE: requireMe,
  };
}

privileged(hardening, 'the marker mechanisms work on plain Node.js, so their absence below means something', async () => {
  const env = nodeEnvironment();
  const result = await runAsNobody([NODE24, '-e', "require('koffi')"], { env, extendEnv: false, cwd: '/' });
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.equal(markers().map((name) => name.replace(/-\d+$/, '')).filter((name) => /^(ran|found-)/.test(name)), ['found-koffi', 'ran']);
  assert.ok(readdirSync(env['NODE_COMPILE_CACHE'] ?? '').length > 0, 'no compile cache written');
  assert.match(String(result.stderr), /MODULE/);
});

privileged(hardening, "NODE_OPTIONS, NODE_PATH and Node.js's other variables have no effect", async () => {
  const env: Record<string, string> = {
    ...nodeEnvironment(),
    // A FIFO blocks whoever opens it: any start-up read of these would hang the run.
    NODE_EXTRA_CA_CERTS: fifo('extra-ca-certs'),
    OPENSSL_CONF: fifo('openssl.cnf'),
    SSL_CERT_FILE: fifo('cert.pem'),
  };
  const runs: [Installed, string[], number][] = [];
  for (const [installed, cap] of [[copy, 'net_admin'], [bindOnly, 'net_bind_service']] as const) {
    runs.push(
      [installed, ['--cap', cap, '--', '/bin/true'], 0],
      [installed, ['--version'], 0],
      [installed, ['--cap', cap, '--', '/nonexistent/command'], 127],
    );
  }
  // With only cap_net_bind_service, Node.js refuses to start at all when this one is set.
  const { NODE_REPL_EXTERNAL_MODULE: replModule, ...bindOnlyEnv } = env;
  const refused = await runAsNobody([bindOnly.exe, '--version'], { env: { ...bindOnlyEnv, NODE_REPL_EXTERNAL_MODULE: replModule }, extendEnv: false, timeout: 10_000 });
  assert.is.not(refused.exitCode, 0);
  assert.is(refused.stdout, '');
  for (const [installed, args, status] of runs) {
    const runEnv = installed === bindOnly ? bindOnlyEnv : env;
    const result = await runAsNobody([installed.exe, ...args], { env: runEnv, extendEnv: false, timeout: 10_000 });
    assert.is(result.timedOut, false, `${args.join(' ')} opened a FIFO`);
    assert.is(result.exitCode, status, String(result.stderr));
    if (status === 0) assert.is(result.stderr, '');
    else assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
  }
  assert.equal(markers(), ['compile-cache']);
  // Only the cap_net_bind_service copy lets Node.js make its cache directory, as the
  // caller (the capability is never effective), and nothing is cached or read there.
  const cache = join(out, 'compile-cache');
  for (const entry of readdirSync(cache)) {
    assert.is(lstatSync(join(cache, entry)).uid, NOBODY);
    assert.equal(readdirSync(join(cache, entry)), []);
  }
});

// Node.js starts V8's coverage collection from NODE_V8_COVERAGE before any of capexec's
// code runs, and would write a report at a normal exit: capexec leaves through _exit(2).
privileged(hardening, 'NODE_V8_COVERAGE leaves no report, whether capexec execs or exits', async () => {
  const coverage = freshDirectory('coverage');
  const env = { PATH: '/usr/bin:/bin', NODE_V8_COVERAGE: coverage };
  const launched = await runAsNobody([copy.exe, '--cap', 'net_admin', '--', '/bin/true'], { env, extendEnv: false });
  assert.is(launched.exitCode, 0);
  for (const args of [['--version'], ['--help'], ['--bogus'], ['--cap', 'sys_admin', '--', '/bin/true'], ['--print']]) {
    const exited = await runAsNobody([copy.exe, ...args], { env, extendEnv: false });
    assert.ok(exited.exitCode === 0 || exited.exitCode === 125, args.join(' '));
  }
  assert.equal(readdirSync(coverage), []);
});

// Node.js opens NODE_CHANNEL_FD as an IPC channel before capexec's code runs, which
// switches that fd to non-blocking mode for everyone who shares it.
privileged(hardening, 'NODE_CHANNEL_FD and NODE_UNIQUE_ID are refused, and the shared fd is blocking again', async () => {
  const ran = join(out, 'ran');
  const command = [copy.exe, '--cap', 'net_admin', '--', 'sh', '-c', `: > ${ran}`];
  // Whoever writes to the pipe after capexec sees the mode capexec left it in.
  // A pipe's write end is O_WRONLY, 01; Node makes it 04001.
  const script = `{ "$@"; echo "status $?"; grep ^flags /proc/self/fdinfo/1; } | cat`;
  for (const variables of [{ NODE_CHANNEL_FD: '1' }, { NODE_CHANNEL_FD: '1', NODE_UNIQUE_ID: '1' }]) {
    const result = await runAsNobody(['sh', '-c', script, 'sh', ...command], { env: { PATH: '/usr/bin:/bin', ...variables }, extendEnv: false });
    assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
    assert.match(String(result.stderr), /^capexec: refusing to start with NODE_CHANNEL_FD=1: /);
    // Node's cluster worker has written its message before capexec ran: nothing takes it back.
    const lines = String(result.stdout).split('\n').filter((line) => !line.startsWith('{"cmd":"NODE_CLUSTER"'));
    assert.equal(lines, ['status 125', 'flags:\t01']);
  }
  const alone = await runAsNobody(command, { env: { PATH: '/usr/bin:/bin', NODE_UNIQUE_ID: '7' }, extendEnv: false });
  assert.is(alone.exitCode, 125);
  assert.match(String(alone.stderr), /^capexec: refusing to start with NODE_UNIQUE_ID=7: [^\n]+$/);
  assert.not.ok(existsSync(ran), 'the command ran');
});

// The ICU data file names the pinned Node.js looks for in NODE_ICU_DATA's directory.
function icuDataDirectory(): { directory: string; files: string[] } {
  const major = execFileSync(NODE24, ['-p', "process.versions.icu.split('.')[0]"], { encoding: 'utf8' }).trim();
  const directory = join(scratch, 'icu');
  const files = ['cnvalias.icu', 'zoneinfo64.res', 'supplementalData.res'].map((name) => join(directory, `icudt${major}l`, name));
  mkdirSync(join(directory, `icudt${major}l`), { recursive: true });
  for (const file of files) {
    writeFileSync(file, Buffer.alloc(4096, 0xa5));
    chmodSync(file, 0o644);
    // Reading the file then moves its access time (relatime updates it when older).
    execFileSync('touch', ['-a', '-d', '2000-01-01', file]);
  }
  for (const dir of [directory, join(directory, `icudt${major}l`)]) chmodSync(dir, 0o755);
  return { directory, files };
}

const accessTimes = (files: string[]): number[] => files.map((file) => statSync(file).atimeMs);

privileged(hardening, 'NODE_ICU_DATA opens no file, also for a copy whose only capability is cap_net_bind_service', async () => {
  const { directory, files } = icuDataDirectory();
  const env = { PATH: '/usr/bin:/bin', NODE_ICU_DATA: directory };
  const before = accessTimes(files);
  // Plain Node.js parses the planted file, finds it bogus and refuses to start.
  const plain = await runAsNobody([NODE24, '-e', '0'], { env, extendEnv: false });
  assert.is.not(plain.exitCode, 0);
  assert.match(String(plain.stderr), /Could not initialize ICU/);
  assert.not.equal(accessTimes(files), before);
  for (const file of files) execFileSync('touch', ['-a', '-d', '2000-01-01', file]);
  const untouched = accessTimes(files);
  for (const [installed, cap] of [[copy, 'net_admin'], [bindOnly, 'net_bind_service']] as const) {
    for (const args of [['--version'], ['--cap', cap, '--', '/bin/true']]) {
      const result = await runAsNobody([installed.exe, ...args], { env, extendEnv: false });
      assert.is(result.exitCode, 0, String(result.stderr));
      assert.is(result.stderr, '');
    }
  }
  assert.equal(accessTimes(files), untouched);
});

// Without a trusted addon there is no _exit(2) to call: Node's own exit must still
// write no report.
privileged(hardening, 'NODE_V8_COVERAGE leaves no report when the addon is refused, and the exit stays 125', async () => {
  const planted = installCopy('cap_net_admin+p');
  try {
    chmodSync(planted.dir, 0o775);
    const coverage = freshDirectory('coverage');
    for (const args of [['--cap', 'net_admin', '--', '/bin/true'], ['--version'], ['--print']]) {
      const result = await runAsNobody([planted.exe, ...args], { env: { PATH: '/usr/bin:/bin', NODE_V8_COVERAGE: coverage }, extendEnv: false });
      assert.match(refusal(result), /^capexec: refusing to load /, args.join(' '));
    }
    assert.equal(readdirSync(coverage), []);
  } finally {
    planted.remove();
  }
});

// Starts argv with fd 3 the caller's own eventfd, or its own epoll watching an eventfd
// kept at fd 30 (so that the epoll watches something), as a program of the caller's
// would pass them.
let fdMaker: string | undefined;
function callerFds(kind: 'eventfd' | 'epoll', argv: string[]): string[] {
  if (fdMaker === undefined) {
    const source = join(scratch, 'fdmaker.c');
    writeFileSync(source, `#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int event = eventfd(0, 0);
  if (event < 0 || dup2(event, 30) != 30) return 120;
  int fd = event;
  if (strcmp(argv[1], "epoll") == 0) {
    struct epoll_event watch = { .events = EPOLLIN };
    fd = epoll_create1(0);
    if (fd < 0 || epoll_ctl(fd, EPOLL_CTL_ADD, 30, &watch) != 0) return 121;
  }
  if (dup2(fd, 3) != 3) return 122;
  if (fd != 3) close(fd);
  if (event != 3 && event != fd) close(event);
  execvp(argv[2], argv + 2);
  return 123;
}
`);
    fdMaker = join(scratch, 'fdmaker');
    execFileSync('cc', ['-o', fdMaker, source]);
    chmodSync(fdMaker, 0o755);
  }
  return [fdMaker, kind, ...argv];
}

privileged(hardening, "the caller's own eventfd or epoll at fd 3 is kept, and a gap after it is still refused", async () => {
  const probe = ['--', 'sh', '-c', 'readlink /proc/self/fd/3; [ -e /proc/self/fd/4 ] || echo no-4'];
  const eventfd = await runAsNobody(callerFds('eventfd', [copy.exe, '--cap', 'net_admin', '--preserve-fds', '1', ...probe]));
  assert.is(eventfd.exitCode, 0, String(eventfd.stderr));
  assert.is(eventfd.stdout, 'anon_inode:[eventfd]\nno-4');
  const epoll = await runAsNobody(callerFds('epoll', [copy.exe, '--cap', 'net_admin', '--preserve-fds', '1', ...probe]));
  assert.is(epoll.exitCode, 0, String(epoll.stderr));
  assert.is(epoll.stdout, 'anon_inode:[eventpoll]\nno-4');
  for (const kind of ['eventfd', 'epoll'] as const) {
    const gap = await runAsNobody(callerFds(kind, [copy.exe, '--cap', 'net_admin', '--preserve-fds', '2', ...probe]));
    assert.is(refusal(gap), "capexec: cannot keep fd 4 of 3-4: it is not the caller's but capexec's own anon_inode:[eventpoll], which Node.js opens in the first gap in the caller's fds (keep only fds the caller passes, numbered from 3 without gaps)");
    assert.is(gap.stdout, '');
  }
});

// Writes to the file argv[1] what fds 0-2 refer to and their access mode, opening
// nothing before it has looked: a closed one would be taken by the first open.
function stdioReporter(): string {
  const source = join(scratch, 'stdio.c');
  writeFileSync(source, `#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char out[2048], target[512], path[64];
  int n = 0;
  for (int fd = 0; fd < 3; fd++) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(path, target, sizeof target - 1);
    int mode = fcntl(fd, F_GETFL) & O_ACCMODE;
    if (length < 0) { n += snprintf(out + n, sizeof out - n, "%d closed\\n", fd); continue; }
    target[length] = 0;
    n += snprintf(out + n, sizeof out - n, "%d %s %s\\n", fd, target, mode == O_RDONLY ? "read-only" : mode == O_WRONLY ? "write-only" : "read-write");
  }
  int file = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  return file < 0 || write(file, out, n) != n;
}
`);
  const reporter = join(scratch, 'stdio-report');
  execFileSync('cc', ['-o', reporter, source]);
  chmodSync(reporter, 0o755);
  return reporter;
}

// What glibc and the kernel change for a program that starts in secure-execution mode
// reaches the command, which capexec starts without it.
privileged(hardening, 'closed stdio reaches the command as /dev/full and /dev/null, as glibc opens them', async () => {
  const reporter = stdioReporter();
  const report = join(out, 'stdio');
  const run = async (argv: string[]): Promise<string> => {
    rmSync(report, { force: true });
    await runAsNobody(['sh', '-c', 'exec "$@" <&- >&- 2>&-', 'sh', ...argv, report]);
    return readFileSync(report, 'utf8');
  };
  // Started directly, the same program finds them closed.
  assert.is(await run([reporter]), '0 closed\n1 closed\n2 closed\n');
  // Reads and writes both fail, as on a closed fd.
  assert.is(await run([copy.exe, '--cap', 'net_admin', '--', reporter]), '0 /dev/full write-only\n1 /dev/null read-only\n2 /dev/null read-only\n');
});

privileged(hardening, 'a personality such as setarch -R is cleared for the command', async () => {
  const direct = await runAsNobody(['setarch', '-R', 'cat', '/proc/self/personality']);
  assert.is(direct.stdout, '00040000');
  const through = await runAsNobody(['setarch', '-R', copy.exe, '--cap', 'net_admin', '--', 'cat', '/proc/self/personality']);
  assert.is(through.exitCode, 0, String(through.stderr));
  assert.is(through.stdout, '00000000');
});

privileged(hardening, 'GLIBC_TUNABLES reaches the command without the tunables glibc erases in secure-execution mode', async () => {
  const tunables = async (value: string): Promise<string> => {
    const result = await runAsNobody([copy.exe, '--cap', 'net_admin', '--', 'sh', '-c', 'echo "[${GLIBC_TUNABLES-unset}]"'], { env: { PATH: '/usr/bin:/bin', GLIBC_TUNABLES: value }, extendEnv: false });
    assert.is(result.exitCode, 0, String(result.stderr));
    return String(result.stdout);
  };
  assert.is(await tunables('glibc.malloc.check=3'), '[]');
  assert.is(await tunables('glibc.malloc.check=3:glibc.malloc.mmap_max=5'), '[glibc.malloc.mmap_max=5]');
});

privileged(hardening, "Node.js options on the command line are capexec's own, and unknown", async () => {
  const code = `require('fs').writeFileSync(${JSON.stringify(join(out, 'evaluated'))}, '')`;
  const flags = [
    ['-e', code], ['--eval', code], [`--eval=${code}`], ['-p', code], ['--print', code], ['--inspect'], ['--inspect=0'],
    ['--inspect-brk'], ['--require', requireMe], ['-r', requireMe], ['--import', requireMe], ['--experimental-loader', requireMe],
  ];
  for (const flag of flags) {
    for (const argv of [[...flag, '--cap', 'net_admin', '--', '/bin/true'], ['--cap', 'net_admin', ...flag, '--', '/bin/true']]) {
      const result = await runAsNobody([copy.exe, ...argv]);
      assert.is(result.exitCode, 125, argv.join(' '));
      assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
      assert.match(String(result.stderr), /^capexec: (unknown option '-|--print takes no command|--print and |--cap cannot be used with --print)/, argv.join(' '));
    }
  }
  assert.equal(markers(), []);
});

// The listening TCP sockets among the process's own open files.
function listeningSockets(pid: number): string[] {
  let inodes: Set<string>;
  let tables: string[];
  try {
    inodes = new Set(readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
      } catch {
        return [];
      }
    }));
    tables = ['tcp', 'tcp6'].map((table) => readFileSync(`/proc/${pid}/net/${table}`, 'latin1'));
  } catch {
    return []; // Gone.
  }
  return tables.flatMap((table) => table.split('\n').slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[3] === '0A' && inodes.has(fields[9] ?? '-') ? [fields[1] ?? ''] : [];
  }));
}

// Starts argv as nobody (the exec is the spawn's own: no wrapper between), sends
// SIGUSR1 after `delay` ms, and watches for a listening socket until it exits.
async function signalAndWatch(argv: string[], delay: number): Promise<{ listening: string[]; stderr: string; signal: string | undefined }> {
  const child = execa(argv[0] ?? '', argv.slice(1), { uid: NOBODY, gid: NOBODY, reject: false, timeout: 10_000, env: { PATH: '/usr/bin:/bin' }, extendEnv: false });
  const pid = child.pid ?? 0;
  const listening = new Set<string>();
  let running = true;
  const watching = (async () => {
    while (running) {
      for (const address of listeningSockets(pid)) listening.add(address);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  setTimeout(() => child.kill('SIGUSR1'), delay);
  const result = await child;
  running = false;
  await watching;
  return { listening: [...listening], stderr: String(result.stderr), signal: result.signal };
}

privileged(hardening, 'SIGUSR1 opens an inspector in plain Node.js, as the watch below can see', async () => {
  const { listening, stderr } = await signalAndWatch([NODE24, '--inspect-port=0', '-e', 'setTimeout(() => {}, 1500)'], 200);
  assert.ok(listening.length > 0, stderr);
  assert.match(stderr, /Debugger listening/);
});

privileged(hardening, 'SIGUSR1 at any moment of start-up never leaves a listening inspector', async () => {
  for (const delay of [1, 5, 10, 20, 30, 50]) {
    const { listening, stderr, signal } = await signalAndWatch([copy.exe, '--cap', 'net_admin', '--', 'sleep', '1'], delay);
    assert.equal(listening, [], `at ${delay} ms`);
    assert.not.match(stderr, /Debugger|inspect/i, `at ${delay} ms`);
    // No handler anywhere: the default action ends capexec, or the helper it became.
    assert.is(signal, 'SIGUSR1', `at ${delay} ms`);
  }
});

function refusal(result: { exitCode?: number | undefined; stderr: unknown }): string {
  assert.is(result.exitCode, 125);
  assert.ok(isOneErrorLine(result.stderr), String(result.stderr));
  return String(result.stderr);
}

privileged(hardening, 'an addon anyone but root could replace is refused, naming the path', async () => {
  const planted = installCopy('cap_net_admin+p');
  try {
    const addon = join(planted.dir, 'koffi.node');
    const run = () => runAsNobody([planted.exe, '--cap', 'net_admin', '--', '/bin/true']);
    chmodSync(addon, 0o664);
    assert.is(refusal(await run()), `capexec: refusing to load ${addon}: it is writable by group (mode 0664) (as root: chmod go-w ${addon})`);
    // Root is privileged too, and is refused the same way.
    assert.match(refusal(await runAsRoot(planted.exe, ['--cap', 'net_admin', '--', '/bin/true'])), `refusing to load ${addon}: it is writable by group`);

    chmodSync(addon, 0o644);
    chownSync(addon, NOBODY, NOBODY);
    assert.is(refusal(await run()), `capexec: refusing to load ${addon}: it is owned by uid 65534, not root (as root: chown root ${addon})`);
    chownSync(addon, 0, 0);

    chmodSync(planted.dir, 0o775);
    assert.is(refusal(await run()), `capexec: refusing to load ${addon}: ${planted.dir} is writable by group (mode 0775) (as root: chmod go-w ${planted.dir})`);
    chmodSync(planted.dir, 0o755);

    const elsewhere = join(scratch, 'koffi.node');
    copyFileSync(addon, elsewhere);
    rmSync(addon);
    symlinkSync(elsewhere, addon);
    assert.match(refusal(await run()), `capexec: refusing to load ${addon}: it is a symbolic link`);
  } finally {
    planted.remove();
  }
});

privileged(hardening, 'a world-writable directory above is refused unless sticky', async () => {
  const open = mkdtempSync(join(tmpdir(), 'capexec-open-'));
  try {
    chmodSync(open, 0o777);
    const planted = installCopy('cap_net_admin+p', open);
    const run = () => runAsNobody([planted.exe, '--cap', 'net_admin', '--', 'cat', '/proc/self/status']);
    assert.match(refusal(await run()), `capexec: refusing to load ${planted.dir}/koffi.node: ${open} is writable by group and others (mode 0777)`);
    chmodSync(open, 0o1777);
    const result = await run();
    assert.is(result.exitCode, 0, String(result.stderr));
    assert.is(capMaskField(statusFields(String(result.stdout)), 'CapAmb'), NET_ADMIN);
  } finally {
    rmSync(open, { recursive: true, force: true });
  }
});

privileged(hardening, 'without privilege there is nothing to protect, and no addon check', async () => {
  const plain = installCopy(undefined);
  try {
    chmodSync(join(plain.dir, 'koffi.node'), 0o666);
    const result = await runAsNobody([plain.exe, '--cap', 'net_admin', '--', '/bin/true']);
    assert.is(result.exitCode, 125);
    assert.match(String(result.stderr), /^capexec: cannot pass cap_net_admin: not in capexec's permitted set/);
  } finally {
    plain.remove();
  }
});

// A shared library whose constructor appends "PID EXECUTABLE" to a file, built both
// for LD_PRELOAD and as a stand-in libdl.so.2 for LD_LIBRARY_PATH.
let built: { preload: string; libraryPath: string } | undefined;
function buildMarkerLibraries(log: string): { preload: string; libraryPath: string } {
  built ??= compileMarkerLibraries(log);
  return built;
}

function compileMarkerLibraries(log: string): { preload: string; libraryPath: string } {
  const source = join(scratch, 'marker.c');
  writeFileSync(source, `#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
  char exe[4096] = "?", line[4200];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) exe[n] = 0;
  int fd = open(${JSON.stringify(log)}, O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (fd < 0) return;
  int length = snprintf(line, sizeof line, "%d %s\\n", (int) getpid(), exe);
  if (write(fd, line, length) < 0) {}
  close(fd);
}
`);
  const preload = join(scratch, 'libmarker.so');
  execFileSync('cc', ['-shared', '-fPIC', '-o', preload, source]);
  // Node's binary asks libdl.so.2 for version GLIBC_2.2.5; glibc's real symbols still win.
  const libraryPath = join(scratch, 'libpath');
  mkdirSync(libraryPath);
  const versions = join(scratch, 'libdl.map');
  writeFileSync(versions, 'GLIBC_2.2.5 { };\n');
  execFileSync('cc', ['-shared', '-fPIC', `-Wl,--version-script=${versions}`, '-Wl,-soname,libdl.so.2', '-o', join(libraryPath, 'libdl.so.2'), source]);
  for (const path of [preload, libraryPath, join(libraryPath, 'libdl.so.2')]) chmodSync(path, 0o755);
  return { preload, libraryPath };
}

const markedBy = (log: string): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' ')[1] ?? '') : []);

privileged(hardening, 'LD_PRELOAD and LD_LIBRARY_PATH do not reach the launcher, which runs in secure-execution mode', async () => {
  const log = join(out, 'loaded');
  const { preload, libraryPath } = buildMarkerLibraries(log);
  const env = { PATH: '/usr/bin:/bin', CAPEXEC_TEST_VARIABLE: 'passed' };

  // Without privilege both work, so the libraries are sound.
  // Set by env(1), after setpriv, which runs as root and is no part of the test.
  const withEnv = (variables: string[], argv: string[]) => runAsNobody(['env', ...variables, ...argv], { env, extendEnv: false });
  await withEnv([`LD_PRELOAD=${preload}`], [NODE24, '-e', '0']);
  await withEnv([`LD_LIBRARY_PATH=${libraryPath}`], [NODE24, '-e', '0']);
  assert.equal(markedBy(log), [NODE24, NODE24]);
  rmSync(log);

  const result = await withEnv([`LD_PRELOAD=${preload}`, `LD_LIBRARY_PATH=${libraryPath}`], [copy.exe, '--cap', 'net_admin', '--', '/usr/bin/env']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.equal(markedBy(log), []);
  // The loader of the secure launcher also removed them from the environment it passes
  // on; the rest of the environment reaches the helper.
  const helperEnv = String(result.stdout).split('\n');
  assert.ok(helperEnv.includes('CAPEXEC_TEST_VARIABLE=passed'), String(result.stdout));
  assert.not.ok(helperEnv.some((line) => line.startsWith('LD_')), String(result.stdout));
});

// AT_SECURE from a process's auxiliary vector (getauxval(3)): pairs of 64-bit words.
function atSecure(auxv: Uint8Array): bigint | undefined {
  const words = Buffer.from(auxv);
  for (let at = 0; at + 16 <= words.length; at += 16) {
    if (words.readBigUInt64LE(at) === 23n) return words.readBigUInt64LE(at + 8);
  }
  return undefined;
}

privileged(hardening, 'the helper is not in secure-execution mode: code it is made to load runs with the capability', async () => {
  const log = join(out, 'loaded');
  const { preload } = buildMarkerLibraries(log);
  const auxv = await runAsNobody([copy.exe, '--cap', 'net_admin', '--', 'cat', '/proc/self/auxv'], { encoding: 'buffer' });
  assert.is(auxv.exitCode, 0);
  assert.is(atSecure(auxv.stdout as Uint8Array), 0n);

  const result = await runAsNobody([copy.exe, '--cap', 'net_admin', '--', 'sh', '-c', `LD_PRELOAD=${preload} exec cat /proc/self/status`]);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.equal(markedBy(log), ['/usr/bin/cat']);
  assert.is(capMaskField(statusFields(String(result.stdout)), 'CapEff'), NET_ADMIN);
});

hardening.run();
