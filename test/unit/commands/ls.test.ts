// tshjs ls and tshjs clusters in-process, with a fake TeleportClient instead of a cluster.
import { describe, expect, it } from 'vitest';
import type { ResourceFilter } from '../../../src/client/filter.js';
import { runClusters } from '../../../src/commands/clusters.js';
import { runLs } from '../../../src/commands/ls.js';
import { RemoteClusterV3, ServerV2 } from '../../../src/gen/teleport/legacy/types/types.js';
import {
  decodeNodeView,
  type EncodedPage,
  type NodeView,
  type NodeViewFields,
} from '../../../src/client/listing.js';
import { PaginatedResource } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { fakeContext, TeleportClient } from './fake.js';

function node(
  name: string,
  host: string,
  addr: string,
  labels: Record<string, string>,
  tunnel = false,
): ServerV2 {
  return ServerV2.fromPartial({
    Kind: 'node',
    SubKind: 'teleport',
    Version: 'v2',
    Metadata: { Name: name, Namespace: 'default', Labels: labels },
    Spec: { Hostname: host, Addr: addr, UseTunnel: tunnel },
  });
}

const encoded = (n: ServerV2): Uint8Array =>
  PaginatedResource.encode({
    resource: { $case: 'Node', value: n },
    Logins: [],
    RequiresRequest: false,
  }).finish();

/** The NodeView the client decodes from a node on the wire. */
const view = (n: ServerV2, fields: NodeViewFields): NodeView => {
  const b = encoded(n);
  return decodeNodeView(b, 0, b.length, fields)!;
};

/** A page on the wire: the resources one after the other (the spans are all the renderer reads). */
function encodedPage(nodes: Iterable<ServerV2>): EncodedPage {
  const parts = [...nodes].map(encoded);
  const spans: number[] = [];
  let pos = 0;
  for (const p of parts) spans.push(pos, (pos += p.length));
  return { buf: Buffer.concat(parts), spans };
}

/** Two pages, not in hostname order; the longest hostname comes on the second page. */
class FakeNodes extends TeleportClient {
  filters: ResourceFilter[] = [];
  override async *nodeViewPages(
    filter: ResourceFilter,
    fields: NodeViewFields = 'all',
  ): AsyncGenerator<Iterable<NodeView>> {
    for await (const page of this.nodePages(filter)) yield [...page].map((n) => view(n, fields));
  }
  override async *nodeEncodedPages(filter: ResourceFilter): AsyncGenerator<EncodedPage> {
    for await (const page of this.nodePages(filter)) yield encodedPage(page);
  }
  override async *nodePages(filter: ResourceFilter): AsyncGenerator<Iterable<ServerV2>> {
    this.filters.push(filter);
    yield [node('id-1', 'b', '10.0.0.2:3022', { env: 'prod', 'teleport.dev/origin': 'config', 'a/b': 'x' })];
    yield [node('id-2', 'a-longer-host', '', { env: 'dev' }, true), node('id-3', 'b-1', '10.0.0.3:3022', {})];
  }
}

class NoNodes extends TeleportClient {
  override async *nodePages(): AsyncGenerator<Iterable<ServerV2>> {
    yield [];
  }
  override async *nodeViewPages(): AsyncGenerator<Iterable<NodeView>> {
    yield [];
  }
  override async *nodeEncodedPages(): AsyncGenerator<EncodedPage> {
    yield encodedPage([]);
  }
}

/** tool/tsh/common/help.go emptyNodesFooter, then fmt.Fprintln's newline. */
const FOOTER =
  "\n  Not seeing nodes? Either no nodes are available or your user's roles do not match the labels of at least one node.\n\n  Check with your Teleport cluster administrator that your user's roles should have nodes available.\n  \n";

