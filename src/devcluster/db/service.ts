// The dev cluster's database service: what Teleport's proxy (lib/srv/db/proxyserver.go,
// lib/srv/alpnproxy/proxy.go) and database service (lib/srv/db/server.go, common/audit.go) do
// for a database connection on the web port, in one process:
//   routing   ALPN teleport-postgres / teleport-mysql (and their "-ping" forms, framed by
//             src/wire/pingconn.ts); a web-TLS client certificate that carries RouteToDatabase
//             makes it the tunnel path, whatever the ALPN, and its protocol picks the engine;
//   auth      the certificate (usage, cluster), the database (configured), the roles (deny first,
//             then db_labels + db_users + db_names, traits expanded), per-session MFA;
//   audit     db.session.start/end and what the engine reports, recorded per session as
//             `<recordings dir>/<session id>.tar` (audit.ts);
//   upstream  a client certificate for the database user from the database client CA, the
//             server verified against ca_cert_file and the database CA (lib/srv/db/common/auth.go).
// The protocol itself is the engines' (postgres.ts, mysql.ts): see engine.ts for the contract.
// docs/database-service.md lists the upstream facts.
import { createPublicKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { decodeTlsIdentity, type RouteToDatabase, type TlsIdentity } from '../../auth/x509/identity.js';
import {
  OneOf,
  type DatabaseMetadata,
  type SessionMetadata,
  type UserMetadata,
} from '../../gen/teleport/legacy/types/events/events.js';
import { PING_SUFFIX, pingDuplex, DEFAULT_PING_INTERVAL_MS } from '../../wire/pingconn.js';
import type { Authority } from '../authority.js';
import type { DevClusterConfig, RoleConfig } from '../config.js';
import { interpolate, labelsMatch, roleDeny } from '../rbac.js';
import { issueServerCert } from '../tlsca.js';
import { DatabaseRecording } from './audit.js';
import { servedDatabases, type ServedDatabase } from './config.js';
import { decodeErr, decodeInitialHandshake } from './mysqlwire.js';
import { encodeDbEvent, encodeStaticFields, isFastDbEvent, type StaticFields } from './eventcodec.js';
import {
  DatabaseAccessError,
  type DatabaseEngine,
  type DatabaseSession,
  type EngineContext,
} from './engine.js';
import { resourceAllowed } from '../access/resources.js';

/** ALPN protocols (lib/srv/alpnproxy/common/protocols.go). */
export const ALPN_POSTGRES = 'teleport-postgres';
export const ALPN_MYSQL = 'teleport-mysql';
/** Every database ALPN the web port selects, ping forms first (as SupportedProtocols orders them). */
export const DATABASE_ALPN = [
  `${ALPN_POSTGRES}${PING_SUFFIX}`,
  ALPN_POSTGRES,
  `${ALPN_MYSQL}${PING_SUFFIX}`,
  ALPN_MYSQL,
];

/** teleport.UsageDatabaseOnly: the usage the database proxy's middleware accepts. */
export const USAGE_DB = 'usage:db';
/** auth.Middleware: a usage-restricted certificate for something else. */
export const MSG_INVALID_CLIENT_CERT = 'access denied: invalid client certificate';
/** services.RoleSet checkAccess for a database. */
export const MSG_DB_ACCESS_DENIED =
  'access to db denied. User does not have permissions. Confirm database user and name.';
/** services.ErrSessionMFARequired. */
export const MSG_MFA_REQUIRED = 'access to resource requires MFA';
/** lib/srv/db/common/connect GetDatabaseServers. */
export const msgDatabaseNotFound = (name: string, cluster: string) =>
  `database "${name}" not found among registered databases in cluster "${cluster}"`;

/**
 * The MySQL version a client offered as `teleport-mysql-<base64 version>` (WithMySQLVersionProto;
 * read by alpnproxy ExtractMySQLEngineVersion): the first such entry that decodes.
 */
export function mysqlVersionFromAlpn(offered: readonly string[]): string | undefined {
  const prefix = `${ALPN_MYSQL}-`;
  for (const p of offered) {
    if (!p.startsWith(prefix) || p.endsWith(PING_SUFFIX)) continue;
    const b64 = p.slice(prefix.length);
    if (!b64 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) continue;
    const v = Buffer.from(b64, 'base64').toString('utf8');
    if (v) return v;
  }
  return undefined;
}

/** What the service hands its engines (the MySQL version from ALPN or the config included). */
export type ServiceEngineContext = EngineContext;

export interface DatabaseServiceOptions {
  config: DevClusterConfig;
  authority: Authority;
  recordingsDir: () => string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** The proxy's certificate for the TLS the protocols start themselves (the web certificate). */
  serverCert: { key: string; cert: string };
  /** Engines by database protocol (cockroachdb goes to postgres). */
  engines: Partial<Record<string, DatabaseEngine>>;
  /** Pings on "-ping" connections this often (defaults.ProxyPingInterval, 30 s). */
  pingIntervalMs?: number;
}

/** A TLS server handshake on a stream, a client certificate verified in it (tls.Server does that). */
export function serverTlsUpgrade(
  stream: Duplex,
  options: tls.TlsOptions,
  timeoutMs = 30_000,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const server = tls.createServer({ ...options, handshakeTimeout: timeoutMs });
    const gone = () => reject(new Error('connection closed during the TLS handshake'));
    stream.once('close', gone);
    server.once('tlsClientError', (err, socket) => {
      stream.off('close', gone);
      reject(
        socket.authorizationError
          ? new Error(`client certificate refused: ${String(socket.authorizationError)}`)
          : err,
      );
    });
    server.once('secureConnection', (socket) => {
      stream.off('close', gone);
      resolve(socket);
    });
    server.emit('connection', stream);
  });
}

