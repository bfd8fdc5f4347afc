// The database local proxy (`tshjs proxy db`, and `tshjs db connect` when it needs one): a
// local TCP listener, and for each accepted connection one TLS connection to the proxy's
// TLS-routing port that the bytes are relayed through (lib/srv/alpnproxy/local_proxy.go). In
// tunnel mode the db certificate is presented in that outer TLS, so clients need no credentials;
// otherwise the client does its own TLS inside its protocol, and the proxy presents the
// certificate only for a Postgres CancelRequest (psql sends those without TLS). docs/proxy-db.md.
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { splitHostPort } from '../auth/profile.js';
import { DEFAULT_WEB_PORT } from '../client/addr.js';
import type { TeleportClient } from '../client/teleport.js';
import { trustedRootsFromEnv } from '../client/webapi.js';
import { TshError, errorLine } from '../util/errors.js';
import { dbAlpnProtocols } from './dbalpn.js';
import { LocalConnections, relayUpstream } from './localconns.js';
import { DbUpstreamDialer, type DbClientCert } from './dbdial.js';
import { peekPgStartup } from './dbpgpeek.js';

export interface DbLocalProxyOptions {
  tc: TeleportClient;
  /** The database protocol (postgres, mysql, …). */
  protocol: string;
  /** --port: listen on 127.0.0.1:<port>; without it, localhost:0. */
  port?: number;
  tunnel: boolean;
  /**
   * The db certificate. Tunnel: called at start and for every accepted connection (the caller
   * renews it when expired or when the subject differs). Postgres without tunnel: called at start
   * and for each CancelRequest. Other protocols without tunnel: never.
   */
  cert: () => Promise<DbClientCert>;
  /** The database's mysql.server_version: one more ALPN value (MySQL, not tunnel). */
  mysqlServerVersion?: string;
  /** Defaults to the client's --insecure. */
  insecure?: boolean;
  log?: (msg: string, f?: object) => void;
  /** Where the proxy is (host:port); defaults to the profile's web proxy address. */
  proxyAddr?: string;
}

export interface DbLocalProxy {
  /** host:port of the listener, e.g. 127.0.0.1:60649 (what upstream prints). */
  address: string;
  port: number;
  /** Stops listening and ends the open connections. */
  close(): Promise<void>;
}

/** Postgres and CockroachDB speak the Postgres protocol (isPostgresProxy: teleport-postgres*). */
function isPostgres(protocol: string): boolean {
  return protocol === 'postgres' || protocol === 'cockroachdb';
}

export async function startDbLocalProxy(o: DbLocalProxyOptions): Promise<DbLocalProxy> {
  const log = o.log ?? (() => {});
  const id = await o.tc.identity();
  const web = splitHostPort(o.proxyAddr ?? id.webProxyAddr);
  const dialer = new DbUpstreamDialer({
    host: web.host,
    port: web.port ?? DEFAULT_WEB_PORT,
    alpn: dbAlpnProtocols(o.protocol, { tunnel: o.tunnel, mysqlServerVersion: o.mysqlServerVersion }),
    ca: [...id.trustedCAs, ...(trustedRootsFromEnv(o.tc.config.env ?? process.env) ?? [])],
    insecure: o.insecure ?? !!o.tc.config.insecure,
  });
  const pgCancel = !o.tunnel && isPostgres(o.protocol);

  const conns = new LocalConnections();

  const handle = async (local: net.Socket): Promise<void> => {
    conns.track(local);
    // Relay errors are reported where the relay ends; this keeps a reset from being unhandled.
    local.on('error', () => {});
    let cert: DbClientCert | undefined;
    if (o.tunnel) {
      cert = await o.cert();
    } else if (pgCancel) {
      const peek = await peekPgStartup(local);
      if (!peek) return void local.destroy();
      if (peek.kind === 'cancel') cert = await o.cert();
    }
    if (conns.closed || local.destroyed) return void local.destroy();
    const up = await dialer.dial(cert);
    conns.track(up.socket);
    up.stream.on('error', () => {});
    if (conns.closed || local.destroyed) {
      up.socket.destroy();
      return void local.destroy();
    }
    log('proxying database connection', { alpn: up.alpn, withCert: !!cert });
    relayUpstream(local, up, log, 'database');
  };

  // noDelay: queries and answers are small writes; Nagle with delayed ACKs would hold each one.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (local) => {
    handle(local).catch((err: unknown) => {
      // One connection's failure ends that connection only.
      log('Failed to handle connection', { level: 'error', error: errorLine(err) });
      local.destroy();
    });
  });
  // The listener first (a port in use fails before anything is issued), then, as upstream's
  // OnStart: the tunnel's certificate check, or the certificate a Postgres proxy without tunnel
  // needs for cancel requests.
  const addr = await listen(server, o.port);
  if (o.tunnel || pgCancel) {
    try {
      await o.cert();
    } catch (err) {
      server.close();
      throw err;
    }
  }
  log('database local proxy listening', { address: addr.address, tunnel: o.tunnel, protocol: o.protocol });
  return { ...addr, close: () => conns.close(server) };
}

/** localhost:0 (the first IPv4 address of localhost, as Go's Listen picks) or 127.0.0.1:<port>. */
async function listen(server: net.Server, port?: number): Promise<{ address: string; port: number }> {
  let host = '127.0.0.1';
  if (port === undefined) {
    host = await dns
      .lookup('localhost', { family: 4 })
      .then((r) => r.address)
      .catch(() => '127.0.0.1');
  }
  const want = `${host}:${port ?? 0}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is already in use; choose another one with --port'
          : err.code === 'EACCES'
            ? 'permission denied; choose a port above 1023 with --port'
            : err.message;
      reject(new TshError(`cannot listen on ${want}: ${why}`, 'bad-parameter', 1, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port: port ?? 0 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const a = server.address() as net.AddressInfo;
  const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { address: `${h}:${a.port}`, port: a.port };
}
