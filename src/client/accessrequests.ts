// Access-request calls on the root cluster's proto.AuthService, as upstream's API client makes
// them (api/client/client.go): CreateAccessRequestV2, GetAccessRequests as ListAccessRequests
// pages (falling back to the GetAccessRequestsV2 stream on UNIMPLEMENTED), SubmitAccessReview,
// GetAccessCapabilities. Facts: docs/access-requests.md.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { AccessRequestSort } from '../gen/teleport/legacy/client/proto/authservice.js';
import {
  AccessRequestFilter,
  RequestState,
  type AccessCapabilities,
  type AccessRequestV3,
  type AccessReview,
  type ResourceID,
} from '../gen/teleport/legacy/types/types.js';
import { TshError } from '../util/errors.js';
import type { ClusterClient } from './cluster.js';
import { grpcCode, grpcError } from './grpc/errors.js';

/** types.KindAccessRequest / V3. */
export const KIND_ACCESS_REQUEST = 'access_request';

/**
 * A server error as tsh prints it: trace errors travel as the status details, which tsh shows as
 * they are (AccessDenied included); transport failures keep the client core's wording.
 */
export function requestError(err: unknown, what: string): Error {
  const code = grpcCode(err);
  const details = (err as { details?: string }).details;
  if (code === status.PERMISSION_DENIED && details) {
    return new TshError(details, 'access-denied', 1, { cause: err });
  }
  if ((code === status.ALREADY_EXISTS || code === status.FAILED_PRECONDITION) && details) {
    return new TshError(details, 'bad-parameter', 1, { cause: err });
  }
  return grpcError(err, what);
}

export interface NewRequest {
  user: string;
  roles: string[];
  resources: ResourceID[];
  reason?: string;
  reviewers?: string[];
  /** --request-ttl: Spec.ResourceExpiry = now + ttl. */
  requestTtlMs?: number;
  /** --session-ttl: Spec.Expires = now + ttl. */
  sessionTtlMs?: number;
  /** --max-duration: Spec.MaxDuration = now + d (a time, not a duration). */
  maxDurationMs?: number;
  assumeStartTime?: Date;
  now?: Date;
}

/**
 * services.NewAccessRequestWithResources + CheckAndSetDefaults: a v4 UUID name, kind/version,
 * PENDING, roles de-duplicated and sorted; the TTL fields only when the flags are > 0.
 */
export function newAccessRequest(o: NewRequest): AccessRequestV3 {
  if (!o.user) throw new TshError('access request user name not set', 'bad-parameter');
  const roles = [...new Set(o.roles)].sort();
  if (!roles.length && !o.resources.length) {
    throw new TshError('access request does not specify any roles or resources', 'bad-parameter');
  }
  const now = (o.now ?? new Date()).getTime();
  const at = (ms: number | undefined) => (ms && ms > 0 ? new Date(now + ms) : undefined);
  return {
    Kind: KIND_ACCESS_REQUEST,
    SubKind: '',
    Version: 'v3',
    Metadata: {
      Name: randomUUID(),
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: undefined,
      Revision: '',
    },
    Spec: {
      User: o.user,
      Roles: roles,
      State: RequestState.PENDING,
      Created: undefined,
      Expires: at(o.sessionTtlMs),
      RequestReason: o.reason ?? '',
      ResolveReason: '',
      ResolveAnnotations: undefined,
      SystemAnnotations: undefined,
      Thresholds: [],
      RoleThresholdMapping: {},
      Reviews: [],
      SuggestedReviewers: o.reviewers ?? [],
      RequestedResourceIDs: o.resources,
      LoginHint: '',
      DryRun: false,
      MaxDuration: at(o.maxDurationMs),
      SessionTTL: undefined,
      AccessList: undefined,
      AssumeStartTime: o.assumeStartTime,
      ResourceExpiry: at(o.requestTtlMs),
    },
  };
}

/** CreateAccessRequestV2: the server's copy (thresholds, TTLs, reviewers filled in) is authoritative. */
export async function createAccessRequest(cc: ClusterClient, req: AccessRequestV3): Promise<AccessRequestV3> {
  try {
    return await cc.call(cc.auth, cc.auth.createAccessRequestV2, req, 'create access request');
  } catch (err) {
    throw requestError(err, 'create access request');
  }
}

/** Page size of ListAccessRequests (the server caps it; 0 would leave it to the server). */
const PAGE = 500;

