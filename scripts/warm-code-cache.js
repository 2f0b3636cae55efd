'use strict';
// Run by build-sea.js with the pinned Node the executable is built from, whose V8 must
// match: compiles the bundle as sea-main.js will, calls the functions a launch calls,
// with inputs like a launch's, and writes V8's code cache of all that was compiled.
// Only those, and root mode's launch: every start deserializes the whole cache, so error
// paths and the other modes are compiled when they run instead. Nothing here changes
// the process: no capset, no exec, no fd or signal changes; a scratch directory of its
// own stands for /etc/capexec.conf and /var/cache/capexec.
//
//   node scripts/warm-code-cache.js BUNDLE CACHE
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const [bundlePath, cachePath] = process.argv.slice(2);
const bundleText = fs.readFileSync(bundlePath, 'utf8');
const script = new vm.Script(bundleText, { filename: 'capexec.js' });
const { load, eager } = script.runInThisContext()(require);
// A module's number, from the comment the bundler writes before each.
function moduleId(name) {
  const found = new RegExp(`^/\\* (\\d+): (?:[^*\\n]*/)?build/src/${name}\\.js \\*/`, 'm').exec(bundleText);
  if (found === null) throw new Error(`the bundle has no build/src/${name}.js`);
  return Number(found[1]);
}

// The modules every start evaluates. Module 0 is the entry, which would run capexec;
// every other module only defines.
const exported = {};
for (const id of eager) if (id !== 0) Object.assign(exported, load(id));

const launchArgs = ['--cap', 'net_admin,net_raw', '--preserve-fds', '1', '--', 'true', '-x'];
exported.parseArguments(launchArgs);
exported.resolveCapNames(['net_admin', 'CAP_NET_RAW', '13'], exported.readCapLastCap());
const cmdline = Buffer.from(['capexec', ...launchArgs, ''].join('\0'));
exported.rawArgvTail(['true', '-x'], cmdline);
exported.holdsPrivilege(exported.readOwnStatus());
exported.findUntrustedComponent(process.execPath, 'file', exported.lstatPath);
exported.resolveCommand(Buffer.from('true'), Buffer.from(process.env.PATH ?? '/usr/bin:/bin'));

const c = exported.libc();
exported.readCapState(c);
exported.snapshotStdioFlags(c);
exported.socketActivationFds(c, process.pid);
c.getenv('PATH');
c.environ();
exported.argvEntries(c.environBlock());

// Root's launch, reading half, which runs before and after the sets shrink: nothing
// here changes an id or a set, and a build machine where a step refuses has still
// compiled it.
exported.execRunsAsRoot(c);
const lastCap = exported.readCapLastCap();
for (const warm of [
  () => exported.requirePrivileges(c, [10], { switchesUser: true, keepBounding: false }),
  () => exported.verifyPrivileges(c, { identity: { uid: 65534, gid: 65534, groups: [] }, caps: [10], keepBounding: false, noNewPrivs: true, lastCap }),
]) {
  try {
    warm();
  } catch (error) {
    // A refusal, compiled all the same; anything else is a mistake here.
    if (!(error instanceof exported.CapexecError)) throw error;
  }
}

