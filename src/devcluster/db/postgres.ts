// The Postgres engine of the dev cluster's database service (engine.ts contract), after
// upstream's proxy side (lib/srv/db/postgres/proxy.go handleStartup) and engine
// (lib/srv/db/postgres/engine.go):
//   start-up  SSLRequest → 'S' and the client's TLS with its database certificate (or 'N' in
//             tunnel mode, where the outer certificate is the identity); GSSENCRequest → 'N';
//             a second one of either is refused; a CancelRequest goes to the real server;
//   identity  user and database come from the StartupMessage (the engine's handleStartup
//             overrides the certificate's route with them, and RBAC checks those); an empty user
//             is refused, an empty database is the user's name; application_name is the user agent;
//   upstream  TLS with a client certificate for the user (service.upstreamTls), the client's
//             other start-up parameters passed on, the server's start-up answers relayed as
//             AuthenticationOk, BackendKeyData, ParameterStatus…, ReadyForQuery;
//   relay     bytes both ways untouched; copies are parsed after each write for the audit log
//             (Query, Parse, Bind, Execute, Close, FunctionCall; CommandComplete/ErrorResponse
//             as results); a parse failure stops the auditing, never the session.
// Refusals reach the client as an ErrorResponse and end that connection only.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, CommandCompleteMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import type { TlsIdentity } from '../../auth/x509/identity.js';
import type { OneOf } from '../../gen/teleport/legacy/types/events/events.js';

type DbEvent = NonNullable<OneOf['Event']>;
import {
  DatabaseAccessError,
  type DatabaseEngine,
  type DatabaseSession,
  type EngineContext,
} from './engine.js';
import {
  decodeClientMessage,
  encodeErrorResponse,
  encodeStartupMessage,
  isAuditedClientMessage,
  MessageFramer,
  PostgresWireError,
  readStartupPacket,
  rowsAffected,
  SSL_REQUEST_CODE,
  type ClientMessage,
  type ErrorFields,
  type StartupPacket,
} from './postgreswire.js';
import { relayPing, unwrapPing } from '../../wire/pingconn.js';
import { discardSession, serverTlsUpgrade } from './service.js';

/** defaults.DefaultIOTimeout: connecting to the real server. */
const CONNECT_TIMEOUT_MS = 30_000;

/** An error the real server sent (its fields are passed on as pgconn.PgError's are). */
class ServerError extends Error {
  constructor(readonly fields: ErrorFields) {
    super(fields.message);
  }
}

/** Reads start-up packets from a stream that may be swapped (plain → TLS) between packets. */
export class StartupReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private stream: Duplex) {}

  /** Continues on another stream (after a TLS upgrade); unread bytes go back to the old one. */
  switchTo(next: Duplex): void {
    this.stream = next;
  }

  /** Bytes read past the packets so far (returned to the stream before an upgrade). */
  takePending(): Buffer {
    const p = this.pending;
    this.pending = Buffer.alloc(0);
    return p;
  }

  next(): Promise<StartupPacket> {
    return new Promise((resolve, reject) => {
      const s = this.stream;
      const done = () => {
        s.off('data', onData);
        s.off('end', onEnd);
        s.off('close', onEnd);
        s.off('error', onError);
        s.pause();
      };
      const tryParse = (): boolean => {
        let r;
        try {
          r = readStartupPacket(this.pending);
        } catch (err) {
          done();
          reject(err as Error);
          return true;
        }
        if (!r) return false;
        this.pending = this.pending.subarray(r.length);
        done();
        resolve(r.packet);
        return true;
      };
      const onData = (chunk: Buffer) => {
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        tryParse();
      };
      const onEnd = () => {
        done();
        reject(new PostgresWireError('connection closed during start-up'));
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      if (tryParse()) return;
      s.on('data', onData);
      s.once('end', onEnd);
      s.once('close', onEnd);
      s.once('error', onError);
      s.resume();
    });
  }
}

/** The outcome of the start-up phase. */
export type StartupResult =
  | { kind: 'startup'; parameters: Record<string, string>; identity: TlsIdentity; conn: Duplex }
  | { kind: 'cancel'; raw: Buffer; identity: TlsIdentity; conn: Duplex };

/**
 * handleStartup: answers SSLRequest / GSSENCRequest until a StartupMessage or CancelRequest comes,
 * and finds the identity (tunnel certificate, or the certificate of the client's own TLS).
 * `onTls` reports the upgraded connection, so errors can be sent on it.
 */
