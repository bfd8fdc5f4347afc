// The dev cluster's MySQL engine, after upstream lib/srv/db/mysql/proxy.go (the proxy half) and
// engine.go (the database-service half) run back to back: the engine speaks first with its own
// handshake, takes the client's handshake response (upgrading to TLS inside the protocol when not
// in tunnel mode, so the identity comes from the client certificate), ignores the password,
// authorizes, logs into the real server as the database user with a client certificate and an
// empty password, and only then tells the client OK. After that it relays bytes and reports what
// the client does. See docs/database-mysql.md.
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { OneOf } from '../../gen/teleport/legacy/types/events/events.js';
import type { TlsIdentity } from '../../auth/x509/identity.js';
import { errorLine } from '../../util/errors.js';
import type { DatabaseEngine, DatabaseSession, EngineContext } from './engine.js';
import { PacketConn } from './mysqlconn.js';
import {
  AUTH_MORE_DATA_HEADER,
  CLIENT,
  decodeAuthSwitchRequest,
  decodeCommand,
  decodeErr,
  decodeHandshakeResponse,
  decodeInitialHandshake,
  encodeErr,
  encodeHandshakeResponse,
  encodeInitialHandshake,
  encodeOk,
  encodeSslRequest,
  EOF_HEADER,
  ER,
  ERR_HEADER,
  MysqlWireError,
  OK_HEADER,
  PacketDecoder,
  SERVER_STATUS_AUTOCOMMIT,
  type Command,
  type ErrPacket,
  type HandshakeResponse,
} from './mysqlwire.js';

/** lib/srv/db/mysql/proxy.go DefaultServerVersion. */
export const DEFAULT_SERVER_VERSION = '8.0.0-Teleport';
/** common.ProtocolMySQLWithVerPrefix: `teleport-mysql-<base64(version)>`. */
export const MYSQL_VERSION_ALPN_PREFIX = 'teleport-mysql-';
/** go-mysql's DEFAULT_COLLATION_ID (utf8_general_ci), what the proxy's handshake announces. */
const DEFAULT_COLLATION_ID = 33;
const NATIVE_PASSWORD = 'mysql_native_password';
/** defaults.DatabaseConnectTimeout. */
const CONNECT_TIMEOUT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * The MySQL server version a TLS-routed client announced in its ALPN list (upstream
 * alpnproxy ExtractMySQLEngineVersion): the first `teleport-mysql-<base64>` entry that is not a
 * "-ping" one and decodes; undefined otherwise.
 */
export function mysqlVersionFromAlpn(protocols: readonly string[]): string | undefined {
  for (const p of protocols) {
    if (p.endsWith('-ping') || !p.startsWith(MYSQL_VERSION_ALPN_PREFIX) || p === MYSQL_VERSION_ALPN_PREFIX)
      continue;
    const b64 = p.slice(MYSQL_VERSION_ALPN_PREFIX.length, 255);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) continue;
    const v = Buffer.from(b64, 'base64').toString('utf8');
    if (v) return v;
  }
  return undefined;
}

/**
 * What the engine needs beyond EngineContext: the version for its handshake, chosen by the
 * service (non-tunnel: mysqlVersionFromAlpn of the client's ALPN list; tunnel: the database's
 * `mysql_server_version`), DEFAULT_SERVER_VERSION when absent.
 */
export type MysqlEngineContext = EngineContext;

// What the engine announces to clients: go-mysql server.NewServer's set (+ SSL outside tunnel
// mode), and the multi-statement flags upstream's engine sets on its database connection.
const PROXY_CAPABILITIES =
  CLIENT.LONG_PASSWORD |
  CLIENT.LONG_FLAG |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.PROTOCOL_41 |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.PLUGIN_AUTH |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS;
// Client-side flags that change nothing in the framing and are passed on to the real server.
const PASSED_THROUGH = CLIENT.FOUND_ROWS | CLIENT.IGNORE_SPACE | CLIENT.INTERACTIVE;

// go-mysql numbers its server connections from 10001 (baseConnID 10000).
let nextConnectionId = 10000;

/** A refusal or failure to report to the client as an ERR packet. */
class MysqlError extends Error {
  constructor(readonly packet: ErrPacket) {
    super(packet.message);
  }
}

/** go-mysql WriteError: anything that is not a MySQL error goes out as ER_UNKNOWN_ERROR / HY000. */
const unknownError = (message: string) =>
  new MysqlError({ code: ER.UNKNOWN_ERROR, sqlState: 'HY000', message });

