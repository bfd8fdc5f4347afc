// docs/commands.md is written from the command declarations; it must match them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandReference } from '../../../src/cli/reference.js';

describe('command reference', () => {
  it('docs/commands.md is current (node scripts/commands-doc.js rewrites it)', async () => {
    const file = path.resolve(import.meta.dirname, '../../../docs/commands.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(await commandReference());
  });
});
