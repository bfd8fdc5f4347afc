// The package entry works as a library: import by name, run a login without the CLI.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../helpers/cluster.js';

describe("import from 'tshjs'", () => {
  it('logs in through the library API against an in-process dev cluster, then stops cleanly', async () => {
    const lib = await import('tshjs');
    const { DevCluster } = await import('tshjs/devcluster');
    const before = process.getActiveResourcesInfo().filter((r) => /TCP|TLS/.test(r)).length;
    const dc = await DevCluster.start({ listen: '127.0.0.1:0' });
    const home = tempHome();
    const tc = new lib.TeleportClient({ home, insecure: true });
    const warnings: string[] = [];
    const res = await tc.login({
      proxy: dc.proxyAddr,
      user: 'alice',
      insecure: true,
      warn: (t) => warnings.push(t),
      prompter: { password: async () => 'alice-password', line: async () => '' },
    });
    expect(res.clusterName).toBe('dev.localhost');
    const profile = new lib.ProfileStore(home).read('127.0.0.1')!;
    const status = lib.profileStatus(new lib.KeyPaths(home), profile, true);
    expect(status.roles).toEqual(['access', 'editor']);
    await dc.stop();
    fs.rmSync(home, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 200)); // handle close completes on a later loop turn
    const after = process.getActiveResourcesInfo().filter((r) => /TCP|TLS/.test(r)).length;
    expect(after).toBe(before);
  });
});