function scramble(): Buffer {
  // Printable, NUL-free bytes, like the servers send.
  return Buffer.from(Array.from({ length: 20 }, () => randomInt(0x21, 0x7f)));
}

export const mysqlEngine: DatabaseEngine = async (ctx) => {
  const c = ctx as MysqlEngineContext;
  const conn = new PacketConn(ctx.client);
  let clientSeq = 0;
  let stage = 'handshake';
  let session: DatabaseSession | undefined;
  let server: tls.TLSSocket | undefined;
  let client: Duplex = ctx.client;
  const remoteAddr = remoteAddrOf(ctx.client);
  ctx.client.on('error', () => undefined); // failures surface as 'close'
  try {
    // 1. Our handshake, SSL offered only outside tunnel mode.
    const tunnel = ctx.tunnelIdentity !== undefined;
    const salt = scramble();
    clientSeq = conn.write(
      encodeInitialHandshake({
        serverVersion: c.mysqlServerVersion || DEFAULT_SERVER_VERSION,
        connectionId: ++nextConnectionId >>> 0,
        authPluginData: salt,
        capabilities: PROXY_CAPABILITIES | (tunnel ? 0 : CLIENT.SSL),
        charset: DEFAULT_COLLATION_ID,
        statusFlags: SERVER_STATUS_AUTOCOMMIT,
        authPluginName: NATIVE_PASSWORD,
      }),
      0,
    );

    // 2. The client's answer: SSLRequest then (in TLS) the response, or the response.
    let pkt = await conn.read(HANDSHAKE_TIMEOUT_MS, 'the client handshake response');
    let resp = decodeHandshakeResponse(pkt.payload);
    clientSeq = pkt.nextSeq;
    let identity: TlsIdentity | undefined = ctx.tunnelIdentity;
    let inner: tls.TLSSocket | undefined; // the in-protocol TLS, outside tunnel mode
    let reader = conn;
    if (resp.kind === 'ssl-request') {
      if (tunnel)
        throw unknownError('SSL was not offered: the connection is already authenticated by the tunnel');
      stage = 'tls';
      inner = await upgradeClient(duplexOver(ctx.client, conn.detach()), ctx.clientTls);
      client = inner;
      stage = 'handshake';
      reader = new PacketConn(inner);
      pkt = await reader.read(HANDSHAKE_TIMEOUT_MS, 'the client handshake response');
      resp = decodeHandshakeResponse(pkt.payload);
      clientSeq = pkt.nextSeq;
      if (resp.kind === 'ssl-request') throw new MysqlWireError('received a second SSLRequest');
    }
    const response = resp;

    // 3. Authorize: the identity of the tunnel or of the in-protocol TLS certificate, with the
    // user and database of the handshake overriding the certificate's (proxyserver.go
    // Authorize); the password is ignored (auth is mTLS).
    stage = 'authorize';
    if (inner) {
      try {
        identity = ctx.identityOf(inner);
      } catch (err) {
        throw unknownError(errorLine(err));
      }
    }
    if (!identity) throw unknownError('access denied: a client certificate is required (connect with SSL)');
    const route = identity.routeToDatabase;
    const routed: TlsIdentity = route
      ? {
          ...identity,
          routeToDatabase: {
            ...route,
            username: response.username || route.username,
            database: response.database || route.database,
          },
        }
      : identity;
    try {
      session = await ctx.authorize(routed, { remoteAddr });
    } catch (err) {
      throw unknownError(errorLine(err));
    }

    // 4. Log into the real database as the database user; only its OK lets the client in.
    stage = 'connect';
    server = await connectServer(session, response);
    stage = 'relay';
    clientSeq = reader.write(encodeOk({ statusFlags: SERVER_STATUS_AUTOCOMMIT }), clientSeq);
    const leftover = reader.detach();
    ctx.log('mysql session started', { session: session.id, user: session.route.username });
    await relay(client, server, session, leftover, ctx);
  } catch (err) {
    const packet =
      err instanceof MysqlError
        ? err.packet
        : { code: ER.UNKNOWN_ERROR, sqlState: 'HY000', message: errorLine(err) };
    ctx.log('mysql connection failed', { stage, error: packet.message });
    if (stage !== 'tls' && stage !== 'relay' && client.writable) {
      try {
        client.write(frame(encodeErr(packet), clientSeq));
      } catch {
        // the client is gone
      }
    }
  } finally {
    server?.destroy();
    // What was written (an ERR) must leave before the service tears the stream down: end the
    // in-protocol TLS first (its close_notify goes through the stream), then the stream.
    await endGracefully(client);
    if (client !== ctx.client) await endGracefully(ctx.client);
    ctx.client.destroy();
    if (session) await session.end().catch(() => undefined);
  }
};

