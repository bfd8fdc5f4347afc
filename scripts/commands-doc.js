#!/usr/bin/env node
// Rewrites docs/commands.md from the command declarations (needs `npm run build` first).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandReference } from '../dist/cli/reference.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.writeFileSync(path.join(repo, 'docs/commands.md'), await commandReference());
