'use strict';
// Joins CommonJS modules into one script, because a single executable application
// runs one script whose require() sees only Node's built-in modules. Relative requires
// and the packages named in `packages` are inlined; `external` ones are left for the
// runtime (only reached when not running as the standalone executable); anything else
// is an error, so nothing is looked up on disk at run time.
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const REQUIRE = /\brequire\((['"])([^'"]+)\1\)/g;

function bundle(entry, { root, packages = ['minimist'], external = [] }) {
  const ids = new Map();
  const sources = [];

  function add(file) {
    if (ids.has(file)) return ids.get(file);
    const id = ids.size;
    ids.set(file, id);
    if (file.endsWith('.json')) {
      sources[id] = `[(function (module) {\nmodule.exports = ${JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')))};\n}), {}]`;
      return id;
    }
    const source = fs.readFileSync(file, 'utf8');
    const mapping = {};
    for (const [, , request] of source.matchAll(REQUIRE)) {
      const target = locate(request, file);
      if (target !== undefined) mapping[request] = add(target);
    }
    // Parenthesized, so V8 compiles each module eagerly and the SEA code cache holds it;
    // a bare function expression would be parsed again at run time, on every start.
    sources[id] = `[(function (module, exports, require) {\n${source}\n}), ${JSON.stringify(mapping)}]`;
    return id;
  }

  function locate(request, from) {
    if (request.startsWith('./') || request.startsWith('../')) {
      const base = path.resolve(path.dirname(from), request);
      return !base.endsWith('.json') && fs.existsSync(`${base}.js`) ? `${base}.js` : base;
    }
    if (packages.includes(request)) return require.resolve(request, { paths: [root] });
    if (external.includes(request)) return undefined;
    if (request.startsWith('node:') || builtinModules.includes(request)) return undefined;
    throw new Error(`${path.relative(root, from)}: cannot bundle require('${request}')`);
  }

  add(entry);
  // One function expression: given the runtime's require, it returns the loader, whose
  // module 0 is the entry, and the number of modules. Nothing runs until load(0).
  return `(function (require) {
'use strict';
const modules = [
${sources.join(',\n')}
];
const cache = [];
function load(id) {
  if (cache[id]) return cache[id].exports;
  const [factory, mapping] = modules[id];
  const module = { exports: {} };
  cache[id] = module;
  factory(module, module.exports, (request) => Object.hasOwn(mapping, request) ? load(mapping[request]) : require(request));
  return module.exports;
}
return { load, count: modules.length };
})
`;
}

module.exports = { bundle };