function frame(payload: Buffer, seq: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

function remoteAddrOf(s: Duplex): string {
  const sock = s as Partial<net.Socket>;
  return sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort ?? 0}` : '';
}

/** Ends the writable side and waits (at most a second) until the data is flushed. */
function endGracefully(s: Duplex): Promise<void> {
  if (s.destroyed || s.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    s.once('close', done);
    s.end(done);
  });
}

/**
 * A plain Duplex over `stream` that first yields `head` (bytes read past the SSLRequest): TLS then
 * runs in JS over it, whatever `stream` is (a socket, the proxy's TLS, a "-ping" deframer).
 */
function duplexOver(stream: Duplex, head: Buffer): Duplex {
  const d = new Duplex({
    read() {
      stream.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      stream.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      stream.end();
      cb();
    },
    destroy(err, cb) {
      stream.destroy(err ?? undefined);
      cb(err);
    },
  });
  if (head.length) d.push(head);
  stream.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) stream.pause();
  });
  stream.once('end', () => d.push(null));
  stream.on('error', (err) => d.destroy(err));
  stream.once('close', () => d.destroy());
  return d;
}

/**
 * The in-protocol TLS upgrade (go-mysql server, CLIENT_SSL): a TLS server handshake on the stream
 * with the proxy's certificate, a client certificate verified in it (tls.Server does that).
 */
function upgradeClient(stream: Duplex, options: tls.TlsOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const server = tls.createServer({ ...options, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
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
    server.once('secureConnection', (secure: tls.TLSSocket) => {
      stream.off('close', gone);
      secure.on('error', () => undefined); // the relay watches 'close'
      resolve(secure);
    });
    server.emit('connection', stream);
  });
}

/**
 * The database-service half (engine.go connect): TCP, the server's handshake, SSLRequest, TLS with
 * a client certificate for the user, HandshakeResponse41 with an empty password, auth switches,
 * until OK. An ERR from the server is passed to the client as upstream does.
 */
async function connectServer(session: DatabaseSession, client: HandshakeResponse): Promise<tls.TLSSocket> {
  const { host, port } = session.target;
  const tlsOptions = await session.upstreamTls();
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true }); // small writes: no Nagle
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
    }, CONNECT_TIMEOUT_MS);
    s.once('connect', () => {
      clearTimeout(timer);
      s.off('error', onErr);
      resolve(s);
    });
    const onErr = (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`dial tcp ${host}:${port}: ${err.message}`));
    };
    s.once('error', onErr);
  });
  let secure: tls.TLSSocket | undefined;
  try {
    sock.on('error', () => undefined);
    const plain = new PacketConn(sock);
    const first = await plain.read(CONNECT_TIMEOUT_MS, 'the database handshake');
    if (first.payload[0] === ERR_HEADER) throw serverError(decodeErr(first.payload));
    const hs = decodeInitialHandshake(first.payload);
    session.reportMysqlServerVersion?.(hs.serverVersion);
    if (!(hs.capabilities & CLIENT.SSL)) throw new Error('the database server does not support TLS');
    const required =
      CLIENT.LONG_PASSWORD |
      CLIENT.PROTOCOL_41 |
      CLIENT.SECURE_CONNECTION |
      CLIENT.PLUGIN_AUTH |
      CLIENT.TRANSACTIONS |
      CLIENT.MULTI_STATEMENTS |
      CLIENT.MULTI_RESULTS |
      CLIENT.SSL;
    const wanted = (client.capabilities & (PROXY_CAPABILITIES | PASSED_THROUGH)) | required;
    const database = session.route.database;
    // What both sides support; the database and attributes are ours to send, not the client's.
    let capabilities =
      wanted & (hs.capabilities | CLIENT.SSL) & ~(CLIENT.CONNECT_WITH_DB | CLIENT.CONNECT_ATTRS);
    if (database) capabilities |= CLIENT.CONNECT_WITH_DB;
    capabilities >>>= 0;
    const prefix = {
      capabilities,
      maxPacketSize: client.maxPacketSize || 16_777_216,
      charset: client.charset,
    };
    let seq = plain.write(encodeSslRequest(prefix), first.nextSeq);
    plain.detach();
    secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const t = tls.connect({ ...tlsOptions, socket: sock });
      t.once('secureConnect', () => {
        t.off('error', reject);
        resolve(t);
      });
      t.once('error', (err) => reject(convertTlsError(err)));
    });
    secure.on('error', () => undefined);
    const conn = new PacketConn(secure);
    seq = conn.write(
      encodeHandshakeResponse({
        ...prefix,
        username: session.route.username,
        authResponse: Buffer.alloc(0),
        ...(database ? { database } : {}),
        authPluginName: hs.authPluginName || NATIVE_PASSWORD,
      }),
      seq,
    );
    for (;;) {
      const p = await conn.read(2 * CONNECT_TIMEOUT_MS, 'the database login result');
      seq = p.nextSeq;
      const h = p.payload[0];
      if (h === OK_HEADER) break;
      if (h === ERR_HEADER) throw serverError(decodeErr(p.payload));
      if (h === EOF_HEADER) {
        // Another plugin, same empty password: clear text is a lone NUL, the hashed ones send nothing.
        const sw = decodeAuthSwitchRequest(p.payload);
        seq = conn.write(sw.pluginName === 'mysql_clear_password' ? Buffer.from([0]) : Buffer.alloc(0), seq);
        continue;
      }
      if (h === AUTH_MORE_DATA_HEADER) {
        // caching_sha2_password: 3 = fast auth done (OK follows), 4 = send the password (in TLS).
        if (p.payload[1] === 3) continue;
        if (p.payload[1] === 4) {
          seq = conn.write(Buffer.from([0]), seq);
          continue;
        }
      }
      throw new Error(`unexpected packet 0x${(h ?? 0).toString(16)} during the database login`);
    }
    conn.detach();
    return secure;
  } catch (err) {
    secure?.destroy();
    sock.destroy();
    throw err;
  }
}

/** common.ConvertConnectError's MySQL cases: access denied becomes a trace error (ER_UNKNOWN_ERROR). */
function serverError(e: ErrPacket): MysqlError {
  if (e.code === ER.ACCESS_DENIED || e.code === 1044 /* ER_DBACCESS_DENIED_ERROR */) {
    return unknownError(`ERROR ${e.code} (${e.sqlState ?? 'HY000'}): ${e.message}`);
  }
  return new MysqlError(e);
}

function convertTlsError(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(code)) {
    return new Error(
      `Database service cannot validate database's certificate: ${err.message}. Please verify if the correct CA bundle is used in the database config.`,
    );
  }
  if (/unknown ca/i.test(err.message)) {
    return new Error(
      `Database cannot validate client certificate generated by database service: ${err.message}.`,
    );
  }
  return err;
}