export async function handleStartup(
  ctx: Pick<EngineContext, 'client' | 'tunnelIdentity' | 'clientTls' | 'identityOf'>,
  onConn: (conn: Duplex) => void = () => {},
): Promise<StartupResult> {
  let conn: Duplex = ctx.client;
  let tlsConn: tls.TLSSocket | undefined;
  const reader = new StartupReader(conn);
  let ssl = false;
  let gss = false;
  const identity = (): TlsIdentity => {
    if (ctx.tunnelIdentity) return ctx.tunnelIdentity;
    if (tlsConn) return ctx.identityOf(tlsConn);
    // No certificate anywhere: the middleware refuses the connection.
    throw new DatabaseAccessError('access denied: missing client certificate');
  };
  for (;;) {
    const p = await reader.next();
    switch (p.kind) {
      case 'ssl':
        if (ssl) throw new PostgresWireError('received more than one SSLRequest');
        ssl = true;
        if (ctx.tunnelIdentity) {
          // PostgresProxyNoTLS: the client connects through the local proxy's TLS already.
          conn.write('N');
        } else {
          conn.write('S');
          const rest = reader.takePending();
          if (rest.length) conn.unshift(rest);
          try {
            tlsConn = await serverTlsUpgrade(conn, ctx.clientTls);
          } catch (err) {
            // Nothing can be said to a client whose TLS failed.
            throw new PostgresWireError(`TLS handshake failed: ${(err as Error).message}`);
          }
          conn = tlsConn;
          reader.switchTo(conn);
          onConn(conn);
        }
        continue;
      case 'gssenc':
        if (gss) throw new PostgresWireError('received more than one GSSEncRequest');
        gss = true;
        conn.write('N');
        continue;
      case 'cancel':
        return { kind: 'cancel', raw: p.raw, identity: identity(), conn };
      case 'startup': {
        const rest = reader.takePending();
        if (rest.length) conn.unshift(rest);
        return { kind: 'startup', parameters: p.parameters, identity: identity(), conn };
      }
    }
  }
}

/** What the engine keeps of the StartupMessage (engine.go handleStartup). */
export function splitStartupParameters(params: Record<string, string>): {
  user: string;
  database: string;
  userAgent: string;
  rest: Record<string, string>;
} {
  const rest: Record<string, string> = {};
  let user = '';
  let database = '';
  let userAgent = '';
  for (const [k, v] of Object.entries(params)) {
    if (k === 'user') user = v;
    else if (k === 'database') database = v;
    else if (k === 'application_name') userAgent = v;
    else rest[k] = v;
  }
  return { user, database, userAgent, rest };
}

function waitFor(emitter: NodeJS.EventEmitter, ok: string, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => fail(new Error(`${what}: timed out`)), timeoutMs);
    const cleanup = () => {
      clearTimeout(t);
      emitter.off(ok, onOk);
      emitter.off('error', fail);
      emitter.off('close', onClose);
    };
    const onOk = () => {
      cleanup();
      resolve();
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => fail(new Error(`${what}: connection closed`));
    emitter.once(ok, onOk);
    emitter.once('error', fail);
    emitter.once('close', onClose);
  });
}

/** Reads exactly `n` bytes from a paused socket. */
function readBytes(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      s.off('data', onData);
      s.off('error', reject);
      s.off('close', onClose);
      s.pause();
    };
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < n) return;
      cleanup();
      if (buf.length > n) s.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    const onClose = () => {
      cleanup();
      reject(new Error('server closed the connection'));
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('close', onClose);
    s.resume();
  });
}

/** TCP, SSLRequest, then TLS with the session's client certificate (pgconn's startTLS). */
async function dialServer(session: DatabaseSession): Promise<tls.TLSSocket> {
  const opts = await session.upstreamTls();
  // noDelay: every query and answer is a small write that Nagle would hold for the peer's ACK.
  const raw = net.connect({ host: opts.host!, port: opts.port!, noDelay: true });
  raw.on('error', () => {});
  try {
    await waitFor(raw, 'connect', CONNECT_TIMEOUT_MS, `connect to ${opts.host}:${opts.port}`);
    const req = Buffer.alloc(8);
    req.writeUInt32BE(8, 0);
    req.writeUInt32BE(SSL_REQUEST_CODE, 4);
    raw.write(req);
    const answer = await readBytes(raw, 1);
    if (answer[0] !== 0x53) throw new Error('server refused TLS connection');
    const sock = tls.connect({ ...opts, socket: raw });
    await waitFor(sock, 'secureConnect', CONNECT_TIMEOUT_MS, 'TLS handshake with the database');
    return sock;
  } catch (err) {
    raw.destroy();
    throw err;
  }
}

function backendMessages(buf: Buffer): BackendMessage[] {
  const out: BackendMessage[] = [];
  new Parser().parse(buf, (m) => out.push(m));
  return out;
}

function frame(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([h, body]);
}

/**
 * Sends the StartupMessage and reads the server's answers up to ReadyForQuery: returns them in
 * the order the client gets them (engine.go makeClientReady) and the backend's process id.
 */
