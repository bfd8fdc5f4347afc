// AuthService.WatchEvents for kind access_request (upstream lib/services/fanout semantics as tsh
// sees them): an INIT event whose WatchStatus lists the accepted kinds, then a PUT for every change
// of a matching request and a DELETE (ResourceHeader) when one is deleted or expires. The filter is
// AccessRequestFilter's map form (keys id, user, state). A user may watch their own requests;
// reviewers also see the requests they may review.
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import { Operation, type Event, type Watch } from '../../gen/teleport/legacy/client/proto/authservice.js';
import type { WatchKind } from '../../gen/teleport/legacy/types/types.js';
import type { DevClusterConfig, UserConfig } from '../config.js';
import { GrpcError } from '../grpcerror.js';
import { AccessError, parseState, type AccessRequest } from './model.js';
import { requestToProto } from './proto.js';
import { ReviewPermissions } from './resolution.js';
import { matchFilter, type AccessRequestStore, type RequestFilter } from './store.js';

export const KIND_ACCESS_REQUEST = 'access_request';

/** AccessRequestFilter.FromMap. */
export function filterFromMap(m: Record<string, string>): RequestFilter {
  const f: RequestFilter = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'id') f.id = v;
    else if (k === 'user') f.user = v;
    else if (k === 'state') f.state = parseState(v);
    else throw new AccessError('bad-parameter', `unknown filter key ${k}`);
  }
  return f;
}

interface Accepted {
  kind: WatchKind;
  filter: RequestFilter;
}

function header(r: AccessRequest): Event {
  return {
    Type: Operation.DELETE,
    Resource: {
      $case: 'ResourceHeader',
      value: {
        Kind: KIND_ACCESS_REQUEST,
        SubKind: '',
        Version: 'v3',
        Metadata: {
          Name: r.name,
          Namespace: 'default',
          Description: '',
          Labels: {},
          Expires: undefined,
          Revision: '',
        },
      },
    },
  };
}

/** Validates the watch and returns the kinds it accepts (throws GrpcError). */
export function acceptWatch(cfg: DevClusterConfig, user: UserConfig, w: Watch): Accepted[] {
  const accepted: Accepted[] = [];
  if (!w.Kinds.length) throw new GrpcError(status.PERMISSION_DENIED, "can't setup global watch");
  for (const kind of w.Kinds) {
    if (kind.Kind !== KIND_ACCESS_REQUEST) {
      if (w.AllowPartialSuccess) continue;
      throw new GrpcError(
        status.INVALID_ARGUMENT,
        `watching kind "${kind.Kind}" is not supported by the dev cluster (it serves ${KIND_ACCESS_REQUEST})`,
      );
    }
    let filter: RequestFilter;
    try {
      filter = filterFromMap(kind.Filter);
    } catch (err) {
      throw new GrpcError(status.INVALID_ARGUMENT, (err as Error).message);
    }
    // Without list/read rules (none in the dev cluster's roles), one watches one's own requests,
    // or, as a reviewer, what one may review.
    if (filter.user !== user.name && !new ReviewPermissions(cfg, user).hasAllowDirectives()) {
      throw new GrpcError(
        status.PERMISSION_DENIED,
        'access denied to perform action "read" on "access_request"',
      );
    }
    accepted.push({ kind, filter });
  }
  if (!accepted.length)
    throw new GrpcError(status.INVALID_ARGUMENT, 'none of the requested kinds can be watched');
  return accepted;
}

/** Streams events until the client goes away. */
export function serveWatch(
  cfg: DevClusterConfig,
  store: AccessRequestStore,
  user: UserConfig,
  call: ServerWritableStream<Watch, Event>,
): void {
  const accepted = acceptWatch(cfg, user, call.request);
  const checker = new ReviewPermissions(cfg, user);
  const visible = (r: AccessRequest) => r.user === user.name || checker.canReview(r);
  // WatchKind.Matches: the kind's name (when set) and its filter.
  const wanted = (r: AccessRequest) =>
    visible(r) && accepted.some((a) => (!a.kind.Name || a.kind.Name === r.name) && matchFilter(r, a.filter));
  let closed = false;
  const unsubscribe = store.subscribe((e) => {
    if (closed || !wanted(e.request)) return;
    call.write(
      e.type === 'put'
        ? { Type: Operation.PUT, Resource: { $case: 'AccessRequest', value: requestToProto(e.request) } }
        : header(e.request),
    );
  });
  const stop = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
  call.write({
    Type: Operation.INIT,
    Resource: {
      $case: 'WatchStatus',
      value: {
        Kind: 'watch_status',
        SubKind: '',
        Version: 'v1',
        Metadata: {
          Name: 'watch_status',
          Namespace: 'default',
          Description: '',
          Labels: {},
          Expires: undefined,
          Revision: '',
        },
        Spec: { Kinds: accepted.map((a) => a.kind) },
      },
    },
  });
}
