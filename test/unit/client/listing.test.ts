// The lazily read ListUnifiedResources page and the node view `tshjs ls` decodes for text and names:
// both against ts-proto's full decoding of the same bytes (field numbers: authservice.proto
// ListUnifiedResourcesResponse 1 Resources, 2 NextKey; PaginatedResource 3 Node; types.proto ServerV2).
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../../src/client/cluster.js';
import {
  decodeNodeView,
  lazyUnifiedPage,
  listUnifiedLazy,
  type LazyPage,
} from '../../../src/client/listing.js';
import {
  ListUnifiedResourcesResponse,
  PaginatedResource,
} from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { DatabaseServerV3, ServerV2 } from '../../../src/gen/teleport/legacy/types/types.js';

const node = (host: string, extra: Partial<ServerV2> = {}) =>
  ServerV2.fromPartial({
    Kind: 'node',
    SubKind: 'teleport',
    Version: 'v2',
    Metadata: {
      Name: `id-${host}`,
      Namespace: 'default',
      Labels: { env: 'dev', 'a/b': 'c' },
      Expires: new Date(0),
    },
    Spec: {
      Hostname: host,
      Addr: '10.0.0.1:3022',
      UseTunnel: host.startsWith('t'),
      CmdLabels: { uptime: { Period: 60_000_000_000n, Command: ['uptime'], Result: '1 day' } },
      Rotation: { State: 'standby', CurrentID: 'x', Started: new Date(0) },
      Version: '18.2.0',
    },
    ...extra,
  });

const asNode = (n: ServerV2): PaginatedResource => ({
  resource: { $case: 'Node', value: n },
  Logins: [],
  RequiresRequest: false,
});

describe('lazyUnifiedPage', () => {
  it('finds NextKey and the resources, which decode as the full message does', () => {
    const res = ListUnifiedResourcesResponse.fromPartial({
      Resources: [
        asNode(node('a')),
        { resource: { $case: 'DatabaseServer', value: DatabaseServerV3.fromPartial({ Kind: 'db_server' }) } },
        asNode(node('t-b')),
      ],
      NextKey: 'node/t-b/x',
    });
    const bytes = ListUnifiedResourcesResponse.encode(res).finish();
    const page = lazyUnifiedPage(bytes);
    expect(page.NextKey).toBe('node/t-b/x');
    expect(page.count).toBe(3);
    expect([...page.Resources]).toEqual(ListUnifiedResourcesResponse.decode(bytes).Resources);
  });
});

