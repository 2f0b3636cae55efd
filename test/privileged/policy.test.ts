import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemporaryAccounts, type Account, type Group } from '../helpers/accounts';
import { layer, runUnderPolicy, writePolicy, type PolicyRun } from '../helpers/namespace';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { readPolicy } from '../../src/policy/load';
import { FakeLibc } from '../helpers/fake-libc';
import { DIST, installCopy, NOBODY, privileged, privilegedSetup, scratchDirectory, type Installed } from '../helpers/privileged';
import { isOneErrorLine } from '../helpers/run';

const NET_BIND_SERVICE = 1n << 10n;
const NET_ADMIN = 1n << 12n;
const NET_RAW = 1n << 13n;
const POLICY_PATH_VARIABLE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const policy = suite('/etc/capexec.conf decides, for real users, on the real kernel');

interface World {
  installed: Installed;
  scratch: string;
  accounts: TemporaryAccounts;
  netadmins: Group;
  // In netadmins, as a supplementary group.
  alice: Account;
  bob: Account;
  // A directory alice owns, so that she could replace any program in it.
  aliceDirectory: string;
  markers: string;
}
const world: Partial<World> = {};
const w = world as World;

privilegedSetup(policy, () => {
  world.installed = installCopy('cap_net_admin,cap_net_raw,cap_net_bind_service+p');
  world.scratch = scratchDirectory('policy');
  world.accounts = new TemporaryAccounts('pol');
  world.netadmins = world.accounts.group();
  world.alice = world.accounts.user([world.netadmins]);
  world.bob = world.accounts.user();
  world.aliceDirectory = join(world.scratch, 'alice-bin');
  mkdirSync(world.aliceDirectory, { mode: 0o755 });
  chownSync(world.aliceDirectory, world.alice.uid, world.alice.gid);
  world.markers = join(world.scratch, 'markers');
  mkdirSync(world.markers);
  chmodSync(world.markers, 0o1777);
});

policy.after(() => {
  world.installed?.remove();
  if (world.scratch !== undefined) rmSync(world.scratch, { recursive: true, force: true });
  world.accounts?.remove();
});

let markerSerial = 0;
const marker = (): string => join(w.markers, `ran-${markerSerial++}`);

type Run = Omit<PolicyRun, 'base' | 'argv' | 'user'>;

function launchAs(user: Account, run: Run, caps: string, command: readonly string[], before: readonly string[] = []) {
  return runUnderPolicy({ base: w.scratch, user, ...run, argv: [...before, w.installed.exe, '--cap', caps, '--', ...command] });
}

async function ambientOf(user: Account, run: Run, caps: string, command: readonly string[] = ['cat', '/proc/self/status']): Promise<bigint> {
  const result = await launchAs(user, run, caps, command);
  assert.is(result.exitCode, 0, `${String(result.stderr)}${String(result.stdout)}`);
  return capMaskField(statusFields(String(result.stdout)), 'CapAmb');
}

// A refusal: capexec's status, and the command provably never ran (it would have left
// a marker).
async function refused(user: Account, run: Run, caps: string, command: readonly string[] = []): Promise<string> {
  const ran = marker();
  const argv = command.length === 0 ? ['touch', ran] : command;
  const result = await launchAs(user, run, caps, argv);
  assert.is(result.exitCode, 125, `${String(result.stderr)}${String(result.stdout)}`);
  assert.match(String(result.stderr), /^capexec: /);
  if (command.length === 0) assert.not.ok(existsSync(ran), 'the command ran');
  return String(result.stderr);
}