function roleNamesOk(cfg: DevClusterConfig, names: string[]): RoleConfig[] {
  return names.map((n) => {
    const r = cfg.roles.find((x) => x.name === n);
    if (!r) throw new DatabaseAccessError(`role ${n} is not found`, 'not-found');
    return r;
  });
}

/** MatchDatabaseUser / MatchDatabaseName: "*" or the exact value, after trait expansion. */
function matchesValue(
  selectors: string[] | undefined,
  value: string,
  traits: Record<string, string[]>,
): boolean {
  return (selectors ?? []).some((s) => s === '*' || interpolate(s, traits).includes(value));
}

type Selector = Record<string, string | string[]> | undefined;

/**
 * RoleSet.checkAccess for a database (lib/services/role.go): any deny rule whose labels match, or
 * whose db_users / db_names (greedy: either one) match, refuses; then one role must match the
 * labels and every matcher. MySQL and CockroachDB check no database name
 * (lib/srv/db/common/role DatabaseRoleMatchers).
 */
export function databaseAccessAllowed(
  roles: RoleConfig[],
  traits: Record<string, string[]>,
  db: { protocol: string; labels: Record<string, string> },
  user: string,
  database: string,
): boolean {
  const checkName = db.protocol !== 'mysql' && db.protocol !== 'cockroachdb';
  for (const r of roles) {
    const deny = roleDeny(r);
    if (labelsMatch(deny.db_labels as Selector, db.labels)) return false;
    if (matchesValue(deny.db_users, user, traits)) return false;
    if (checkName && matchesValue(deny.db_names, database, traits)) return false;
  }
  return roles.some(
    (r) =>
      labelsMatch(r.db_labels as Selector, db.labels) &&
      matchesValue(r.db_users, user, traits) &&
      (!checkName || matchesValue(r.db_names, database, traits)),
  );
}

/** A cached RSA 2048 key (cryptosuites DatabaseClient) for the client certificates. */
function rsaKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, _pub, priv) => (err ? reject(err) : resolve(priv))),
  );
}

export class DatabaseService {
  readonly hostId = randomUUID();
  private readonly databases: Map<string, ServedDatabase>;
  private readonly streams = new Set<Duplex>();
  private readonly clientTls: tls.TlsOptions;
  private clientKey?: Promise<{ key: KeyObject; pem: string }>;
  /** Status.MySQL.ServerVersion per database: what its server announced. */
  private readonly reportedMysqlVersions = new Map<string, string>();
  /** The version probes' sockets (ended by stop()). */
  private readonly dials = new Set<net.Socket>();

