#!/usr/bin/env node
// `npm run build`: a clean dist/ with
//  - the tsc output: the library (`tshjs`, `tshjs/devcluster`), its .d.ts and source maps, and
//  - the two CLI bundles the bins load (bin/tshjs.js, bin/tshjs-devcluster.js): dist/bin/ and
//    dist/devcluster-bin/, made with esbuild.
//
// Why bundles: `tshjs version` used to load ~30 ES modules; their resolution, reads and the ES module
// loader itself were most of its cost above a bare `node` (bench/startup.js). Each bundle is built in two
// steps:
//  1. an ES module bundle with code splitting, so each command is a chunk loaded only when it runs and
//     what commands share sits in shared chunks (one copy of each module, so `instanceof` holds);
//  2. each chunk converted to CommonJS (dynamic `import()` of a chunk becomes a `require()` inside a
//     promise). Node loads CommonJS without starting its ES module loader, which by itself costs about
//     a tenth of a bare `node` start; the chunk directories and bin/ say `"type": "commonjs"`.
// Runtime dependencies stay external (so ssh2 is the patched copy bundled with the package, see
// docs/ssh2-patch.md), except commander, which every command needs and which loads faster inlined.
// Source maps go through both steps and carry the sources (`sourcesContent`), so a `--debug` stack trace
// names src/….ts lines even where src/ is not installed; the bins turn source maps on for --debug /
// TELEPORT_DEBUG.
//
// The chunks sit at the same depth as the tsc output (dist/commands/…), because code that finds files
// relative to its own module (`tshjs config`'s ProxyCommand: `../../bin/tshjs.js`) must resolve the same.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = path.join(repo, 'dist');

/** Dependencies inlined into the bundles; every other runtime dependency stays external. */
const INLINE = new Set(['commander']);

/** entry point → output directory (under dist/) and bundle name. */
const BUNDLES = [
  { name: 'tshjs', entry: 'src/cli/main.ts', dir: 'bin' },
  { name: 'tshjs-devcluster', entry: 'src/devcluster/main.ts', dir: 'devcluster-bin' },
  // kubectl runs `tshjs kube credentials` on every call: a cached certificate is answered by this
  // small bundle alone (bin/tshjs.js), without loading the CLI.
  { name: 'kubecredfast', entry: 'src/client/kubecredfast.ts', dir: 'kubecred-bin' },
];

function fail(msg) {
  process.stderr.write(`build: ${msg}\n`);
  process.exit(1);
}

// commander requires node:child_process when it loads (net, dgram, streams: ~5 ms), only to run
// executable subcommands, which tshjs has none of. Inlined, it gets a stand-in that loads the real
// module on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents:
        "let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });\n",
      loader: 'js',
    }));
  },
};

// 1. A clean dist/, so files of moved or deleted sources are neither run nor packed.
fs.rmSync(dist, { recursive: true, force: true });

// 2. tsc: the library entry points and their declarations.
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
  cwd: repo,
  stdio: 'inherit',
});
if (tsc.status !== 0) fail(`tsc exited with ${tsc.status ?? tsc.signal}`);

// 3. esbuild: the CLI bundles.
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })
  .filter((d) => !INLINE.has(d))
  .flatMap((d) => [d, `${d}/*`]);
const esbuild = await import('esbuild');
const common = {
  absWorkingDir: repo,
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
};

for (const { name, entry, dir } of BUNDLES) {
  const outdir = path.join(dist, dir);
  // Same depth as outdir: the source map paths of step 1 stay valid for step 2.
  const esmdir = path.join(dist, `.${dir}-esm`);
  await esbuild.build({
    ...common,
    entryPoints: { [name]: entry },
    outdir: esmdir,
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    external,
    plugins: [lazyChildProcess],
    // CommonJS has no import.meta; step 2 defines this per chunk.
    define: { 'import.meta.url': '__tshjsImportMetaUrl' },
  });
  const chunks = fs
    .readdirSync(esmdir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(esmdir, f));
  await esbuild.build({
    ...common,
    entryPoints: chunks,
    outdir,
    bundle: false,
    format: 'cjs',
    // import('./chunk.js') → Promise.resolve().then(() => require('./chunk.js'))
    supported: { 'dynamic-import': false },
    banner: {
      js: "'use strict';\nvar __tshjsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    },
  });
  fs.writeFileSync(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  fs.rmSync(esmdir, { recursive: true, force: true });
  if (!fs.existsSync(path.join(outdir, `${name}.js`))) fail(`${dir}/${name}.js was not written`);
}
