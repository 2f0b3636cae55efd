#!/usr/bin/env node
'use strict';
// `npm run bench`, as root: what one capexec start costs a script that calls it in a
// loop. All cases run interleaved, in a fresh random order each round, so they share
// whatever the machine is doing; each is timed from spawn to exit, as its caller pays.
// The policy cases run the same launch under a 500-rule /etc/capexec.conf, a 5-rule one
// and none: /etc/capexec.conf exists only in a private mount namespace (an overlay on /etc,
// and one on /var/cache for the rules root's --check keeps), so each is timed by a
// runner process of its own namespace, and the machine's own /etc and /var/cache are
// never written.
//
//   node bench/startup.js [--rounds N]
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildFloor } = require('./floor.js');

const root = path.resolve(__dirname, '..');
const NOBODY = { uid: 65534, gid: 65534 };
// Nothing of the caller's environment: NODE_EXTRA_CA_CERTS, NODE_OPTIONS and the like
// would change what Node does at start-up.
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
// What the timed commands get: the environment a login shell gives its user, none of
// Node's own variables among them. A policy launch reads every entry.
const SHELL_ENV = {
  ...ENV, HOME: '/nonexistent', LANG: 'C.UTF-8', TERM: 'xterm-256color', SHELL: '/bin/sh', USER: 'nobody', LOGNAME: 'nobody',
  MAIL: '/var/mail/nobody', PWD: '/', OLDPWD: '/', SHLVL: '1', _: '/usr/bin/capexec',
};
const ROOT_ENV = { ...SHELL_ENV, HOME: '/root', USER: 'root', LOGNAME: 'root', MAIL: '/var/mail/root' };
const WARMUP = 10;
const POLICY_RULES = 500;
const SMALL_POLICY_RULES = 5;

// A runner times one spawn per line it reads, as run() below does, from inside the
// mount namespace it was started in.
const RUNNER = `
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const bench = JSON.parse(line);
  const started = process.hrtime.bigint();
  const result = spawnSync(bench.file, bench.args, { ...bench.options, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  const failed = result.error ? result.error.message : result.status !== 0 ? \`exit \${result.status} \${String(result.stderr).trim()}\` : undefined;
  process.stdout.write(JSON.stringify({ elapsed, failed }) + '\\n');
});
`;
// $1 and $2 are /etc's layers, $3 and $4 /var/cache's, $5 a capexec whose --check, as
// root, keeps the policy's parsed rules there first (or empty), $6 node, $7 the runner.
const NAMESPACE = `
mount --make-rprivate / || exit 90
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || exit 90
mount -t overlay overlay -o "lowerdir=/var/cache,upperdir=$3,workdir=$4" /var/cache || exit 90
if [ -n "$5" ]; then "$5" --check >/dev/null || exit 92; fi
exec "$6" -e "$7"
`;

