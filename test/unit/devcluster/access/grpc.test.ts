// The dev cluster's access request workflow over real gRPC sockets: create, list, review (self-review
// refused, thresholds of one and two, deny), WatchEvents, capabilities, search_as_roles listing and
// GenerateUserCerts with and without requests, including drop.
import { createPublicKey, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, marshalTLSPublicKey } from '../../../../src/auth/keygen.js';
import { decodeTlsIdentity } from '../../../../src/auth/x509/identity.js';
import { marshalAuthorizedKey } from '../../../../src/auth/ssh/keys.js';
import { parseSshCertificateLine, teleportCertFields } from '../../../../src/auth/ssh/cert.js';
import { TeleportClient } from '../../../../src/client/teleport.js';
import type { DevCluster } from '../../../../src/devcluster/server.js';
import {
  Operation,
  UserCertsRequest,
  type Event,
} from '../../../../src/gen/teleport/legacy/client/proto/authservice.js';
import {
  AccessRequestV3,
  RequestState,
  type AccessRequestFilter,
} from '../../../../src/gen/teleport/legacy/types/types.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../../../helpers/cluster.js';

const CONFIG = {
  users: [
    { name: 'alice', password: 'alice-pw', roles: ['requester', 'requester-two'] },
    { name: 'bob', password: 'bob-pw', roles: ['reviewer'] },
    { name: 'carol', password: 'carol-pw', roles: ['reviewer'] },
    { name: 'dave', password: 'dave-pw', roles: ['plain'] },
    { name: 'rex', password: 'rex-pw', roles: ['requester', 'reviewer'] },
  ],
  roles: [
    {
      name: 'requester',
      logins: ['alice'],
      node_labels: { env: 'dev' },
      request: {
        roles: ['prod-access'],
        search_as_roles: ['prod-access', 'db-admin'],
        suggested_reviewers: ['bob'],
      },
    },
    {
      name: 'requester-two',
      logins: [],
      node_labels: {},
      request: { roles: ['db-admin'], thresholds: [{ name: 'two', approve: 2, deny: 1 }] },
    },
    { name: 'reviewer', logins: ['bob'], node_labels: {}, review_requests: { roles: ['*'] } },
    { name: 'plain', logins: ['dave'], node_labels: { env: 'dev' } },
    { name: 'prod-access', logins: ['root'], node_labels: { env: 'prod' }, max_session_ttl: '2h' },
    { name: 'db-admin', logins: ['dba'], node_labels: {} },
  ],
  nodes: [
    { name: 'dev-1', labels: { env: 'dev' } },
    { name: 'prod-1', labels: { env: 'prod' } },
  ],
};

async function login(cluster: DevCluster, user: string): Promise<TeleportClient> {
  const home = tempHome();
  const r = await tshjs(loginArgs(cluster, user), { home, stdin: `${user}-pw\n` });
  expect(r.code, r.stderr).toBe(0);
  return new TeleportClient({ home, insecure: true });
}

async function auth(tc: TeleportClient) {
  const cc = await tc.cluster();
  return { cc, auth: cc.auth };
}

function newRequest(
  user: string,
  roles: string[],
  reason = '',
  name: string = randomUUID(),
): AccessRequestV3 {
  return AccessRequestV3.fromPartial({
    Kind: 'access_request',
    Version: 'v3',
    Metadata: { Name: name },
    Spec: { User: user, Roles: roles, RequestReason: reason },
  });
}

async function create(tc: TeleportClient, user: string, roles: string[], reason = '') {
  const { cc, auth: a } = await auth(tc);
  return cc.call(a, a.createAccessRequestV2, newRequest(user, roles, reason), 'create');
}

async function review(tc: TeleportClient, author: string, id: string, approve: boolean, reason = '') {
  const { cc, auth: a } = await auth(tc);
  return cc.call(
    a,
    a.submitAccessReview,
    {
      RequestID: id,
      Review: {
        Author: author,
        Roles: [],
        ProposedState: approve ? RequestState.APPROVED : RequestState.DENIED,
        Reason: reason,
        ThresholdIndexes: [],
      },
    },
    'review',
  );
}

