#!/usr/bin/env node
// `tshjs-devcluster`: runs the bundle that `npm run build` writes to dist/devcluster-bin/
// (scripts/build.js); CommonJS (bin/package.json), like the bundle.
/* global require */
'use strict';

// --debug / TELEPORT_DEBUG print stacks: map them to the src/….ts lines (source maps must be on
// before the bundle loads).
if (process.argv.slice(2).some((a) => a === '--debug' || a === '-d') || process.env.TELEPORT_DEBUG) {
  process.setSourceMapsEnabled(true);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('../dist/devcluster-bin/tshjs-devcluster.js');
main(process.argv).then((code) => {
  process.exitCode = code;
});