/**
 * GetAccessRequests(filter) as ListAllAccessRequests: pages until NextKey is empty; an older
 * server without ListAccessRequests answers UNIMPLEMENTED and is read through the stream.
 */
export async function getAccessRequests(
  cc: ClusterClient,
  filter: Partial<AccessRequestFilter> = {},
): Promise<AccessRequestV3[]> {
  const f = AccessRequestFilter.fromPartial(filter);
  const out: AccessRequestV3[] = [];
  let startKey = '';
  for (;;) {
    let page;
    try {
      page = await cc.call(
        cc.auth,
        cc.auth.listAccessRequests,
        { Filter: f, Sort: AccessRequestSort.DEFAULT, Descending: false, Limit: PAGE, StartKey: startKey },
        'list access requests',
      );
    } catch (err) {
      if (grpcCode(err) === status.UNIMPLEMENTED && out.length === 0) return streamAccessRequests(cc, f);
      throw requestError(err, 'list access requests');
    }
    out.push(...page.AccessRequests);
    if (!page.NextKey) return out;
    startKey = page.NextKey;
  }
}

/** The GetAccessRequestsV2 server stream, collected until its end. */
async function streamAccessRequests(cc: ClusterClient, f: AccessRequestFilter): Promise<AccessRequestV3[]> {
  const call = cc.stream(() => cc.auth.getAccessRequestsV2(f));
  const out: AccessRequestV3[] = [];
  try {
    for await (const r of call as AsyncIterable<AccessRequestV3>) out.push(r);
  } catch (err) {
    throw requestError(err, 'list access requests');
  } finally {
    call.cancel();
  }
  return out;
}

/** services.GetAccessRequest: exactly the request with this ID, or NotFound in upstream's words. */
export async function getAccessRequest(cc: ClusterClient, id: string): Promise<AccessRequestV3> {
  const reqs = await getAccessRequests(cc, { ID: id });
  if (reqs.length !== 1) throw new TshError(`no access request matching ${JSON.stringify(id)}`, 'not-found');
  return reqs[0];
}

export async function submitAccessReview(
  cc: ClusterClient,
  requestId: string,
  review: Partial<AccessReview> & { Author: string; ProposedState: RequestState },
): Promise<AccessRequestV3> {
  const submission = {
    RequestID: requestId,
    Review: {
      Roles: [],
      Reason: '',
      Created: undefined,
      Annotations: undefined,
      ThresholdIndexes: [],
      AccessList: undefined,
      AssumeStartTime: undefined,
      ...review,
    },
  };
  try {
    return await cc.call(cc.auth, cc.auth.submitAccessReview, submission, 'submit access review');
  } catch (err) {
    throw requestError(err, 'submit access review');
  }
}

export async function getAccessCapabilities(
  cc: ClusterClient,
  req: { User: string; RequestableRoles?: boolean; SuggestedReviewers?: boolean },
): Promise<AccessCapabilities> {
  try {
    return await cc.call(
      cc.auth,
      cc.auth.getAccessCapabilities,
      {
        User: req.User,
        RequestableRoles: !!req.RequestableRoles,
        SuggestedReviewers: !!req.SuggestedReviewers,
        ResourceIDs: [],
        Login: '',
        FilterRequestableRolesByResource: false,
      },
      'get access capabilities',
    );
  } catch (err) {
    throw requestError(err, 'get access capabilities');
  }
}

/** The client-side filters of `tsh request ls` (--reviewable, --suggested, --my-requests), in order. */
export function filterRequests(
  reqs: AccessRequestV3[],
  user: string,
  o: { reviewable?: boolean; suggested?: boolean; myRequests?: boolean },
): AccessRequestV3[] {
  const reviewedBy = (r: AccessRequestV3) => (r.Spec?.Reviews ?? []).some((rev) => rev.Author === user);
  let out = reqs;
  if (o.reviewable) out = out.filter((r) => r.Spec?.User !== user && !reviewedBy(r));
  if (o.suggested) {
    out = out.filter(
      (r) => r.Spec?.User !== user && !reviewedBy(r) && (r.Spec?.SuggestedReviewers ?? []).includes(user),
    );
  }
  if (o.myRequests) out = out.filter((r) => r.Spec?.User === user);
  return out;
}

/** lib/utils SplitIdentifiers: split on commas and white space, empty fields dropped. */
export function splitIdentifiers(s: string | undefined): string[] {
  return (s ?? '').split(/[,\s]+/u).filter(Boolean);
}