function environmentOf(stdout: unknown): Map<string, string> {
  const entries = String(stdout).split('\0').filter((entry) => entry !== '');
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

// A program in alice's own directory: root's file, but she can replace it.
function aliceProgram(name: string, content: string | Buffer): string {
  const path = join(w.aliceDirectory, name);
  rmSync(path, { force: true });
  writeFileSync(path, content, { mode: 0o755 });
  chmodSync(path, 0o755);
  return path;
}

privileged(policy, 'a group rule permits members of the group, by supplementary group, and no one else', async () => {
  const rules = { policy: `permit :${w.netadmins.name} cap net_admin\n` };
  assert.is(await ambientOf(w.alice, rules, 'net_admin'), NET_ADMIN);
  await refused(w.bob, rules, 'net_admin');
});

privileged(policy, 'a group rule matches the primary group too, and a :gid the same as its name', async () => {
  assert.is(await ambientOf(w.bob, { policy: `permit :${w.bob.gid} cap net_raw\n` }, 'net_raw'), NET_RAW);
  await refused(w.alice, { policy: `permit :${w.bob.gid} cap net_raw\n` }, 'net_raw');
});

privileged(policy, 'a user rule permits that user, by name or uid, and no one else', async () => {
  for (const who of [w.bob.name, String(w.bob.uid)]) {
    const rules = { policy: `permit ${who} cap net_raw,net_bind_service\n` };
    assert.is(await ambientOf(w.bob, rules, 'net_raw,net_bind_service'), NET_RAW | NET_BIND_SERVICE, who);
    await refused(w.alice, rules, 'net_raw');
  }
});

privileged(policy, 'a capability beyond the rule\'s is refused, never pieced together from two rules', async () => {
  const rules = { policy: `permit ${w.alice.name} cap net_admin\npermit ${w.alice.name} cap net_raw\n` };
  assert.is(await ambientOf(w.alice, rules, 'net_raw'), NET_RAW);
  const stderr = await refused(w.alice, rules, 'net_admin,net_raw');
  assert.match(stderr, /may not pass cap_net_admin, cap_net_raw to \/usr\/bin\/touch/);
});

privileged(policy, 'the last matching rule decides', async () => {
  const denyLast = { policy: `permit ${w.alice.name} cap net_admin\ndeny :${w.netadmins.name} cap net_raw,net_admin\n` };
  const stderr = await refused(w.alice, denyLast, 'net_admin');
  assert.match(stderr, /\/etc\/capexec\.conf:2 denies it/);
  const permitLast = { policy: `deny ${w.alice.name}\npermit ${w.alice.name} cap net_admin\n` };
  assert.is(await ambientOf(w.alice, permitLast, 'net_admin'), NET_ADMIN);
  // A deny for another capability does not match a request that shares none with it.
  const otherCap = { policy: `permit ${w.alice.name} cap net_admin\ndeny ${w.alice.name} cap net_raw\n` };
  assert.is(await ambientOf(w.alice, otherCap, 'net_admin'), NET_ADMIN);
});

privileged(policy, 'args must match exactly, element by element; a bare args allows none', async () => {
  const rules = { policy: `permit ${w.alice.name} cap net_admin cmd /usr/bin/grep args CapAmb /proc/self/status\npermit ${w.alice.name} cap net_admin cmd /usr/bin/touch args\n` };
  const result = await launchAs(w.alice, rules, 'net_admin', ['grep', 'CapAmb', '/proc/self/status']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(capMaskField(statusFields(String(result.stdout)), 'CapAmb'), NET_ADMIN);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapAmb', '/proc/self/status', '/proc/self/status']);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapEff', '/proc/self/status']);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapAmb /proc/self/status']);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapAmb']);
  await refused(w.alice, rules, 'net_admin');
  const none = await launchAs(w.alice, rules, 'net_admin', ['touch']);
  // touch without operands fails on its own: it ran, which is all the rule allows.
  assert.is(none.exitCode, 1, String(none.stderr));
  assert.match(String(none.stderr), /^touch: missing file operand/);
});

