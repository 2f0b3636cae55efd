'use strict';
// The honest floor for capexec's start-up: an executable built exactly as dist/capexec
// is (scripts/sea.js: the same pinned Node, SEA configuration and flags, the same
// sea-main.js running a script from the same kind of asset with a code cache), whose
// script only execs the command after `--`. What capexec takes beyond it is its own work.
// With --koffi, the floor of a launcher built on koffi, which needs koffi.node beside it.
//
//   node bench/floor.js [--koffi] OUTPUT
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { makeSea } = require('../scripts/sea.js');

const root = path.resolve(__dirname, '..');

// The bundle's shape (scripts/bundle.js): given require, it returns the loader, and
// sea-main.js loads module 0. process.execve() replaces the process, as capexec's
// execveat() does, with the caller's environment.
const FLOOR = `(function (require) {
'use strict';
return {
  load() {
    const argv = process.argv;
    const command = argv.slice(argv.indexOf('--') + 1);
    process.execve(command[0], command, process.env);
  },
  count: 1,
};
})
`;

// The least any launcher built on koffi does: load the addon beside the executable,
// make CAP_NET_ADMIN inheritable and ambient, and execve() with libc's own environ.
// No check, no policy, no audit: what capexec takes beyond this is its own logic.
const KOFFI_FLOOR = `(function (require) {
'use strict';
return {
  load() {
    const path = require('node:path');
    const addon = { exports: {} };
    process.dlopen(addon, path.join(path.dirname(process.execPath), 'koffi.node'));
    const koffi = addon.exports;
    const lib = koffi.load(null);
    const capget = lib.func('int capget(void *header, void *data)');
    const capset = lib.func('int capset(void *header, void *data)');
    const prctl = lib.func('int prctl(int option, ...)');
    const execve = lib.func('int execve(const char *path, const char **argv, void *envp)');
    const header = Buffer.alloc(8);
    header.writeUInt32LE(0x20080522, 0);
    const data = Buffer.alloc(24);
    capget(header, data);
    data.writeUInt32LE(1 << 12, 8);
    if (capset(header, data) !== 0) process.exit(125);
    if (prctl(47, 'int', 2, 'int', 12, 'int', 0, 'int', 0) !== 0) process.exit(125);
    const argv = process.argv;
    const command = argv.slice(argv.indexOf('--') + 1);
    execve(command[0], [...command, null], koffi.decode(lib.symbol('environ'), 'void *'));
    process.exit(126);
  },
  count: 1,
};
})
`;

async function buildFloor(output, { koffi = false } = {}) {
  const nodeBinary = require.resolve(`node-linux-${process.arch}/bin/node`, { paths: [root] });
  const work = fs.mkdtempSync(path.join(path.dirname(output), '.floor-'));
  try {
    const script = path.join(work, 'floor.js');
    const cache = path.join(work, 'floor.cache');
    fs.writeFileSync(script, koffi ? KOFFI_FLOOR : FLOOR);
    // Made by the Node it runs on, as capexec's is.
    execFileSync(nodeBinary, ['-e', `
      const fs = require('node:fs'); const vm = require('node:vm');
      const script = new vm.Script(fs.readFileSync(${JSON.stringify(script)}, 'utf8'), { filename: 'capexec.js' });
      script.runInThisContext();
      fs.writeFileSync(${JSON.stringify(cache)}, script.createCachedData());`]);
    const policyMode = path.join(work, 'policy-mode');
    fs.writeFileSync(policyMode, 'capexec-policy:optional');
    await makeSea(nodeBinary, {
      main: path.join(root, 'scripts', 'sea-main.js'),
      assets: { 'capexec.js': script, 'capexec.cache': cache, 'policy-mode': policyMode },
      work,
      output,
    });
    fs.chmodSync(output, 0o755);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { buildFloor };

if (require.main === module) {
  const args = process.argv.slice(2);
  const koffi = args[0] === '--koffi';
  buildFloor(path.resolve(args[koffi ? 1 : 0] ?? 'floor'), { koffi }).catch((error) => {
    process.stderr.write(`floor: ${error.message}\n`);
    process.exit(1);
  });
}
