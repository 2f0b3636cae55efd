#!/usr/bin/env node
'use strict';
// `npm run bench`, as root: what one capexec start costs a script that calls it in a
// loop. All cases run interleaved, in a fresh random order each round, so they share
// whatever the machine is doing; each is timed from spawn to exit, as its caller pays.
//
//   node bench/startup.js [--rounds N]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const NOBODY = { uid: 65534, gid: 65534 };
// Only PATH: NODE_EXTRA_CA_CERTS, NODE_OPTIONS and the like from the caller's
// environment would change what Node does at start-up.
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const WARMUP = 10;

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
  const env = { ...ENV };
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
    fail(`${bench.name} failed: ${result.error ? result.error.message : `exit ${result.status} ${String(result.stderr).trim()}`}`);
  }
  return elapsed;
}

function main() {
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
  try {
    if (installed.status !== 0) fail(`capexec --install failed: ${installed.stderr.trim()}`);
    const capexec = path.join(prefix, 'bin', 'capexec');
    const manyArgs = Array.from({ length: 10000 }, (_, i) => `argument-${i}`);
    const bigEnv = bigEnvironment(1 << 20);
    // The "node -e 0" and "/bin/true" rows with the same arguments or environment show
    // what Node.js and the kernel spend on them before and after capexec's own work.
    const benches = [
      { name: '/bin/true', file: '/bin/true', args: [], options: { env: ENV, ...NOBODY } },
      { name: 'setpriv', file: 'setpriv', args: ['--inh-caps', '+net_admin', '--ambient-caps', '+net_admin', '/bin/true'], options: { env: ENV } },
      { name: 'node -e 0', file: node24, args: ['-e', '0'], options: { env: ENV, ...NOBODY } },
      { name: 'capexec', file: capexec, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: ENV, ...NOBODY } },
      { name: '/bin/true, 10,000 args', file: '/bin/true', args: manyArgs, options: { env: ENV, ...NOBODY } },
      { name: 'node -e 0, 10,000 args', file: node24, args: ['-e', '0', ...manyArgs], options: { env: ENV, ...NOBODY } },
      { name: 'capexec, 10,000 args', file: capexec, args: ['--cap', 'net_admin', '--', '/bin/true', ...manyArgs], options: { env: ENV, ...NOBODY } },
      { name: '/bin/true, 1 MiB env', file: '/bin/true', args: [], options: { env: bigEnv, ...NOBODY } },
      { name: 'node -e 0, 1 MiB env', file: node24, args: ['-e', '0'], options: { env: bigEnv, ...NOBODY } },
      { name: 'capexec, 1 MiB env', file: capexec, args: ['--cap', 'net_admin', '--', '/bin/true'], options: { env: bigEnv, ...NOBODY } },
      // Root mode, run by root as an entrypoint runs it, against the setpriv line that
      // gives the command the same state; and Node's own start-up as root.
      { name: 'node -e 0, as root', file: node24, args: ['-e', '0'], options: { env: ENV } },
      { name: 'capexec --user', file: capexec, args: ['--user', 'nobody', '--cap', 'net_admin', '--', '/bin/true'], options: { env: ENV } },
      {
        name: 'setpriv --reuid',
        file: 'setpriv',
        args: ['--reuid=nobody', '--regid=nogroup', '--init-groups', '--inh-caps=-all,+net_admin', '--ambient-caps=-all,+net_admin', '--bounding-set=-all,+net_admin', '/bin/true'],
        options: { env: ENV },
      },
    ];
    for (const bench of benches) bench.times = [];
    for (let round = 0; round < WARMUP + rounds; round++) {
      for (const bench of shuffle([...benches])) {
        const elapsed = run(bench);
        if (round >= WARMUP) bench.times.push(elapsed);
      }
    }
    report(benches, rounds, node24);
  } finally {
    spawnSync(capexecBuild, ['--uninstall', prefix], { env: ENV, stdio: 'ignore' });
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

function report(benches, rounds, node24) {
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
  out.push(ratio('capexec', 'node -e 0', 1.05));
  out.push(ratio('capexec', 'setpriv'));
  out.push(ratio('capexec, 10,000 args', 'capexec', 1.2));
  out.push(ratio('node -e 0, 10,000 args', 'node -e 0'));
  out.push(ratio('capexec, 1 MiB env', 'capexec', 1.2));
  out.push(ratio('node -e 0, 1 MiB env', 'node -e 0'));
  out.push(ratio('capexec --user', 'setpriv --reuid'));
  out.push(ratio('capexec --user', 'node -e 0, as root'));
  // What root mode itself costs beyond Node's start-up, paired by round.
  const own = median(by['capexec --user'].times.map((time, i) => time - by['node -e 0, as root'].times[i]).sort((x, y) => x - y));
  out.push(`${'capexec --user - node -e 0, as root (ms)'.padEnd(44)}${''.padStart(8)}${own.toFixed(3).padStart(10)}  (target < 1: ${own < 1 ? 'met' : 'missed'})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