privileged(policy, 'args take fnmatch(3) patterns', async () => {
  const rules = { policy: `permit ${w.alice.name} cap net_admin cmd /usr/bin/grep args "Cap?m[a-c]" "/proc/[s]*/stat*"\n` };
  const result = await launchAs(w.alice, rules, 'net_admin', ['grep', 'CapAmb', '/proc/self/status']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(capMaskField(statusFields(String(result.stdout)), 'CapAmb'), NET_ADMIN);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapAmd', '/proc/self/status']);
  await refused(w.alice, rules, 'net_admin', ['grep', 'CapAmb', '/proc/1/status']);
});

privileged(policy, '${USER} in args stands for the caller\'s login name', async () => {
  const rules = { policy: `permit :${w.netadmins.name} cap net_admin cmd /usr/bin/grep args -e "\${USER}" -e CapAmb /proc/self/status\npermit ${w.bob.name} cap net_admin cmd /usr/bin/grep args -e "\${USER}" -e CapAmb /proc/self/status\n` };
  const result = await launchAs(w.alice, rules, 'net_admin', ['grep', '-e', w.alice.name, '-e', 'CapAmb', '/proc/self/status']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(capMaskField(statusFields(String(result.stdout)), 'CapAmb'), NET_ADMIN);
  await refused(w.alice, rules, 'net_admin', ['grep', '-e', w.bob.name, '-e', 'CapAmb', '/proc/self/status']);
  await refused(w.alice, rules, 'net_admin', ['grep', '-e', '${USER}', '-e', 'CapAmb', '/proc/self/status']);
});

privileged(policy, 'cmd is the file itself: a symbolic link to it is allowed, a copy of it is not', async () => {
  const link = join(w.scratch, 'cat-link');
  const copy = join(w.scratch, 'cat-copy');
  symlinkSync('/usr/bin/cat', link);
  copyFileSync('/usr/bin/cat', copy);
  chmodSync(copy, 0o755);
  const rules = { policy: `permit ${w.alice.name} cap net_admin cmd /usr/bin/cat\n` };
  assert.is(await ambientOf(w.alice, rules, 'net_admin', [link, '/proc/self/status']), NET_ADMIN);
  assert.is(await ambientOf(w.alice, rules, 'net_admin', ['cat', '/proc/self/status']), NET_ADMIN);
  const stderr = await refused(w.alice, rules, 'net_admin', [copy, '/proc/self/status']);
  assert.match(stderr, /another file/);
});

privileged(policy, 'a sha256 pin: the content it names runs; changed, it is refused and does not run', async () => {
  const before = marker();
  const script = `#!/bin/sh\n: > ${before}\nexec grep CapAmb /proc/self/status\n`;
  const path = aliceProgram('pinned.sh', script);
  const rules = { policy: `permit ${w.alice.name} cap net_admin cmd ${path} sha256 ${sha256(Buffer.from(script))}\n` };
  assert.is(await ambientOf(w.alice, rules, 'net_admin', [path]), NET_ADMIN);
  assert.ok(existsSync(before));

  const after = marker();
  aliceProgram('pinned.sh', `#!/bin/sh\n: > ${after}\nexec grep CapAmb /proc/self/status\n`);
  const stderr = await refused(w.alice, rules, 'net_admin', [path]);
  assert.match(stderr, /no longer has the content its sha256 pins/);
  assert.not.ok(existsSync(after), 'the changed program ran');
});

privileged(policy, 'a pinned script is read by its interpreter from the sealed copy, which nothing can write', async () => {
  // Run from an fd, the script is $0 as /dev/fd/N; the shell reads it from there.
  const script = '#!/bin/sh\nreadlink "$0"\nif (echo tampered >> "$0") 2>/dev/null; then echo writable; else echo sealed; fi\ncat "$0"\n';
  const path = aliceProgram('sealed.sh', script);
  const rules = { policy: `permit ${w.alice.name} cap net_admin cmd ${path} sha256 ${sha256(Buffer.from(script))}\n` };
  const result = await launchAs(w.alice, rules, 'net_admin', [path]);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(result.stdout, `/memfd:capexec-pinned (deleted)\nsealed\n${script.trimEnd()}`);
});

privileged(policy, 'a pinned program runs from a sealed copy of exactly the bytes that were hashed', async () => {
  const cat = readFileSync('/usr/bin/cat');
  const readlink = readFileSync('/usr/bin/readlink');
  const catPath = aliceProgram('cat', cat);
  const readlinkPath = aliceProgram('readlink', readlink);
  const rules = {
    policy: `permit ${w.alice.name} cap net_admin cmd ${catPath} sha256 ${sha256(cat)}\npermit ${w.alice.name} cap net_admin cmd ${readlinkPath} sha256 ${sha256(readlink)}\n`,
  };
  const exe = await launchAs(w.alice, rules, 'net_admin', [readlinkPath, '/proc/self/exe']);
  assert.is(exe.exitCode, 0, String(exe.stderr));
  assert.match(String(exe.stdout), /^\/memfd:capexec-pinned \(deleted\)$/);
  const content = await runUnderPolicy(
    { base: w.scratch, user: w.alice, ...rules, argv: [w.installed.exe, '--cap', 'net_admin', '--', catPath, '/proc/self/exe'] },
    { encoding: 'buffer' },
  );
  assert.is(content.exitCode, 0, String(content.stderr));
  assert.ok(content.stdout instanceof Uint8Array);
  assert.is(sha256(Buffer.from(content.stdout)), sha256(cat));
  assert.is(await ambientOf(w.alice, rules, 'net_admin', [catPath, '/proc/self/status']), NET_ADMIN);
});

const CALLER_ENV = {
  FOO: 'bar',
  KEEPME: 'kept',
  PATH: '/home/evil/bin:/usr/bin:/bin',
  BASH_ENV: '/home/evil/bashrc',
  LANG: 'C.UTF-8',
  LC_TIME: 'C',
  TERM: 'dumb',
  TZ: 'UTC',
  HOME: '/nonexistent',
};
// dash drops variables whose names are not shell names, so env(1) adds the exported
// bash function right before capexec.
const BASH_FUNCTION = ['env', 'BASH_FUNC_greet%%=() {  echo hi\n}'];

async function environmentUnder(rules: Run): Promise<Map<string, string>> {
  const result = await launchAs(w.alice, { ...rules, env: CALLER_ENV }, 'net_admin', ['cat', '/proc/self/environ'], BASH_FUNCTION);
  assert.is(result.exitCode, 0, String(result.stderr));
  return environmentOf(result.stdout);
}

privileged(policy, 'without keepenv the environment is reset: the kept variables, a fixed PATH and CAPEXEC_USER', async () => {
  const env = await environmentUnder({ policy: `permit ${w.alice.name} cap net_admin\n` });
  assert.equal(Object.fromEntries([...env].sort()), {
    CAPEXEC_USER: w.alice.name, HOME: '/nonexistent', LANG: 'C.UTF-8', LC_TIME: 'C', PATH: POLICY_PATH_VARIABLE, TERM: 'dumb', TZ: 'UTC',
  });
});

privileged(policy, 'keepenv keeps the caller\'s variables, but never an exported bash function', async () => {
  const env = await environmentUnder({ policy: `permit keepenv ${w.alice.name} cap net_admin\n` });
  assert.is(env.get('FOO'), 'bar');
  assert.is(env.get('PATH'), CALLER_ENV.PATH);
  assert.is(env.get('BASH_ENV'), CALLER_ENV.BASH_ENV);
  assert.is(env.get('CAPEXEC_USER'), w.alice.name);
  assert.equal([...env.keys()].filter((name) => name.startsWith('BASH_FUNC_')), []);
});

privileged(policy, 'setenv sets, copies, keeps and removes variables after the reset', async () => {
  const env = await environmentUnder({ policy: `permit setenv { "GREETING=hello world" FROM=$FOO KEEPME -LANG } ${w.alice.name} cap net_admin\n` });
  assert.is(env.get('GREETING'), 'hello world');
  assert.is(env.get('FROM'), 'bar');
  assert.is(env.get('KEEPME'), 'kept');
  assert.is(env.has('LANG'), false);
  assert.is(env.has('FOO'), false);
  assert.is(env.get('PATH'), POLICY_PATH_VARIABLE);
  assert.is(env.get('CAPEXEC_USER'), w.alice.name);
});

privileged(policy, 'no policy file: capexec works as without a policy, environment and all', async () => {
  const result = await launchAs(w.bob, { policy: undefined, env: CALLER_ENV }, 'net_raw', ['cat', '/proc/self/environ'], BASH_FUNCTION);
  assert.is(result.exitCode, 0, String(result.stderr));
  const env = environmentOf(result.stdout);
  assert.is(env.get('FOO'), 'bar');
  assert.is(env.get('PATH'), CALLER_ENV.PATH);
  assert.is(env.get('BASH_FUNC_greet%%'), '() {  echo hi\n}');
  assert.is(env.has('CAPEXEC_USER'), false);
  assert.is(await ambientOf(w.bob, { policy: undefined }, 'net_raw,net_admin'), NET_RAW | NET_ADMIN);
});

// Each broken policy refuses every launch by a user other than root, in one line that
// says where; the rest of the file does not matter.
const FAIL_CLOSED: { name: string; policy: () => string | ((etc: string) => void); line: () => RegExp }[] = [
  {
    name: 'a syntax error',
    policy: () => `permit ${w.alice.name} cap net_admin\npermit ${w.alice.name} cap net_admin cmd "/usr/bin/touch\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:2:${`permit ${w.alice.name} cap net_admin cmd `.length + 1}: unterminated quote`),
  },
  {
    name: 'an unknown capability',
    policy: () => `permit ${w.alice.name} cap net_admin,net_bogus\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:1:${`permit ${w.alice.name} cap `.length + 1}: .*net_bogus`),
  },
  {
    name: 'an unknown keyword',
    policy: () => `# rules\n\npermit ${w.alice.name} cap net_admin nopass\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:3:${`permit ${w.alice.name} cap net_admin `.length + 1}: unknown keyword 'nopass'`),
  },
  {
    name: 'an unknown user',
    policy: () => `permit ${w.alice.name} cap net_admin\npermit nosuchuser${process.pid} cap net_admin\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:2:8: no user 'nosuchuser${process.pid}'`),
  },
  {
    name: 'an unknown group',
    policy: () => `permit ${w.alice.name} cap net_admin\npermit :nosuchgroup${process.pid} cap net_admin\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:2:8: no group 'nosuchgroup${process.pid}'`),
  },
  {
    name: 'a cmd in a directory its user can write, without sha256',
    policy: () => `permit ${w.alice.name} cap net_admin cmd ${aliceProgram('touch', readFileSync('/usr/bin/touch'))}\n`,
    line: () => new RegExp(`^capexec: /etc/capexec\\.conf:1:${`permit ${w.alice.name} cap net_admin cmd `.length + 1}: cmd ${w.aliceDirectory}/touch: ${w.aliceDirectory} is owned by uid ${w.alice.uid}, so its owner could replace the program`),
  },
  {
    name: 'a group-writable file',
    policy: () => (etc) => writePolicy(etc, `permit ${w.alice.name} cap net_admin\n`, 0o664),
    line: () => /^capexec: refusing to use \/etc\/capexec\.conf: it is writable by group \(mode 0664\) \(as root: chown root:root \/etc\/capexec\.conf && chmod 0644 \/etc\/capexec\.conf\)$/,
  },
  {
    name: 'a file owned by a user',
    policy: () => (etc) => {
      writePolicy(etc, `permit ${w.alice.name} cap net_admin\n`);
      chownSync(join(etc, 'capexec.conf'), w.alice.uid, w.alice.gid);
    },
    line: () => new RegExp(`^capexec: refusing to use /etc/capexec\\.conf: it is owned by uid ${w.alice.uid}, not root`),
  },
  {
    name: 'a symbolic link as /etc/capexec.conf',
    policy: () => (etc) => {
      writeFileSync(join(etc, 'capexec.conf.real'), `permit ${w.alice.name} cap net_admin\n`, { mode: 0o644 });
      symlinkSync('capexec.conf.real', join(etc, 'capexec.conf'));
    },
    line: () => /^capexec: refusing to use \/etc\/capexec\.conf: it is a symbolic link/,
  },
  {
    name: 'a second hard link to the file',
    policy: () => (etc) => {
      writePolicy(etc, `permit ${w.alice.name} cap net_admin\n`);
      linkSync(join(etc, 'capexec.conf'), join(etc, 'capexec.conf.orig'));
    },
    line: () => /^capexec: refusing to use \/etc\/capexec\.conf: it has 2 hard links/,
  },
];