async function getRequests(tc: TeleportClient, filter: Partial<AccessRequestFilter> = {}) {
  const { auth: a } = await auth(tc);
  const stream = a.getAccessRequestsV2({
    ID: '',
    User: '',
    State: 0,
    SearchKeywords: [],
    Scope: 0,
    Requester: '',
    ...filter,
  });
  const out: AccessRequestV3[] = [];
  for await (const r of stream) out.push(r as AccessRequestV3);
  return out;
}

async function certs(tc: TeleportClient, extra: Partial<UserCertsRequest>) {
  const { cc, auth: a } = await auth(tc);
  const id = await tc.identity();
  const tlsKey = generateKey('ecdsa-p256');
  const sshKey = generateKey('ed25519');
  const res = await cc.call(
    a,
    a.generateUserCerts,
    UserCertsRequest.fromPartial({
      TLSPublicKey: Buffer.from(marshalTLSPublicKey(createPublicKey(tlsKey))),
      SSHPublicKey: Buffer.from(marshalAuthorizedKey(createPublicKey(sshKey))),
      Username: id.username,
      Expires: id.tls.expires,
      ...extra,
    }),
    'certs',
  );
  return {
    tls: decodeTlsIdentity(res.TLS.toString('utf8')),
    ssh: teleportCertFields(parseSshCertificateLine(res.SSH.toString('utf8'))),
  };
}