  constructor(private readonly opts: DatabaseServiceOptions) {
    this.databases = servedDatabases(opts.config);
    // IdentityTLSConfig: the proxy's certificate, a client certificate from the user CA required.
    this.clientTls = {
      key: opts.serverCert.key,
      cert: opts.serverCert.cert,
      ca: [opts.authority.userTLS.certPem],
      requestCert: true,
      rejectUnauthorized: true,
    };
    this.fetchMysqlVersions();
  }

  /**
   * types.DatabaseV3 GetMySQLServerVersion: the version the server reported (status), else the
   * configured mysql_server_version.
   */
  mysqlServerVersion(name: string): string | undefined {
    return this.reportedMysqlVersions.get(name) || this.databases.get(name)?.mysqlServerVersion;
  }

  /** @internal SetMySQLServerVersion, when the server's version differs (engine.go updateServerVersion). */
  setMysqlServerVersion(name: string, version: string): void {
    if (!version || version === this.mysqlServerVersion(name)) return;
    this.reportedMysqlVersions.set(name, version);
    this.opts.log('db: MySQL server version', { database: name, version });
  }

  /**
   * lib/srv/db/server.go fetchMySQLVersion, once when the service starts: a MySQL database with no
   * version configured is dialled and its initial handshake read (7 s at most); a failure is only
   * logged (the first session's handshake reports the version then).
   */
  private fetchMysqlVersions(): void {
    for (const db of this.databases.values()) {
      if (db.protocol !== 'mysql' || this.mysqlServerVersion(db.name)) continue;
      fetchMysqlVersion(db.host, db.port, FETCH_MYSQL_VERSION_MS, (s) => {
        this.dials.add(s);
        s.once('close', () => this.dials.delete(s));
      }).then(
        (v) => this.setMysqlServerVersion(db.name, v),
        (err: Error) =>
          this.opts.log('db: failed to fetch the MySQL server version', {
            database: db.name,
            error: err.message,
          }),
      );
    }
  }

  /** Whether the web port should select this ALPN protocol. */
  static selects(protocol: string): boolean {
    return DATABASE_ALPN.includes(protocol);
  }

  /**
   * dbutils.IsDatabaseConnection: the identity of a verified web-TLS client certificate that
   * carries RouteToDatabase, else undefined.
   */
  static tunnelIdentityOf(socket: tls.TLSSocket): TlsIdentity | undefined {
    if (!socket.authorized) return undefined;
    const peer = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
    if (!peer?.raw) return undefined;
    try {
      const id = decodeTlsIdentity(peer.raw);
      return id.routeToDatabase ? id : undefined;
    } catch {
      return undefined; // not a Teleport identity: not a database connection
    }
  }

  /**
   * Serves one web-port connection that negotiated a database ALPN protocol, or any connection
   * whose client certificate is a database identity (the tunnel path). `offered` is the
   * client's ALPN list (for the MySQL version entry).
   */
  handle(socket: tls.TLSSocket, offered: readonly string[] = []): void {
    const { log } = this.opts;
    const alpn = String(socket.alpnProtocol || '');
    const ping = alpn.endsWith(PING_SUFFIX);
    const base = ping ? alpn.slice(0, -PING_SUFFIX.length) : alpn;
    const stream: Duplex = ping
      ? pingDuplex(socket, { pingIntervalMs: this.opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS })
      : socket;
    const remoteAddr = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    // dbutils.IsDatabaseConnection: a verified outer certificate with RouteToDatabase is the
    // tunnel path, whatever the ALPN said.
    const tunnelIdentity = DatabaseService.tunnelIdentityOf(socket);
    let protocol = tunnelIdentity
      ? tunnelIdentity.routeToDatabase!.protocol
      : base === ALPN_POSTGRES
        ? 'postgres'
        : base === ALPN_MYSQL
          ? 'mysql'
          : '';
    if (protocol === 'cockroachdb') protocol = 'postgres';
    const engine = this.opts.engines[protocol];
    if (!engine) {
      log('db: no engine for this connection', { alpn, protocol, remoteAddr });
      stream.destroy();
      return;
    }
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    stream.on('error', () => stream.destroy());
    const route = tunnelIdentity?.routeToDatabase;
    const ctx: ServiceEngineContext = {
      client: stream,
      tunnelIdentity,
      clientTls: this.clientTls,
      identityOf: (s) => {
        const cert = s.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
        if (!s.authorized || !cert?.raw) throw new DatabaseAccessError(MSG_INVALID_CLIENT_CERT);
        return decodeTlsIdentity(cert.raw);
      },
      authorize: (identity, client) => this.authorize(identity, client.remoteAddr || remoteAddr),
      log: (msg, fields) => log(`db: ${msg}`, { remoteAddr, ...fields }),
      mysqlServerVersion:
        mysqlVersionFromAlpn(offered) ?? (route ? this.mysqlServerVersion(route.serviceName) : undefined),
    };
    engine(ctx)
      .catch((err: unknown) => log('db: connection failed', { error: (err as Error)?.message, remoteAddr }))
      .finally(() => stream.destroy());
  }

