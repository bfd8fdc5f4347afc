// proto.AuthService as the dev cluster serves it: listing with RBAC, labels, search and
// predicate filters, and paging by opaque start keys (lib/auth/grpcserver.go semantics).
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import type {
  AuthServiceServer,
  GetSSHTargetsRequest,
  GetSSHTargetsResponse,
  ListResourcesRequest,
  ListResourcesResponse,
  ListUnifiedResourcesRequest,
  ListUnifiedResourcesResponse,
  PaginatedResource,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import {
  PredicateError,
  evaluatePredicate,
  matchLabels,
  matchSearchKeywords,
  parsePredicate,
} from './predicate.js';
import type { Catalog, CatalogEntry } from './resources.js';
import { loginsFor, roleAllows, roleResource, userResource, userRoles } from './rbac.js';
import { SessionEventStore } from './sessionevents.js';
import { DEFAULT_PAGE, GrpcError, MAX_PAGE } from './grpcerror.js';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import type { Empty } from '../gen/google/protobuf/empty.js';
import type { RoleV6, SessionTrackerV1 } from '../gen/teleport/legacy/types/types.js';
import type { StreamSessionEventsRequest } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { SignatureSuite } from '../auth/keygen.js';
import type { Authority } from './authority.js';
import { createAuthenticateChallenge, isMfaRequired } from './mfachallenge.js';
import { generateUserCerts } from './usercerts.js';
import { headlessAuthHandlers } from './headless/grpc.js';
import { accessHandlers } from './access/grpc.js';
import { AccessRequestStore } from './access/store.js';
import { serveWatch } from './access/watch.js';
import { allowedResourceMatches, REQUEST_KIND } from './access/resources.js';
import { RequestValidator } from './access/validator.js';
import { getSshTargets } from './sshtargets.js';
import { appSessionStore } from './apps/sessions.js';

/** types.SignatureAlgorithmSuite as Ping reports it. */
const SUITE_ENUM: Record<SignatureSuite, number> = {
  legacy: 1,
  'balanced-v1': 2,
  'fips-v1': 3,
  'hsm-v1': 4,
};

/** The host part of grpc-js's peer string ("1.2.3.4:5", "[::1]:5", "ipv4:1.2.3.4:5"). */
function peerIp(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[([^\]]+)\]:\d+$/.exec(p) ?? /^([^:]+):\d+$/.exec(p);
  return (m ? m[1] : p).replace(/^::ffff:/, '');
}

/** The identity behind a call: the verified client certificate, decoded. */
function callerIdentity(call: { getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } } | undefined }) {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  if (!raw) throw new GrpcError(status.UNAUTHENTICATED, 'client certificate required');
  return decodeTlsIdentity(raw);
}

