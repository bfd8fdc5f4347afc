// Paths to shared test data outside the repo.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** shared/fixtures/upstream-teleport: beside the repo (CI's clone layout), else the workplace path. */
export const UPSTREAM_FIXTURES =
  [
    path.resolve(REPO, '../shared/fixtures/upstream-teleport'),
    '/work/shared/fixtures/upstream-teleport',
  ].find((d) => fs.existsSync(d)) ?? path.resolve(REPO, '../shared/fixtures/upstream-teleport');
