'use strict';
// One way to make a single executable application from the pinned Node binary, with
// capexec's configuration: the real executable (build-sea.js) and the start-up floor
// the benchmark compares it with (bench/floor.js) are made by the same code, so the
// floor differs from capexec only in the script it runs.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

// The sentinel Node looks for at start-up to know it carries a SEA blob; postject flips
// it when it injects one.
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

// No inspector on SIGUSR1, and no way for NODE_OPTIONS or the command line to add Node
// flags to a process that holds capabilities. Node treats a process whose only
// capability is cap_net_bind_service as unprivileged and honours the environment's
// OPENSSL_CONF, which can load a shared object at start-up, and NODE_ICU_DATA, whose
// directory's ICU data files it opens and parses: a fixed, empty OpenSSL configuration
// and an ICU directory that holds no files (the linked-in data is used) close both. One
// V8 worker thread instead of four: capexec lives a few milliseconds, and starting the
// others cost more than they saved (bench/startup.js).
const EXEC_ARGV = ['--disable-sigusr1', '--openssl-config=/dev/null', '--icu-data-dir=/dev/null', '--v8-pool-size=1'];

async function makeSea(nodeBinary, { main, assets, work, output, strip = false }) {
  const blob = path.join(work, `${path.basename(output)}.blob`);
  const config = path.join(work, `${path.basename(output)}-sea-config.json`);
  fs.writeFileSync(config, JSON.stringify({
    main,
    assets,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    execArgv: EXEC_ARGV,
    execArgvExtension: 'none',
  }, null, 2));
  execFileSync(nodeBinary, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.copyFileSync(nodeBinary, output);
  // strip: without the symbol table and debug information (strip(1) before the blob goes
  // in: stripping afterwards breaks the executable). The dynamic symbols, which koffi's
  // addon links against, stay.
  if (strip) execFileSync('strip', ['--strip-all', output], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { inject } = require('postject');
  await inject(output, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: FUSE });
}

module.exports = { makeSea, EXEC_ARGV };
