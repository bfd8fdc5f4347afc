// The dev cluster's app service and the proxy's app handler in one (upstream: lib/web/app on the
// proxy, lib/srv/app in the app service). Sessions come from app certificates (usercerts.ts opens
// them while issuing the certificate) or from app auth config bearer tokens (setBearerAuth, the
// appauth/ hook). Web-port TLS connections whose client certificate carries RouteToApp are served
// here whole (HTTP), as are ALPN teleport-tcp(-ping) connections (TCP apps).
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { decodeTlsIdentity, type TlsIdentity } from '../../auth/x509/identity.js';
import type { AppV3 } from '../../gen/teleport/legacy/types/types.js';
import type { Authority } from '../authority.js';
import type { DevClusterConfig } from '../config.js';
import type { AuditLog } from '../audit/log.js';
import { appDef, appResource, isTcpUri, type AppDef } from './config.js';
import { appAgent, forwardHttp, forwardUpgrade, type AppRequest, type AppResponse } from './http.js';
import { signAppToken } from './jwt.js';
import { appSessionStore, type AppSession, type AppSessionStore } from './sessions.js';
import { ALPN_TCP_PING, relayTcp, tcpDialTarget } from './tcp.js';

/** undefined: the request has no bearer token, or no app auth config matches the app. */
export type BearerAuthResult = { session: AppSession } | { error: string } | undefined;
export type BearerAuth = (
  req: http.IncomingMessage,
  app: AppV3,
  clientIp: string,
) => Promise<BearerAuthResult>;

export interface AppServiceOptions {
  config: DevClusterConfig;
  authority: Authority;
  audit?: AuditLog;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Pings on teleport-tcp-ping connections this often (default 30 s). */
  pingIntervalMs?: number;
}

/** What the caller of an app request with a bad session is told (upstream: AccessDenied). */
export const MSG_INVALID_SESSION = 'invalid session';

/** AuthAttemptEvent / AuthAttemptFailureCode, emitted when an app session is refused. */
const AUTH_ATTEMPT_EVENT = 'auth';
const AUTH_ATTEMPT_FAILURE_CODE = 'T3007W';

class AppAccessError extends Error {}

export class AppService {
  readonly sessions: AppSessionStore;
  private bearerAuth?: BearerAuth;
  private readonly apps = new Map<string, AppDef>();
  /** Serves connections that present an app certificate (one identity per connection). */
  private readonly certHttp: http.Server;
  /** The same over HTTP/2 (a client that offered only h2). */
  private readonly certH2: http2.Http2Server;
  private readonly tcpConns = new Set<net.Socket>();
  /** Kept-alive connections to each HTTP app. */
  private readonly agents = new Map<string, http.Agent>();
  /** The verified app identity of each connection (decoded once, not per request). */
  private readonly identities = new WeakMap<tls.TLSSocket, TlsIdentity | null>();
  /** The app token of each session (upstream: one per session chunk). */
  private readonly tokens = new WeakMap<AppSession, Promise<string>>();