class Runner {
  constructor([etcUpper, etcWork], [cacheUpper, cacheWork], checker = '') {
    this.child = spawn('unshare', ['--mount', '--', '/bin/sh', '-c', NAMESPACE, 'sh', etcUpper, etcWork, cacheUpper, cacheWork, checker, process.execPath, RUNNER], {
      env: ENV, stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.buffered = '';
    this.waiting = [];
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.buffered += chunk;
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        this.waiting.shift()?.(JSON.parse(line));
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  run(bench) {
    return new Promise((resolve, reject) => {
      this.waiting.push(({ elapsed, failed }) => {
        if (failed !== undefined) reject(new Error(`${bench.name} failed: ${failed}`));
        else resolve(elapsed);
      });
      this.child.stdin.write(`${JSON.stringify({ file: bench.file, args: bench.args, options: bench.options })}\n`);
    });
  }

  async close() {
    this.child.stdin.end();
    await this.exited;
  }
}

// An upper layer for an overlay (/etc, /var/cache): its root takes the layer's owner and mode.
function etcLayer(base, name, policy) {
  const upper = path.join(base, name);
  const work = path.join(base, `${name}-work`);
  for (const dir of [upper, work]) {
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
  }
  if (policy !== undefined) {
    const file = path.join(upper, 'capexec.conf');
    fs.writeFileSync(file, policy, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
  }
  return [upper, work];
}

const sha256File = (file) => {
  const hash = crypto.createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
};

// POLICY_RULES rules, of which only the last fits the benched launch. The others look
// like a real site's: users and groups by name (each a lookup through NSS at every
// launch), each with a cmd (each stat'ed and its path checked) and some with args. Two
// of them are for the hashing cases, a pinned and an unpinned copy of the same program.
function benchPolicy(pinned, plain) {
  const rules = siteRules(POLICY_RULES - 3);
  rules.push(`permit nobody cap net_admin cmd ${pinned} sha256 ${sha256File(pinned)}`);
  rules.push(`permit nobody cap net_admin cmd ${plain}`);
  rules.push('permit nobody cap net_admin cmd /usr/bin/true');
  return `# ${POLICY_RULES} rules for bench/startup.js; the last one fits\n${rules.join('\n')}\n`;
}

// A policy of the size a site writes: SMALL_POLICY_RULES rules, the last of which fits.
function smallPolicy() {
  const rules = [...siteRules(SMALL_POLICY_RULES - 1), 'permit nobody cap net_admin cmd /usr/bin/true'];
  return `# ${SMALL_POLICY_RULES} rules for bench/startup.js; the last one fits\n${rules.join('\n')}\n`;
}

function siteRules(count) {
  const users = ['daemon', 'bin', 'sys', 'games', 'man', 'lp', 'mail', 'news'];
  const groups = ['adm', 'tty', 'disk', 'dialout', 'cdrom', 'audio', 'video', 'staff'];
  const commands = ['/usr/bin/true', '/usr/bin/false', '/usr/bin/cat', '/usr/bin/ls', '/usr/bin/id'];
  const rules = [];
  for (let i = 0; rules.length < count; i++) {
    const who = i % 2 === 0 ? users[i % users.length] : `:${groups[i % groups.length]}`;
    const args = i % 3 === 0 ? ` args -t "tap${i}"` : '';
    rules.push(`permit ${who} cap net_admin,net_raw cmd ${commands[i % commands.length]}${args}`);
  }
  return rules;
}

// Byte-identical copies of one executable start at different speeds: how the kernel
// happened to cache each file's pages moved a start by up to 0.9 ms between copies. So
// capexec, the floors and node are each timed as COPIES files, round by round in turn,
// each copy in `directory` with its original's file capabilities. About 1 GB in all.
const COPIES = 3;

function copiesOf(file, directory = path.dirname(file)) {
  const capabilities = execFileSync('getcap', [file], { encoding: 'utf8' }).slice(file.length).trim();
  return [file, ...Array.from({ length: COPIES - 1 }, (_, i) => {
    const copy = path.join(directory, `${path.basename(file)}-${i + 1}`);
    fs.copyFileSync(file, copy);
    fs.chmodSync(copy, 0o755);
    if (capabilities !== '') execFileSync('setcap', [capabilities, copy]);
    return copy;
  })];
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) fail(`${name} needs a positive whole number`);
  return value;
}

function bigEnvironment(bytes) {
  const env = { ...SHELL_ENV };
  const value = 'x'.repeat(1000);
  for (let i = 0, size = 0; size < bytes; i++, size += value.length + 12) env[`BENCH_${String(i).padStart(5, '0')}`] = value;
  return env;
}

function median(sorted) {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function run(bench) {
  const started = process.hrtime.bigint();
  const result = spawnSync(bench.file, bench.args, { ...bench.options, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error || result.status !== 0) {
    throw new Error(`${bench.name} failed: ${result.error ? result.error.message : `exit ${result.status} ${String(result.stderr).trim()}`}`);
  }
  return elapsed;
}

async function main() {
  if (process.getuid() !== 0) fail('run it as root (it installs a setcap\'d capexec into a scratch prefix and runs it as nobody)');
  const capexecBuild = path.join(root, 'dist', 'capexec');
  if (!fs.existsSync(capexecBuild)) fail('dist/capexec is missing: npm run build');
  let node24;
  try {
    node24 = require.resolve(`node-linux-${process.arch}/bin/node`, { paths: [root] });
  } catch {
    fail(`node-linux-${process.arch} is not installed: npm ci`);
  }
  const rounds = option('--rounds', 100);

  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'capexec-bench-'));
  fs.chmodSync(prefix, 0o755);
  const installed = spawnSync(capexecBuild, ['--install', prefix, '--cap', 'net_admin'], { env: ENV, encoding: 'utf8' });
  const runners = [];
  try {
    if (installed.status !== 0) throw new Error(`capexec --install failed: ${installed.stderr.trim()}`);
    const capexec = path.join(prefix, 'bin', 'capexec');
    // The floor (bench/floor.js): built as capexec is, given the same file capability
    // beside it, so that Node starts both in secure-execution mode alike.
    const floorBuild = path.join(prefix, 'libexec', 'capexec', 'floor');
    await buildFloor(floorBuild);
    execFileSync('setcap', ['cap_net_admin+p', floorBuild]);
    // The floor of any launcher built on koffi, beside the koffi.node --install put there.
    const koffiFloorBuild = path.join(prefix, 'libexec', 'capexec', 'koffi-floor');
    await buildFloor(koffiFloorBuild, { koffi: true });
    execFileSync('setcap', ['cap_net_admin+p', koffiFloorBuild]);
    const [capexecs, floor, koffiFloor] = [fs.realpathSync(capexec), floorBuild, koffiFloorBuild].map((file) => copiesOf(file));
    const nodes = copiesOf(node24, prefix);
    const manyArgs = Array.from({ length: 10000 }, (_, i) => `argument-${i}`);
    const bigEnv = bigEnvironment(1 << 20);
    // The "node -e 0" and "/bin/true" rows with the same arguments or environment show
    // what Node.js and the kernel spend on them before and after capexec's own work.
    const benches = [
      { name: '/bin/true', file: '/bin/true', args: [], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'setpriv', file: 'setpriv', args: ['--inh-caps', '+net_admin', '--ambient-caps', '+net_admin', '/bin/true'], options: { env: ROOT_ENV } },
      { name: 'node -e 0', file: nodes, args: ['-e', '0'], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'capexec', file: capexecs, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'floor', file: floor, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'koffi floor', file: koffiFloor, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'floor, 10,000 args', file: floor, args: ['--cap', 'net_admin', '--', '/bin/true', ...manyArgs], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'floor, 1 MiB env', file: floor, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: bigEnv, ...NOBODY } },
      { name: '/bin/true, 10,000 args', file: '/bin/true', args: manyArgs, options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'node -e 0, 10,000 args', file: nodes, args: ['-e', '0', ...manyArgs], options: { env: SHELL_ENV, ...NOBODY } },
      { name: 'capexec, 10,000 args', file: capexecs, args: ['--cap', 'net_admin', '--', '/bin/true', ...manyArgs], options: { env: SHELL_ENV, ...NOBODY } },
      { name: '/bin/true, 1 MiB env', file: '/bin/true', args: [], options: { env: bigEnv, ...NOBODY } },
      { name: 'node -e 0, 1 MiB env', file: nodes, args: ['-e', '0'], options: { env: bigEnv, ...NOBODY } },
      { name: 'capexec, 1 MiB env', file: capexecs, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: bigEnv, ...NOBODY } },
      // Root mode, run by root as an entrypoint runs it, against the setpriv line that
      // gives the command the same state; and Node's own start-up as root.
      { name: 'node -e 0, as root', file: nodes, args: ['-e', '0'], options: { env: ROOT_ENV } },
      { name: 'capexec --user', file: capexecs, args: ['--user', 'nobody', '--cap', 'net_admin', '--', '/bin/true'], options: { env: ROOT_ENV } },
      {
        name: 'setpriv --reuid',
        file: 'setpriv',
        args: ['--reuid=nobody', '--regid=nogroup', '--init-groups', '--inh-caps=-all,+net_admin', '--ambient-caps=-all,+net_admin', '--bounding-set=-all,+net_admin', '/bin/true'],
        options: { env: ROOT_ENV },
      },
    ];

    // The same launch with and without a policy, each in a namespace with an overlay on
    // /etc, so that both pay for reading /etc through it. Two copies of one large
    // program, one pinned by sha256, give what the pin costs a launch.
    const pinned = path.join(prefix, 'pinned-node');
    const plain = path.join(prefix, 'plain-node');
    for (const copy of [pinned, plain]) {
      fs.copyFileSync(node24, copy);
      fs.chmodSync(copy, 0o755);
    }
    // As an administrator runs it after an edit, root's capexec --check keeps the parsed
    // rules for the policy cases; the "parsed" case has none kept, and parses each time.
    const policyText = benchPolicy(pinned, plain);
    const withPolicy = new Runner(etcLayer(prefix, 'etc-policy', policyText), etcLayer(prefix, 'cache-policy'), capexec);
    const withPolicyParsed = new Runner(etcLayer(prefix, 'etc-parsed', policyText), etcLayer(prefix, 'cache-parsed'));
    const withSmallPolicy = new Runner(etcLayer(prefix, 'etc-small', smallPolicy()), etcLayer(prefix, 'cache-small'), capexec);
    const withoutPolicy = new Runner(etcLayer(prefix, 'etc-none', undefined), etcLayer(prefix, 'cache-none'));
    runners.push(withPolicy, withPolicyParsed, withSmallPolicy, withoutPolicy);
    const launch = ['--cap', 'net_admin', '--', '/usr/bin/true'];
    benches.push(
      { name: 'capexec, no policy', file: capexecs, args: launch, options: { env: SHELL_ENV, ...NOBODY }, runner: withoutPolicy },
      { name: 'floor, in the namespace', file: floor, args: launch, options: { env: SHELL_ENV, ...NOBODY }, runner: withoutPolicy },
      { name: `capexec, ${POLICY_RULES}-rule policy`, file: capexecs, args: launch, options: { env: SHELL_ENV, ...NOBODY }, runner: withPolicy },
      { name: `capexec, ${POLICY_RULES}-rule policy, parsed`, file: capexecs, args: launch, options: { env: SHELL_ENV, ...NOBODY }, runner: withPolicyParsed },
      { name: `capexec, ${SMALL_POLICY_RULES}-rule policy`, file: capexecs, args: launch, options: { env: SHELL_ENV, ...NOBODY }, runner: withSmallPolicy },
      { name: 'policy, program', file: capexecs, args: ['--cap', 'net_admin', '--', plain, '-e', '0'], options: { env: SHELL_ENV, ...NOBODY }, runner: withPolicy },
      { name: 'policy, pinned program', file: capexecs, args: ['--cap', 'net_admin', '--', pinned, '-e', '0'], options: { env: SHELL_ENV, ...NOBODY }, runner: withPolicy },
    );

    for (const bench of benches) bench.times = [];
    for (let round = 0; round < WARMUP + rounds; round++) {
      for (const bench of shuffle([...benches])) {
        // The cases of one executable run the same copy of it in a round, so that the
        // pairs among them compare a copy with itself.
        const timed = Array.isArray(bench.file) ? { ...bench, file: bench.file[round % bench.file.length] } : bench;
        const elapsed = bench.runner === undefined ? run(timed) : await bench.runner.run(timed);
        if (round >= WARMUP) bench.times.push(elapsed);
      }
    }
    report(benches, rounds, node24, { size: fs.statSync(pinned).size, alone: hashSpeed(pinned) });
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
    spawnSync(capexecBuild, ['--uninstall', prefix], { env: ENV, stdio: 'ignore' });
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

// Node's crypto (OpenSSL's SHA-256) alone, in the 1 MiB reads PinnedCopy makes, over a
// file already in the page cache: the best a pin can do.
function hashSpeed(file) {
  sha256File(file);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    sha256File(file);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times.sort((a, b) => a - b));
}

function report(benches, rounds, node24, hashing) {
  const by = Object.fromEntries(benches.map((bench) => [bench.name, bench]));
  const version = spawnSync(node24, ['--version'], { env: ENV, encoding: 'utf8' }).stdout.trim();
  const out = [
    `capexec start-up, ${rounds} interleaved rounds after ${WARMUP} warm-up; Node ${version}; ${os.cpus().length} CPUs, Linux ${os.release()}`,
    '',
    `${'case'.padEnd(26)}${'median ms'.padStart(11)}${'p10'.padStart(9)}${'p90'.padStart(9)}`,
  ];
  for (const bench of benches) {
    const sorted = [...bench.times].sort((a, b) => a - b);
    bench.median = median(sorted);
    out.push(`${bench.name.padEnd(26)}${bench.median.toFixed(2).padStart(11)}${percentile(sorted, 0.1).toFixed(2).padStart(9)}${percentile(sorted, 0.9).toFixed(2).padStart(9)}`);
  }
  // Both the ratio of the medians and the median of each round's own ratio: the second
  // cancels what the machine did during that round.
  const ratio = (name, base, target) => {
    const a = by[name];
    const b = by[base];
    const paired = median(a.times.map((time, i) => time / b.times[i]).sort((x, y) => x - y));
    const verdict = target === undefined ? '' : paired <= target ? `  (target <= ${target}: met)` : `  (target <= ${target}: missed)`;
    return `${`${name} / ${base}`.padEnd(44)}${(a.median / b.median).toFixed(3).padStart(8)}${paired.toFixed(3).padStart(10)}${verdict}`;
  };
  out.push('', `${'ratio'.padEnd(44)}${'medians'.padStart(8)}${'paired'.padStart(10)}`);
  out.push(ratio('capexec', 'floor', 1.03));
  out.push(ratio('koffi floor', 'floor'));
  out.push(ratio('capexec', 'koffi floor'));
  out.push(ratio(`capexec, ${POLICY_RULES}-rule policy`, 'floor, in the namespace', 1.03));
  out.push(ratio(`capexec, ${SMALL_POLICY_RULES}-rule policy`, 'floor, in the namespace', 1.03));
  out.push(ratio('capexec', 'node -e 0'));
  out.push(ratio('capexec', 'setpriv'));
  out.push(ratio('capexec, 10,000 args', 'capexec'));
  out.push(ratio('node -e 0, 10,000 args', 'node -e 0'));
  out.push(ratio('capexec, 1 MiB env', 'capexec'));
  out.push(ratio('node -e 0, 1 MiB env', 'node -e 0'));
  // capexec's growth with the arguments or the environment, beyond the floor's own.
  for (const big of ['10,000 args', '1 MiB env']) {
    const growth = (name) => median(by[`${name}, ${big}`].times.map((time, i) => time / by[name].times[i]).sort((x, y) => x - y));
    const beyond = growth('capexec') - growth('floor');
    out.push(`${`growth with ${big}, capexec - floor`.padEnd(44)}${''.padStart(8)}${beyond.toFixed(3).padStart(10)}  (target <= 0.05: ${beyond <= 0.05 ? 'met' : 'missed'})`);
  }
  out.push(ratio('capexec --user', 'setpriv --reuid'));
  out.push(ratio('capexec --user', 'node -e 0, as root'));
  // What root mode itself costs beyond Node's start-up, paired by round.
  const own = median(by['capexec --user'].times.map((time, i) => time - by['node -e 0, as root'].times[i]).sort((x, y) => x - y));
  out.push(`${'capexec --user - node -e 0, as root (ms)'.padEnd(44)}${''.padStart(8)}${own.toFixed(3).padStart(10)}  (target < 1: ${own < 1 ? 'met' : 'missed'})`);
  out.push(ratio(`capexec, ${POLICY_RULES}-rule policy`, 'capexec, no policy', 1.03));
  out.push(ratio(`capexec, ${POLICY_RULES}-rule policy, parsed`, 'capexec, no policy'));
  out.push(ratio(`capexec, ${SMALL_POLICY_RULES}-rule policy`, 'capexec, no policy', 1.03));
  // What a sha256 pin adds to a launch: reading the program, hashing it and copying it
  // into the sealed memfd that runs, for the pinned copy of a program against the same
  // program unpinned, round by round.
  // Where a plain launch's time goes, from the medians of the paired differences: Node's
  // own start and exec (the floor), what koffi's addon and the two system calls add to
  // any launcher built on it, and what is left, capexec's own checks, policy and audit.
  const pairedDifference = (name, base) => median(by[name].times.map((time, i) => time - by[base].times[i]).sort((x, y) => x - y));
  out.push('', 'where a launch\'s time goes (ms, medians of paired differences)');
  out.push(`${'  the floor: Node starts, process.execve()'.padEnd(52)}${by.floor.median.toFixed(2).padStart(8)}`);
  out.push(`${'  koffi floor - floor: the addon, capset, prctl, execve'.padEnd(52)}${pairedDifference('koffi floor', 'floor').toFixed(2).padStart(8)}`);
  out.push(`${'  capexec - koffi floor: capexec\'s own work'.padEnd(52)}${pairedDifference('capexec', 'koffi floor').toFixed(2).padStart(8)}`);
  // The target for capexec's own work: 1.03 times the floor, less what any launcher built
  // on koffi takes, round by round.
  const budget = median(by.floor.times.map((time, i) => 1.03 * time - by['koffi floor'].times[i]).sort((x, y) => x - y));
  out.push(`${'  what a ratio of 1.03 to the floor leaves for it'.padEnd(52)}${budget.toFixed(2).padStart(8)}`);
  out.push(`${`  a ${POLICY_RULES}-rule policy - none`.padEnd(52)}${pairedDifference(`capexec, ${POLICY_RULES}-rule policy`, 'capexec, no policy').toFixed(2).padStart(8)}`);
  out.push(`${`  the same, parsed at the launch - none`.padEnd(52)}${pairedDifference(`capexec, ${POLICY_RULES}-rule policy, parsed`, 'capexec, no policy').toFixed(2).padStart(8)}`);
  out.push(`${`  a ${SMALL_POLICY_RULES}-rule policy - none`.padEnd(52)}${pairedDifference(`capexec, ${SMALL_POLICY_RULES}-rule policy`, 'capexec, no policy').toFixed(2).padStart(8)}`);
  const megabytes = hashing.size / 1e6;
  const extra = median(by['policy, pinned program'].times.map((time, i) => time - by['policy, program'].times[i]).sort((x, y) => x - y));
  const speed = megabytes / (extra / 1000);
  out.push('', `sha256 pin of a ${megabytes.toFixed(0)} MB program: +${extra.toFixed(1)} ms a launch, ${speed.toFixed(0)} MB/s${speed >= 500 ? '  (target >= 500: met)' : '  (target >= 500: missed)'}`);
  out.push(`sha256 alone (Node's crypto, 1 MiB reads): ${(megabytes / (hashing.alone / 1000)).toFixed(0)} MB/s`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error) => fail(error.message));