// The rest of a launch: the command opened and judged, the process's first environment
// read for Node's channel variables, and a policy launch's reading, parsing, matching,
// environment and audit line, on a policy of this script's own (never the build
// machine's /etc/capexec.conf).
const opened = exported.openCommand(c, Buffer.from('/bin/true'));
exported.mayChangePrivileges(opened);
exported.argvEntries(exported.rawArgvTail(['true', '-x'], cmdline));
exported.argumentsBlock(exported.rawArgvTail(['true', '-x'], cmdline));
exported.findNodeChannel(Buffer.from('PATH=/bin\0'));
exported.readPolicy(c, '/nonexistent/capexec.conf', lastCap);
exported.storedRules('', lastCap, { path: '/nonexistent/capexec.conf.parsed', build: 'warm' });
// A launch under a policy file: read, its kept rules looked for, names and cmd paths
// resolved. A scratch file stands for /etc/capexec.conf; where the build does not run as
// root, the owner checks refuse it, after the functions have been compiled.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'capexec-warm-'));
try {
  fs.chmodSync(scratch, 0o755);
  const policyFile = path.join(scratch, 'capexec.conf');
  const policyText = 'permit nobody cap net_admin cmd /bin/true\npermit :nogroup cap net_raw\n';
  fs.writeFileSync(policyFile, policyText, { mode: 0o644 });
  const store = { path: path.join(scratch, 'cache', 'capexec.conf.parsed'), build: 'warm' };
  exported.storeRules(policyText, lastCap, store);
  exported.storedRules(policyText, lastCap, store);
  exported.readCandidatePolicy(c, policyFile, lastCap);
  try {
    // As nobody launches: both rules are theirs (nogroup is 65534 too), so each is made whole.
    const nobody = { uid: 65534, gids: [65534], name: 'nobody' };
    exported.loadLaunchPolicy(c, policyFile, lastCap, false, nobody, store);
    exported.loadLaunchPolicy(c, policyFile, lastCap, false, nobody, { ...store, build: 'another' });
  } catch (error) {
    if (!(error instanceof exported.CapexecError)) throw error;
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
const { rules } = exported.parsePolicy([
  '# a rule of each kind',
  'permit keepenv setenv { LANG=C A=$B -C } :nogroup cap net_admin,net_raw cmd /bin/true sha256 ' + '0'.repeat(64) + ' args -x "a b" ${USER}',
  'deny nobody cap net_raw cmd /bin/true',
  'permit 65534 cap net_admin',
].join('\n'), lastCap);
const loaded = rules.map((rule) => ({ ...rule, id: 65534, file: { dev: 1n, ino: 2n } }));
const request = { caller: { uid: 65534, gids: [65534], name: 'nobody' }, caps: [12], file: { dev: 1n, ino: 2n }, args: [Buffer.from('-x')], sha256: () => '' };
const glob = (pattern, text) => c.fnmatch(pattern, text);
exported.decide(loaded, request, glob);
exported.closestPermit(loaded, request, glob);
exported.policyEnvironment([Buffer.from('TERM=x'), Buffer.from('BASH_FUNC_f%%=() { :; }')], loaded[0], 'nobody');
for (const command of ['/bin/true\0a\nb;\0', '/bin/true\0-x\0']) {
  exported.auditMessage(c, { user: 'nobody', caps: [12], pwd: Buffer.from('/'), rule: '/etc/capexec.conf:2', command: Buffer.from(command), denied: false });
}

// The steps that change the process, as far as the system call: an inert libc answers
// those calls (capset, the ambient prctl()s, fd flags and signals, syslog, execveat) as
// the kernel would for a launch that may pass everything, and hands every reading call
// to the real one.
const inert = {
  ...c,
  capget(header, data) {
    c.capget(header, data);
    data.fill(0xff, 4, 8);
    data.fill(0xff, 16, 20);
  },
  capset() {},
  prctl: (option, arg2) => (option === exported.PR_CAP_AMBIENT && arg2 === exported.PR_CAP_AMBIENT_IS_SET ? 1 : 0),
  fcntl: (fd, command, argument) => (argument === undefined ? c.fcntl(fd, command) : 0),
  closeOnExecFrom: () => true,
  resetSignal() {},
  unblockAllSignals() {},
  syslog() {},
  execveat: () => new exported.SyscallError('execveat', 13, 'EACCES', 'Permission denied'),
};
exported.refuseNodeChannel(exported.readNodeChannel(() => c, false), () => c);
exported.refuseNodeChannel(exported.readNodeChannel(() => c, true), () => c);
exported.passCapabilities(inert, exported.resolveCapNames(['net_admin'], lastCap));
exported.currentCaller(c);
exported.loadLaunchPolicy(c, '/nonexistent/capexec.conf', lastCap, exported.policyRequired(), exported.currentCaller(c));
exported.audit(inert, { user: 'nobody', caps: [12], pwd: Buffer.from('/'), rule: undefined, command: Buffer.from('/bin/true\0'), denied: false });
exported.prepareForExec(inert, exported.snapshotStdioFlags(c), 0);
try {
  exported.execCommand(inert, opened, exported.rawArgvTail(['true', '-x'], cmdline));
} catch (error) {
  if (!(error instanceof exported.CapexecError)) throw error;
}
exported.closeCommand(opened);

// Root mode (capexec --user), whose modules only it loads: it changes ids, sets and the
// environment, so here it runs against the tests' simulated kernel
// (test/helpers/fake-libc.ts), which holds those rules as the kernel does. Every step
// runs and verifies what it did, and nothing of this process changes; the command is
// /bin/true, opened for real, and the exec is refused.
exported.parseArguments(['--user', 'nobody', '--cap', 'net_admin', '--', 'true']);
const { FakeLibc, rootState, LAST_CAP: SIMULATED_LAST_CAP } = require(path.join(__dirname, '..', 'build', 'test', 'helpers', 'fake-libc.js'));
const simulated = new FakeLibc(rootState());
const trueFd = fs.openSync('/bin/true', 'r');
simulated.state.files.set('/bin/true', trueFd);
simulated.state.fds.set(trueFd, [exported.FD_CLOEXEC, 0]);
// No capability beyond those the simulated kernel knows, whatever the build machine's.
const simulatedLastCap = Math.min(lastCap, SIMULATED_LAST_CAP);
try {
  load(moduleId('commands/root-launch')).switchAndExec(simulated, {
    user: 'nobody', group: undefined, groups: undefined, clearGroups: false, caps: ['net_admin'],
    keepBounding: false, noNewPrivs: false, resetEnv: true, preserveFds: 0, command: ['/bin/true'],
  }, exported.rawArgvTail(['/bin/true'], Buffer.from('capexec\0--user\0nobody\0--cap\0net_admin\0--\0/bin/true\0')), simulatedLastCap);
} catch (error) {
  if (!(error instanceof exported.CapexecError)) throw error;
} finally {
  fs.closeSync(trueFd);
}

fs.writeFileSync(cachePath, script.createCachedData());
