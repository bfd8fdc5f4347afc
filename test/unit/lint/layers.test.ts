// The layer rule of docs/architecture.md is enforced by `npm run lint` (eslint/layers.js): a
// wrong arrow is a lint error. These run ESLint itself on snippets placed in each layer.
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerOf } from '../../../eslint/layers.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: REPO });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: path.join(REPO, file) });
  return res.messages.filter((m) => m.ruleId === 'tshjs/layers').map((m) => m.message);
}

describe('layer rule', () => {
  it.each([
    ['src/client/x.ts', "import { DevCluster } from '../devcluster/server.js';", 'client', 'devcluster'],
    ['src/devcluster/x.ts', "import { ClusterClient } from '../client/cluster.js';", 'devcluster', 'client'],
    ['src/auth/ssh/x.ts', "import { run } from '../../cli/main.js';", 'auth', 'cli'],
    ['src/commands/x.ts', "export { DevCluster } from '../devcluster/server.js';", 'commands', 'devcluster'],
    ['src/index.ts', "export { DevCluster } from './devcluster/server.js';", 'index', 'devcluster'],
    ['src/wire/x.ts', "const m = await import('../client/teleport.js');", 'wire', 'client'],
    [
      'src/recording/x.ts',
      "import type { TeleportClient } from '../client/teleport.js';",
      'recording',
      'client',
    ],
  ])('%s: %s is an error', async (file, code, from, to) => {
    const errors = await layerErrors(file, `${code}\nexport {};\n`);
    expect(errors).toEqual([expect.stringContaining(`layer "${from}" may not import from layer "${to}"`)]);
  });

  it.each([
    ['src/commands/x.ts', "import { TeleportClient } from '../client/teleport.js';"],
    ['src/devcluster/x.ts', "import { peekClientHello } from '../wire/clienthello.js';"],
    ['src/auth/ssh/x.ts', "import { encodeProfile } from '../profile.js';"],
    ['src/ssh/x.ts', "import type { TeleportClient } from '../client/teleport.js';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });

  it('files outside src/ are not checked; src/ may not import from outside it', async () => {
    expect(await layerErrors('test/x.ts', "import '../src/devcluster/server.js';")).toEqual([]);
    expect(await layerErrors('src/client/x.ts', "import '../../test/helpers/cluster.js';")).toEqual([
      expect.stringContaining('src/ may not import from outside src/'),
    ]);
  });

  it('every folder under src/ is a known layer', async () => {
    const fs = await import('node:fs');
    const entries = fs.readdirSync(path.join(REPO, 'src'));
    for (const e of entries) expect(Object.keys(LAYERS), e).toContain(layerOf(e));
  });
});