/** Relays until either side ends, reporting client commands (engine.go receiveFromClient). */
function relay(
  client: Duplex,
  server: tls.TLSSocket,
  session: DatabaseSession,
  leftover: Buffer,
  ctx: EngineContext,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const decoder = new PacketDecoder();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      client.off('data', onClient);
      server.off('data', onServer);
      resolve();
    };
    const onServer = (chunk: Buffer) => {
      if (!client.write(chunk)) {
        server.pause();
        client.once('drain', () => server.resume());
      }
    };
    const onClient = (chunk: Buffer) => {
      decoder.push(chunk);
      for (;;) {
        let p;
        try {
          p = decoder.next();
        } catch (err) {
          ctx.log('mysql: bad client packet', { error: errorLine(err) });
          return finish();
        }
        if (!p) return;
        // Commands start a fresh sequence; other packets continue an exchange (LOCAL INFILE data).
        if (p.seq === 0) {
          let cmd: Command;
          try {
            cmd = decodeCommand(p.payload);
          } catch (err) {
            ctx.log('mysql: bad client command', { error: errorLine(err) });
            return finish();
          }
          if (cmd.kind === 'quit') return finish();
          if (cmd.kind === 'change-user') {
            // Re-authenticating as someone else is refused by closing (upstream does the same).
            ctx.log('mysql: rejecting COM_CHANGE_USER', { user: cmd.user, session: session.id });
            return finish();
          }
          // Later events name the new default database, as upstream updates sessionCtx.DatabaseName
          // (the service fills each event's Database from the session's route).
          if (cmd.kind === 'init-db') session.route.database = cmd.schema;
          const ev = commandEvent(cmd);
          if (ev) session.emit(ev);
        }
        if (!server.write(p.raw)) {
          client.pause();
          server.once('drain', () => client.resume());
        }
      }
    };
    client.on('data', onClient);
    server.on('data', onServer);
    for (const s of [client, server]) {
      s.once('end', finish);
      s.once('close', finish);
      s.once('error', finish);
    }
    client.resume();
    server.resume();
    if (leftover.length) onClient(leftover);
  });
}

