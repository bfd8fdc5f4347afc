// HTTP forwarding of one app request (lib/srv/app's reverse proxy): the request goes to the scheme
// and host of the app's uri (its path is not used, as upstream) with the path, query and Host it
// came with (unless rewrite.headers sets a Host), the JWT and X-Forwarded-* headers; bodies stream
// both ways. An app that cannot be reached gives a 502 with a one-line reason. WebSocket (and any
// other Upgrade) requests are relayed as raw bytes once the app answers 101.
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import type { AppDef } from './config.js';
import { appRequestHeaders, HOP_BY_HOP } from './headers.js';

export interface ForwardOptions {
  jwt: string;
  traits: Record<string, string[]>;
  clientIp: string;
  /** The app's connection pool (an http.Agent or https.Agent with keep-alive); none: one per request. */
  agent?: http.Agent | https.Agent;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** A keep-alive pool for one app's connections. */
export function appAgent(app: AppDef): http.Agent {
  const opts = { keepAlive: true, maxFreeSockets: 16 };
  return app.uri.startsWith('https:') ? new https.Agent(opts) : new http.Agent(opts);
}

/** What forwarding reads of a request: HTTP/1.1 and HTTP/2 (compatibility API) both fit. */
export type AppRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type AppResponse = http.ServerResponse | http2.Http2ServerResponse;

const SERVER_NAME = os.hostname();

/** The request to send to the app for `req`. */
function appRequest(req: AppRequest, app: AppDef, o: ForwardOptions, upgrade?: string): https.RequestOptions {
  const base = new URL(app.uri);
  const upstreamTls = base.protocol === 'https:';
  const url = req.url || '/';
  const abs = url.startsWith('/') ? undefined : new URL(url, base.origin);
  const clientHost = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? base.host;
  const { headers, host } = appRequestHeaders(
    req.headers,
    req.rawHeaders,
    { clientIp: o.clientIp, host: clientHost, tls: true, upstreamTls, serverName: SERVER_NAME },
    o.jwt,
    app.headers,
    o.traits,
  );
  headers.host = host;
  if (upgrade) {
    headers.connection = 'Upgrade';
    headers.upgrade = upgrade;
  }
  return {
    protocol: base.protocol === 'https:' ? 'https:' : 'http:',
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port || (upstreamTls ? 443 : 80),
    method: req.method,
    path: abs ? abs.pathname + abs.search : url,
    headers,
    servername: upstreamTls ? base.hostname : undefined,
    rejectUnauthorized: upstreamTls ? !app.insecureSkipVerify : undefined,
    // Kept-alive connections per app (ForwardOptions.agent); upgrades get their own.
    agent: upgrade ? false : o.agent,
  };
}

function send(opts: https.RequestOptions): http.ClientRequest {
  return opts.protocol === 'https:' ? https.request(opts) : http.request(opts);
}

function unreachable(app: AppDef, err: Error): string {
  return `failed to connect to application "${app.name}" at ${app.uri}: ${err.message}`;
}

/** The app's response headers without hop-by-hop ones. */
function responseHeaders(up: http.IncomingMessage): http.OutgoingHttpHeaders {
  const h: http.OutgoingHttpHeaders = {};
  const tokens = new Set(
    String(up.headers.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase()),
  );
  for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
    const lower = up.rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) || tokens.has(lower)) continue;
    const prev = h[lower];
    h[lower] = prev === undefined ? up.rawHeaders[i + 1] : [prev, up.rawHeaders[i + 1]].flat().map(String);
  }
  return h;
}

/** Forwards req to the app and its answer to res; resolves when the exchange is over. */
export function forwardHttp(
  req: AppRequest,
  res: AppResponse,
  app: AppDef,
  o: ForwardOptions,
): Promise<void> {
  const r = res as http.ServerResponse;
  return new Promise<void>((resolve) => {
    const out = send(appRequest(req, app, o));
    out.on('error', (err) => {
      o.log?.('app: request failed', { app: app.name, error: err.message });
      if (!r.headersSent) {
        const text = unreachable(app, err) + '\n';
        r.writeHead(502, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        r.end(text);
      } else {
        r.destroy(err);
      }
      resolve();
    });
    out.on('response', (up) => {
      r.writeHead(up.statusCode ?? 502, responseHeaders(up));
      up.pipe(r);
      up.on('error', (err) => r.destroy(err));
      r.on('close', () => {
        if (!up.complete) up.destroy();
        resolve();
      });
    });
    // The client went away before the app answered: stop the app request too.
    r.on('close', () => {
      if (!r.writableFinished) out.destroy();
      resolve();
    });
    req.pipe(out);
    req.on('error', (err: Error) => out.destroy(err));
  });
}

/**
 * An Upgrade request (WebSocket): sent to the app with its Upgrade header; a 101 answer is written
 * back raw and the two sockets are joined, any other answer is passed on and the socket closed.
 */
export function forwardUpgrade(
  req: http.IncomingMessage,
  socket: net.Socket,
  head: Buffer,
  app: AppDef,
  o: ForwardOptions,
): void {
  const out = send(appRequest(req, app, o, String(req.headers.upgrade ?? 'websocket')));
  const reply = (status: number, statusMessage: string, headers: string[], body = '') => {
    const lines = [`HTTP/1.1 ${status} ${statusMessage}`];
    for (let i = 0; i + 1 < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n' + body);
  };
  out.on('upgrade', (up, upSocket, upHead) => {
    reply(101, up.statusMessage || 'Switching Protocols', up.rawHeaders);
    if (head.length) upSocket.write(head);
    if (upHead.length) socket.write(upHead);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
  });
  out.on('response', (up) => {
    // The app declined the upgrade: its answer, then the connection ends.
    const h = responseHeaders(up);
    const raw = Object.entries(h).flatMap(([k, v]) => [v].flat().flatMap((x) => [k, String(x)]));
    reply(up.statusCode ?? 502, up.statusMessage ?? '', [...raw, 'connection', 'close']);
    up.pipe(socket);
  });
  out.on('error', (err) => {
    o.log?.('app: upgrade failed', { app: app.name, error: err.message });
    const text = unreachable(app, err) + '\n';
    reply(
      502,
      'Bad Gateway',
      [
        'content-type',
        'text/plain; charset=utf-8',
        'content-length',
        String(Buffer.byteLength(text)),
        'connection',
        'close',
      ],
      text,
    );
    socket.end();
  });
  socket.on('error', () => out.destroy());
  out.end();
}
