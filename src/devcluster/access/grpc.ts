// proto.AuthService's access request methods as the dev cluster serves them (upstream lib/auth
// grpcserver.go and auth_with_roles.go): create, read (stream and paged list), delete, set state,
// review, capabilities. Reads show a user their own requests and those they may review.
import { status, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import {
  AccessRequestSort,
  type ListAccessRequestsRequest,
  type ListAccessRequestsResponse,
  type RequestID,
  type RequestStateSetter,
} from '../../gen/teleport/legacy/client/proto/authservice.js';
import type {
  AccessCapabilities,
  AccessCapabilitiesRequest,
  AccessRequestFilter,
  AccessRequestV3,
  AccessReviewSubmission,
} from '../../gen/teleport/legacy/types/types.js';
import type { Empty } from '../../gen/google/protobuf/empty.js';
import type { TlsIdentity } from '../../auth/x509/identity.js';
import type { DevClusterConfig, UserConfig } from '../config.js';
import { DEFAULT_PAGE, GrpcError, MAX_PAGE } from '../grpcerror.js';
import { AccessError, RequestState, stateName, type AccessRequest } from './model.js';
import {
  filterFromProto,
  fromLabelValues,
  newRequestFromProto,
  requestToProto,
  resourceIdFromProto,
  reviewFromProto,
} from './proto.js';
import { ReviewPermissions } from './resolution.js';
import type { AccessRequestStore, RequestFilter } from './store.js';

export interface Caller {
  user: UserConfig;
  identity: TlsIdentity;
}

const CODES: Record<AccessError['kind'], status> = {
  'bad-parameter': status.INVALID_ARGUMENT,
  'access-denied': status.PERMISSION_DENIED,
  'not-found': status.NOT_FOUND,
  'not-implemented': status.UNIMPLEMENTED,
  'limit-exceeded': status.RESOURCE_EXHAUSTED,
  'already-exists': status.ALREADY_EXISTS,
};

/** Runs fn, turning an AccessError into the GrpcError the handlers report. */
export function grpcErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AccessError) throw new GrpcError(CODES[err.kind], err.message);
    throw err;
  }
}

const accessDenied = (verb: string) =>
  new GrpcError(status.PERMISSION_DENIED, `access denied to perform action "${verb}" on "access_request"`);

/**
 * ServerWithRoles.GetAccessRequests: one's own requests always; otherwise those the caller may
 * review (their own included); a filter naming another user gives nothing to a non-reviewer.
 */
export function visibleRequests(
  cfg: DevClusterConfig,
  store: AccessRequestStore,
  caller: UserConfig,
  filter: RequestFilter,
): AccessRequest[] {
  if (filter.user && filter.user === caller.name) return store.list(filter);
  const checker = new ReviewPermissions(cfg, caller);
  if (!checker.hasAllowDirectives()) {
    if (filter.user) return [];
    return store.list({ ...filter, user: caller.name });
  }
  return store.list(filter).filter((r) => r.user === caller.name || checker.canReview(r));
}

function compareBy(sort: AccessRequestSort): (a: AccessRequest, b: AccessRequest) => number {
  const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
  switch (sort) {
    case AccessRequestSort.CREATED:
      return (a, b) => cmp(a.created.getTime(), b.created.getTime()) || cmp(a.name, b.name);
    case AccessRequestSort.STATE:
      return (a, b) => cmp(stateName(a.state), stateName(b.state)) || cmp(a.name, b.name);
    case AccessRequestSort.USER:
      return (a, b) => cmp(a.user, b.user) || cmp(a.name, b.name);
    default:
      return (a, b) => cmp(a.name, b.name);
  }
}

export interface AccessHandlers {
  createAccessRequestV2(call: ServerUnaryCall<AccessRequestV3, AccessRequestV3>): AccessRequestV3;
  getAccessRequestsV2(call: ServerWritableStream<AccessRequestFilter, AccessRequestV3>): AccessRequestV3[];
  listAccessRequests(
    call: ServerUnaryCall<ListAccessRequestsRequest, ListAccessRequestsResponse>,
  ): ListAccessRequestsResponse;
  deleteAccessRequest(call: ServerUnaryCall<RequestID, Empty>): Empty;
  setAccessRequestState(call: ServerUnaryCall<RequestStateSetter, Empty>): Empty;
  submitAccessReview(call: ServerUnaryCall<AccessReviewSubmission, AccessRequestV3>): AccessRequestV3;
  getAccessCapabilities(
    call: ServerUnaryCall<AccessCapabilitiesRequest, AccessCapabilities>,
  ): AccessCapabilities;
}