async function startServerSession(
  server: tls.TLSSocket,
  parameters: Record<string, string>,
): Promise<{ ready: Buffer; pid: number }> {
  server.write(encodeStartupMessage(parameters));
  return new Promise((resolve, reject) => {
    const keyData: Buffer[] = [];
    const statuses: Buffer[] = [];
    const notices: Buffer[] = [];
    let pid = 0;
    const cleanup = () => {
      server.off('data', onData);
      server.off('error', onError);
      server.off('close', onClose);
      server.pause();
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const framer = new MessageFramer(
      () => true,
      (type, body) => {
        const msg = frame(type, body);
        switch (type) {
          case 0x52: {
            // 'R' Authentication*: certificate auth ends in AuthenticationOk (0).
            const code = body.readUInt32BE(0);
            if (code !== 0)
              throw new Error(
                `the database asked for an authentication the service cannot answer (code ${code})`,
              );
            return;
          }
          case 0x45: {
            // 'E': the server refused the session (e.g. role does not exist).
            const e = backendMessages(msg)[0] as DatabaseError;
            throw new ServerError({
              severity: e.severity,
              code: e.code,
              message: e.message,
              detail: e.detail,
            });
          }
          case 0x4b: // 'K' BackendKeyData
            pid = body.readUInt32BE(0);
            keyData.push(msg);
            return;
          case 0x53: // 'S' ParameterStatus
            statuses.push(msg);
            return;
          case 0x5a: {
            // 'Z' ReadyForQuery
            cleanup();
            const authOk = frame(0x52, Buffer.alloc(4));
            resolve({ ready: Buffer.concat([authOk, ...keyData, ...statuses, ...notices, msg]), pid });
            return;
          }
          default:
            notices.push(msg);
        }
      },
    );
    const onData = (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch (err) {
        fail(err as Error);
      }
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error('the database closed the connection during start-up'));
    server.on('data', onData);
    server.once('error', onError);
    server.once('close', onClose);
    server.resume();
  });
}

/** The audit event for one client message (engine.go receiveFromClient), if it has one. */
export function clientMessageEvent(m: ClientMessage): DbEvent | undefined {
  switch (m.type) {
    case 'query':
      return {
        $case: 'DatabaseSessionQuery',
        value: {
          DatabaseQuery: m.query,
          DatabaseQueryParameters: [],
          Status: { Success: true, Error: '', UserMessage: '' },
        },
      };
    case 'parse':
      return { $case: 'PostgresParse', value: { StatementName: m.name, Query: m.query } };
    case 'bind':
      return {
        $case: 'PostgresBind',
        value: { StatementName: m.statement, PortalName: m.portal, Parameters: m.parameters },
      };
    case 'execute':
      return { $case: 'PostgresExecute', value: { PortalName: m.portal } };
    case 'close':
      if (m.objectType === 'S')
        return { $case: 'PostgresClose', value: { StatementName: m.name, PortalName: '' } };
      if (m.objectType === 'P')
        return { $case: 'PostgresClose', value: { StatementName: '', PortalName: m.name } };
      return undefined;
    case 'functionCall':
      return { $case: 'PostgresFunctionCall', value: { FunctionOID: m.oid, FunctionArgs: m.args } };
    default:
      return undefined;
  }
}

/** db.session.result for a CommandComplete with this tag (engine.go auditResult). */
function commandResultEvent(tag: string): DbEvent {
  return {
    $case: 'DatabaseSessionCommandResult',
    value: {
      Status: { Success: true, Error: '', UserMessage: '' },
      AffectedRecords: BigInt(rowsAffected(tag)),
    },
  };
}

/** db.session.result for CommandComplete / ErrorResponse (engine.go auditResult). */
function resultEvent(m: BackendMessage): DbEvent | undefined {
  if (m.name === 'commandComplete') return commandResultEvent((m as CommandCompleteMessage).text);
  if (m.name === 'error') {
    const e = m as DatabaseError;
    // common.ConvertError of a PgError: "<message> (SQLSTATE <code>)".
    const text = `${e.message} (SQLSTATE ${e.code ?? ''})`;
    return {
      $case: 'DatabaseSessionCommandResult',
      value: { Status: { Success: false, Error: text, UserMessage: '' }, AffectedRecords: 0n },
    };
  }
  return undefined;
}

/** Copies `from` to `to` with backpressure; `tap` sees each chunk after it was written. */
function pump(from: Duplex, to: Duplex, tap: (chunk: Buffer) => void): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    tap(chunk);
  });
  from.resume();
}

/** Runs the audit parser on a tap; the first failure switches it off (the relay goes on). */
function auditTap(
  framer: MessageFramer,
  log: EngineContext['log'],
  direction: string,
): (chunk: Buffer) => void {
  let on = true;
  return (chunk) => {
    if (!on) return;
    try {
      framer.push(chunk);
    } catch (err) {
      on = false;
      log('audit parsing stopped', { direction, error: (err as Error).message });
    }
  };
}