  /** Authorizes a certificate's route and opens its session (engine.ts EngineContext.authorize). */
  async authorize(identity: TlsIdentity, remoteAddr: string): Promise<DatabaseSession> {
    const cfg = this.opts.config;
    // auth.Middleware: only unrestricted or database-only certificates, from this cluster.
    if (identity.usage.length && !(identity.usage.length === 1 && identity.usage[0] === USAGE_DB)) {
      throw new DatabaseAccessError(MSG_INVALID_CLIENT_CERT);
    }
    if (identity.teleportCluster && identity.teleportCluster !== cfg.cluster_name) {
      throw new DatabaseAccessError(MSG_INVALID_CLIENT_CERT);
    }
    const route = identity.routeToDatabase;
    const cluster = identity.routeToCluster || cfg.cluster_name;
    const target = route?.serviceName ? this.databases.get(route.serviceName) : undefined;
    if (!route || !target || cluster !== cfg.cluster_name) {
      throw new DatabaseAccessError(msgDatabaseNotFound(route?.serviceName ?? '', cluster), 'not-found');
    }
    const roles = roleNamesOk(cfg, identity.groups);
    const user = cfg.users.find((u) => u.name === identity.username);
    const traits = Object.keys(identity.traits).length ? identity.traits : (user?.traits ?? {});
    const session = new DbSession(this, identity, { ...route }, target, remoteAddr);
    let refusal: string | undefined;
    if (
      !databaseAccessAllowed(roles, traits, target, route.username, route.database) ||
      !resourceAllowed(identity.allowedResourceIds, cfg.cluster_name, 'db', route.serviceName)
    ) {
      refusal = MSG_DB_ACCESS_DENIED;
    } else if (
      !identity.mfaVerified &&
      (cfg.require_session_mfa ||
        roles.some(
          (r) =>
            r.require_session_mfa &&
            databaseAccessAllowed([r], traits, target, route.username, route.database),
        ))
    ) {
      refusal = MSG_MFA_REQUIRED;
    }
    if (refusal) {
      // checkAccess failed: a failed db.session.start, as the engine's checkAccess emits it.
      session.emit(startEvent({ Success: false, Error: refusal, UserMessage: refusal }));
      await session.end();
      throw new DatabaseAccessError(refusal);
    }
    return session;
  }

  /** @internal For DbSession. */
  get options(): DatabaseServiceOptions {
    return this.opts;
  }

  /** @internal A client certificate for a database user, valid until `notAfter`. */
  async clientCert(username: string, notAfter: Date): Promise<{ key: string; cert: string }> {
    const { key, pem } = await (this.clientKey ??= rsaKey().then((k) => ({
      key: k,
      pem: k.export({ type: 'pkcs8', format: 'pem' }) as string,
    })));
    const { dbClient } = await this.opts.authority.databaseCAs();
    const cert = await issueServerCert({
      caCertPem: dbClient.certPem,
      caKey: dbClient.key,
      publicKey: createPublicKey(key),
      // Postgres maps the certificate's CN to the database user (getClientCert).
      commonName: username,
      notAfter,
    });
    return { key: pem, cert };
  }

