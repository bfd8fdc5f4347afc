// App certificates and resource access requests: a certificate carrying an approved request for
// one app reaches that app only, through the request's search_as_roles.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import type { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { AccessRequestV3, RequestState } from '../../src/gen/teleport/legacy/types/types.js';
import { startCluster } from '../helpers/cluster.js';
import { appCert, login } from './apps-helpers.js';

const CLUSTER = 'test.localhost';

describe('app certificates with resource access requests', () => {
  let cluster: DevCluster;
  let alice: TeleportClient;
  let bob: TeleportClient;

  beforeAll(async () => {
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['requester'] },
        { name: 'bob', password: 'bob-pw', roles: ['reviewer'] },
      ],
      roles: [
        {
          name: 'requester',
          logins: [],
          node_labels: {},
          app_labels: { env: 'dev' },
          request: { search_as_roles: ['prod-apps'], suggested_reviewers: ['bob'] },
        },
        { name: 'reviewer', logins: [], node_labels: {}, review_requests: { roles: ['*'] } },
        { name: 'prod-apps', logins: [], node_labels: {}, app_labels: { env: 'prod' } },
      ],
      apps: [
        { name: 'p1', uri: 'http://127.0.0.1:9', labels: { env: 'prod' } },
        { name: 'p2', uri: 'http://127.0.0.1:9', labels: { env: 'prod' } },
      ],
    });
    [alice, bob] = await Promise.all([login(cluster, 'alice'), login(cluster, 'bob')]);
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await cluster?.stop();
  });

  it('allows the requested app only', async () => {
    await expect(appCert(alice, { Name: 'p1' }, CLUSTER)).rejects.toThrow(/access to app denied/);
    const cc = await alice.cluster();
    const req = await cc.call(
      cc.auth,
      cc.auth.createAccessRequestV2,
      AccessRequestV3.fromPartial({
        Metadata: { Name: randomUUID() },
        Spec: {
          User: 'alice',
          RequestedResourceIDs: [{ ClusterName: CLUSTER, Kind: 'app', Name: 'p1', SubResourceName: '' }],
        },
      }),
      'create',
    );
    const id = req.Metadata!.Name;
    const bc = await bob.cluster();
    await bc.call(
      bc.auth,
      bc.auth.submitAccessReview,
      {
        RequestID: id,
        Review: {
          Author: 'bob',
          Roles: [],
          ProposedState: RequestState.APPROVED,
          Reason: '',
          ThresholdIndexes: [],
        },
      },
      'review',
    );
    const c = await appCert(alice, { Name: 'p1' }, CLUSTER, { AccessRequests: [id] });
    const ident = decodeTlsIdentity(c.certPem);
    expect(ident.routeToApp?.name).toBe('p1');
    expect(ident.allowedResourceIds).toBe(JSON.stringify([`/${CLUSTER}/app/p1`]));
    await expect(appCert(alice, { Name: 'p2' }, CLUSTER, { AccessRequests: [id] })).rejects.toThrow(
      /access to app denied/,
    );
  });
});
