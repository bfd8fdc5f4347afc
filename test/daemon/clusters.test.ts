// The daemon's clusters, login and resources against a dev cluster, through its socket: AddCluster
// (no login), GetAuthSettings, a local login (password; password + OTP), ListRootClusters with the
// logged-in user, GetCluster, ListUnifiedResources page by page, and Logout keeping or removing the
// profile. The CLI sees the same profile (one home, one client core).
import * as fs from 'node:fs';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { AuthSettings } from '../../src/gen/teleport/lib/teleterm/v1/auth_settings.js';
import type { Cluster } from '../../src/gen/teleport/lib/teleterm/v1/cluster.js';
import type {
  ListClustersResponse,
  ListUnifiedResourcesResponse,
} from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import { RELOGIN_TRAILER } from '../../src/daemon/errors.js';
import { startCluster, tempHome, tshjs, TOTP_SECRET } from '../helpers/cluster.js';
import { startDaemon, type TestDaemon } from './harness.js';

const NODES = Array.from({ length: 5 }, (_, i) => ({
  name: `node-${i}`,
  labels: { env: i % 2 ? 'prod' : 'dev' },
}));

describe('daemon clusters, login and resources', () => {
  let cluster: DevCluster;
  let d: TestDaemon;
  const home = tempHome();
  let uri = '';

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: NODES,
      second_factor: 'otp',
      roles: [
        {
          name: 'access',
          logins: ['{{internal.logins}}', 'root'],
          node_labels: { '*': '*' },
          request: { roles: ['prod-access'], suggested_reviewers: ['alice'] },
        },
        { name: 'prod-access', logins: ['root'], node_labels: {} },
        { name: 'short', logins: ['carol'], node_labels: {} },
      ],
    });
    d = await startDaemon(home);
  });
  afterAll(async () => {
    await d?.close();
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('adds a cluster without logging in', async () => {
    const c = await d.call<Cluster>('addCluster', { name: cluster.proxyAddr });
    const host = cluster.proxyAddr.replace(/:\d+$/, '');
    uri = `/clusters/${host}`;
    expect(c).toMatchObject({
      uri,
      name: 'test.localhost',
      proxyHost: cluster.proxyAddr,
      connected: false,
      leaf: false,
    });
    expect(c.loggedInUser).toBeUndefined();
    // Adding it again returns it.
    expect((await d.call<Cluster>('addCluster', { name: cluster.proxyAddr })).uri).toBe(uri);
    const list = await d.call<ListClustersResponse>('listRootClusters', {});
    expect(list.clusters.map((x) => x.uri)).toEqual([uri]);
    const empty = await d.callFull('addCluster', { name: '' });
    expect(empty.err?.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.err?.details).toBe('cluster address is missing');
  });

  it('reads the auth settings from the proxy', async () => {
    const s = await d.call<AuthSettings>('getAuthSettings', { clusterUri: uri });
    expect(s).toMatchObject({ authType: 'local', secondFactor: 'otp', localAuthEnabled: true });
  });

  it('refuses a wrong password with the cluster message and no relogin trailer', async () => {
    const r = await d.callFull('login', {
      clusterUri: uri,
      params: { $case: 'local', value: { user: 'alice', password: 'wrong', token: '' } },
    });
    expect(r.err?.code).toBeDefined();
    expect(r.err?.code).not.toBe(status.OK);
    expect(r.err?.metadata.get(RELOGIN_TRAILER)).toEqual([]);
    expect(d.logs.join('')).not.toContain('wrong');
  });

  it('logs in a local user with password and OTP and shows the user', async () => {
    await d.call('login', {
      clusterUri: uri,
      params: { $case: 'local', value: { user: 'bob', password: 'bob-pw', token: totp(TOTP_SECRET) } },
    });
    const list = await d.call<ListClustersResponse>('listRootClusters', {});
    expect(list.currentRootClusterUri).toBe(uri);
    const c = list.clusters[0];
    expect(c.connected).toBe(true);
    expect(c.loggedInUser).toMatchObject({ name: 'bob', roles: ['access'] });
    const log = d.logs.join('');
    expect(log).not.toContain('bob-pw');
    // The CLI sees the same login.
    const st = await tshjs(['status'], { home });
    expect(st.stdout).toContain('bob');
    const detailed = await d.call<Cluster>('getCluster', { clusterUri: uri });
    expect(detailed.proxyVersion).not.toBe('');
    expect(detailed.loggedInUser).toMatchObject({
      userType: 1, // USER_TYPE_LOCAL
      requestableRoles: ['prod-access'],
      suggestedReviewers: ['alice'],
    });
  });

  it('lists unified resources page by page', async () => {
    const seen: string[] = [];
    let startKey = '';
    do {
      const page = await d.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
        clusterUri: uri,
        kinds: ['node'],
        limit: 2,
        startKey,
        sortBy: { isDesc: false, field: 'name' },
      });
      expect(page.resources.length).toBeLessThanOrEqual(2);
      for (const r of page.resources) {
        expect(r.resource?.$case).toBe('server');
        if (r.resource?.$case === 'server') {
          expect(r.resource.value.uri).toBe(`${uri}/servers/${r.resource.value.name}`);
          seen.push(r.resource.value.hostname);
        }
      }
      startKey = page.nextKey;
    } while (startKey);
    expect(seen.sort()).toEqual(NODES.map((n) => n.name).sort());
    const filtered = await d.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
      clusterUri: uri,
      kinds: [],
      query: 'labels.env == "prod"',
    });
    const servers = filtered.resources.filter((r) => r.resource?.$case === 'server');
    expect(servers).toHaveLength(2);
    const bad = await d.callFull('listUnifiedResources', { clusterUri: uri, kinds: ['user'] });
    expect(bad.err?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.err?.details).toBe('unsupported resource kind: user');
  });

  it('logs out keeping the cluster, then removes it', async () => {
    await d.call('logout', { clusterUri: uri, removeProfile: false });
    let list = await d.call<ListClustersResponse>('listRootClusters', {});
    expect(list.clusters).toHaveLength(1);
    expect(list.clusters[0].connected).toBe(false);
    // Resources now need a login again: the relogin trailer says so.
    const r = await d.callFull('listUnifiedResources', { clusterUri: uri, kinds: ['node'] });
    expect(r.err).toBeDefined();
    expect(r.err?.metadata.get(RELOGIN_TRAILER)).toEqual(['1']);
    // Idempotent.
    await d.call('logout', { clusterUri: uri, removeProfile: false });
    await d.call('logout', { clusterUri: uri, removeProfile: true });
    list = await d.call<ListClustersResponse>('listRootClusters', {});
    expect(list.clusters).toEqual([]);
    await d.call('logout', { clusterUri: uri, removeProfile: true });
  });
});
