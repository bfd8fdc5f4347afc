// The access-request RPCs of TerminalService (lib/teleterm/clusters cluster_access_requests.go,
// apiserver handler_access_requests.go) over the client core the CLI's `request` commands use
// (src/client/accessrequests.ts, reissue.ts). AssumeRole reissues the profile's certificates with
// the requests, as `tshjs login --request-id` / `request drop` do. docs/daemon-gateways.md.
import { profileCluster, profileName } from '../auth/profile.js';
import {
  createAccessRequest,
  getAccessRequests,
  newAccessRequest,
  requestError,
  submitAccessReview,
} from '../client/accessrequests.js';
import type { ClusterClient } from '../client/cluster.js';
import { grpcError } from '../client/grpc/errors.js';
import { reissueWithRequests } from '../client/reissue.js';
import type { TeleportClient } from '../client/teleport.js';
import {
  RequestState,
  requestStateToJSON,
  type AccessRequestV3,
  type ResourceID as CoreResourceID,
} from '../gen/teleport/legacy/types/types.js';
import type { AccessRequest, ResourceID } from '../gen/teleport/lib/teleterm/v1/access_request.js';
import type { TerminalServiceServer } from '../gen/teleport/lib/teleterm/v1/service.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';
import { unary } from './handler.js';
import { gatewayRegistry } from './gateways/registry.js';

/** Go's zero time.Time as timestamppb.New gives it (what upstream sends for an unset time). */
const GO_ZERO_TIME = new Date('0001-01-01T00:00:00Z');

/** RequestState.String(): NONE, PENDING, APPROVED, DENIED, PROMOTED. */
export function stateName(s: RequestState | undefined): string {
  const name = requestStateToJSON(s ?? RequestState.NONE);
  return name === 'UNRECOGNIZED' ? String(s) : name;
}

/** RequestState.Parse: the five names exactly, else BadParameter `unknown request state: "x"`. */
export function parseState(s: string): RequestState {
  const states: Record<string, RequestState> = {
    NONE: RequestState.NONE,
    PENDING: RequestState.PENDING,
    APPROVED: RequestState.APPROVED,
    DENIED: RequestState.DENIED,
    PROMOTED: RequestState.PROMOTED,
  };
  const v = Object.hasOwn(states, s) ? states[s] : undefined;
  if (v === undefined) throw daemonError('bad-parameter', `unknown request state: ${JSON.stringify(s)}`);
  return v;
}

const toApiResourceId = (r: CoreResourceID): ResourceID => ({
  kind: r.Kind,
  name: r.Name,
  clusterName: r.ClusterName,
  subResourceName: r.SubResourceName,
});

const toCoreResourceId = (r: ResourceID): CoreResourceID => ({
  Kind: r.kind,
  Name: r.name,
  ClusterName: r.clusterName,
  SubResourceName: r.subResourceName,
});

/** newAPIAccessRequest: the teleterm message of a types.AccessRequest; hostnames by node name. */
export function toApiAccessRequest(
  r: AccessRequestV3,
  hostnames: Map<string, string> = new Map(),
): AccessRequest {
  const spec = r.Spec;
  const resourceIds = (spec?.RequestedResourceIDs ?? []).map(toApiResourceId);
  return {
    id: r.Metadata?.Name ?? '',
    state: stateName(spec?.State),
    resolveReason: spec?.ResolveReason ?? '',
    requestReason: spec?.RequestReason ?? '',
    user: spec?.User ?? '',
    roles: [...(spec?.Roles ?? [])],
    created: spec?.Created ?? GO_ZERO_TIME,
    // GetAccessExpiry: when the access granted ends.
    expires: spec?.Expires ?? GO_ZERO_TIME,
    reviews: (spec?.Reviews ?? []).map((rev) => ({
      author: rev.Author,
      roles: [...rev.Roles],
      state: stateName(rev.ProposedState),
      reason: rev.Reason,
      created: rev.Created ?? GO_ZERO_TIME,
    })),
    suggestedReviewers: [...(spec?.SuggestedReviewers ?? [])],
    thresholdNames: (spec?.Thresholds ?? []).map((t) => t.Name).filter(Boolean),
    resourceIds,
    // Details are looked up for GetAccessRequest only (as upstream): the hostnames of requested nodes.
    resources: resourceIds.map((id) => ({
      id: { ...id },
      details: { hostname: (id.kind === 'node' && hostnames.get(id.name)) || '' },
    })),
  };
}

/**
 * The hostnames of the nodes a request names in the client's cluster (upstream's resource details
 * for GetAccessRequest). Best effort: nodes the user cannot list keep an empty hostname.
 */
async function nodeHostnames(tc: TeleportClient, r: AccessRequestV3): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const cluster = (await tc.identity()).cluster;
  const names = (r.Spec?.RequestedResourceIDs ?? [])
    .filter((id) => id.Kind === 'node' && id.ClusterName === cluster)
    .map((id) => id.Name);
  if (!names.length) return out;
  // The `name` shorthand is a node's hostname; requests name nodes by their UUID.
  const predicate = names.map((n) => `resource.metadata.name == ${JSON.stringify(n)}`).join(' || ');
  try {
    const found = await tc.collect('node', { predicate, useSearchAsRoles: true }, (res) =>
      res.resource?.$case === 'Node' ? res.resource.value : undefined,
    );
    for (const n of found) out.set(n.Metadata?.Name ?? '', n.Spec?.Hostname ?? '');
  } catch (err) {
    tc.log('could not look up the hostnames of requested nodes', { error: String(err) });
  }
  return out;
}

