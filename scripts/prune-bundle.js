#!/usr/bin/env node
// Part of `prepare` (after patch-package), which npm runs in this repository on `npm ci` / `npm install`
// and before `npm pack`, never where the package is installed.
//
// The package bundles the patched ssh2 (bundleDependencies), and npm packs it with every dependency it
// finds installed, optional ones included. ssh2's optional `cpu-features` is a native addon built by
// its install script (node-gyp); npm runs the install scripts of bundled packages and fails the whole
// `npm install -g tshjs-*.tgz` when one fails, as it does on a machine without a C toolchain. ssh2
// works without it: it only uses it to place chacha20-poly1305 in its default cipher list (AES-GCM
// stays first). So it is removed here, before npm pack can see it. ssh2's own install script, which
// builds its optional crypto binding, always exits 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(repo, 'node_modules', 'cpu-features');
if (fs.existsSync(dir)) {
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write('removed node_modules/cpu-features (optional for ssh2; not bundled)\n');
}
