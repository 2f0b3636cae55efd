'use strict';
// The honest floor for capexec's start-up: an executable built exactly as dist/capexec
// is (scripts/sea.js: the same pinned Node, SEA configuration and flags, the same
// sea-main.js running a script from the same kind of asset with a code cache), whose
// script only execs the command after `--`. What capexec takes beyond it is its own work.
//
//   node bench/floor.js OUTPUT
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

async function buildFloor(output) {
  const nodeBinary = require.resolve(`node-linux-${process.arch}/bin/node`, { paths: [root] });
  const work = fs.mkdtempSync(path.join(path.dirname(output), '.floor-'));
  try {
    const script = path.join(work, 'floor.js');
    const cache = path.join(work, 'floor.cache');
    fs.writeFileSync(script, FLOOR);
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
  buildFloor(path.resolve(process.argv[2] ?? 'floor')).catch((error) => {
    process.stderr.write(`floor: ${error.message}\n`);
    process.exit(1);
  });
}