const meta = (type: string, code: string) => ({ Index: 0n, Type: type, ID: '', Code: code, ClusterName: '' });

/** The audit event of one client command (lib/srv/db/mysql/events.go), if it has one. */
export function commandEvent(cmd: Command): OneOf['Event'] {
  const base = (type: string, code: string) => ({ Metadata: meta(type, code) });
  switch (cmd.kind) {
    case 'query':
      return {
        $case: 'DatabaseSessionQuery',
        value: {
          ...base('db.session.query', 'TDB02I'),
          DatabaseQuery: cmd.query,
          DatabaseQueryParameters: [],
          Status: { Success: true, Error: '', UserMessage: '' },
        },
      };
    case 'stmt-prepare':
      return {
        $case: 'MySQLStatementPrepare',
        value: { ...base('db.session.mysql.statements.prepare', 'TMY00I'), Query: cmd.query },
      };
    case 'stmt-execute':
      // Upstream does not decode the parameters either (they need the prepare response's types).
      return {
        $case: 'MySQLStatementExecute',
        value: {
          ...base('db.session.mysql.statements.execute', 'TMY01I'),
          StatementID: cmd.statementId,
          Parameters: [],
        },
      };
    case 'stmt-send-long-data':
      return {
        $case: 'MySQLStatementSendLongData',
        value: {
          ...base('db.session.mysql.statements.send_long_data', 'TMY02I'),
          StatementID: cmd.statementId,
          ParameterID: cmd.parameterId,
          DataSize: cmd.dataSize,
        },
      };
    case 'stmt-close':
      return {
        $case: 'MySQLStatementClose',
        value: { ...base('db.session.mysql.statements.close', 'TMY03I'), StatementID: cmd.statementId },
      };
    case 'stmt-reset':
      return {
        $case: 'MySQLStatementReset',
        value: { ...base('db.session.mysql.statements.reset', 'TMY04I'), StatementID: cmd.statementId },
      };
    case 'stmt-fetch':
      return {
        $case: 'MySQLStatementFetch',
        value: {
          ...base('db.session.mysql.statements.fetch', 'TMY05I'),
          StatementID: cmd.statementId,
          RowsCount: cmd.rowsCount,
        },
      };
    case 'stmt-bulk-execute':
      return {
        $case: 'MySQLStatementBulkExecute',
        value: {
          ...base('db.session.mysql.statements.bulk_execute', 'TMY06I'),
          StatementID: cmd.statementId,
          Parameters: [],
        },
      };
    case 'init-db':
      return {
        $case: 'MySQLInitDB',
        value: { ...base('db.session.mysql.init_db', 'TMY07I'), SchemaName: cmd.schema },
      };
    case 'create-db':
      return {
        $case: 'MySQLCreateDB',
        value: { ...base('db.session.mysql.create_db', 'TMY08I'), SchemaName: cmd.schema },
      };
    case 'drop-db':
      return {
        $case: 'MySQLDropDB',
        value: { ...base('db.session.mysql.drop_db', 'TMY09I'), SchemaName: cmd.schema },
      };
    case 'shutdown':
      return { $case: 'MySQLShutDown', value: base('db.session.mysql.shut_down', 'TMY10I') };
    case 'process-kill':
      return {
        $case: 'MySQLProcessKill',
        value: { ...base('db.session.mysql.process_kill', 'TMY11I'), ProcessID: cmd.processId },
      };
    case 'debug':
      return { $case: 'MySQLDebug', value: base('db.session.mysql.debug', 'TMY12I') };
    case 'refresh':
      return {
        $case: 'MySQLRefresh',
        value: { ...base('db.session.mysql.refresh', 'TMY13I'), Subcommand: cmd.subcommand },
      };
    default:
      return undefined;
  }
}