export function accessRequestHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  /** The client of a cluster URI (root or leaf), and its cluster connection. */
  const clients = async (uri: string): Promise<{ tc: TeleportClient; cc: ClusterClient }> => {
    const p = deps.resolve(uri);
    const tc = await deps.clientFor(p.clusterUri);
    return { tc, cc: await tc.cluster() };
  };
  const requireId = (id: string) => {
    if (!id) throw daemonError('bad-parameter', 'missing request id');
  };

  return {
    getAccessRequests: unary(async (req) => {
      const { cc } = await clients(req.clusterUri);
      const reqs = await getAccessRequests(cc, {});
      return { requests: reqs.map((r) => toApiAccessRequest(r)) };
    }),

    getAccessRequest: unary(async (req) => {
      requireId(req.accessRequestId);
      const { tc, cc } = await clients(req.clusterUri);
      const reqs = await getAccessRequests(cc, { ID: req.accessRequestId });
      if (!reqs.length) throw daemonError('not-found', 'Access request not found.');
      return { request: toApiAccessRequest(reqs[0], await nodeHostnames(tc, reqs[0])) };
    }),

    createAccessRequest: unary(async (r) => {
      const { tc, cc } = await clients(r.rootClusterUri);
      const id = await tc.identity();
      let ar: AccessRequestV3;
      try {
        ar = newAccessRequest({
          user: id.username,
          roles: r.roles,
          resources: r.resourceIds.map(toCoreResourceId),
          reason: r.reason,
          reviewers: r.suggestedReviewers,
        });
      } catch (err) {
        throw daemonError('bad-parameter', (err as Error).message, err);
      }
      const spec = ar.Spec!;
      spec.DryRun = r.dryRun;
      if (r.maxDuration) spec.MaxDuration = r.maxDuration;
      // SetExpiry: how long the request itself may stay pending.
      if (r.requestTtl) spec.ResourceExpiry = r.requestTtl;
      if (r.assumeStartTime) spec.AssumeStartTime = r.assumeStartTime;
      const out = await createAccessRequest(cc, ar);
      return { request: toApiAccessRequest(out) };
    }),

    reviewAccessRequest: unary(async (r) => {
      const proposed = parseState(r.state);
      const { tc, cc } = await clients(r.rootClusterUri);
      const id = await tc.identity();
      const out = await submitAccessReview(cc, r.accessRequestId, {
        Author: id.username,
        ProposedState: proposed,
        Roles: r.roles,
        Reason: r.reason,
        Created: new Date(),
        AssumeStartTime: r.assumeStartTime,
      });
      return { request: toApiAccessRequest(out) };
    }),

    deleteAccessRequest: unary(async (req) => {
      requireId(req.accessRequestId);
      const { cc } = await clients(req.rootClusterUri);
      try {
        await cc.call(
          cc.auth,
          cc.auth.deleteAccessRequest,
          { ID: req.accessRequestId },
          'delete access request',
        );
      } catch (err) {
        throw requestError(err, 'delete access request');
      }
      return {};
    }),

    getRequestableRoles: unary(async (req) => {
      const { cc } = await clients(req.clusterUri);
      let caps;
      try {
        caps = await cc.call(
          cc.auth,
          cc.auth.getAccessCapabilities,
          {
            User: '',
            RequestableRoles: true,
            SuggestedReviewers: false,
            ResourceIDs: req.resourceIds.map(toCoreResourceId),
            Login: '',
            FilterRequestableRolesByResource: false,
          },
          'get access capabilities',
        );
      } catch (err) {
        throw grpcError(err, 'get access capabilities');
      }
      return { roles: caps.RequestableRoles, applicableRoles: caps.ApplicableRolesForResources };
    }),

    assumeRole: unary(async (r) => {
      const root = deps.resolve(r.rootClusterUri).rootClusterUri;
      const tc = await deps.clientFor(root);
      const profile = tc.selectedProfile();
      if (!profile?.username) throw daemonError('not-found', `not logged in to ${root}`);
      const id = await tc.identity();
      await reissueWithRequests(
        await tc.cluster(),
        await tc.keyStore(),
        { proxyHost: profileName(profile), username: profile.username, clusterName: profileCluster(profile) },
        {
          accessRequests: r.accessRequestIds,
          dropAccessRequests: r.dropRequestIds,
          routeToCluster: id.cluster,
        },
      );
      // Kube gateways of this root get certificates with the new roles on their next request.
      for (const g of gatewayRegistry(deps).all()) {
        if (g.target.kind === 'kube' && g.target.rootClusterUri === root) g.clearCerts();
      }
      // Connections made from now on use the new certificate.
      deps.clearClients(root);
      return {};
    }),
  };
}
