// teleport.appauthconfig.v1.AppAuthConfigSessionsService on the dev cluster's Auth gRPC server
// (upstream lib/auth/appauthconfig/appauthconfigv1/sessions_service.go): the proxy hands over an
// external JWT and the app it was sent to; Auth checks the token against the named app auth config
// and starts an app session for the user it names. One audit event per call, success or not, set
// up before the caller is authorized (so a refused caller is recorded too).
import { X509Certificate } from 'node:crypto';
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { decodeTlsIdentity } from '../../auth/x509/identity.js';
import type { AppAuthConfig } from '../../gen/teleport/appauthconfig/v1/appauthconfig.js';
import type {
  AppAuthConfigSessionsServiceServer,
  CreateAppSessionWithJWTRequest,
  CreateAppSessionWithJWTResponse,
} from '../../gen/teleport/appauthconfig/v1/appauthconfig_sessions_service.js';
import type { WebSessionV2 } from '../../gen/teleport/legacy/types/types.js';
import type { AuditLog } from '../audit/log.js';
import type { AppSession, AppSessionStore } from '../apps/sessions.js';
import type { DevClusterConfig } from '../config.js';
import { GrpcError } from '../grpcerror.js';
import { accessInfo, roleAllows, userRoles } from '../rbac.js';
import { BadParameterError } from './config.js';
import { appSessionIdFromJwt, loadJwks, verifyAppAuthJwt } from './verify.js';

/** Audit event types (RFD 0030e; Go constants AppAuthConfigVerifySuccessEvent / FailureEvent). */
export const EVENT_VERIFY_SUCCESS = 'app_auth_config.verify.success';
export const EVENT_VERIFY_FAILURE = 'app_auth_config.verify.failure';
/**
 * Event codes: upstream's AppAuthConfigVerifySuccessCode / FailureCode (lib/events/codes.go) were not
 * available to read. These are tshjs's own, chosen so they cannot be mistaken for an upstream code.
 */
export const CODE_VERIFY_SUCCESS = 'TAJ001I';
export const CODE_VERIFY_FAILURE = 'TAJ001W';

/** The builtin role that may call CreateAppSessionWithJWT. */
export const BUILTIN_PROXY_ROLE = 'Proxy';
export const MSG_ONLY_PROXY = 'this request can be only executed by a proxy';

