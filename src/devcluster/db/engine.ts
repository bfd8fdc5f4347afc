// The contract between the dev cluster's database service (routing, certificates, RBAC, audit,
// recording: service.ts) and one engine per wire protocol (postgres.ts, mysql.ts), after
// upstream lib/srv/db/common.Engine and the proxy-side protocol handlers (lib/srv/db/postgres
// proxy.go, lib/srv/db/mysql/proxy.go): the service hands an engine the client's byte stream once
// the proxy's TLS (and any "-ping" framing) is off; the engine speaks the protocol's start-up,
// gets the identity (from the tunnel's outer certificate, or from the TLS the protocol itself
// starts), asks the service to authorize it, connects to the real database, relays, and reports
// what the client does.
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { OneOf } from '../../gen/teleport/legacy/types/events/events.js';
import type { RouteToDatabase, TlsIdentity } from '../../auth/x509/identity.js';
import type { ResourceConfig } from '../config.js';

/** One database from the dev cluster config (`databases: [{name, protocol, uri, …}]`). */
export interface DatabaseTarget {
  config: ResourceConfig;
  name: string;
  /** defaults.ProtocolPostgres, ProtocolMySQL, … */
  protocol: string;
  /** host:port of the real server. */
  host: string;
  port: number;
}

/** What an engine gets for one client connection. */
export interface EngineContext {
  /** The client's bytes after the proxy's TLS and "-ping" framing. */
  client: Duplex;
  /**
   * Tunnel mode (`tsh proxy db --tunnel`, `tsh db connect` through a local proxy): the identity of
   * the outer TLS client certificate. Absent: the client authenticates inside the protocol
   * (Postgres SSLRequest, MySQL SSL capability) with `clientTls`.
   */
  tunnelIdentity?: TlsIdentity;
  /**
   * TLS server options for that in-protocol upgrade: the proxy's certificate, and a client
   * certificate from the user CA required (IdentityTLSConfig).
   */
  clientTls: tls.TlsOptions;
  /** Reads the identity of a TLS socket's verified client certificate. */
  identityOf(socket: tls.TLSSocket): TlsIdentity;
  /**
   * Authorizes the certificate's route (database labels, db_users, db_names) and opens the
   * session; rejects with a DatabaseAccessError carrying upstream's message.
   */
  authorize(identity: TlsIdentity, client: { remoteAddr: string }): Promise<DatabaseSession>;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /**
   * MySQL: the server version to announce — from the client's `teleport-mysql-<base64>` ALPN
   * entry, else the database's version (GetMySQLServerVersion: the one the server reported, else
   * the configured mysql_server_version), else the engine's default.
   */
  mysqlServerVersion?: string;
}

/** An authorized session: where to connect, as whom, and where events go. */
export interface DatabaseSession {
  /** Session id (uuid) shared by the audit events and the recording. */
  id: string;
  identity: TlsIdentity;
  /** The route in force; an engine may change `database` (MySQL COM_INIT_DB), and emit() follows it. */
  route: RouteToDatabase;
  target: DatabaseTarget;
  /**
   * TLS options to the real database: a client certificate for route.username signed by the
   * database client CA, the server's CA to verify it, and the server name.
   */
  upstreamTls(): Promise<tls.ConnectionOptions>;
  /** Records and audits one event of this session (its Metadata, session and user fields are filled in). */
  emit(event: OneOf['Event']): void;
  /**
   * MySQL: the version the real server announced in its handshake (engine.go
   * updateServerVersion): it becomes the database's reported version, which later handshakes of
   * the tunnel path announce.
   */
  reportMysqlServerVersion?(version: string): void;
  /** session.start (success or failure) is emitted by the service; the engine ends the session once. */
  end(): Promise<void>;
}

/** An authorization refusal, sent to the client in the protocol's own error form. */
export class DatabaseAccessError extends Error {
  constructor(
    message: string,
    /** Postgres SQLSTATE / MySQL error kind the engine may use. */
    readonly kind: 'access-denied' | 'not-found' | 'bad-parameter' = 'access-denied',
  ) {
    super(message);
  }
}

/** One engine per protocol: runs the connection to its end, never throws past the service. */
export type DatabaseEngine = (ctx: EngineContext) => Promise<void>;