describe('decodeNodeView', () => {
  it('the printed fields of a node, as the full decoding has them', () => {
    const n = node('t-host');
    const v = decodeNodeView(PaginatedResource.encode(asNode(n)).finish())!;
    expect(v).toEqual({
      Metadata: { Name: 'id-t-host', Labels: { env: 'dev', 'a/b': 'c' } },
      Spec: {
        Hostname: 't-host',
        Addr: '10.0.0.1:3022',
        UseTunnel: true,
        CmdLabels: { uptime: { Result: '1 day' } },
      },
    });
  });

  it('fewer fields on request: "row" without the name, "hostname" alone', () => {
    const b = PaginatedResource.encode(asNode(node('h1'))).finish();
    const row = decodeNodeView(b, 0, b.length, 'row')!;
    expect(row.Metadata.Name).toBe('');
    expect(row.Spec.Addr).toBe('10.0.0.1:3022');
    expect(row.Metadata.Labels).toEqual({ env: 'dev', 'a/b': 'c' });
    const host = decodeNodeView(b, 0, b.length, 'hostname')!;
    expect(host.Spec).toEqual({ Hostname: 'h1', Addr: '', UseTunnel: false, CmdLabels: {} });
    expect(host.Metadata).toEqual({ Name: '', Labels: {} });
  });

  it('not a node: undefined; sub-messages given twice merge, the last scalar wins', () => {
    const db = PaginatedResource.encode({
      resource: { $case: 'DatabaseServer', value: DatabaseServerV3.fromPartial({ Kind: 'db_server' }) },
      Logins: [],
      RequiresRequest: false,
    }).finish();
    expect(decodeNodeView(db)).toBeUndefined();
    // PaginatedResource{Node{Metadata{Name "a", Labels{x: 1}}}} followed by Node{Metadata{Name "b",
    // Labels{y: 2}}, Spec{Hostname "h"}}: protobuf merges the two.
    const w = new BinaryWriter();
    w.uint32(0x1a).fork().uint32(0x22).fork().uint32(0x0a).string('a');
    w.uint32(0x2a).fork().uint32(0x0a).string('x').uint32(0x12).string('1').join().join().join();
    w.uint32(0x1a).fork().uint32(0x22).fork().uint32(0x0a).string('b');
    w.uint32(0x2a).fork().uint32(0x0a).string('y').uint32(0x12).string('2').join().join();
    w.uint32(0x2a).fork().uint32(0x1a).string('h').join().join();
    const bytes = w.finish();
    const full = PaginatedResource.decode(bytes);
    const v = decodeNodeView(bytes)!;
    expect(full.resource?.$case === 'Node' && full.resource.value.Metadata?.Name).toBe('b');
    expect(v.Metadata).toEqual({ Name: 'b', Labels: { x: '1', y: '2' } });
    expect(v.Spec.Hostname).toBe('h');
  });

  it('fields outside the oneof (13 Logins, unknown 17) leave the node alone', () => {
    const w = new BinaryWriter();
    w.uint32(0x1a).fork().uint32(0x2a).fork().uint32(0x1a).string('h').join().join();
    w.uint32(0x6a).string('root'); // 13 Logins
    w.uint32((17 << 3) | 2).string('future'); // an unknown length-delimited field
    w.uint32(0x70).bool(true); // 14 RequiresRequest
    expect(decodeNodeView(w.finish())?.Spec.Hostname).toBe('h');
  });
});

describe('listUnifiedLazy', () => {
  const page = (keys: string[], next: string): LazyPage =>
    lazyUnifiedPage(
      ListUnifiedResourcesResponse.encode(
        ListUnifiedResourcesResponse.fromPartial({
          Resources: keys.map((k) => asNode(node(k))),
          NextKey: next,
        }),
      ).finish(),
    );

  /** A ClusterClient whose ListUnifiedResources answers from `pages` by start key. */
  function fakeCluster(pages: Record<string, () => Promise<LazyPage>>, seen: string[]) {
    return {
      auth: {},
      call: (_c: unknown, _m: unknown, req: { StartKey: string; Limit: number }) => {
        seen.push(`${req.StartKey}/${req.Limit}`);
        return pages[req.StartKey]();
      },
    } as unknown as ClusterClient;
  }

  it('asks for the next page (same start key, in order) as soon as a page arrives', async () => {
    const seen: string[] = [];
    const cc = fakeCluster(
      {
        '': async () => page(['a'], 'k1'),
        k1: async () => page(['b'], 'k2'),
        k2: async () => page(['c'], ''),
      },
      seen,
    );
    const hosts: string[] = [];
    for await (const p of listUnifiedLazy(cc, ['node'], {})) {
      // The next request is out before this page is read.
      expect(seen.length).toBe(hosts.length + (p.NextKey ? 2 : 1));
      for (const n of p.nodeViews()) hosts.push(n.Spec.Hostname);
    }
    expect(hosts).toEqual(['a', 'b', 'c']);
    expect(seen).toEqual(['/1000', 'k1/1000', 'k2/1000']);
  });

  it('a page that fails while the caller is busy fails the listing there, not the process', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const cc = fakeCluster(
        { '': async () => page(['a'], 'k1'), k1: async () => Promise.reject(new Error('boom')) },
        [],
      );
      const it = listUnifiedLazy(cc, ['node'], {});
      await it.next();
      await new Promise((r) => setTimeout(r, 20)); // busy while k1 fails
      await expect(it.next()).rejects.toThrow('boom');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