/** The Teleport user behind a call: from the verified client certificate. */
export function callerUser(call: ServerUnaryCall<unknown, unknown>, cfg: DevClusterConfig): UserConfig {
  const id = callerIdentity(call);
  const user = cfg.users.find((u) => u.name === id.username);
  if (!user) throw new GrpcError(status.PERMISSION_DENIED, `user "${id.username}" is not found`);
  return user;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** The client's `version` metadata (api/metadata), logged for every call. */
export function clientVersion(call: { metadata: { get(key: string): unknown[] } }): string | undefined {
  const v = call.metadata.get('version');
  return v.length === 1 ? String(v[0]) : undefined;
}

/** A server stream that ends once fn has written everything (errors end it with their gRPC status). */
function finiteStream<Req, Res>(fn: (call: ServerWritableStream<Req, Res>) => void | Promise<void>) {
  return serverStream<Req, Res>(async (call) => {
    await fn(call);
    call.end();
  });
}

/** A server stream handler: errors end the stream with their gRPC status. */
function serverStream<Req, Res>(fn: (call: ServerWritableStream<Req, Res>) => void | Promise<void>) {
  return (call: ServerWritableStream<Req, Res>) => {
    Promise.resolve()
      .then(() => fn(call))
      .catch((err: unknown) => {
        const e = err as Error;
        const code = e instanceof GrpcError ? e.code : status.INTERNAL;
        call.emit('error', { code, details: e?.message ?? String(e) });
      });
  };
}

function unary<Req, Res>(fn: (call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
    Promise.resolve()
      .then(() => fn(call))
      .then(
        (res) => cb(null, res),
        (err: unknown) => {
          const e = err as Error;
          if (e instanceof GrpcError) cb({ code: e.code, details: e.message });
          else if (e instanceof PredicateError) cb({ code: status.INVALID_ARGUMENT, details: e.message });
          else cb({ code: status.INTERNAL, details: e?.message ?? String(e) });
        },
      );
  };
}

interface ListQuery {
  kinds: string[];
  limit: number;
  startKey: string;
  labels: Record<string, string>;
  predicate: string;
  search: string[];
  includeLogins: boolean;
  cluster: string;
  /** IncludeRequestable: entries these roles do not grant are marked RequiresRequest. */
  grantedBy?: ReturnType<typeof userRoles>;
  /** A resource access request's certificate: only these resources (types.ResourceIDsToString). */
  allowedResources?: string;
}

/** Filters and pages; the start key is "<kind>/<key>" of the first resource of the next page. */
function list(cfg: DevClusterConfig, catalog: Catalog, user: UserConfig, q: ListQuery) {
  if (q.limit < 0) throw new GrpcError(status.INVALID_ARGUMENT, 'nonpositive parameter limit');
  const limit = Math.min(q.limit || DEFAULT_PAGE, MAX_PAGE);
  const ast = q.predicate ? parsePredicate(q.predicate) : undefined;
  const roles = userRoles(cfg, user);
  if (q.kinds.includes('node')) catalog.heartbeat();
  const kinds = [...q.kinds].sort();
  const [startKind, ...rest] = q.startKey ? q.startKey.split('/') : [];
  const startKey = rest.join('/');
  const out: PaginatedResource[] = [];
  for (const kind of kinds) {
    if (startKind && kind < startKind) continue;
    const entries = catalog.get(kind) ?? [];
    let i = 0;
    if (startKind === kind) i = lowerBound(entries, startKey);
    for (; i < entries.length; i++) {
      const e = entries[i];
      if (!visible(e, roles, q, ast)) continue;
      if (out.length === limit) return { resources: out, nextKey: `${kind}/${e.key}` };
      let res = q.includeLogins
        ? { ...e.resource, Logins: loginsFor(cfg, user, kind, e.labels) }
        : e.resource;
      if (q.grantedBy && !roleAllows(q.grantedBy, kind, e.labels)) res = { ...res, RequiresRequest: true };
      out.push(res);
    }
  }
  return { resources: out, nextKey: '' };
}

function visible(
  e: CatalogEntry,
  roles: ReturnType<typeof userRoles>,
  q: ListQuery,
  ast: ReturnType<typeof parsePredicate> | undefined,
): boolean {
  if (!roleAllows(roles, e.kind, e.labels)) return false;
  if (
    q.allowedResources &&
    !allowedResourceMatches(q.allowedResources, q.cluster, REQUEST_KIND[e.kind], e.metadataName)
  ) {
    return false;
  }
  if (Object.keys(q.labels).length && !matchLabels(q.labels, e.labels)) return false;
  if (q.search.length && !matchSearchKeywords(q.search, e.target)) return false;
  if (ast && !evaluatePredicate(ast, e.target)) return false;
  return true;
}

function lowerBound(entries: CatalogEntry[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The user as listing sees them: the certificate's roles (requests included), widened by the usable
 * search_as_roles for UseSearchAsRoles (`tsh request search`), and the certificate's allowed resources.
 */
function lister(
  cfg: DevClusterConfig,
  call: ServerUnaryCall<unknown, unknown>,
  useSearchAsRoles: boolean,
  includeRequestable = false,
): { user: UserConfig; allowedResources?: string; grantedBy?: ReturnType<typeof userRoles> } {
  const user = callerUser(call, cfg);
  const id = callerIdentity(call);
  const roles = id.groups.length ? [...id.groups] : [...user.roles];
  const granted = { ...user, roles: [...new Set(roles)] };
  if (!useSearchAsRoles && !includeRequestable)
    return { user: granted, allowedResources: id.allowedResourceIds };
  roles.push(...new RequestValidator(cfg, user).searchAsRoles());
  return {
    user: { ...user, roles: [...new Set(roles)] },
    grantedBy: includeRequestable && !useSearchAsRoles ? userRoles(cfg, granted) : undefined,
  };
}

/** ListResources resource types the dev cluster knows. */
const RESOURCE_TYPES = new Set(['node', 'db_server', 'app_server', 'kube_server', 'windows_desktop']);

export function authService(opts: {
  cfg: DevClusterConfig;
  catalog: Catalog;
  publicAddr: () => string;
  /** Where session recordings (<sid>.tar) are; read on every call. */
  recordingsDir?: () => string;
  /** The CAs GenerateUserCerts signs with; without them it answers UNIMPLEMENTED. */
  authority?: Authority;
  /** Live sessions (the kube service's exec sessions) for GetActiveSessionTrackers. */
  sessionTrackers?: { visibleTo(user: string): SessionTrackerV1[] };
  /** The access request store (default: a new one for this service). */
  requests?: AccessRequestStore;
  log?: Log;
}): UntypedServiceImplementation {
  const { cfg, catalog, log } = opts;
  const recordings = new SessionEventStore(opts.recordingsDir ?? (() => ''));
  const unimplemented = unary(() => {
    throw new GrpcError(status.UNIMPLEMENTED, 'not implemented by tshjs-devcluster');
  });
  const requests =
    opts.requests ??
    new AccessRequestStore(cfg, Date.now, (id) => {
      const e = [...RESOURCE_TYPES]
        .flatMap((k) => catalog.get(k) ?? [])
        .find((x) => REQUEST_KIND[x.kind] === id.kind && x.metadataName === id.name);
      return e && { kind: e.kind, labels: e.labels };
    });
  const access = accessHandlers(cfg, requests, (call) => ({
    user: callerUser(call as ServerUnaryCall<unknown, unknown>, cfg),
    identity: callerIdentity(call as ServerUnaryCall<unknown, unknown>),
  }));
  const impl: AuthServiceServer = {
    ping: unary((call) => {
      callerUser(call, cfg);
      return {
        ClusterName: cfg.cluster_name,
        ServerVersion: cfg.server_version,
        ServerFeatures: undefined,
        ProxyPublicAddr: opts.publicAddr(),
        IsBoring: false,
        RemoteAddr: call.getPeer(),
        LoadAllCAs: false,
        signatureAlgorithmSuite: SUITE_ENUM[cfg.signature_algorithm_suite],
        LicenseExpiry: undefined,
      };
    }),
    getDomainName: unary((call) => {
      callerUser(call, cfg);
      return { DomainName: cfg.cluster_name };
    }),
    listResources: unary<ListResourcesRequest, ListResourcesResponse>((call) => {
      const r = call.request;
      const { user, allowedResources } = lister(cfg, call as never, r.UseSearchAsRoles);
      if (!RESOURCE_TYPES.has(r.ResourceType)) {
        throw new GrpcError(status.INVALID_ARGUMENT, `unsupported resource type "${r.ResourceType}"`);
      }
      const page = list(cfg, catalog, user, {
        kinds: [r.ResourceType],
        limit: r.Limit,
        startKey: r.StartKey,
        labels: r.Labels,
        predicate: r.PredicateExpression,
        search: r.SearchKeywords,
        includeLogins: r.IncludeLogins,
        cluster: cfg.cluster_name,
        allowedResources,
      });
      return { Resources: page.resources, NextKey: page.nextKey, TotalCount: 0 };
    }),
    listUnifiedResources: unary<ListUnifiedResourcesRequest, ListUnifiedResourcesResponse>((call) => {
      const r = call.request;
      const { user, allowedResources, grantedBy } = lister(
        cfg,
        call as never,
        r.UseSearchAsRoles,
        r.IncludeRequestable,
      );
      const kinds = r.Kinds.length
        ? r.Kinds.map((k) =>
            k === 'app' ? 'app_server' : k === 'db' ? 'db_server' : k === 'kube_cluster' ? 'kube_server' : k,
          )
        : [...RESOURCE_TYPES];
      const page = list(cfg, catalog, user, {
        kinds: kinds.filter((k) => RESOURCE_TYPES.has(k)),
        limit: r.Limit,
        startKey: r.StartKey,
        labels: r.Labels,
        predicate: r.PredicateExpression,
        search: r.SearchKeywords,
        includeLogins: r.IncludeLogins,
        cluster: cfg.cluster_name,
        allowedResources,
        grantedBy,
      });
      return { Resources: page.resources, NextKey: page.nextKey };
    }),
    streamSessionEvents: finiteStream((call: ServerWritableStream<StreamSessionEventsRequest, OneOf>) =>
      recordings.stream(call, cfg, callerUser(call as never, cfg)),
    ),
    getSessionEvents: unary((call) => recordings.search(call.request, cfg, callerUser(call, cfg))),
    // The caller from the user config (roles and traits), as the Auth service keeps it.
    getCurrentUser: unary((call) => userResource(callerUser(call, cfg))),
    // The roles the caller's certificate names (its access checker's roles), traits not applied.
    getCurrentUserRoles: finiteStream((call: ServerWritableStream<Empty, RoleV6>) => {
      callerUser(call as never, cfg);
      for (const name of callerIdentity(call).groups) {
        const role = cfg.roles.find((r) => r.name === name);
        if (!role) throw new GrpcError(status.NOT_FOUND, `role ${name} is not found`);
        call.write(roleResource(role));
      }
    }),
    generateUserCerts: unary((call) => {
      const user = callerUser(call, cfg);
      if (!opts.authority) throw new GrpcError(status.UNIMPLEMENTED, 'GenerateUserCerts needs the CAs');
      return generateUserCerts(
        cfg,
        opts.authority,
        { user, identity: callerIdentity(call), ip: peerIp(call.getPeer()) },
        call.request,
        requests,
      );
    }),
    // A user ends their own app sessions only (tsh apps logout ignores NotFound).
    deleteAppSession: unary((call) => {
      const user = callerUser(call, cfg);
      const id = call.request.SessionID;
      if (!opts.authority || !appSessionStore(opts.authority).deleteOwned(id, user.name)) {
        throw new GrpcError(status.NOT_FOUND, `app session ${JSON.stringify(id)} is not found`);
      }
      return {};
    }),
    isMfaRequired: unary((call) => isMfaRequired(cfg, catalog, callerUser(call, cfg), call.request)),
    createAuthenticateChallenge: unary((call) =>
      createAuthenticateChallenge(cfg, catalog, callerUser(call, cfg), call.request),
    ),
    getSshTargets: unary<GetSSHTargetsRequest, GetSSHTargetsResponse>((call) => {
      const { user } = lister(cfg, call as never, true);
      return getSshTargets(catalog, userRoles(cfg, user), call.request);
    }),
    resolveSshTarget: unimplemented,
    getWindowsDesktops: unimplemented,
    // Access requests (src/devcluster/access, docs/devcluster-access-requests.md).
    createAccessRequestV2: unary((call) => access.createAccessRequestV2(call)),
    getAccessRequestsV2: finiteStream((call) => {
      for (const r of access.getAccessRequestsV2(call)) call.write(r);
    }),
    listAccessRequests: unary((call) => access.listAccessRequests(call)),
    deleteAccessRequest: unary((call) => access.deleteAccessRequest(call)),
    setAccessRequestState: unary((call) => access.setAccessRequestState(call)),
    submitAccessReview: unary((call) => access.submitAccessReview(call)),
    getAccessCapabilities: unary((call) => access.getAccessCapabilities(call)),
    // Stays open: events follow until the client cancels.
    watchEvents: serverStream((call) => serveWatch(cfg, requests, callerUser(call as never, cfg), call)),
    // The trackers the caller may see (auth.ServerWithRoles filterSessionTracker).
    getActiveSessionTrackers: finiteStream((call: ServerWritableStream<Empty, SessionTrackerV1>) => {
      const user = callerUser(call as never, cfg);
      for (const t of opts.sessionTrackers?.visibleTo(user.name) ?? []) call.write(t);
    }),
    ...headlessAuthHandlers({ cfg, log: log ?? (() => {}) }),
  };
  if (!log) return impl;
  // Log each call's method and client version (debug aid; tests check the version metadata).
  const logged: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(impl)) {
    logged[method] = (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
      log('rpc', { service: 'proto.AuthService', method, version: clientVersion(call) });
      (handler as (c: typeof call, cb: sendUnaryData<unknown>) => void)(call, cb);
    };
  }
  return logged as UntypedServiceImplementation;
}