  constructor(private readonly opts: AppServiceOptions) {
    // The auth server's session table: GenerateUserCerts (usercerts.ts) writes it.
    this.sessions = appSessionStore(opts.authority);
    for (const r of opts.config.apps) this.apps.set(r.name, appDef(r));
    this.certHttp = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
      this.serveCertRequest(req, res).catch((err: unknown) => this.failRequest(res, err));
    });
    this.certHttp.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      this.serveCertUpgrade(req, socket, head),
    );
    this.certH2 = http2.createServer({}, (req, res) => {
      this.serveCertRequest(req, res).catch((err: unknown) => this.failRequest(res, err));
    });
    this.certH2.on('sessionError', () => {});
  }

  /** APPJWT's handler; called for requests to an app public address without a client cert. */
  setBearerAuth(fn: BearerAuth): void {
    this.bearerAuth = fn;
  }

  /** The app with this name. */
  app(name: string): AppDef | undefined {
    return this.apps.get(name);
  }

  /** The app whose public address is this Host (port ignored, case-insensitive). */
  appByHost(host: string): AppDef | undefined {
    const h = hostOnly(host);
    if (!h) return undefined;
    for (const a of this.apps.values()) if (a.publicAddr && hostOnly(a.publicAddr) === h) return a;
    return undefined;
  }

  /**
   * app.HasClientCert on the web port: the identity of a verified user certificate that carries
   * RouteToApp, else undefined.
   */
  static certIdentityOf(socket: tls.TLSSocket): TlsIdentity | undefined {
    return socket.authorized ? AppService.presentedAppIdentity(socket) : undefined;
  }

  /**
   * The RouteToApp identity of whatever client certificate was presented, verified or not: an
   * expired or foreign app certificate still goes to the app handler, which refuses it, rather
   * than to the web API.
   */
  static presentedAppIdentity(socket: tls.TLSSocket): TlsIdentity | undefined {
    const peer = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
    if (!peer?.raw) return undefined;
    try {
      const id = decodeTlsIdentity(peer.raw);
      return id.routeToApp ? id : undefined;
    } catch {
      return undefined;
    }
  }

  /** A web-port connection (http/1.1, h2 or no ALPN) with an app certificate: all its requests are app requests. */
  handleCertConnection(socket: tls.TLSSocket): void {
    if (socket.alpnProtocol === 'h2') this.certH2.emit('connection', socket);
    else this.certHttp.emit('connection', socket);
  }

  /**
   * A request without a client certificate: when its Host is an app's public address and a
   * bearer-auth hook is set, the hook decides (a session: forwarded; an error: 401); otherwise,
   * or when the hook finds no token, `fallback` (the web API) serves it. Returns at once.
   */
  handlePublic(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fallback: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ): void {
    const app = this.bearerAuth ? this.appByHost(req.headers.host ?? '') : undefined;
    if (!app || !this.bearerAuth) {
      fallback(req, res);
      return;
    }
    const clientIp = ipOf(req.socket);
    this.bearerAuth(req, appResource(app), clientIp)
      .then(async (result) => {
        if (!result) return fallback(req, res);
        if ('error' in result) {
          req.resume();
          return replyText(res, 401, result.error, { 'www-authenticate': 'Bearer error="invalid_token"' });
        }
        await this.forward(req, res, result.session);
      })
      .catch((err: unknown) => this.failRequest(res, err));
  }

  /** Forwards one HTTP request of a session to its app (JWT header, rewrites, X-Forwarded-*). */
  async forward(req: AppRequest, res: AppResponse, session: AppSession): Promise<void> {
    const app = this.apps.get(session.appName);
    if (!app) {
      req.resume();
      return replyText(res, 404, `app "${session.appName}" not found`);
    }
    if (isTcpUri(app.uri)) {
      req.resume();
      return replyText(
        res,
        400,
        `app "${app.name}" is a TCP app; connect to it with "tsh proxy app ${app.name}"`,
      );
    }
    const jwt = await this.token(session, app);
    let agent = this.agents.get(app.name);
    if (!agent) {
      agent = appAgent(app);
      this.agents.set(app.name, agent);
    }
    await forwardHttp(req, res, app, {
      agent,
      jwt,
      traits: session.traits,
      clientIp: ipOf(tlsSocketOf(req)),
      log: this.opts.log,
    });
  }

  /** ALPN teleport-tcp / teleport-tcp-ping: a TCP app connection. */
  handleTcp(socket: tls.TLSSocket): void {
    const log = this.opts.log ?? (() => {});
    this.tcpConns.add(socket);
    socket.once('close', () => this.tcpConns.delete(socket));
    let session: AppSession;
    let target: { host: string; port: number };
    try {
      const identity = AppService.certIdentityOf(socket);
      // app.Handler.HandleConnection: exactly one (verified) client certificate.
      if (!identity) throw new AppAccessError('expected 1 client certificate with an app route');
      session = this.sessionOf(identity);
      const app = this.apps.get(session.appName);
      if (!app) throw new AppAccessError(`app "${session.appName}" not found`);
      target = tcpDialTarget(app, session.targetPort ?? 0);
    } catch (err) {
      log('app: tcp connection refused', { error: (err as Error).message });
      socket.destroy();
      return;
    }
    const ping = socket.alpnProtocol === ALPN_TCP_PING;
    relayTcp(
      socket,
      target,
      ping,
      (err) => {
        if (err) log('app: tcp relay ended', { app: session.appName, error: err.message });
      },
      this.opts.pingIntervalMs,
    );
  }

  stop(): void {
    for (const a of this.agents.values()) a.destroy();
    this.certH2.close();
    this.certHttp.closeAllConnections();
    this.certHttp.close();
    for (const s of this.tcpConns) s.destroy();
  }

  private async serveCertRequest(req: AppRequest, res: AppResponse): Promise<void> {
    await this.forward(req, res, this.certSession(tlsSocketOf(req)));
  }

  /** A WebSocket (Upgrade) request on an app-certificate connection. */
  private serveCertUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    let session: AppSession;
    let app: AppDef | undefined;
    try {
      session = this.certSession(socket as tls.TLSSocket);
      app = this.apps.get(session.appName);
      if (!app || isTcpUri(app.uri)) throw new AppAccessError(`app "${session.appName}" not found`);
    } catch (err) {
      const text = `${err instanceof AppAccessError ? err.message : 'internal error'}\n`;
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
      return;
    }
    const s = session;
    const a = app;
    this.token(s, a).then(
      (jwt) =>
        forwardUpgrade(req, socket, head, a, {
          jwt,
          traits: s.traits,
          clientIp: ipOf(socket),
          log: this.opts.log,
        }),
      () => socket.destroy(),
    );
  }

  /** The session of a connection's (verified) app certificate. */
  private certSession(socket: tls.TLSSocket): AppSession {
    let identity = this.identities.get(socket);
    if (identity === undefined) {
      identity = AppService.certIdentityOf(socket) ?? null;
      this.identities.set(socket, identity);
    }
    if (!identity) {
      this.opts.log?.('app: client certificate not verified', { error: String(socket.authorizationError) });
      throw new AppAccessError(MSG_INVALID_SESSION);
    }
    return this.sessionOf(identity);
  }

  /**
   * getAppSession with a client certificate: the session named by the certificate, owned by its
   * user. Any failure is "invalid session" for the caller; the reason goes to the log and the
   * audit log (an auth attempt failure, as upstream).
   */
  private sessionOf(identity: TlsIdentity): AppSession {
    const id = identity.routeToApp?.sessionId ?? '';
    const s = id ? this.sessions.get(id) : undefined;
    let reason: string | undefined;
    if (!s) reason = `app session "${id}" not found`;
    else if (s.user !== identity.username) {
      reason = `session owner "${s.user}" does not match caller "${identity.username}"`;
    }
    if (reason || !s) {
      this.opts.log?.('app: invalid session', { error: reason });
      this.opts.audit?.emit({
        event: AUTH_ATTEMPT_EVENT,
        code: AUTH_ATTEMPT_FAILURE_CODE,
        user: identity.username,
        success: false,
        error: reason,
      });
      throw new AppAccessError(MSG_INVALID_SESSION);
    }
    return s;
  }

  private token(session: AppSession, app: AppDef): Promise<string> {
    let t = this.tokens.get(session);
    if (!t) {
      t = this.opts.authority.jwtSigner().then((key) =>
        signAppToken(key, {
          username: session.user,
          roles: session.roles,
          traits: session.traits,
          clusterName: this.opts.config.cluster_name,
          uri: app.uri,
          expires: session.expires,
          claims: app.jwtClaims,
        }),
      );
      this.tokens.set(session, t);
    }
    return t;
  }

  private failRequest(res: AppResponse, err: unknown): void {
    const denied = err instanceof AppAccessError;
    if (!denied) this.opts.log?.('app: request failed', { error: (err as Error)?.message ?? String(err) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    replyText(res, denied ? 403 : 500, denied ? (err as Error).message : 'internal error');
  }
}

function replyText(
  res: AppResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const text = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The TLS connection a request came on (HTTP/2: its session's socket). */
function tlsSocketOf(req: AppRequest): tls.TLSSocket {
  if ('stream' in req) return req.stream.session?.socket as tls.TLSSocket;
  return req.socket as tls.TLSSocket;
}

/** The client's IP without the IPv4-mapped prefix. */
function ipOf(socket: net.Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** The lower-cased host of a Host header or address, without a port. */
function hostOnly(host: string): string {
  const h = host.trim().toLowerCase();
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (m) return m[1];
  return h.replace(/:\d+$/, '');
}
