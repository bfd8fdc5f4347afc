// tshjs ls and tshjs clusters in-process, with a fake TeleportClient instead of a cluster.
import { describe, expect, it } from 'vitest';
import type { ResourceFilter } from '../../../src/client/filter.js';
import { runClusters } from '../../../src/commands/clusters.js';
import { runLs } from '../../../src/commands/ls.js';
import { RemoteClusterV3, ServerV2 } from '../../../src/gen/teleport/legacy/types/types.js';
import { fakeContext, TeleportClient } from './fake.js';

function node(name: string, host: string, addr: string, labels: Record<string, string>): ServerV2 {
  return ServerV2.fromPartial({
    Kind: 'node',
    Version: 'v2',
    Metadata: { Name: name, Namespace: 'default', Labels: labels },
    Spec: { Hostname: host, Addr: addr },
  });
}

class FakeNodes extends TeleportClient {
  filters: ResourceFilter[] = [];
  override async *nodes(filter: ResourceFilter): AsyncGenerator<ServerV2[]> {
    this.filters.push(filter);
    yield [node('id-1', 'alpha', '10.0.0.1:3022', { env: 'prod' })];
    yield [node('id-2', 'beta', '', { env: 'dev' })];
  }
}

describe('ls (in-process)', () => {
  it('streams pages into one table (widths from the first page) and passes the filter to the client', async () => {
    let client: FakeNodes | undefined;
    const { ctx, stdout } = fakeContext((c) => (client = new FakeNodes(c)));
    const code = await runLs({ format: 'text', labels: ['env=prod'], search: 'a,b', query: 'x' }, ctx);
    expect(code).toBe(0);
    expect(client!.filters).toEqual([{ labels: { env: 'prod' }, search: ['a', 'b'], predicate: 'x' }]);
    expect(stdout()).toBe(
      [
        'Node Name Address       Labels   ',
        '--------- ------------- -------- ',
        'alpha     10.0.0.1:3022 env=prod ',
        'beta                    env=dev  ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('names and JSON formats', async () => {
    const names = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'names' }, names.ctx);
    expect(names.stdout()).toBe('alpha\nbeta\n');
    const json = fakeContext((c) => new FakeNodes(c));
    await runLs({ format: 'json' }, json.ctx);
    const parsed = JSON.parse(json.stdout()) as Array<{ spec: { hostname: string } }>;
    expect(parsed.map((n) => n.spec.hostname)).toEqual(['alpha', 'beta']);
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
