// Access requests through the daemon over its unix socket, against the dev cluster: alice asks
// for a role (and tries a dry run), bob reviews it through his own daemon, alice assumes it (her
// profile's certificate now carries the role and the request, as `tshjs login --request-id` makes
// it) and drops it again, the daemon's listing following each change; a request for one node
// (its hostname in the details); deleting a pending request; upstream's errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { AccessRequest } from '../../src/gen/teleport/lib/teleterm/v1/access_request.js';
import type {
  CreateAccessRequestResponse,
  GetAccessRequestResponse,
  GetAccessRequestsResponse,
  GetRequestableRolesResponse,
  ListUnifiedResourcesResponse,
  ReviewAccessRequestResponse,
} from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import { startDaemon, type TestDaemon } from './harness.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const ROOT = '/clusters/127.0.0.1';
const PROD_1 = '11111111-aaaa-4aaa-8aaa-000000000001';

/** The TLS identity of a user's profile certificate on disk. */
function profileCert(home: string, user: string) {
  const file = path.join(home, 'keys', '127.0.0.1', `${user}.crt`);
  return decodeTlsIdentity(fs.readFileSync(file));
}

describe('daemon access requests', () => {
  let cluster: DevCluster;
  const homes: Record<string, string> = {};
  const daemons: Record<string, TestDaemon> = {};
  let work: string;

  beforeAll(async () => {
    work = tempHome('tshjs-daemon-req-');
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['requester'] },
        { name: 'bob', password: 'bob-pw', roles: ['reviewer'] },
        { name: 'erin', password: 'erin-pw', roles: ['searcher'] },
      ],
      roles: [
        {
          name: 'requester',
          logins: ['alice'],
          node_labels: {},
          request: { roles: ['prod-access'], suggested_reviewers: ['bob'] },
        },
        { name: 'reviewer', logins: ['bob'], node_labels: {}, review_requests: { roles: ['prod-access'] } },
        {
          name: 'searcher',
          logins: ['erin'],
          node_labels: {},
          request: { search_as_roles: ['prod-access'] },
        },
        { name: 'prod-access', logins: ['root'], node_labels: { env: 'prod' } },
      ],
      nodes: [{ name: 'prod-1', id: PROD_1, labels: { env: 'prod' } }],
    });
    for (const u of ['alice', 'bob', 'erin']) {
      homes[u] = path.join(work, u);
      const r = await tshjs(loginArgs(cluster, u), { home: homes[u], stdin: `${u}-pw\n` });
      expect(r.code, r.stderr).toBe(0);
      daemons[u] = await startDaemon(homes[u]!, { dir: path.join(work, `${u}-daemon`) });
    }
  }, 60_000);

  afterAll(async () => {
    for (const d of Object.values(daemons)) await d.close();
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const fail = (p: Promise<unknown>) =>
    p.then(() => undefined).catch((e: unknown) => e as { code: number; details: string });

  /** The node hostnames alice's daemon lists. */
  const nodes = async (): Promise<string[]> => {
    const r = await daemons.alice!.call<ListUnifiedResourcesResponse>('listUnifiedResources', {
      clusterUri: ROOT,
      kinds: ['node'],
      limit: 0,
      startKey: '',
      query: '',
      search: '',
      searchAsRoles: false,
      pinnedOnly: false,
      includeRequestable: false,
    });
    return r.resources.map((x) => (x.resource?.$case === 'server' ? x.resource.value.hostname : '?'));
  };

  it('create, list, review by another user, assume the role, drop it', async () => {
    const alice = daemons.alice!;
    const bob = daemons.bob!;
    const roles = await alice.call<GetRequestableRolesResponse>('getRequestableRoles', {
      clusterUri: ROOT,
      resourceIds: [],
    });
    expect(roles.roles).toEqual(['prod-access']);

    // A dry run is checked and filled in by the cluster, but not stored.
    const dry = await alice.call<CreateAccessRequestResponse>('createAccessRequest', {
      rootClusterUri: ROOT,
      roles: ['prod-access'],
      reason: 'just checking',
      suggestedReviewers: [],
      resourceIds: [],
      dryRun: true,
    });
    expect(dry.request).toMatchObject({ user: 'alice', roles: ['prod-access'], state: 'PENDING' });

    const created = await alice.call<CreateAccessRequestResponse>('createAccessRequest', {
      rootClusterUri: ROOT,
      roles: ['prod-access'],
      reason: 'incident 42',
      suggestedReviewers: ['bob'],
      resourceIds: [],
      dryRun: false,
    });
    const req: AccessRequest = created.request!;
    expect(req.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(req).toMatchObject({
      state: 'PENDING',
      user: 'alice',
      roles: ['prod-access'],
      requestReason: 'incident 42',
      suggestedReviewers: ['bob'],
      reviews: [],
    });
    expect(req.created!.getTime()).toBeGreaterThan(Date.now() - 60_000);

    const listed = await alice.call<GetAccessRequestsResponse>('getAccessRequests', { clusterUri: ROOT });
    expect(listed.requests.map((r: AccessRequest) => r.id)).toEqual([req.id]);
    const bobSees = await bob.call<GetAccessRequestsResponse>('getAccessRequests', { clusterUri: ROOT });
    expect(bobSees.requests.map((r: AccessRequest) => r.id)).toEqual([req.id]);

    const reviewed = await bob.call<ReviewAccessRequestResponse>('reviewAccessRequest', {
      rootClusterUri: ROOT,
      accessRequestId: req.id,
      state: 'APPROVED',
      reason: 'go ahead',
      roles: [],
    });
    expect(reviewed.request).toMatchObject({ id: req.id, state: 'APPROVED', resolveReason: 'go ahead' });
    expect(reviewed.request!.reviews).toHaveLength(1);
    expect(reviewed.request!.reviews[0]).toMatchObject({
      author: 'bob',
      state: 'APPROVED',
      reason: 'go ahead',
    });

    const got = await alice.call<GetAccessRequestResponse>('getAccessRequest', {
      clusterUri: ROOT,
      accessRequestId: req.id,
    });
    expect(got.request!.state).toBe('APPROVED');

    expect(profileCert(homes.alice!, 'alice').groups).not.toContain('prod-access');
    expect(await nodes()).toEqual([]);
    await alice.call('assumeRole', { rootClusterUri: ROOT, accessRequestIds: [req.id], dropRequestIds: [] });
    const assumed = profileCert(homes.alice!, 'alice');
    expect(assumed.groups).toContain('prod-access');
    expect(assumed.activeRequests).toEqual([req.id]);
    // The daemon's next call to the cluster already goes with the new certificate.
    expect(await nodes()).toEqual(['prod-1']);

    await alice.call('assumeRole', { rootClusterUri: ROOT, accessRequestIds: [], dropRequestIds: [req.id] });
    const dropped = profileCert(homes.alice!, 'alice');
    expect(dropped.groups).not.toContain('prod-access');
    expect(dropped.activeRequests).toEqual([]);
    expect(await nodes()).toEqual([]);
  }, 60_000);

  it('a request for one node: its resource ID, and its hostname in GetAccessRequest', async () => {
    const erin = daemons.erin!;
    const node = { kind: 'node', name: PROD_1, clusterName: 'test.localhost', subResourceName: '' };
    const created = await erin.call<CreateAccessRequestResponse>('createAccessRequest', {
      rootClusterUri: ROOT,
      reason: 'one node',
      resourceIds: [node],
    });
    const id = created.request!.id;
    expect(created.request).toMatchObject({ user: 'erin', roles: ['prod-access'], resourceIds: [node] });
    const got = await erin.call<GetAccessRequestResponse>('getAccessRequest', {
      clusterUri: ROOT,
      accessRequestId: id,
    });
    expect(got.request!.resources).toEqual([{ id: node, details: { hostname: 'prod-1' } }]);
    // The listing carries no details (as upstream).
    const listed = await erin.call<GetAccessRequestsResponse>('getAccessRequests', { clusterUri: ROOT });
    expect(listed.requests.find((r) => r.id === id)!.resources).toEqual([
      { id: node, details: { hostname: '' } },
    ]);
  }, 30_000);

  it('delete a pending request; errors as upstream words them', async () => {
    const alice = daemons.alice!;
    const created = await alice.call<CreateAccessRequestResponse>('createAccessRequest', {
      rootClusterUri: ROOT,
      roles: ['prod-access'],
      reason: 'to be withdrawn',
      suggestedReviewers: [],
      resourceIds: [],
      dryRun: false,
    });
    const id = created.request!.id;
    await alice.call('deleteAccessRequest', { rootClusterUri: ROOT, accessRequestId: id });
    expect(
      await fail(
        alice.call<GetAccessRequestResponse>('getAccessRequest', { clusterUri: ROOT, accessRequestId: id }),
      ),
    ).toMatchObject({
      code: 5,
      details: 'Access request not found.',
    });
    expect(
      await fail(
        alice.call<GetAccessRequestResponse>('getAccessRequest', { clusterUri: ROOT, accessRequestId: '' }),
      ),
    ).toMatchObject({
      code: 3,
      details: 'missing request id',
    });
    expect(
      await fail(alice.call('deleteAccessRequest', { rootClusterUri: ROOT, accessRequestId: '' })),
    ).toMatchObject({
      code: 3,
      details: 'missing request id',
    });
    expect(
      await fail(
        daemons.bob!.call<ReviewAccessRequestResponse>('reviewAccessRequest', {
          rootClusterUri: ROOT,
          accessRequestId: id,
          state: 'MAYBE',
          reason: '',
          roles: [],
        }),
      ),
    ).toMatchObject({ code: 3, details: 'unknown request state: "MAYBE"' });
    expect(
      await fail(alice.call<GetAccessRequestsResponse>('getAccessRequests', { clusterUri: '/gateways/x' })),
    ).toMatchObject({
      code: 3,
      details: 'missing root cluster name',
    });
  }, 30_000);
});
