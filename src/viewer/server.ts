// The viewer's local HTTP server on 127.0.0.1: the page (once, for the link secret), its script
// and one WebSocket (for the page token), nothing else. Every request must name this server in
// Host (a DNS-rebinding page cannot), the WebSocket must come from this server's own origin, and
// every answer forbids caching, framing and referrers. See secret.ts and docs/desktop-viewer.md.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { TshError } from '../util/errors.js';
import { acceptKey, validKey } from '../wire/websocket.js';
import { pageHtml, VIEWER_SCRIPT } from './page.js';
import { ViewerSecrets } from './secret.js';
import { ServerSocket } from './socket.js';

export interface ViewerServerEvents {
  /** The page was loaded (the link secret is spent). */
  page: [];
  /** A request that presented a spent secret or token: someone else has (or had) the link. */
  refused: [{ what: 'page' | 'websocket'; reason: string }];
  socket: [ServerSocket];
}

export interface ViewerServerOptions {
  /** 0 (default): any free port. */
  port?: number;
  title?: string;
  secrets?: ViewerSecrets;
}

const SECRET = '([A-Za-z0-9_-]{1,128})';
const PAGE_PATH = new RegExp(`^/${SECRET}/?$`);
const SCRIPT_PATH = new RegExp(`^/${SECRET}/viewer\\.js$`);
const SOCKET_PATH = new RegExp(`^/${SECRET}/ws$`);

export class ViewerServer extends EventEmitter<ViewerServerEvents> {
  readonly secrets: ViewerSecrets;
  private readonly server: http.Server;
  private readonly title: string;
  private port = 0;
  private readonly sockets = new Set<Duplex>();

  private constructor(opts: ViewerServerOptions) {
    super();
    this.secrets = opts.secrets ?? new ViewerSecrets();
    this.title = opts.title ?? 'tshjs desktop';
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on 127.0.0.1 (only: the page gives control of a desktop). */
  static async start(opts: ViewerServerOptions = {}): Promise<ViewerServer> {
    const v = new ViewerServer(opts);
    await new Promise<void>((resolve, reject) => {
      v.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new TshError(
            `cannot serve the viewer on 127.0.0.1:${opts.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`,
            'bad-parameter',
          ),
        ),
      );
      v.server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    v.port = (v.server.address() as AddressInfo).port;
    return v;
  }

  /** The one URL that opens the viewer (carries the link secret). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/${this.secrets.link}`;
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Host must name this server: a page on another site that rebinds its name to 127.0.0.1 cannot. */
  private hostOk(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!;
    const reply = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = (status: number, body: string) => reply(status, 'text/plain; charset=utf-8', `${body}\n`);
    if (!this.hostOk(req.headers.host)) return text(421, 'misdirected request');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed');

    const script = SCRIPT_PATH.exec(path);
    if (script) {
      if (!this.secrets.checkToken(script[1])) return text(404, 'not found');
      return reply(200, 'text/javascript; charset=utf-8', VIEWER_SCRIPT);
    }
    const page = PAGE_PATH.exec(path);
    if (!page) return text(404, 'not found');
    const claim = this.secrets.claimPage(page[1]);
    if (!claim.ok) {
      if (claim.reason === 'used') {
        this.emit('refused', { what: 'page', reason: 'the viewer link was already used' });
        return text(
          403,
          'This viewer link was already used: it opens one page only. Run "tshjs desktop connect" again for a new one.',
        );
      }
      return text(404, 'not found');
    }
    const host = req.headers.host!;
    reply(200, 'text/html; charset=utf-8', pageHtml(claim.token, this.title), {
      'Content-Security-Policy': [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'unsafe-inline'",
        `connect-src ws://${host}`,
        // The desktop's pointer shape is the canvas's CSS cursor, a PNG data: URL (page.ts); CSS
        // cursor images are fetched as images, so img-src governs them. data: only: nothing else loads.
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    });
    this.emit('page');
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: string, body: string) => {
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length + 1}\r\nConnection: close\r\n\r\n${body}\n`,
      );
    };
    const path = (req.url ?? '').split('?')[0]!;
    const m = SOCKET_PATH.exec(path);
    const host = req.headers.host;
    if (!m || !this.hostOk(host)) return refuse('404 Not Found', 'not found');
    // Browsers always send Origin on a WebSocket; only this server's own page may connect.
    if (req.headers.origin !== `http://${host}`) return refuse('403 Forbidden', 'forbidden');
    const key = req.headers['sec-websocket-key'];
    if (
      req.method !== 'GET' ||
      (req.headers.upgrade ?? '').toLowerCase() !== 'websocket' ||
      req.headers['sec-websocket-version'] !== '13' ||
      !validKey(key)
    ) {
      return refuse('400 Bad Request', 'bad WebSocket request');
    }
    const claim = this.secrets.claimSocket(m[1]);
    if (claim !== 'ok') {
      if (claim === 'used') {
        this.emit('refused', { what: 'websocket', reason: 'the viewer page is already connected' });
      }
      return refuse('403 Forbidden', 'forbidden');
    }
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${acceptKey(key!)}`,
        '',
        '',
      ].join('\r\n'),
    );
    (socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
    this.emit('socket', new ServerSocket(socket, { head }));
  }
}
