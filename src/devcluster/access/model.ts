// The dev cluster's access request model: what the store keeps for one request, independent of the
// generated protobuf types (access/proto.ts converts). Field meanings follow upstream
// api/types/access_request.go and types.proto AccessRequestSpecV3 (docs/devcluster-access-requests.md).

import { RequestState } from '../../gen/teleport/legacy/types/types.js';

export { RequestState };

/** The gogo String() of a state, as upstream's errors and the watch filter map use it. */
export function stateName(s: RequestState): string {
  return RequestState[s] ?? String(s);
}

/** RequestState.Parse: exactly the enum names. */
export function parseState(v: string): RequestState {
  const names = ['NONE', 'PENDING', 'APPROVED', 'DENIED', 'PROMOTED'];
  const i = names.indexOf(v);
  if (i < 0) throw new AccessError('bad-parameter', `unknown request state: "${v}"`);
  return i as RequestState;
}

export const isResolved = (s: RequestState): boolean =>
  s === RequestState.APPROVED || s === RequestState.DENIED || s === RequestState.PROMOTED;

/** types.AccessReviewThreshold. */
export interface Threshold {
  name: string;
  filter: string;
  approve: number;
  deny: number;
}

/** types.AccessReview. */
export interface Review {
  author: string;
  roles: string[];
  proposedState: RequestState;
  reason: string;
  created: Date;
  thresholdIndexes: number[];
  assumeStartTime?: Date;
}

/** types.ResourceID. */
export interface ResourceId {
  cluster: string;
  kind: string;
  name: string;
  subResource: string;
}

/** One access request (AccessRequestV3) as stored. */
export interface AccessRequest {
  name: string;
  user: string;
  roles: string[];
  state: RequestState;
  created: Date;
  /** Spec.Expires: the access expiry, bounding certificates issued with the request. */
  accessExpiry: Date;
  requestReason: string;
  resolveReason: string;
  resolveAnnotations: Record<string, string[]>;
  systemAnnotations: Record<string, string[]>;
  thresholds: Threshold[];
  /** RoleThresholdMapping: role → sets (AND) of threshold indexes (OR). */
  rtm: Record<string, number[][]>;
  reviews: Review[];
  suggestedReviewers: string[];
  resourceIds: ResourceId[];
  loginHint: string;
  dryRun: boolean;
  maxDuration: Date;
  sessionTtl: Date;
  assumeStartTime?: Date;
  /** Spec.ResourceExpiry: how long the request itself lives (pending). */
  expiry: Date;
  revision: number;
}

/** An error with a trace kind; the gRPC layer maps kinds to codes. */
export type ErrorKind =
  'bad-parameter' | 'access-denied' | 'not-found' | 'not-implemented' | 'limit-exceeded' | 'already-exists';

export class AccessError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

/** Kinds a resource request may name (types.RequestableResourceKinds, those the dev cluster serves). */
export const REQUESTABLE_KINDS = ['node', 'kube_cluster', 'db', 'app', 'windows_desktop'];

/** types.ResourceIDToString. */
export function resourceIdToString(id: ResourceId): string {
  const base = `/${id.cluster}/${id.kind}/${id.name}`;
  return id.subResource ? `${base}/${id.subResource}` : base;
}

/** types.ResourceIDsToString: a JSON list of the string forms, "" for none. */
export function resourceIdsToString(ids: ResourceId[]): string {
  return ids.length ? JSON.stringify(ids.map(resourceIdToString)) : '';
}
