// Conversions between the store's model and the generated protobuf messages (types.AccessRequestV3,
// AccessReview, ResourceID, AccessRequestFilter).
import {
  AccessRequestScope,
  type AccessRequestFilter,
  type AccessRequestV3,
  type AccessReview,
  type ResourceID,
} from '../../gen/teleport/legacy/types/types.js';
import type { LabelValues } from '../../gen/teleport/legacy/types/wrappers/wrappers.js';
import { RequestState, type AccessRequest, type ResourceId, type Review } from './model.js';
import type { NewRequest, RequestFilter } from './store.js';

function labelValues(m: Record<string, string[]>): LabelValues | undefined {
  const keys = Object.keys(m);
  if (!keys.length) return undefined;
  return { Values: Object.fromEntries(keys.map((k) => [k, { Values: [...m[k]] }])) };
}

function fromLabelValues(v: LabelValues | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.entries(v?.Values ?? {}).map(([k, s]) => [k, [...s.Values]]));
}

export function resourceIdToProto(id: ResourceId): ResourceID {
  return { ClusterName: id.cluster, Kind: id.kind, Name: id.name, SubResourceName: id.subResource };
}

export function resourceIdFromProto(id: ResourceID): ResourceId {
  return { cluster: id.ClusterName, kind: id.Kind, name: id.Name, subResource: id.SubResourceName };
}

function reviewToProto(r: Review): AccessReview {
  return {
    Author: r.author,
    Roles: [...r.roles],
    ProposedState: r.proposedState,
    Reason: r.reason,
    Created: r.created,
    Annotations: undefined,
    ThresholdIndexes: [...r.thresholdIndexes],
    AccessList: undefined,
    AssumeStartTime: r.assumeStartTime,
  };
}

export function reviewFromProto(r: AccessReview): Review {
  return {
    author: r.Author,
    roles: [...r.Roles],
    proposedState: r.ProposedState,
    reason: r.Reason,
    created: r.Created ?? new Date(0),
    thresholdIndexes: [],
    assumeStartTime: r.AssumeStartTime,
  };
}

export function requestToProto(r: AccessRequest): AccessRequestV3 {
  return {
    Kind: 'access_request',
    SubKind: '',
    Version: 'v3',
    Metadata: {
      Name: r.name,
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: r.expiry,
      Revision: String(r.revision),
    },
    Spec: {
      User: r.user,
      Roles: [...r.roles],
      State: r.state,
      Created: r.created,
      Expires: r.accessExpiry,
      RequestReason: r.requestReason,
      ResolveReason: r.resolveReason,
      ResolveAnnotations: labelValues(r.resolveAnnotations),
      SystemAnnotations: labelValues(r.systemAnnotations),
      Thresholds: r.thresholds.map((t) => ({
        Name: t.name,
        Filter: t.filter,
        Approve: t.approve,
        Deny: t.deny,
      })),
      RoleThresholdMapping: Object.fromEntries(
        Object.entries(r.rtm).map(([role, sets]) => [role, { Sets: sets.map((s) => ({ Indexes: [...s] })) }]),
      ),
      Reviews: r.reviews.map(reviewToProto),
      SuggestedReviewers: [...r.suggestedReviewers],
      RequestedResourceIDs: r.resourceIds.map(resourceIdToProto),
      LoginHint: r.loginHint,
      DryRun: r.dryRun,
      MaxDuration: r.maxDuration,
      SessionTTL: r.sessionTtl,
      AccessList: undefined,
      AssumeStartTime: r.assumeStartTime,
      ResourceExpiry: r.expiry,
    },
  };
}

const set = (d: Date | undefined): Date | undefined => (d && d.getTime() > 0 ? d : undefined);

/** What CreateAccessRequestV2's message asks for; everything else is the server's to fill. */
export function newRequestFromProto(m: AccessRequestV3): NewRequest {
  const s = m.Spec;
  return {
    name: m.Metadata?.Name ?? '',
    user: s?.User ?? '',
    roles: [...(s?.Roles ?? [])],
    requestReason: s?.RequestReason ?? '',
    suggestedReviewers: [...(s?.SuggestedReviewers ?? [])],
    resourceIds: (s?.RequestedResourceIDs ?? []).map(resourceIdFromProto),
    loginHint: s?.LoginHint ?? '',
    dryRun: s?.DryRun ?? false,
    state: s?.State ?? RequestState.NONE,
    accessExpiry: set(s?.Expires),
    maxDuration: set(s?.MaxDuration),
    // Expiry(): Spec.ResourceExpiry, falling back to Metadata.Expires (older clients).
    expiry: set(s?.ResourceExpiry) ?? set(m.Metadata?.Expires),
    assumeStartTime: set(s?.AssumeStartTime),
  };
}

const SCOPES: Record<number, RequestFilter['scope']> = {
  [AccessRequestScope.DEFAULT]: 'default',
  [AccessRequestScope.MY_REQUESTS]: 'my_requests',
  [AccessRequestScope.NEEDS_REVIEW]: 'needs_review',
  [AccessRequestScope.REVIEWED]: 'reviewed',
};

export function filterFromProto(f: AccessRequestFilter | undefined, requester: string): RequestFilter {
  return {
    id: f?.ID || undefined,
    user: f?.User || undefined,
    state: f?.State || undefined,
    search: f?.SearchKeywords.length ? [...f.SearchKeywords] : undefined,
    scope: SCOPES[f?.Scope ?? 0] ?? 'default',
    requester,
  };
}

export { resourceIdsToString } from './model.js';
export { fromLabelValues };