/** Relays until either side is gone. */
function relay(
  client: Duplex,
  server: tls.TLSSocket,
  session: DatabaseSession,
  log: EngineContext['log'],
): Promise<void> {
  const fromClient = new MessageFramer(isAuditedClientMessage, (type, body) => {
    const m = decodeClientMessage(type, body);
    const ev = m && clientMessageEvent(m);
    if (ev) session.emit(ev);
  });
  const fromServer = new MessageFramer(
    (t) => t === 0x43 || t === 0x45, // CommandComplete, ErrorResponse
    (type, body) => {
      if (type === 0x43) {
        // CommandComplete, one per query: its tag read in place (no parser, no re-framing).
        const end = body.indexOf(0);
        session.emit(commandResultEvent(body.toString('utf8', 0, end < 0 ? body.length : end)));
        return;
      }
      for (const m of backendMessages(frame(type, body))) {
        const ev = resultEvent(m);
        if (ev) session.emit(ev);
      }
    },
  );
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      client.destroy();
      server.destroy();
      resolve();
    };
    const clientTap = auditTap(fromClient, log, 'client');
    const serverTap = auditTap(fromServer, log, 'server');
    const framed = unwrapPing(client);
    if (framed) {
      // A "-ping" client: framed and unframed in place, no stream layer per message.
      relayPing(server, framed, finish, { tapPlain: serverTap, tapFramed: clientTap });
      return;
    }
    for (const s of [client, server]) {
      s.once('close', finish);
      s.once('end', finish);
      s.on('error', finish);
    }
    pump(client, server, clientTap);
    pump(server, client, serverTap);
  });
}

/** Sends an error the way upstream does: the server's fields as they were, else the message. */
function errorResponse(err: unknown): Buffer {
  if (err instanceof ServerError) return encodeErrorResponse(err.fields);
  return encodeErrorResponse({ message: (err as Error)?.message ?? String(err) });
}

/** The CancelRequest goes to the real server, which closes the connection (handleCancelRequest). */
async function cancel(session: DatabaseSession, raw: Buffer): Promise<void> {
  const server = await dialServer(session);
  try {
    server.write(raw);
    await new Promise<void>((resolve) => {
      server.once('close', () => resolve());
      server.once('end', () => resolve());
      server.resume();
    });
  } finally {
    server.destroy();
  }
}

export const postgresEngine: DatabaseEngine = async (ctx) => {
  let conn: Duplex = ctx.client;
  let session: DatabaseSession | undefined;
  let started = false;
  try {
    const start = await handleStartup(ctx, (c) => (conn = c));
    conn = start.conn;
    if (start.kind === 'cancel') {
      session = await ctx.authorize(start.identity, { remoteAddr: remoteOf(ctx.client) });
      await cancel(session, start.raw);
      await discardSession(session);
      return;
    }
    const p = splitStartupParameters(start.parameters);
    // checkAccess: an empty user would let Postgres pick the database name from it.
    if (!p.user) throw new DatabaseAccessError('user name must not be empty', 'bad-parameter');
    const database = p.database || p.user;
    const route = start.identity.routeToDatabase;
    const identity: TlsIdentity = {
      ...start.identity,
      routeToDatabase: route ? { ...route, username: p.user, database } : undefined,
    };
    session = await ctx.authorize(identity, { remoteAddr: remoteOf(ctx.client) });
    let server: tls.TLSSocket;
    let ready: { ready: Buffer; pid: number };
    try {
      server = await dialServer(session);
      ready = await startServerSession(server, { user: p.user, database, ...p.rest });
    } catch (err) {
      const message = (err as Error).message;
      session.emit({
        $case: 'DatabaseSessionStart',
        value: { PostgresPID: 0, Status: { Success: false, Error: message, UserMessage: message } },
      });
      throw err;
    }
    conn.write(ready.ready);
    session.emit({
      $case: 'DatabaseSessionStart',
      value: { PostgresPID: ready.pid, Client: p.userAgent ? { UserAgent: p.userAgent } : undefined },
    });
    started = true;
    await relay(conn, server, session, ctx.log);
  } catch (err) {
    ctx.log('postgres session failed', { error: (err as Error)?.message });
    if (!started && !(err instanceof PostgresWireError) && conn.writable) {
      await new Promise<void>((resolve) => conn.write(errorResponse(err), () => resolve()));
    }
  } finally {
    await session?.end();
    conn.destroy();
  }
};

function remoteOf(s: Duplex): string {
  const sock = s as Partial<net.Socket>;
  return sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort ?? 0}` : '';
}