describe('access requests over gRPC', () => {
  let cluster: DevCluster;
  let alice: TeleportClient;
  let bob: TeleportClient;
  let carol: TeleportClient;
  let dave: TeleportClient;

  beforeAll(async () => {
    cluster = await startCluster(CONFIG);
    [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((u) => login(cluster, u)),
    );
  }, 30_000);
  afterAll(async () => {
    for (const c of [alice, bob, carol, dave]) c?.close();
    await cluster?.stop();
  });

  it('creates a pending request with server-side defaults', async () => {
    const name = randomUUID();
    const { cc, auth: a } = await auth(alice);
    const r = await cc.call(
      a,
      a.createAccessRequestV2,
      newRequest('alice', ['prod-access'], 'ticket 1', name),
      'create',
    );
    expect(r.Kind).toBe('access_request');
    expect(r.Version).toBe('v3');
    // The client's UUID names the request (tsh makes it); a name that is no UUID is refused.
    expect(r.Metadata!.Name).toBe(name);
    await expect(
      cc.call(a, a.createAccessRequestV2, newRequest('alice', ['prod-access'], '', name), 'create'),
    ).rejects.toThrow('already exists');
    await expect(
      cc.call(a, a.createAccessRequestV2, newRequest('alice', ['prod-access'], '', 'req-1'), 'create'),
    ).rejects.toThrow('invalid access request ID "req-1"');
    const s = r.Spec!;
    expect(s.State).toBe(RequestState.PENDING);
    expect(s.Roles).toEqual(['prod-access']);
    expect(s.Thresholds).toEqual([{ Name: 'default', Filter: '', Approve: 1, Deny: 1 }]);
    expect(s.RoleThresholdMapping).toEqual({ 'prod-access': { Sets: [{ Indexes: [0] }] } });
    expect(s.SuggestedReviewers).toEqual(['bob']);
    // Session TTL bounded by prod-access's max_session_ttl (2h).
    const ttl = s.Expires!.getTime() - s.Created!.getTime();
    expect(ttl).toBeLessThanOrEqual(2 * 3600_000);
    expect(ttl).toBeGreaterThan(2 * 3600_000 - 5000);
    expect(s.ResourceExpiry!.getTime()).toBe(s.Expires!.getTime());
  });

  it('refuses roles the user may not request, with upstream messages', async () => {
    await expect(create(alice, 'alice', ['reviewer'])).rejects.toThrow(
      'user "alice" can not request role "reviewer"',
    );
    await expect(create(dave, 'dave', ['*'])).rejects.toThrow(
      'no requestable roles, please verify static RBAC configuration',
    );
    await expect(create(alice, 'bob', ['prod-access'])).rejects.toThrow('access denied');
  });

  it('expands "*" to every requestable role', async () => {
    const r = await create(alice, 'alice', ['*']);
    expect(r.Spec!.Roles).toEqual(['db-admin', 'prod-access']);
    // Each role's own threshold set: the default for prod-access, "two" for db-admin.
    expect(r.Spec!.Thresholds.map((t) => t.Name).sort()).toEqual(['default', 'two']);
  });

  it('shows requests to their user and to reviewers, not to others', async () => {
    const r = await create(alice, 'alice', ['prod-access']);
    const id = r.Metadata!.Name;
    expect((await getRequests(alice, { ID: id })).map((x) => x.Metadata!.Name)).toEqual([id]);
    expect((await getRequests(bob, { ID: id })).length).toBe(1);
    expect(await getRequests(dave, { ID: id })).toEqual([]);
    expect(await getRequests(dave, { User: 'alice' })).toEqual([]);
    const { cc, auth: a } = await auth(bob);
    const page = await cc.call(
      a,
      a.listAccessRequests,
      { Filter: undefined, Sort: 0, Descending: false, Limit: 1, StartKey: '' },
      'list',
    );
    expect(page.AccessRequests.length).toBe(1);
    expect(page.NextKey).not.toBe('');
  });

  it('refuses self-review and reviews by non-reviewers; one approval approves', async () => {
    const r = await create(alice, 'alice', ['prod-access'], 'need prod');
    const id = r.Metadata!.Name;
    await expect(review(alice, 'alice', id, true)).rejects.toThrow('user "alice" cannot submit reviews');
    await expect(review(dave, 'dave', id, true)).rejects.toThrow('user "dave" cannot submit reviews');
    await expect(review(bob, 'carol', id, true)).rejects.toThrow(
      'user "bob" cannot submit reviews on behalf of "carol"',
    );
    await expect(review(bob, 'bob', randomUUID(), true)).rejects.toThrow('(not found)');
    const after = await review(bob, 'bob', id, true, 'ok');
    expect(after.Spec!.State).toBe(RequestState.APPROVED);
    expect(after.Spec!.ResolveReason).toBe('ok');
    expect(after.Spec!.Reviews.map((x) => x.Author)).toEqual(['bob']);
    await expect(review(carol, 'carol', id, false)).rejects.toThrow(
      'the access request has been already approved',
    );
  });

  it('refuses self-review by a user who is also a reviewer', async () => {
    const rex = await login(cluster, 'rex');
    try {
      const id = (await create(rex, 'rex', ['prod-access'])).Metadata!.Name;
      await expect(review(rex, 'rex', id, true)).rejects.toThrow(`user "rex" cannot review request "${id}"`);
      expect((await review(bob, 'bob', id, true)).Spec!.State).toBe(RequestState.APPROVED);
    } finally {
      rex.close();
    }
  });

  it('needs two approvals under a threshold of two; one denial denies', async () => {
    const r = await create(alice, 'alice', ['db-admin']);
    const id = r.Metadata!.Name;
    expect((await review(bob, 'bob', id, true)).Spec!.State).toBe(RequestState.PENDING);
    await expect(review(bob, 'bob', id, true)).rejects.toThrow(
      'user "bob" has already reviewed this request',
    );
    expect((await review(carol, 'carol', id, true)).Spec!.State).toBe(RequestState.APPROVED);

    const d = await create(alice, 'alice', ['db-admin']);
    const after = await review(carol, 'carol', d.Metadata!.Name, false, 'no');
    expect(after.Spec!.State).toBe(RequestState.DENIED);
  });

  it('watches: INIT with the accepted kinds, then PUT on approval', async () => {
    const r = await create(alice, 'alice', ['prod-access']);
    const id = r.Metadata!.Name;
    const { auth: a } = await auth(alice);
    const kind = {
      Kind: 'access_request',
      LoadSecrets: false,
      Name: '',
      Filter: { user: 'alice', id },
      SubKind: '',
      Version: '',
    };
    const stream = a.watchEvents({ Kinds: [kind], AllowPartialSuccess: false });
    const events: Event[] = [];
    const got = new Promise<void>((resolve, reject) => {
      stream.on('data', (e: Event) => {
        events.push(e);
        if (e.Type === Operation.PUT) resolve();
      });
      stream.on('error', reject);
    });
    await new Promise((res) => setTimeout(res, 100));
    expect(events[0]?.Type).toBe(Operation.INIT);
    expect(events[0]?.Resource?.$case).toBe('WatchStatus');
    if (events[0]?.Resource?.$case === 'WatchStatus') {
      expect(events[0].Resource.value.Spec!.Kinds.map((k) => k.Kind)).toEqual(['access_request']);
    }
    // An unrelated request does not reach this watcher.
    await create(alice, 'alice', ['db-admin']);
    const t0 = Date.now();
    await review(bob, 'bob', id, true);
    await got;
    expect(Date.now() - t0).toBeLessThan(1000);
    const put = events.find((e) => e.Type === Operation.PUT)!;
    expect(put.Resource?.$case).toBe('AccessRequest');
    if (put.Resource?.$case === 'AccessRequest') {
      expect(put.Resource.value.Metadata!.Name).toBe(id);
      expect(put.Resource.value.Spec!.State).toBe(RequestState.APPROVED);
    }
    stream.cancel();
  });

  it('watches: DELETE with a ResourceHeader when a request goes; reviewers see it too', async () => {
    const id = (await create(alice, 'alice', ['prod-access'])).Metadata!.Name;
    const watch = async (tc: TeleportClient, filter: Record<string, string>) => {
      const { auth: a } = await auth(tc);
      const stream = a.watchEvents({
        Kinds: [
          { Kind: 'access_request', LoadSecrets: false, Name: '', Filter: filter, SubKind: '', Version: '' },
        ],
        AllowPartialSuccess: false,
      });
      const events: Event[] = [];
      const deleted = new Promise<void>((resolve, reject) => {
        stream.on('data', (e: Event) => {
          events.push(e);
          if (e.Type === Operation.DELETE) resolve();
        });
        stream.on('error', reject);
      });
      return { stream, events, deleted };
    };
    const mine = await watch(alice, { user: 'alice', id });
    const reviewer = await watch(bob, { id });
    await new Promise((res) => setTimeout(res, 100));
    const { cc, auth: a } = await auth(alice);
    await cc.call(a, a.deleteAccessRequest, { ID: id }, 'delete');
    await Promise.all([mine.deleted, reviewer.deleted]);
    for (const w of [mine, reviewer]) {
      expect(w.events.map((e) => e.Type)).toEqual([Operation.INIT, Operation.DELETE]);
      const del = w.events[1].Resource;
      expect(del?.$case).toBe('ResourceHeader');
      if (del?.$case === 'ResourceHeader') {
        expect(del.value.Kind).toBe('access_request');
        expect(del.value.Metadata!.Name).toBe(id);
      }
      w.stream.cancel();
    }
  });

  it('refuses watching others without review rights and unknown filter keys', async () => {
    const { auth: a } = await auth(dave);
    const watch = (filter: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const s = a.watchEvents({
          Kinds: [
            {
              Kind: 'access_request',
              LoadSecrets: false,
              Name: '',
              Filter: filter,
              SubKind: '',
              Version: '',
            },
          ],
          AllowPartialSuccess: false,
        });
        s.on('data', () => resolve('data'));
        s.on('error', (e: Error) => resolve(e.message));
      });
    expect(await watch({ user: 'alice' })).toContain('access denied');
    expect(await watch({ user: 'dave', color: 'x' })).toContain('unknown filter key color');
  });

  it('reports capabilities', async () => {
    const { cc, auth: a } = await auth(alice);
    const caps = await cc.call(
      a,
      a.getAccessCapabilities,
      {
        User: 'alice',
        RequestableRoles: true,
        SuggestedReviewers: true,
        ResourceIDs: [],
        Login: '',
        FilterRequestableRolesByResource: false,
      },
      'caps',
    );
    expect(caps.RequestableRoles).toEqual(['prod-access', 'db-admin']);
    expect(caps.SuggestedReviewers).toEqual(['bob']);
    expect(caps.RequireReason).toBe(false);
  });

  it('lists requestable resources with UseSearchAsRoles', async () => {
    const { cc, auth: a } = await auth(alice);
    const list = (search: boolean) =>
      cc
        .call(
          a,
          a.listResources,
          {
            ResourceType: 'node',
            Namespace: '',
            Limit: 0,
            StartKey: '',
            Labels: {},
            PredicateExpression: '',
            SearchKeywords: [],
            NeedTotalCount: false,
            UseSearchAsRoles: search,
            UsePreviewAsRoles: false,
            IncludeLogins: false,
          },
          'list',
        )
        .then((r) =>
          r.Resources.map((x) =>
            x.resource?.$case === 'Node' ? x.resource.value.Spec!.Hostname : '',
          ).sort(),
        );
    expect(await list(false)).toEqual(['dev-1']);
    expect(await list(true)).toEqual(['dev-1', 'prod-1']);
    // IncludeRequestable: listed, and marked as needing a request.
    const unified = await cc.call(
      a,
      a.listUnifiedResources,
      {
        Kinds: ['node'],
        Limit: 0,
        StartKey: '',
        Labels: {},
        PredicateExpression: '',
        SearchKeywords: [],
        UseSearchAsRoles: false,
        UsePreviewAsRoles: false,
        PinnedOnly: false,
        IncludeLogins: false,
        IncludeRequestable: true,
      },
      'unified',
    );
    expect(
      unified.Resources.map((x) => [
        x.resource?.$case === 'Node' ? x.resource.value.Spec!.Hostname : '',
        x.RequiresRequest,
      ]),
    ).toEqual([
      ['dev-1', false],
      ['prod-1', true],
    ]);
  });

  it('a resource request gets the search_as roles that reach the resource, and only that resource', async () => {
    const nodeId = (name: string) => cluster.catalog.get('node')!.find((e) => e.name === name)!.metadataName;
    const { cc, auth: a } = await auth(alice);
    const resourceRequest = (name: string) =>
      AccessRequestV3.fromPartial({
        Metadata: { Name: randomUUID() },
        Spec: {
          User: 'alice',
          RequestedResourceIDs: [
            { ClusterName: 'test.localhost', Kind: 'node', Name: nodeId(name), SubResourceName: '' },
          ],
        },
      });
    const r = await cc.call(a, a.createAccessRequestV2, resourceRequest('prod-1'), 'create');
    expect(r.Spec!.Roles).toEqual(['prod-access']);
    await expect(cc.call(a, a.createAccessRequestV2, resourceRequest('dev-1'), 'create')).rejects.toThrow(
      'no roles configured in the "search_as_roles" for this user allow access to any requested resources',
    );
    await review(bob, 'bob', r.Metadata!.Name, true);
    const c = await certs(alice, { AccessRequests: [r.Metadata!.Name] });
    expect(c.tls.allowedResourceIds).toBe(JSON.stringify([`/test.localhost/node/${nodeId('prod-1')}`]));
    expect(c.tls.groups.sort()).toEqual(['prod-access', 'requester', 'requester-two']);
  });

  it('reissues certificates with an approved request, and drops it', async () => {
    const base = await certs(alice, {});
    expect(base.tls.groups.sort()).toEqual(['requester', 'requester-two']);
    expect(base.tls.activeRequests).toEqual([]);

    const pending = (await create(alice, 'alice', ['prod-access'])).Metadata!.Name;
    await expect(certs(alice, { AccessRequests: [pending] })).rejects.toThrow(
      `access request "${pending}" is awaiting approval`,
    );
    await expect(certs(alice, { AccessRequests: ['11111111-1111-4111-8111-111111111111'] })).rejects.toThrow(
      'access request "11111111-1111-4111-8111-111111111111" not found',
    );
    const approved = await review(bob, 'bob', pending, true);
    const withReq = await certs(alice, { AccessRequests: [pending] });
    expect(withReq.tls.groups.sort()).toEqual(['prod-access', 'requester', 'requester-two']);
    expect(withReq.tls.activeRequests).toEqual([pending]);
    expect(withReq.ssh.activeRequests).toEqual([pending]);
    expect(withReq.ssh.principals).toContain('root');
    expect(withReq.tls.expires.getTime()).toBeLessThanOrEqual(approved.Spec!.Expires!.getTime());

    const dropped = await certs(alice, { AccessRequests: [pending], DropAccessRequests: ['*'] });
    expect(dropped.tls.groups.sort()).toEqual(['requester', 'requester-two']);
    expect(dropped.tls.activeRequests).toEqual([]);
    const droppedOne = await certs(alice, {
      AccessRequests: [pending],
      DropAccessRequests: [pending, 'bogus'],
    });
    expect(droppedOne.tls.activeRequests).toEqual([]);

    const denied = (await create(alice, 'alice', ['db-admin'])).Metadata!.Name;
    await review(bob, 'bob', denied, false);
    await expect(certs(alice, { AccessRequests: [denied] })).rejects.toThrow(
      `access request "${denied}" has been denied`,
    );
  });
});
