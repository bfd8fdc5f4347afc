// `tshjs ls --format json` whatever order the cluster pages in: tsh sorts the nodes by hostname with
// Go's `<` (tool/tsh/common/tsh.go onListNodes: sort.Slice over GetHostname, byte order) and prints
// utils.FastMarshalIndent(nodes, "", "  ") with fmt.Println. The dev cluster pages as upstream's
// unified resource cache does (lib/services/unified_resource.go: kind, then the lower-cased
// "hostname/name"), which is not byte order for these hostnames, so the nodes reach tshjs out of order
// in places, among 2500 that arrive in order, over several pages and temporary-file blocks.
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { ClusterClient } from '../../src/client/cluster.js';
import { loadClientIdentity } from '../../src/client/identity.js';
import { listUnified } from '../../src/client/listing.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { ServerV2 } from '../../src/gen/teleport/legacy/types/types.js';
import { fastMarshalIndent } from '../../src/output/printer.js';
import { serverJSON } from '../../src/output/resourcejson.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

// Lower-cased, "A-c/…" pages before "a/…" and "a-b/…" ('-' < '/'); in bytes "A-c" < "Web" < "a" <
// "a-b" < "node-…" < "web" < "é-host" < "\uFF21" (EF BC A1) < "\u{1F600}" (F0 9F 98 80), where
// UTF-16 code units would put U+1F600 (D83D) before U+FF21.
const HOSTS = ['a', 'a-b', 'A-c', 'web', 'Web', 'é-host', '\u{1F600}', '\uFF21'];

describe('ls --format json: hostname order', () => {
  let cluster: DevCluster;
  let home: string;

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: HOSTS.map((name, i) => ({ name, addr: `10.0.0.${i + 1}:3022`, labels: { n: String(i) } })),
      synthetic_nodes: 2500,
    });
    home = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** The nodes decoded (the generic path), sorted by hostname bytes, as tsh prints them. */
  async function expected(): Promise<{ text: string; serverOrder: string[] }> {
    const cc = new ClusterClient(loadClientIdentity({ home }));
    const nodes: ServerV2[] = [];
    try {
      for await (const page of listUnified(cc, ['node'], {}))
        for (const r of page) if (r.resource?.$case === 'Node') nodes.push(r.resource.value);
    } finally {
      cc.close();
    }
    const host = (n: ServerV2) => Buffer.from(n.Spec?.Hostname ?? '');
    const serverOrder = nodes.map((n) => n.Spec?.Hostname ?? '');
    const sorted = [...nodes].sort((a, b) => Buffer.compare(host(a), host(b)));
    return { text: `${fastMarshalIndent(sorted.map(serverJSON))}\n`, serverOrder };
  }

  /** `tshjs ls -f json` in this process, its stdout kept as bytes. */
  async function lsJSON(): Promise<Buffer> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    const code = await run(['ls', '--insecure', '-f', 'json'], {
      stdin: Readable.from([]),
      stdout,
      stderr,
      env: { TELEPORT_HOME: home },
    });
    expect(code).toBe(0);
    return Buffer.concat(out);
  }

  it('prints every node sorted by hostname bytes, as the decoded path renders them', async () => {
    // Nodes expire one announce TTL after their last heartbeat (each minute): compare within one.
    for (let attempt = 0; ; attempt++) {
      const before = await expected();
      const got = (await lsJSON()).toString('utf8');
      const after = await expected();
      if (before.text !== after.text && attempt < 2) continue;
      // The cluster's order is not the printed one here (else this would test nothing).
      const printed = (JSON.parse(got) as { spec: { hostname: string } }[]).map((n) => n.spec.hostname);
      expect(printed).toHaveLength(HOSTS.length + 2500);
      expect(after.serverOrder).not.toEqual(printed);
      expect(printed.filter((h) => HOSTS.includes(h))).toEqual([
        'A-c',
        'Web',
        'a',
        'a-b',
        'web',
        'é-host',
        '\uFF21',
        '\u{1F600}',
      ]);
      expect(got).toBe(after.text);
      break;
    }
  });
});