  stop(): void {
    for (const s of this.streams) s.destroy();
    for (const s of this.dials) s.destroy();
  }
}

type DbEvent = NonNullable<OneOf['Event']>;

/** fetchMySQLVersion's timeout. */
const FETCH_MYSQL_VERSION_MS = 7_000;

/**
 * protocol.FetchMySQLVersionInternal: connects, reads the server's first packet and returns the
 * version of its initial handshake (an ERR packet's message is the error), then closes.
 */
export function fetchMysqlVersion(
  host: string,
  port: number,
  timeoutMs: number,
  track: (s: net.Socket) => void = () => {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    track(s);
    let buf = Buffer.alloc(0);
    const done = (err: Error | undefined, v?: string) => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(v!);
    };
    const timer = setTimeout(() => done(new Error(`no handshake within ${timeoutMs / 1000}s`)), timeoutMs);
    timer.unref();
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 4) return;
      const len = buf.readUIntLE(0, 3);
      if (buf.length < 4 + len) return;
      try {
        const payload = buf.subarray(4, 4 + len);
        if (payload[0] === 0xff) done(new Error(decodeErr(payload).message));
        else done(undefined, decodeInitialHandshake(payload).serverVersion);
      } catch (err) {
        done(err as Error);
      }
    });
    s.once('error', (err) => done(err));
    s.once('close', () => done(new Error('the server closed the connection before its handshake')));
  });
}

function startEvent(status?: { Success: boolean; Error: string; UserMessage: string }): DbEvent {
  return { $case: 'DatabaseSessionStart', value: { PostgresPID: 0, Status: status } };
}

/** One authorized session: its events go to its recording, with the session's fields filled in. */
class DbSession implements DatabaseSession {
  readonly id = randomUUID();
  private readonly startTime = new Date();
  private recording?: DatabaseRecording;
  private started = false;
  /** The start failed: upstream records no db.session.end for it. */
  private startFailed = false;
  private ended = false;
  /** User, session and database metadata of the per-message events, encoded once (eventcodec.ts). */
  private statics?: { key: string; bytes: StaticFields };
  /** A session that ends without events leaves no recording (a Postgres CancelRequest). */
  discarded = false;

  constructor(
    private readonly service: DatabaseService,
    readonly identity: TlsIdentity,
    readonly route: RouteToDatabase,
    readonly target: ServedDatabase,
    private readonly remoteAddr: string,
  ) {}

  private get recordingFile(): DatabaseRecording {
    const o = this.service.options;
    return (this.recording ??= new DatabaseRecording(
      o.recordingsDir(),
      this.id,
      o.config.cluster_name,
      (err) => o.log('db: recording failed', { session: this.id, error: err.message }),
    ));
  }

  private userMetadata(): UserMetadata {
    const id = this.identity;
    return {
      User: id.username,
      Login: '',
      Impersonator: id.impersonator ?? '',
      AWSRoleARN: '',
      AccessRequests: [...id.activeRequests],
      AzureIdentity: '',
      GCPServiceAccount: '',
      RequiredPrivateKeyPolicy: id.privateKeyPolicy ?? '',
      UserKind: 1, // USER_KIND_HUMAN
      BotName: id.botName ?? '',
      BotInstanceID: id.botInstanceId ?? '',
      UserOrigin: 0,
      UserRoles: [...id.groups],
      UserClusterName: id.teleportCluster ?? this.service.options.config.cluster_name,
      BeamID: '',
      BotScopeOfOrigin: '',
    };
  }

  private sessionMetadata(): SessionMetadata {
    return {
      SessionID: this.id,
      WithMFA: this.identity.mfaVerified ?? '',
      PrivateKeyPolicy: this.identity.privateKeyPolicy ?? '',
    };
  }

  private databaseMetadata(): DatabaseMetadata {
    return {
      DatabaseService: this.target.name,
      DatabaseProtocol: this.target.protocol,
      DatabaseURI: this.target.uri,
      DatabaseName: this.route.database,
      DatabaseUser: this.route.username,
      DatabaseLabels: { ...(this.target.config.labels ?? {}) },
      DatabaseAWSRegion: '',
      DatabaseAWSRedshiftClusterID: '',
      DatabaseGCPProjectID: '',
      DatabaseGCPInstanceID: '',
      DatabaseRoles: [...this.route.roles],
      DatabaseType: 'self-hosted',
      // types.OriginConfigFile: a database from the service's static configuration.
      DatabaseOrigin: 'config-file',
    };
  }