for (const broken of FAIL_CLOSED) {
  privileged(policy, `fails closed on ${broken.name}: 125, one line, nothing run`, async () => {
    const stderr = await refused(w.alice, { policy: broken.policy() }, 'net_admin');
    assert.ok(isOneErrorLine(stderr.trimEnd()), stderr);
    assert.match(stderr, broken.line(), stderr);
  });
}

// What --install --policy does to the installed copy, done here to a test copy.
function requirePolicy(exe: string): void {
  const bytes = readFileSync(exe);
  const optional = Buffer.from('capexec-policy:optional');
  const at = bytes.indexOf(optional);
  assert.ok(at >= 0 && bytes.indexOf(optional, at + 1) < 0, 'the policy mode asset occurs once');
  Buffer.from('capexec-policy:required').copy(bytes, at);
  writeFileSync(exe, bytes);
}

privileged(policy, 'an executable that requires the policy refuses every launch without one', async () => {
  const required = installCopy(undefined);
  try {
    requirePolicy(required.exe);
    // setcap last: writing the file would clear its capabilities.
    execFileSync('setcap', ['cap_net_admin+p', required.exe]);
    const ran = marker();
    const missing = await runUnderPolicy({ base: w.scratch, user: w.alice, policy: undefined, argv: [required.exe, '--cap', 'net_admin', '--', 'touch', ran] });
    assert.is(missing.exitCode, 125);
    assert.ok(isOneErrorLine(String(missing.stderr).trimEnd()), String(missing.stderr));
    assert.match(String(missing.stderr), /^capexec: \/etc\/capexec\.conf does not exist: this capexec runs commands only as a policy allows/);
    assert.not.ok(existsSync(ran));
    const present = await runUnderPolicy({
      base: w.scratch, user: w.alice, policy: `permit ${w.alice.name} cap net_admin\n`, argv: [required.exe, '--cap', 'net_admin', '--', 'cat', '/proc/self/status'],
    });
    assert.is(present.exitCode, 0, String(present.stderr));
    assert.is(capMaskField(statusFields(String(present.stdout)), 'CapAmb'), NET_ADMIN);
  } finally {
    required.remove();
  }
});

