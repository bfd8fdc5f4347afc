// The loopback side of the SSO console flow (lib/client/sso/redirector.go): an HTTP server on
// 127.0.0.1 (or --bind-addr) that serves a short link redirecting to the IdP and the /callback
// the proxy sends the browser to with the sealed login response (or `err`).
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TshError } from '../../util/errors.js';
import { SecretKey } from './secret.js';

/** Redirect targets on the proxy after the callback (lib/client/sso/redirector.go). */
export const LOGIN_SUCCESS_PATH = '/web/msg/info/login_success';
export const LOGIN_FAILED_PATH = '/web/msg/error/login';
/** defaults.SSOCallbackTimeout. */
export const SSO_CALLBACK_TIMEOUT_MS = 180_000;

const MAX_FORM = 1 << 20;

export interface RedirectorOptions {
  /** host:port of the proxy's web address, for the success/failure pages. */
  proxyAddr: string;
  /** --bind-addr: host:port to listen on instead of 127.0.0.1:<random>. */
  bindAddr?: string;
  /** --callback: the base URL given to the proxy instead of the listener's (needs bindAddr). */
  callbackAddr?: string;
}

function splitBind(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]*):(\d+)$/.exec(addr);
  if (!m) {
    throw new TshError(
      `could not bind to ${addr}, make sure the address is host:port format for ipv4 and [ipv6]:port format for ipv6, and the address is not in use`,
      'bad-parameter',
    );
  }
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

/** Unspecified listen hosts become 127.0.0.1 so the printed link can be clicked. */
function clickable(u: string): string {
  const url = new URL(u);
  const h = url.hostname.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '::' || h === '') url.hostname = '127.0.0.1';
  return url.toString();
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  if (req.method !== 'POST') return Promise.resolve(q);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM) req.destroy(new Error('form too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      // Go's ParseForm: body values first, then the query's.
      for (const [k, v] of q) body.append(k, v);
      resolve(body);
    });
    req.on('error', reject);
  });
}

export class Redirector {
  readonly key = SecretKey.generate();
  private server?: http.Server;
  private base = '';
  private readonly links = new Map<string, string>();
  private settled = false;
  private resolveResult!: (v: Buffer) => void;
  private rejectResult!: (e: Error) => void;
  private readonly result = new Promise<Buffer>((res, rej) => {
    this.resolveResult = res;
    this.rejectResult = rej;
  });
  private readonly proxyBase: string;

  constructor(private readonly opts: RedirectorOptions) {
    if (opts.callbackAddr && !opts.bindAddr)
      throw new TshError('--callback must be used with --bind-addr', 'bad-parameter');
    this.proxyBase = /^https?:\/\//.test(opts.proxyAddr) ? opts.proxyAddr : `https://${opts.proxyAddr}`;
    // Nobody may be waiting yet; the rejection is read by wait().
    this.result.catch(() => undefined);
  }

  /** Starts listening; the callback URL is known after this. */
  async start(): Promise<void> {
    const { host, port } = this.opts.bindAddr
      ? splitBind(this.opts.bindAddr)
      : { host: '127.0.0.1', port: 0 };
    const server = http.createServer((req, res) => this.handle(req, res));
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new TshError(
            `${err.message}: could not bind to ${this.opts.bindAddr ?? `${host}:${port}`}, make sure the address is host:port format for ipv4 and [ipv6]:port format for ipv6, and the address is not in use`,
            'bad-parameter',
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.base = this.opts.callbackAddr ? callbackBase(this.opts.callbackAddr) : `http://${h}:${a.port}`;
  }

  /** <base>/callback?secret_key=<hex>: what the proxy redirects the browser to. */
  get callbackURL(): string {
    const u = new URL(`${this.base}/callback`);
    u.search = new URLSearchParams({ secret_key: this.key.toString() }).toString();
    return u.toString();
  }

  /** A short link (<base>/<uuid>) that redirects to the IdP URL, as printed and opened. */
  shortLink(idpURL: string): string {
    const p = `/${randomUUID()}`;
    this.links.set(p, idpURL);
    return clickable(this.base + p);
  }

  /**
   * The decrypted login response, or the error of the callback, a timeout, or a cancel.
   * `signal` aborts with "canceled by user".
   */
  async wait(timeoutMs = SSO_CALLBACK_TIMEOUT_MS, signal?: AbortSignal): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TshError('timed out waiting for callback', 'connection-problem')),
        timeoutMs,
      );
    });
    const cancel = new Promise<never>((_, reject) => {
      const abort = () => reject(new TshError('canceled by user', 'internal', 130));
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
    });
    try {
      return await Promise.race([this.result, timeout, cancel]);
    } finally {
      clearTimeout(timer);
      this.settled = true;
    }
  }

  close(): void {
    this.settled = true;
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private redirect(res: ServerResponse, path: string): void {
    res.writeHead(302, { Location: new URL(path, this.proxyBase).toString() });
    res.end();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const link = this.links.get(url.pathname);
    if (link && req.method === 'GET') {
      res.writeHead(302, { Location: link });
      res.end();
      return;
    }
    if (url.pathname !== '/callback') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    res.setHeader('Allow', 'GET, OPTIONS, POST');
    // The reply is only ever a redirect, so it may be shared with any origin.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405);
      res.end();
      return;
    }
    readForm(req).then(
      (form) => this.callback(form, url, res),
      () => {
        res.writeHead(400);
        res.end();
      },
    );
  }

  private callback(form: URLSearchParams, url: URL, res: ServerResponse): void {
    if (this.settled) return this.redirect(res, LOGIN_FAILED_PATH);
    const idpErr = form.get('err');
    if (idpErr !== null) {
      this.settled = true;
      this.rejectResult(
        new TshError(`identity provider callback failed with error: ${idpErr}`, 'access-denied'),
      );
      return this.redirect(res, LOGIN_FAILED_PATH);
    }
    let plain: Buffer;
    try {
      plain = this.key.open(form.get('response') ?? '');
    } catch (err) {
      this.settled = true;
      // The URL is shown without its query: the sealed response is long and of no use to a person.
      this.rejectResult(
        new TshError(
          `failed to decrypt response: in ${url.pathname}, err: ${(err as Error).message}`,
          'bad-parameter',
        ),
      );
      return this.redirect(res, LOGIN_FAILED_PATH);
    }
    this.settled = true;
    this.resolveResult(plain);
    this.redirect(res, LOGIN_SUCCESS_PATH);
  }
}

/** --callback's base URL: https assumed when no scheme is given. */
export function callbackBase(addr: string): string {
  const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `https://${addr}`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
}