export function accessHandlers(
  cfg: DevClusterConfig,
  store: AccessRequestStore,
  caller: (call: unknown) => Caller,
): AccessHandlers {
  const userNamed = (name: string) => {
    const u = cfg.users.find((x) => x.name === name);
    if (!u) throw new GrpcError(status.NOT_FOUND, `user "${name}" not found`);
    return u;
  };
  return {
    createAccessRequestV2: (call) =>
      grpcErrors(() => {
        const { user, identity } = caller(call);
        const n = newRequestFromProto(call.request);
        return requestToProto(store.create(user, identity.expires, n));
      }),
    getAccessRequestsV2: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const filter = filterFromProto(call.request, user.name);
        return visibleRequests(cfg, store, user, filter).map(requestToProto);
      }),
    listAccessRequests: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const r = call.request;
        if (r.Limit < 0) throw new GrpcError(status.INVALID_ARGUMENT, 'nonpositive parameter limit');
        const limit = Math.min(r.Limit || DEFAULT_PAGE, MAX_PAGE);
        const all = visibleRequests(cfg, store, user, filterFromProto(r.Filter, user.name)).sort(
          compareBy(r.Sort),
        );
        if (r.Descending) all.reverse();
        let start = 0;
        if (r.StartKey) {
          start = all.findIndex((x) => x.name === r.StartKey);
          if (start < 0) start = all.length;
        }
        const page = all.slice(start, start + limit);
        const next = all[start + limit];
        return { AccessRequests: page.map(requestToProto), NextKey: next ? next.name : '' };
      }),
    deleteAccessRequest: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const r = store.get(call.request.ID);
        // Users may delete their own pending requests (upstream lets a requester withdraw).
        if (r && r.user !== user.name) throw accessDenied('delete');
        if (r && r.state !== RequestState.PENDING) throw accessDenied('delete');
        store.delete(call.request.ID);
        return {};
      }),
    setAccessRequestState: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const p = call.request;
        if (p.State === RequestState.PROMOTED) {
          throw new GrpcError(
            status.INVALID_ARGUMENT,
            'state promoted can be only set when promoting to access list',
          );
        }
        const r = store.get(p.ID);
        if (!r)
          throw new GrpcError(status.NOT_FOUND, `cannot set state of access request "${p.ID}" (not found)`);
        if (r.user === user.name) {
          throw new GrpcError(
            status.PERMISSION_DENIED,
            'directly updating the state of your own access requests is not permitted',
          );
        }
        // No resource rules or plugin identities here: whoever may review the request may resolve it.
        if (!new ReviewPermissions(cfg, user).canReview(r)) throw accessDenied('update');
        store.setState(p.ID, p.State, p.Reason, fromLabelValues(p.Annotations));
        return {};
      }),
    submitAccessReview: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const sub = call.request;
        if (!sub.Review) throw new GrpcError(status.INVALID_ARGUMENT, 'missing review');
        if (sub.Review.ProposedState === RequestState.PROMOTED) {
          throw new GrpcError(
            status.INVALID_ARGUMENT,
            'state promoted can be only set when promoting to access list',
          );
        }
        // The author defaults to the caller and must be the caller (AuthorizeAccessReviewRequest).
        const author = sub.Review.Author || user.name;
        if (author !== user.name) {
          throw new GrpcError(
            status.PERMISSION_DENIED,
            `user "${user.name}" cannot submit reviews on behalf of "${author}"`,
          );
        }
        if (!sub.RequestID) throw new GrpcError(status.INVALID_ARGUMENT, 'missing request ID');
        const checker = new ReviewPermissions(cfg, user);
        if (!checker.hasAllowDirectives()) {
          throw new GrpcError(status.PERMISSION_DENIED, `user "${user.name}" cannot submit reviews`);
        }
        const r = store.get(sub.RequestID);
        if (!r) {
          throw new GrpcError(
            status.NOT_FOUND,
            `cannot apply review to access request "${sub.RequestID}" (not found)`,
          );
        }
        if (!checker.canReview(r)) {
          throw new GrpcError(
            status.PERMISSION_DENIED,
            `user "${user.name}" cannot review request "${sub.RequestID}"`,
          );
        }
        const review = reviewFromProto({ ...sub.Review, Author: author });
        return requestToProto(store.review(sub.RequestID, review, user));
      }),
    getAccessCapabilities: (call) =>
      grpcErrors(() => {
        const { user } = caller(call);
        const r = call.request;
        const target = r.User ? userNamed(r.User) : user;
        if (target.name !== user.name) throw new GrpcError(status.PERMISSION_DENIED, 'access denied');
        const v = store.validatorFor(target);
        const caps: AccessCapabilities = {
          RequestableRoles: r.RequestableRoles ? v.requestableRoles() : [],
          SuggestedReviewers: r.SuggestedReviewers ? [...v.suggestedReviewers] : [],
          ApplicableRolesForResources:
            r.ResourceIDs.length && !r.FilterRequestableRolesByResource
              ? v.pruneResourceRoles(
                  v.applicableSearchAsRoles(),
                  r.ResourceIDs.map(resourceIdFromProto),
                  r.Login,
                )
              : [],
          RequestPrompt: v.prompt,
          RequireReason: false,
          AutoRequest: v.autoRequest,
        };
        caps.RequireReason = v.reasonRequired(
          r.RequestableRoles ? caps.RequestableRoles : caps.ApplicableRolesForResources,
          false,
        )[0];
        return caps;
      }),
  };
}