// syslog(3) datagrams as a daemon receives them: <PRI>TIMESTAMP capexec[PID]: MESSAGE.
function syslogLines(path: string): string[] {
  return readFileSync(path, 'latin1').split('\n').filter((line) => line !== '');
}
const HEADER = String.raw`\w{3} [ \d]\d \d\d:\d\d:\d\d capexec\[\d+\]: `;

privileged(policy, 'audit: a grant at authpriv.notice and a denial at authpriv.alert, in sudo\'s shape', async () => {
  const rules = `permit ${w.alice.name} cap net_admin cmd /usr/bin/true\n`;
  const granted = join(w.scratch, `syslog-${markerSerial++}`);
  const grant = await launchAs(w.alice, { policy: rules, syslog: granted, cwd: w.markers }, 'net_admin', ['true', 'a\nb;c']);
  assert.is(grant.exitCode, 0, String(grant.stderr));
  assert.equal(syslogLines(granted).map((line) => new RegExp(`^<85>${HEADER}(.*)$`).exec(line)?.[1]), [
    `${w.alice.name} : CAPS=cap_net_admin ; PWD=${w.markers} ; RULE=/etc/capexec.conf:1 ; COMMAND=/usr/bin/true a#012b#073c`,
  ]);

  const denied = join(w.scratch, `syslog-${markerSerial++}`);
  const ran = marker();
  const denial = await launchAs(w.alice, { policy: rules, syslog: denied, cwd: w.markers }, 'net_raw', ['touch', ran]);
  assert.is(denial.exitCode, 125);
  assert.not.ok(existsSync(ran));
  assert.equal(syslogLines(denied).map((line) => new RegExp(`^<81>${HEADER}(.*)$`).exec(line)?.[1]), [
    `${w.alice.name} : command not allowed ; CAPS=cap_net_raw ; PWD=${w.markers} ; COMMAND=/usr/bin/touch ${ran}`,
  ]);
});