export interface SessionsServiceDeps {
  config: DevClusterConfig;
  /** The validated app auth configs (config `app_auth_configs:`). */
  appAuthConfigs: () => AppAuthConfig[];
  audit: AuditLog;
  sessions: AppSessionStore;
  /** PEM of the host CA: a builtin role's certificate is issued by it. */
  hostCaPem: string;
  /** Called with each session started (the cluster emits app.session.start for it). */
  onSessionCreated?: (s: AppSession) => void;
  /** Overrides the JWKS fetch timeout (tests). */
  jwksTimeoutMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Caller {
  username: string;
  builtinRoles: string[];
}

/**
 * The caller of a call: its verified client certificate. A builtin role is a certificate signed
 * by the host CA (a user certificate comes from the user CA), its roles in subject O.
 */
function callerOf(call: ServerUnaryCall<unknown, unknown>, hostCa: X509Certificate): Caller | undefined {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  if (!raw) return undefined;
  const id = decodeTlsIdentity(raw);
  let builtin = false;
  try {
    const cert = new X509Certificate(raw);
    builtin = cert.checkIssued(hostCa) && cert.verify(hostCa.publicKey);
  } catch {
    builtin = false;
  }
  return { username: id.username, builtinRoles: builtin ? id.groups : [] };
}

/** validateCreateAppSessionWithJWTRequest: the same checks and texts, in upstream's order. */
function validateRequest(req: CreateAppSessionWithJWTRequest): void {
  const p = 'create app session request requires';
  if (!req.configName) throw new BadParameterError(`${p} an app auth config name`);
  if (!req.app) throw new BadParameterError(`${p} app information`);
  if (!req.app.appName) throw new BadParameterError(`${p} app name`);
  if (!req.app.clusterName) throw new BadParameterError(`${p} app cluster name`);
  if (!req.app.publicAddr) throw new BadParameterError(`${p} app public address`);
  if (!req.app.uri) throw new BadParameterError(`${p} app uri`);
}

/** The WebSessionV2 of an app session, as the RPC returns it. */
export function webSessionOf(s: AppSession, loginTime: Date): WebSessionV2 {
  return {
    Kind: 'web_session',
    SubKind: 'app',
    Version: 'v2',
    Metadata: {
      Name: s.id,
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: s.expires,
      Revision: '',
    },
    Spec: {
      User: s.user,
      Pub: Buffer.alloc(0),
      Priv: Buffer.alloc(0),
      TLSCert: Buffer.alloc(0),
      BearerToken: '',
      BearerTokenExpires: s.expires,
      Expires: s.expires,
      LoginTime: loginTime,
      IdleTimeout: 0n,
      ConsumedAccessRequestID: '',
      HasDeviceExtensions: false,
      TLSPriv: Buffer.alloc(0),
    },
  };
}

/** gRPC status of an error: BadParameter → InvalidArgument, as trail.ToGRPC maps trace errors. */
function grpcStatusOf(err: unknown): { code: status; details: string } {
  const e = err as Error;
  if (e instanceof GrpcError) return { code: e.code, details: e.message };
  if (e instanceof BadParameterError) return { code: status.INVALID_ARGUMENT, details: e.message };
  // go-jose errors and JWKS parse failures are plain errors upstream (trace.Wrap): Unknown.
  return { code: status.UNKNOWN, details: e?.message ?? String(e) };
}

export function appAuthConfigSessionsService(deps: SessionsServiceDeps): AppAuthConfigSessionsServiceServer {
  const hostCa = new X509Certificate(deps.hostCaPem);

  async function create(
    call: ServerUnaryCall<CreateAppSessionWithJWTRequest, CreateAppSessionWithJWTResponse>,
    caller: Caller | undefined,
  ): Promise<CreateAppSessionWithJWTResponse> {
    const req = call.request;
    if (!caller) throw new GrpcError(status.UNAUTHENTICATED, 'client certificate required');
    if (!caller.builtinRoles.includes(BUILTIN_PROXY_ROLE))
      throw new GrpcError(status.PERMISSION_DENIED, MSG_ONLY_PROXY);
    const sid = appSessionIdFromJwt(req.jwt);
    validateRequest(req);
    const cfg = deps.appAuthConfigs().find((c) => c.metadata?.name === req.configName);
    if (!cfg) throw new GrpcError(status.NOT_FOUND, `app_auth_config "${req.configName}" doesn't exist`);
    const jwtSpec = cfg.spec?.subKindSpec?.$case === 'jwt' ? cfg.spec.subKindSpec.value : undefined;
    if (!jwtSpec) throw new BadParameterError('app auth config jwt session can only start with jwt configs');
    const jwks = await loadJwks(jwtSpec, deps.jwksTimeoutMs);
    const { username, expires } = await verifyAppAuthJwt(req.jwt, jwks, jwtSpec);
    const user = deps.config.users.find((u) => u.name === username);
    if (!user) throw new GrpcError(status.NOT_FOUND, `user "${username}" is not found`);
    // tshjs: the user's roles must allow the app (upstream leaves it to the app service's authorizer).
    const app = deps.config.apps.find((a) => a.name === req.app!.appName);
    const labels = Object.fromEntries(Object.entries(app?.labels ?? {}).map(([k, v]) => [k, String(v)]));
    if (!app || !roleAllows(userRoles(deps.config, user), 'app_server', labels)) {
      throw new GrpcError(status.PERMISSION_DENIED, `access to app "${req.app!.appName}" denied`);
    }
    // TTL: until the token's exp, capped by the roles' max_session_ttl (RFD 0030e).
    const info = accessInfo(deps.config, user);
    const now = new Date();
    const ttl = Math.min(expires.getTime() - now.getTime(), info.maxSessionTtlMs);
    const session = deps.sessions.create({
      id: sid,
      user: user.name,
      roles: info.roles,
      traits: info.traits,
      appName: req.app!.appName,
      clusterName: req.app!.clusterName,
      publicAddr: req.app!.publicAddr,
      uri: req.app!.uri,
      expires: new Date(now.getTime() + ttl),
      loginIp: req.remoteAddr || undefined,
      origin: 'jwt',
    });
    deps.onSessionCreated?.(session);
    return { session: webSessionOf(session, now) };
  }

  return {
    createAppSessionWithJwt: (call, cb: sendUnaryData<CreateAppSessionWithJWTResponse>) => {
      let caller: Caller | undefined;
      try {
        caller = callerOf(call, hostCa);
      } catch {
        caller = undefined;
      }
      create(call, caller).then(
        (res) => {
          emit(deps, call.request, caller, undefined);
          cb(null, res);
        },
        (err: unknown) => {
          emit(deps, call.request, caller, err);
          deps.log?.('app auth config: jwt session refused', { error: (err as Error)?.message });
          cb(grpcStatusOf(err));
        },
      );
    },
  };
}

/** newVerifyJWTAuditEvent: success or failure with the config, the app and the error text. */
function emit(
  deps: SessionsServiceDeps,
  req: CreateAppSessionWithJWTRequest,
  caller: Caller | undefined,
  err: unknown,
) {
  const ok = err === undefined;
  deps.audit.emit({
    event: ok ? EVENT_VERIFY_SUCCESS : EVENT_VERIFY_FAILURE,
    code: ok ? CODE_VERIFY_SUCCESS : CODE_VERIFY_FAILURE,
    cluster_name: deps.config.cluster_name,
    // The caller (the proxy's host identity), as upstream's ClientUserMetadata.
    user: caller?.username ?? '',
    app_auth_config: req.configName,
    app_name: req.app?.appName ?? '',
    app_uri: req.app?.uri ?? '',
    success: ok,
    ...(ok ? {} : { error: (err as Error)?.message ?? String(err) }),
  });
}
