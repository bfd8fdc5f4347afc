// ListUnifiedResources through the daemon for every kind Connect shows: servers, databases, apps,
// Kubernetes clusters and Windows desktops, each with its Connect URI, labels and kind fields.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { Cluster } from '../../src/gen/teleport/lib/teleterm/v1/cluster.js';
import type {
  ListUnifiedResourcesResponse,
  PaginatedResource,
} from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import { startCluster, tempHome } from '../helpers/cluster.js';
import { startDaemon, type TestDaemon } from './harness.js';

const ROLE = {
  name: 'everything',
  logins: ['alice'],
  node_labels: { '*': '*' },
  app_labels: { '*': '*' },
  db_labels: { '*': '*' },
  kubernetes_labels: { '*': '*' },
  windows_desktop_labels: { '*': '*' },
  windows_desktop_logins: ['Administrator'],
};

describe('daemon ListUnifiedResources', () => {
  let cluster: DevCluster;
  let d: TestDaemon;
  const home = tempHome();
  let uri = '';

  beforeAll(async () => {
    cluster = await startCluster({
      users: [{ name: 'alice', password: 'alice-pw', roles: ['everything'] }],
      roles: [ROLE],
      nodes: [{ name: 'node-1', labels: { env: 'dev' } }],
      databases: [
        {
          name: 'pg',
          protocol: 'postgres',
          uri: 'localhost:5432',
          description: 'Dev PG',
          labels: { env: 'dev' },
        },
      ],
      apps: [
        {
          name: 'grafana',
          uri: 'http://localhost:3000',
          public_addr: 'grafana.dev.localhost',
          description: 'Dashboards',
          labels: { env: 'dev' },
        },
      ],
      kube_clusters: [{ name: 'kind-dev', labels: { env: 'dev' } }],
      desktops: [{ name: 'win-dev', addr: '127.0.0.1:3389', labels: { env: 'dev' } }],
    });
    d = await startDaemon(home);
    uri = (await d.call<Cluster>('addCluster', { name: cluster.proxyAddr })).uri;
    await d.call('login', {
      clusterUri: uri,
      params: { $case: 'local', value: { user: 'alice', password: 'alice-pw', token: '' } },
    });
  });
  afterAll(async () => {
    await d?.close();
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const byCase = (rs: PaginatedResource[], c: string) => rs.filter((r) => r.resource?.$case === c);

  it('maps every kind with its URI', async () => {
    const page = await d.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
      clusterUri: uri,
      kinds: [],
    });
    const rs = page.resources;
    expect(byCase(rs, 'server')).toHaveLength(1);
    expect(byCase(rs, 'database')[0].resource?.value).toMatchObject({
      uri: `${uri}/dbs/pg`,
      name: 'pg',
      desc: 'Dev PG',
      protocol: 'postgres',
      type: 'self-hosted',
      addr: 'localhost:5432',
      labels: [{ name: 'env', value: 'dev' }],
    });
    expect(byCase(rs, 'app')[0].resource?.value).toMatchObject({
      uri: `${uri}/apps/grafana`,
      name: 'grafana',
      endpointUri: 'http://localhost:3000',
      publicAddr: 'grafana.dev.localhost',
      fqdn: 'grafana.dev.localhost',
    });
    expect(byCase(rs, 'kube')[0].resource?.value).toMatchObject({
      uri: `${uri}/kubes/kind-dev`,
      name: 'kind-dev',
    });
    expect(byCase(rs, 'windowsDesktop')[0].resource?.value).toMatchObject({
      uri: `${uri}/windows_desktops/win-dev`,
      name: 'win-dev',
      addr: '127.0.0.1',
      logins: ['Administrator'],
    });
  });

  it('filters by kind and keywords', async () => {
    const dbs = await d.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
      clusterUri: uri,
      kinds: ['db'],
    });
    expect(dbs.resources.map((r) => r.resource?.$case)).toEqual(['database']);
    const found = await d.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
      clusterUri: uri,
      kinds: [],
      search: 'grafana',
    });
    expect(found.resources.map((r) => r.resource?.$case)).toEqual(['app']);
  });
});
