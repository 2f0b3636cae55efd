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
// The loader's name inside the bundle, which no module may use for anything else.
const LOAD = '__bundled';

function bundle(entry, { root, packages = ['minimist'], external = [] }) {
  const ids = new Map();
  const sources = [];
  // Per module, the modules it requires as it is evaluated: compiled output puts
  // top-level statements at the start of a line, and a require inside a function, only
  // run when that is called, is indented.
  const evaluates = [];

  function add(file) {
    if (ids.has(file)) return ids.get(file);
    const id = ids.size;
    ids.set(file, id);
    evaluates[id] = [];
    const name = path.relative(root, file);
    if (file.endsWith('.json')) {
      sources[id] = { name, factory: `function (module) {\nmodule.exports = ${JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')))};\n}` };
      return id;
    }
    const source = fs.readFileSync(file, 'utf8');
    if (source.includes(LOAD)) throw new Error(`${name}: uses ${LOAD}, the bundle's own name`);
    // Each bundled require() becomes a call of the loader with the module's number: no
    // table of names to look it up in, built at every start, and nothing asked per call.
    const text = source.replace(REQUIRE, (call, quote, request, offset) => {
      const target = locate(request, file);
      if (target === undefined) return call;
      const required = add(target);
      const lineStart = source.lastIndexOf('\n', offset) + 1;
      if (!/^\s/.test(source.slice(lineStart, lineStart + 1))) evaluates[id].push(required);
      return `${LOAD}(${required})`;
    });
    sources[id] = { name, factory: `function (module, exports, require) {\n${text}\n}` };
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
  // The modules every start evaluates: the entry's, and theirs in turn. Their factories
  // are parenthesized, so V8 compiles them as the script is and the code cache holds
  // them. The others (the modes other than a launch, the diagnosis) are compiled only
  // when one is required: each function in the code cache costs every start its
  // deserialization.
  const eager = new Set();
  for (const pending = [0]; pending.length > 0;) {
    const id = pending.pop();
    if (eager.has(id)) continue;
    eager.add(id);
    pending.push(...evaluates[id]);
  }
  // Each module is named in a comment, for whoever reads the bundle.
  const modules = sources.map(({ name, factory }, id) => `/* ${id}: ${name} */ ${eager.has(id) ? `(${factory})` : factory}`);
  // One function expression: given the runtime's require, it returns the loader, whose
  // module 0 is the entry, the number of modules and which of them are eager. Nothing
  // runs until load(0).
  return ascii(`(function (require) {
'use strict';
const modules = [
${modules.join(',\n')}
];
const cache = [];
function ${LOAD}(id) {
  const cached = cache[id];
  if (cached !== undefined) return cached.exports;
  const module = { exports: {} };
  cache[id] = module;
  modules[id](module, module.exports, require);
  return module.exports;
}
return { load: ${LOAD}, count: modules.length, eager: ${JSON.stringify([...eager].sort((a, b) => a - b))} };
})
`);
}

// The executable decodes the script as Latin-1, a copy of its bytes, where UTF-8 would
// be decoded character by character at every start: so the script is ASCII, each other
// character written as the \u escape that means the same in a string, a template, a
// regular expression or a comment.
function ascii(text) {
  return text.replace(/\\?[^\0-\x7f]/g, (found) => {
    // A backslash before the character would turn the escape into a backslash and "u".
    if (found.length > 1) throw new Error(`cannot write ${JSON.stringify(found)} as ASCII`);
    return `\\u${found.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

module.exports = { bundle };
