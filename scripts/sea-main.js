'use strict';
// The standalone executable's main script. capexec itself is an asset: compiled here
// with the V8 code cache that the build made after running its launch path once, so
// the functions a launch calls are not compiled again at every start. A rejected cache
// (another V8) only costs that time back. The bundle is ASCII (scripts/bundle.js), so
// Latin-1 gives the same text as UTF-8, as one copy of the asset's bytes.
const sea = require('node:sea');
const vm = require('node:vm');

const script = new vm.Script(Buffer.from(sea.getRawAsset('capexec.js')).toString('latin1'), {
  filename: 'capexec.js',
  cachedData: Buffer.from(sea.getRawAsset('capexec.cache')),
});
script.runInThisContext()(require).load(0);