  emit(event: OneOf['Event']): void {
    if (this.ended || !event) return;
    const e = event;
    const v = e.value as Record<string, unknown>;
    if (e.$case === 'DatabaseSessionStart') {
      if (this.started) return;
      this.started = true;
      const o = this.service.options;
      e.value.Status ??= { Success: true, Error: '', UserMessage: '' };
      this.startFailed = !e.value.Status.Success;
      e.value.Server ??= {
        ServerNamespace: 'default',
        ServerID: this.service.hostId,
        ServerHostname: '',
        ServerAddr: '',
        ServerLabels: {},
        ForwardedBy: '',
        ServerSubKind: '',
        ServerVersion: o.config.server_version,
      };
      e.value.Connection ??= { LocalAddr: '', RemoteAddr: this.remoteAddr, Protocol: '' };
      // common.OnSessionStart: the event's time is the session's start.
      v.Metadata = { ...(v.Metadata as object), Time: this.startTime };
    } else if (!this.started) {
      this.emit(startEvent());
    }
    if (
      isFastDbEvent(e.$case) &&
      v.User === undefined &&
      v.Session === undefined &&
      v.Database === undefined
    ) {
      // The per-message events (a query, its result): user, session and database encoded once.
      // The route may change (MySQL COM_INIT_DB): the cached metadata follows it.
      const key = `${this.route.username}\0${this.route.database}`;
      if (this.statics?.key !== key) {
        this.statics = {
          key,
          bytes: encodeStaticFields(this.userMetadata(), this.sessionMetadata(), this.databaseMetadata()),
        };
      }
      const statics = this.statics.bytes;
      this.recordingFile.record({ Event: event }, undefined, (ev) => {
        const fast = encodeDbEvent(ev.Event!, statics);
        if (fast) return fast;
        v.User = this.userMetadata();
        v.Session = this.sessionMetadata();
        v.Database = this.databaseMetadata();
        return OneOf.encode(ev).finish();
      });
      return;
    }
    v.User ??= this.userMetadata();
    v.Session ??= this.sessionMetadata();
    v.Database = { ...this.databaseMetadata(), ...(v.Database as object | undefined) };
    this.recordingFile.record({ Event: event });
  }

  async end(): Promise<void> {
    if (this.ended) return;
    if (this.discarded && !this.recording) {
      this.ended = true;
      return;
    }
    if (!this.started) this.emit(startEvent());
    if (this.startFailed) {
      this.ended = true;
      await this.recording?.close();
      return;
    }
    const endTime = new Date();
    this.emit({
      $case: 'DatabaseSessionEnd',
      value: {
        StartTime: this.startTime,
        EndTime: endTime,
        Participants: [],
        Metadata: { Index: 0n, Type: '', ID: '', Code: '', Time: endTime, ClusterName: '' },
      },
    });
    this.ended = true;
    await this.recording?.close();
  }

  reportMysqlServerVersion(version: string): void {
    this.service.setMysqlServerVersion(this.target.name, version);
  }

  async upstreamTls(): Promise<tls.ConnectionOptions> {
    const { db } = await this.service.options.authority.databaseCAs();
    const { key, cert } = await this.service.clientCert(this.route.username, this.identity.expires);
    const { host, port } = this.target;
    return {
      host,
      port,
      key,
      cert,
      // getTLSConfigVerifyFull: the configured CA (tls.ca_cert_file) and the database CA.
      ca: [this.target.caCertPem, db.certPem].filter((x): x is string => !!x),
      ...(net.isIP(host) ? {} : { servername: host }),
    };
  }
}

/** Ends a session that should leave no events behind (a Postgres CancelRequest). */
export async function discardSession(session: DatabaseSession): Promise<void> {
  if (session instanceof DbSession) session.discarded = true;
  await session.end();
}
