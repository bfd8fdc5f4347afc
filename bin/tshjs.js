#!/usr/bin/env node
// `tshjs`: runs the CLI bundle that `npm run build` writes to dist/bin/ (scripts/build.js). CommonJS
// (bin/package.json) like the bundle: Node starts a CommonJS program without its ES module loader.
/* global require */
'use strict';

const argv = process.argv.slice(2);
// --debug prints stacks: map them to the src/….ts lines. Node reads a module's source map only when
// source maps are on as the module loads, so this comes before the bundle is loaded. A false positive
// (a remote command's own -d) costs a little time and changes nothing else.
const debugEnv = process.env.TELEPORT_DEBUG;
if (
  argv.some((a) => a === '--debug' || /^-[A-Za-z]*d[A-Za-z]*$/.test(a)) ||
  (debugEnv !== undefined && !['', 'false', '0'].includes(debugEnv))
) {
  process.setSourceMapsEnabled(true);
}
// Node 22.1+ keeps compiled code on disk between runs; Node 20 has no compile cache.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('node:module').enableCompileCache?.();

/** kubectl's exec plugin runs `kube credentials` on every call: a cached certificate skips the CLI. */
function cachedKubeCredentials() {
  if (argv[0] !== 'kube' || argv[1] !== 'credentials') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../dist/kubecred-bin/kubecredfast.js').cachedKubeCredentials(argv, process.env);
}

const cached = cachedKubeCredentials();
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { run } = require('../dist/bin/tshjs.js');
  run(argv).then((code) => {
    process.exitCode = code;
  });
}