describe('ls (in-process)', () => {
  it('one table over all pages: sorted by hostname, widths from every row, FormatLabels, tunnel address', async () => {
    let client: FakeNodes | undefined;
    const { ctx, stdout, stderr } = fakeContext((c) => (client = new FakeNodes(c)));
    const code = await runLs({ format: 'text', labels: ['env=prod'], search: 'a,b', query: 'x' }, ctx);
    expect(code).toBe(0);
    expect(client!.filters).toEqual([{ labels: { env: 'prod' }, search: ['a', 'b'], predicate: 'x' }]);
    // tsh.go printNodesAsText → MakeTableWithTruncatedColumn (width 80: stdin is not a terminal):
    // Node Name 13+1, Address 13+1 (the 10-byte "⟵ Tunnel" is 8 runes: 6 spaces of padding),
    // Labels capped at 80-28-4 = 48, longest 14; teleport.dev/ labels hidden without -v.
    expect(stdout()).toBe(
      [
        'Node Name     Address       Labels         ',
        '------------- ------------- -------------- ',
        'a-longer-host ⟵ Tunnel      env=dev        ',
        'b             10.0.0.2:3022 env=prod,a/b=x ',
        'b-1           10.0.0.3:3022                ',
        '',
        '',
      ].join('\n'),
    );
    expect(stderr()).toBe('');
  });

  it('-v: MakeTable with the node ID and every label', async () => {
    const { ctx, stdout } = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'text', verbose: true }, ctx);
    expect(stdout()).toBe(
      [
        'Node Name     Node ID Address       Labels                                    ',
        '------------- ------- ------------- ----------------------------------------- ',
        'a-longer-host id-2    ⟵ Tunnel      env=dev                                   ',
        'b             id-1    10.0.0.2:3022 env=prod,a/b=x,teleport.dev/origin=config ',
        'b-1           id-3    10.0.0.3:3022                                           ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('names, JSON and YAML are sorted by hostname too (onListNodes sorts before printNodes)', async () => {
    const names = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'names' }, names.ctx);
    expect(names.stdout()).toBe('a-longer-host\nb\nb-1\n');
    const json = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'json' }, json.ctx);
    const parsed = JSON.parse(json.stdout()) as Array<{ sub_kind: string; spec: { hostname: string } }>;
    expect(parsed.map((n) => n.spec.hostname)).toEqual(['a-longer-host', 'b', 'b-1']);
    expect(parsed[0].sub_kind).toBe('teleport');
    expect(json.stdout()).toMatch(/^\[\n {2}\{\n {4}"kind": "node",\n/);
    expect(json.stdout()).toMatch(/\n {2}\}\n\]\n$/);
    const yaml = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'yaml' }, yaml.ctx);
    expect([...yaml.stdout().matchAll(/^ {4}hostname: (.*)$/gm)].map((m) => m[1])).toEqual([
      'a-longer-host',
      'b',
      'b-1',
    ]);
  });

  it('no nodes: the empty table (or [] / nothing) and the hint footer on stderr', async () => {
    const text = fakeContext((c) => new NoNodes(c));
    await runLs({ format: 'text' }, text.ctx);
    expect(text.stdout()).toBe('Node Name Address Labels \n--------- ------- ------ \n\n');
    expect(text.stderr()).toBe(FOOTER);
    const json = fakeContext((c) => new NoNodes(c));
    await runLs({ format: 'json' }, json.ctx);
    expect(json.stdout()).toBe('[]\n');
    expect(json.stderr()).toBe(FOOTER);
    const names = fakeContext((c) => new NoNodes(c));
    await runLs({ format: 'names' }, names.ctx);
    expect(names.stdout()).toBe('');
    expect(names.stderr()).toBe(FOOTER);
  });
});

class FakeClusters extends TeleportClient {
  override async clusterNames() {
    return { root: 'root.example', selected: 'leaf-b' };
  }
  override async remoteClusters() {
    return [
      RemoteClusterV3.fromPartial({
        Metadata: { Name: 'leaf-a', Labels: { env: 'prod' } },
        Status: { Connection: 'online' },
      }),
      RemoteClusterV3.fromPartial({ Metadata: { Name: 'leaf-b' }, Status: { Connection: 'offline' } }),
    ];
  }
}

describe('clusters (in-process)', () => {
  it('root then leaves, the selected one starred', async () => {
    const { ctx, stdout } = fakeContext((c) => new FakeClusters(c));
    expect(await runClusters({ format: 'text' }, ctx)).toBe(0);
    expect(stdout()).toBe(
      [
        'Cluster Name Status  Cluster Type Labels   Selected ',
        '------------ ------- ------------ -------- -------- ',
        'root.example online  root                           ',
        'leaf-a       online  leaf         env=prod          ',
        'leaf-b       offline leaf                  *        ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('JSON carries type, status, labels and selected', async () => {
    const { ctx, stdout } = fakeContext((c) => new FakeClusters(c));
    await runClusters({ format: 'json' }, ctx);
    expect(JSON.parse(stdout())).toEqual([
      { cluster_name: 'root.example', status: 'online', cluster_type: 'root', labels: null, selected: false },
      {
        cluster_name: 'leaf-a',
        status: 'online',
        cluster_type: 'leaf',
        labels: { env: 'prod' },
        selected: false,
      },
      { cluster_name: 'leaf-b', status: 'offline', cluster_type: 'leaf', labels: null, selected: true },
    ]);
  });
});
