// Paths to shared test data outside the repo.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The workspace's shared/fixtures/upstream-teleport, beside the checkout (as CI lays it out too). */
export const UPSTREAM_FIXTURES = path.resolve(REPO, '../shared/fixtures/upstream-teleport');