privileged(policy, 'audit: a launch without a policy is logged too, and a broken policy as a denial', async () => {
  const plain = join(w.scratch, `syslog-${markerSerial++}`);
  const result = await launchAs(w.bob, { policy: undefined, syslog: plain, cwd: w.markers }, 'net_raw', ['true']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.equal(syslogLines(plain).map((line) => new RegExp(`^<85>${HEADER}(.*)$`).exec(line)?.[1]), [
    `${w.bob.name} : CAPS=cap_net_raw ; PWD=${w.markers} ; COMMAND=/usr/bin/true`,
  ]);
  const broken = join(w.scratch, `syslog-${markerSerial++}`);
  await launchAs(w.bob, { policy: 'permit\n', syslog: broken, cwd: w.markers }, 'net_raw', ['true']);
  assert.equal(syslogLines(broken).map((line) => new RegExp(`^<81>${HEADER}(.*)$`).exec(line)?.[1]), [
    `${w.bob.name} : command not allowed ; CAPS=cap_net_raw ; PWD=${w.markers} ; COMMAND=/usr/bin/true`,
  ]);
});

privileged(policy, 'with no /dev/log at all the launch still works', async () => {
  assert.not.ok(existsSync('/dev/log'), 'this test needs a machine without /dev/log');
  const result = await launchAs(w.alice, { policy: `permit ${w.alice.name} cap net_admin\n` }, 'net_admin', ['sh', '-c', 'test ! -e /dev/log && cat /proc/self/status']);
  assert.is(result.exitCode, 0, String(result.stderr));
  assert.is(capMaskField(statusFields(String(result.stdout)), 'CapAmb'), NET_ADMIN);
});

privileged(policy, 'a load asks NSS once for each name, however many rules repeat it; rules that share a cmd each get its file and their own problems', () => {
  const nss: string[] = [];
  const c = new FakeLibc();
  const userByName = c.userByName.bind(c);
  const groupByName = c.groupByName.bind(c);
  c.userByName = (name) => (nss.push(`user ${name}`), userByName(name));
  c.groupByName = (name) => (nss.push(`group ${name}`), groupByName(name));
  const unsafe = aliceProgram('repeated', '#!/bin/sh\n');
  const lines = [
    ...Array.from({ length: 4 }, () => 'permit nobody cap net_admin cmd /usr/bin/true'),
    ...Array.from({ length: 3 }, () => 'permit :nogroup cap net_raw cmd /usr/bin/cat'),
    `permit nobody cap net_admin cmd ${unsafe}`,
    `permit nosuch${process.pid} cap net_admin`,
    `permit nobody cap net_admin cmd ${unsafe} sha256 ${'0'.repeat(64)}`,
    `permit nosuch${process.pid} cap net_admin`,
    `permit nobody cap net_admin cmd ${unsafe}`,
  ];
  const file = join(w.scratch, `lookups-${markerSerial++}.conf`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
  const loaded = readPolicy(c, file, 40);
  assert.ok(loaded !== undefined);
  assert.equal(nss, ['user nobody', 'group nogroup', `user nosuch${process.pid}`]);
  const trueFile = lstatSync('/usr/bin/true', { bigint: true });
  assert.equal(loaded.rules.slice(0, 4).map((rule) => [rule.line, rule.id, rule.file?.ino]), [1, 2, 3, 4].map((line) => [line, NOBODY, trueFile.ino]));
  assert.equal(loaded.rules.slice(4, 7).map((rule) => [rule.line, rule.id]), [[5, 65534], [6, 65534], [7, 65534]]);
  // Each rule still gets its own problem, at its own line.
  assert.equal(loaded.problems.map((problem) => [problem.line, problem.what.split(':')[0]]), [
    [8, `cmd ${unsafe}`], [9, `no user 'nosuch${process.pid}'`], [11, `no user 'nosuch${process.pid}'`], [12, `cmd ${unsafe}`],
  ]);
  assert.equal(loaded.rules.map((rule) => rule.line).slice(7), [10]);
});

// --install --policy writes /etc/capexec.conf: it runs in the namespace too, and what it
// leaves in /etc stays in that run's upper layer, for the launches after it to see.
const ROOT_ACCOUNT: Account = { name: 'root', uid: 0, gid: 0 };
const BUILD = join(DIST, 'capexec');
const prefixes: string[] = [];
policy.after.each(() => {
  for (const prefix of prefixes.splice(0)) rmSync(prefix, { recursive: true, force: true });
});

function policySource(text: string): string {
  const path = join(w.scratch, `source-${markerSerial++}.conf`);
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

function freshPrefix(): string {
  const prefix = scratchDirectory('policy-prefix');
  prefixes.push(prefix);
  return prefix;
}

function asRoot(etc: string, argv: readonly string[]) {
  return runUnderPolicy({ base: w.scratch, user: ROOT_ACCOUNT, policy: undefined, etc, argv });
}

function emptyEtc(): string {
  return layer(w.scratch, 'installed-etc');
}

privileged(policy, 'root\'s --check keeps the parsed rules; launches follow them only while the text and the kept file are as --check left them', async () => {
  const etc = layer(w.scratch, 'etc');
  const cache = layer(w.scratch, 'cache');
  const text = `permit ${w.alice.name} cap net_admin\n`;
  writePolicy(etc, text);
  const root: Account = { name: 'root', uid: 0, gid: 0 };
  const checked = await runUnderPolicy({ base: w.scratch, user: root, policy: undefined, etc, cache, argv: [w.installed.exe, '--check'] });
  assert.is(checked.exitCode, 0, String(checked.stderr));
  assert.match(String(checked.stdout), /^\/var\/cache\/capexec\/capexec\.conf\.parsed: the parsed rules, kept for launches/m);
  const kept = join(cache, 'capexec', 'capexec.conf.parsed');
  const stats = lstatSync(kept);
  assert.equal([stats.uid, stats.mode & 0o7777, lstatSync(join(cache, 'capexec')).mode & 0o7777], [0, 0o644, 0o755]);

  // Kept rules that say otherwise than the text, as only root could make them: a launch
  // that follows them shows they are what it read.
  const stored = JSON.parse(readFileSync(kept, 'utf8')) as { rests: string[] };
  const first = stored.rests[0];
  assert.ok(first);
  stored.rests[0] = JSON.stringify({ ...JSON.parse(first) as object, caps: [13] });
  writeFileSync(kept, JSON.stringify(stored));
  const run = { policy: undefined, etc, cache };
  assert.is(await ambientOf(w.alice, run, 'net_raw'), NET_RAW);
  await refused(w.alice, run, 'net_admin');

  for (const [field, value] of [['build', '0'.repeat(64)], ['lastCap', 30]] as const) {
    writeFileSync(kept, JSON.stringify({ ...stored, [field]: value }));
    assert.is(await ambientOf(w.alice, run, 'net_admin'), NET_ADMIN, `another ${field}: the file itself is parsed`);
    await refused(w.alice, run, 'net_raw');
  }
  writeFileSync(kept, JSON.stringify(stored));
  assert.is(await ambientOf(w.alice, run, 'net_raw'), NET_RAW);

  writePolicy(etc, `${text}# changed\n`);
  assert.is(await ambientOf(w.alice, run, 'net_admin'), NET_ADMIN, 'another text: the file itself is parsed');
  await refused(w.alice, run, 'net_raw');

  writePolicy(etc, text);
  chmodSync(kept, 0o666);
  assert.is(await ambientOf(w.alice, run, 'net_admin'), NET_ADMIN, 'a kept file anyone may write is not read');
  await refused(w.alice, run, 'net_raw');
});

// A launch makes only the caller's kept rules whole; its decision, and its words when it
// refuses, must be those of the parsed policy all the same.
privileged(policy, 'with kept rules a launch is decided as with the parsed policy: another user\'s rules, a group\'s deny, a denial\'s closest permit', async () => {
  const etc = layer(w.scratch, 'etc');
  const cache = layer(w.scratch, 'cache');
  writePolicy(etc, [
    `permit ${w.bob.name} cap net_raw`,
    `permit ${w.alice.name} cap net_admin,net_raw`,
    `deny :${w.netadmins.name} cap net_raw`,
    `permit ${w.bob.name} cap net_admin cmd /usr/bin/cat`,
    `permit ${w.alice.name} cap net_bind_service cmd /usr/bin/cat args /nonexistent`,
  ].join('\n') + '\n');
  const root: Account = { name: 'root', uid: 0, gid: 0 };
  const checked = await runUnderPolicy({ base: w.scratch, user: root, policy: undefined, etc, cache, argv: [w.installed.exe, '--check'] });
  assert.is(checked.exitCode, 0, String(checked.stderr));
  assert.ok(existsSync(join(cache, 'capexec', 'capexec.conf.parsed')));
  const refusals: string[][] = [];
  for (const run of [{ policy: undefined, etc, cache }, { policy: undefined, etc }]) {
    assert.is(await ambientOf(w.alice, run, 'net_admin'), NET_ADMIN);
    assert.is(await ambientOf(w.bob, run, 'net_raw'), NET_RAW);
    assert.is(await ambientOf(w.bob, run, 'net_admin'), NET_ADMIN);
    refusals.push([
      await refused(w.alice, run, 'net_raw'),
      await refused(w.bob, run, 'net_admin'),
      await refused(w.alice, run, 'net_bind_service', ['cat', '/proc/self/status']),
    ]);
  }
  const [kept, parsed] = refusals;
  assert.equal(kept, parsed);
  assert.match(kept?.[0] ?? '', /capexec\.conf:3 denies it/);
  assert.match(kept?.[1] ?? '', /capexec\.conf:4, does not fit/);
  assert.match(kept?.[2] ?? '', /capexec\.conf:5, does not fit/);
});

privileged(policy, '--install --policy: installs a checked policy, the caps its permit rules grant, and an executable that requires it', async () => {
  const rules = `permit :${w.netadmins.name} cap net_admin\npermit ${w.bob.name} cap net_raw cmd /usr/bin/cat\ndeny ${w.bob.name} cap sys_admin\n`;
  const source = policySource(rules);
  const prefix = freshPrefix();
  const etc = emptyEtc();
  const result = await asRoot(etc, [BUILD, '--install', prefix, '--policy', source]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const executable = `${prefix}/libexec/capexec/capexec`;
  assert.match(String(result.stdout), `installed ${executable} (cap_net_admin,cap_net_raw+p, mode 0755 root:root)`);
  assert.match(String(result.stdout), `installed /etc/capexec.conf (mode 0644 root:root)\n${executable} requires /etc/capexec.conf`);
  const installed = lstatSync(join(etc, 'capexec.conf'));
  assert.equal([installed.uid, installed.gid, installed.mode & 0o7777, installed.nlink], [0, 0, 0o644, 1]);
  assert.is(readFileSync(join(etc, 'capexec.conf'), 'utf8'), rules);
  assert.is(execFileSync('getcap', [executable], { encoding: 'utf8' }).trim(), `${executable} cap_net_admin,cap_net_raw=p`);
  const bytes = readFileSync(executable);
  assert.is(bytes.indexOf('capexec-policy:optional'), -1);
  assert.ok(bytes.indexOf('capexec-policy:required') >= 0);
  const manifest = JSON.parse(readFileSync(`${prefix}/libexec/capexec/install-manifest.json`, 'utf8')) as { policy: unknown; files: Record<string, { sha256?: string }> };
  assert.equal(manifest.policy, { sha256: sha256(Buffer.from(rules)) });
  assert.is(manifest.files['libexec/capexec/capexec']?.sha256, sha256(bytes));

  const launch = (user: Account, caps: string) =>
    runUnderPolicy({ base: w.scratch, user, policy: undefined, etc, argv: [`${prefix}/bin/capexec`, '--cap', caps, '--', 'cat', '/proc/self/status'] });
  const alice = await launch(w.alice, 'net_admin');
  assert.is(alice.exitCode, 0, String(alice.stderr));
  assert.is(capMaskField(statusFields(String(alice.stdout)), 'CapAmb'), NET_ADMIN);
  assert.is((await launch(w.alice, 'net_raw')).exitCode, 125);
  assert.is((await launch(w.bob, 'net_admin')).exitCode, 125);
  const bob = await launch(w.bob, 'net_raw');
  assert.is(capMaskField(statusFields(String(bob.stdout)), 'CapAmb'), NET_RAW);

  // A cap the installation lacks: the fix is a reinstall that keeps the policy.
  const lacking = await launch(w.alice, 'net_bind_service');
  assert.is(lacking.exitCode, 125);
  assert.match(String(lacking.stderr), `(as root: ${executable} --install ${prefix} --policy /etc/capexec.conf --cap cap_net_bind_service,cap_net_admin,cap_net_raw)`, String(lacking.stderr));

  rmSync(join(etc, 'capexec.conf'));
  const missing = await launch(w.alice, 'net_admin');
  assert.is(missing.exitCode, 125);
  assert.match(String(missing.stderr), /^capexec: \/etc\/capexec\.conf does not exist/);
});

privileged(policy, '--install --policy: --cap overrides the caps the policy grants', async () => {
  const prefix = freshPrefix();
  const result = await asRoot(emptyEtc(), [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.bob.name} cap net_raw,net_admin\n`), '--cap', 'net_raw']);
  assert.is(result.exitCode, 0, String(result.stderr));
  const executable = `${prefix}/libexec/capexec/capexec`;
  assert.is(execFileSync('getcap', [executable], { encoding: 'utf8' }).trim(), `${executable} cap_net_raw=p`);
});

privileged(policy, '--install --policy: a policy with errors is refused with its FILE:LINE:COL lines, and nothing is installed', async () => {
  const source = policySource(`permit ${w.bob.name} cap net_raw\npermit ${w.bob.name} cap net_bogus\npermit nosuchuser${process.pid} cap net_raw\n`);
  const prefix = freshPrefix();
  const etc = emptyEtc();
  const result = await asRoot(etc, [BUILD, '--install', prefix, '--policy', source]);
  assert.is(result.exitCode, 125);
  const lines = String(result.stderr).split('\n');
  assert.match(lines[0] ?? '', new RegExp(`^${source}:2:${`permit ${w.bob.name} cap `.length + 1}: .*net_bogus`));
  assert.match(lines[1] ?? '', new RegExp(`^${source}:3:8: no user 'nosuchuser${process.pid}'`));
  assert.match(lines[2] ?? '', new RegExp(`^capexec: refusing to install ${source}: 2 errors in it \\(correct it, then check it: capexec --check ${source}\\)$`));
  assert.is(lines.length, 3);
  assert.equal(readdirSync(prefix), []);
  assert.equal(readdirSync(etc), []);
});

privileged(policy, '--install --policy: an /etc/capexec.conf capexec did not put there is never replaced; the same rules are kept as they are', async () => {
  const etc = emptyEtc();
  writePolicy(etc, `permit ${w.alice.name} cap net_admin\n`);
  const prefix = freshPrefix();
  const other = await asRoot(etc, [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.bob.name} cap net_raw\n`)]);
  assert.is(other.exitCode, 125);
  assert.match(String(other.stderr), /^capexec: refusing to replace \/etc\/capexec\.conf: it holds other rules, which capexec --install did not put there/);
  assert.is(readFileSync(join(etc, 'capexec.conf'), 'utf8'), `permit ${w.alice.name} cap net_admin\n`);
  assert.equal(readdirSync(prefix), []);

  const same = await asRoot(etc, [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.alice.name} cap net_admin\n`)]);
  assert.is(same.exitCode, 0, String(same.stderr));
  assert.match(String(same.stdout), 'kept /etc/capexec.conf: it already holds these rules');
});

privileged(policy, '--install --policy: a reinstall may replace its own policy; --uninstall removes it while unchanged, and keeps it when edited', async () => {
  const etc = emptyEtc();
  const prefix = freshPrefix();
  const first = await asRoot(etc, [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.alice.name} cap net_admin\n`)]);
  assert.is(first.exitCode, 0, String(first.stderr));
  const second = await asRoot(etc, [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.bob.name} cap net_admin\n`)]);
  assert.is(second.exitCode, 0, String(second.stderr));
  assert.match(String(second.stdout), 'changed policy: new rules');
  assert.is(readFileSync(join(etc, 'capexec.conf'), 'utf8'), `permit ${w.bob.name} cap net_admin\n`);
  assert.equal(readdirSync(etc), ['capexec.conf']);
  const without = await asRoot(etc, [BUILD, '--install', prefix, '--cap', 'net_admin']);
  assert.is(without.exitCode, 125);
  assert.match(String(without.stderr), /without --policy: the installation there requires \/etc\/capexec\.conf/);

  const removed = await asRoot(etc, [BUILD, '--uninstall', prefix]);
  assert.is(removed.exitCode, 0, String(removed.stderr));
  assert.match(String(removed.stdout), 'removed /etc/capexec.conf');
  assert.equal(readdirSync(etc), []);

  const again = await asRoot(etc, [BUILD, '--install', prefix, '--policy', policySource(`permit ${w.bob.name} cap net_admin\n`)]);
  assert.is(again.exitCode, 0, String(again.stderr));
  writePolicy(etc, `permit ${w.bob.name} cap net_admin\n# edited\n`);
  const kept = await asRoot(etc, [BUILD, '--uninstall', prefix]);
  assert.is(kept.exitCode, 0, String(kept.stderr));
  assert.match(String(kept.stderr), 'kept /etc/capexec.conf: changed since it was installed');
  assert.is(readFileSync(join(etc, 'capexec.conf'), 'utf8'), `permit ${w.bob.name} cap net_admin\n# edited\n`);
});

policy.run();
