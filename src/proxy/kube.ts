// `proxy kube`'s local proxy (tool/tsh/common/kube_proxy.go, lib/srv/alpnproxy/kube.go): kubectl
// talks HTTPS to a local TLS listener through a local CONNECT forward proxy (src/proxy/kubeforward.ts;
// the tunnelled bytes are handed to the TLS server in-process). The listener presents the local CA
// of the Teleport cluster named in the SNI (hex(kube).<cluster>, src/proxy/kubesni.ts) and requires
// kubectl to present that same CA certificate. Each request is forwarded over HTTP/1.1 to the
// Teleport proxy with SNI kube-teleport-proxy-alpn.<host>, the kube certificate of the kube cluster
// in the SNI, and the proxy verified against the cluster CAs; a WebSocket/SPDY upgrade (exec,
// attach, port-forward) becomes a raw byte relay once the proxy answers 101. An expired kube
// certificate is reissued on the next request while the listener stays up.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { TshError } from '../util/errors.js';
import { listenForwardProxy } from './kubeforward.js';
import { createKubeLocalCA, newLocalKey, type LocalCA, type LocalKey } from './kubelocalca.js';
import {
  kubeClusterFromSNI,
  kubeLocalProxySNI,
  kubeTlsServerName,
  teleportClusterFromSNI,
} from './kubesni.js';

export interface KubeClientCert {
  certPem: string;
  keyPem: string;
  expires: Date;
}

export interface KubeProxyTarget {
  teleportCluster: string;
  kubeCluster: string;
}

export interface KubeLocalProxyOptions {
  targets: KubeProxyTarget[];
  /** The certificate of each target, by kubeLocalProxySNI(teleportCluster, kubeCluster). */
  certs: Map<string, KubeClientCert>;
  /** Issues a fresh certificate for a target whose certificate expired. */
  reissue: (target: KubeProxyTarget) => Promise<KubeClientCert>;
  /** The Teleport proxy's web (TLS routing) address. */
  proxyHost: string;
  proxyPort: number;
  /** The cluster CAs (PEM): the only roots the proxy's certificate is checked against. */
  ca: string[];
  insecure?: boolean;
  /** --port; undefined or 0 = a random free port. */
  port?: number;
  now?: () => number;
  /** Per-connection problems (the listener keeps running). */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** certReissueClientWait: how long a request waits for a reissue before answering 504. */
export const CERT_REISSUE_CLIENT_WAIT_MS = 3_000;

// RFC 7230 hop-by-hop headers, plus the ones Go's reverse proxy also drops.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

interface Route {
  target: KubeProxyTarget;
  sni: string;
}

/** A Kubernetes metav1.Status body, so kubectl prints `Error from server (<reason>): <message>`. */
export function kubeStatus(code: number, reason: string, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class KubeLocalProxy {
  readonly localKey: LocalKey;
  readonly localCAs = new Map<string, LocalCA>();
  private readonly caDer = new Map<string, Buffer>();
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly certs: Map<string, KubeClientCert>;
  private readonly agents = new Map<string, { pem: string; agent: https.Agent }>();
  private readonly reissuing = new Map<string, Promise<KubeClientCert>>();
  private readonly sockets = new Set<Duplex>();
  private readonly upstreamSNI: string;
  private tlsServer!: https.Server;
  private forward!: net.Server;
  port = 0;

  private constructor(readonly o: KubeLocalProxyOptions) {
    this.localKey = newLocalKey();
    this.certs = new Map(o.certs);
    this.upstreamSNI = kubeTlsServerName(o.proxyHost);
  }

  static async start(o: KubeLocalProxyOptions): Promise<KubeLocalProxy> {
    const p = new KubeLocalProxy(o);
    await p.init();
    return p;
  }

  /** The forward proxy's address (what kubeconfig's proxy-url names and upstream prints). */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private async init(): Promise<void> {
    for (const tc of new Set(this.o.targets.map((t) => t.teleportCluster))) {
      const ca = await createKubeLocalCA(this.localKey, tc);
      this.localCAs.set(tc, ca);
      this.caDer.set(tc, new X509Certificate(ca.certPem).raw);
      this.contexts.set(tc, tls.createSecureContext({ cert: ca.certPem, key: ca.keyPem, ca: ca.certPem }));
    }
    this.tlsServer = https.createServer(
      {
        // NewKubeListener: the CA of the SNI's Teleport cluster, and a client certificate signed by it.
        SNICallback: (name, cb) => {
          const ctx = this.contexts.get(teleportClusterFromSNI(name));
          if (ctx) cb(null, ctx);
          else cb(new Error(`unknown Teleport cluster or invalid TLS server name ${name}`));
        },
        ca: [...this.localCAs.values()].map((c) => c.certPem),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['http/1.1'],
      },
      (req, res) => void this.onRequest(req, res),
    );
    this.tlsServer.requestTimeout = 0;
    this.tlsServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(req, socket, head);
    });
    this.tlsServer.on('tlsClientError', (err) =>
      this.o.log?.('local TLS handshake failed', { error: err.message }),
    );
    this.tlsServer.on('clientError', (_err, socket) => socket.destroy());
    try {
      this.forward = await listenForwardProxy(this.o.port ?? 0, (socket, rest) => {
        if (rest.length) socket.unshift(rest);
        this.tlsServer.emit('connection', socket);
        socket.resume();
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') {
        throw new TshError(
          `port ${this.o.port} is already in use on 127.0.0.1: choose another --port`,
          'bad-parameter',
        );
      }
      if (e.code === 'EACCES') {
        throw new TshError(
          `not allowed to listen on port ${this.o.port} on 127.0.0.1: choose another --port`,
          'bad-parameter',
        );
      }
      throw err;
    }
    this.forward.on('connection', (s: net.Socket) => this.track(s));
    this.port = (this.forward.address() as net.AddressInfo).port;
  }

  private track(s: Duplex): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** Stops listening and cuts every open connection (a `logs -f` or an exec included). */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => (this.forward ? this.forward.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    for (const a of this.agents.values()) a.agent.destroy();
    this.tlsServer?.close();
    await closed;
  }

  /** The kube cluster a TLS connection is for, after checking kubectl presented the local CA. */
  private route(socket: tls.TLSSocket): Route {
    const sni = socket.servername || '';
    const teleportCluster = teleportClusterFromSNI(sni);
    const kubeCluster = kubeClusterFromSNI(sni);
    const der = this.caDer.get(teleportCluster);
    const peer = socket.getPeerCertificate();
    if (!der || !peer?.raw || !der.equals(peer.raw)) {
      throw new StatusError(401, 'Unauthorized', 'the client certificate is not the local proxy certificate');
    }
    const target = this.o.targets.find(
      (t) => t.teleportCluster === teleportCluster && t.kubeCluster === kubeCluster,
    );
    if (!target) throw new StatusError(404, 'NotFound', `no client cert found for ${sni}`);
    return { target, sni };
  }

  /** The target's certificate, reissued first when it has expired (KubeMiddleware.HandleRequest). */
  private async cert(r: Route): Promise<KubeClientCert> {
    const now = this.o.now?.() ?? Date.now();
    const have = this.certs.get(r.sni);
    if (have && have.expires.getTime() > now) return have;
    let pending = this.reissuing.get(r.sni);
    if (!pending) {
      this.o.log?.('kube certificate expired, reissuing', { ...r.target });
      pending = this.o.reissue(r.target).then(
        (c) => {
          this.certs.set(r.sni, c);
          this.reissuing.delete(r.sni);
          return c;
        },
        (err: unknown) => {
          this.reissuing.delete(r.sni);
          throw err;
        },
      );
      pending.catch(() => undefined);
      this.reissuing.set(r.sni, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StatusError(504, 'Timeout', 'Local Teleport Kube proxy requires user input to continue'),
          ),
        CERT_REISSUE_CLIENT_WAIT_MS,
      );
    });
    try {
      return await Promise.race([pending, wait]);
    } catch (err) {
      if (err instanceof StatusError) throw err;
      this.o.log?.('Failed to reissue certificate', {
        ...r.target,
        error: (err as Error).message,
        level: 'error',
      });
      const code = err instanceof TshError && err.kind === 'access-denied' ? 403 : 500;
      throw new StatusError(code, code === 403 ? 'Forbidden' : 'InternalError', (err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One keep-alive agent per kube certificate, replaced when the certificate is. */
  private agent(sni: string, c: KubeClientCert): https.Agent {
    const have = this.agents.get(sni);
    if (have?.pem === c.certPem) return have.agent;
    have?.agent.destroy();
    const agent = new https.Agent({
      keepAlive: true,
      cert: c.certPem,
      key: c.keyPem,
      ca: this.o.ca,
      servername: this.upstreamSNI,
      rejectUnauthorized: !this.o.insecure,
      ALPNProtocols: ['http/1.1'],
    });
    this.agents.set(sni, { pem: c.certPem, agent });
    return agent;
  }

  private async upstreamRequest(
    req: IncomingMessage,
    upgrade: boolean,
  ): Promise<ReturnType<typeof https.request>> {
    const r = this.route(req.socket as tls.TLSSocket);
    const c = await this.cert(r);
    const headers: [string, string][] = [];
    const raw = req.rawHeaders;
    let host = '';
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!;
      const lk = k.toLowerCase();
      if (lk === 'host') host = raw[i + 1]!;
      if (HOP_BY_HOP.has(lk) || lk === 'x-forwarded-host') continue;
      headers.push([k, raw[i + 1]!]);
    }
    if (upgrade) headers.push(['Connection', 'Upgrade'], ['Upgrade', req.headers.upgrade ?? '']);
    // A non-local Host travels on as X-Forwarded-Host (the local proxy's HTTP middleware).
    if (host && !/^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(host))
      headers.push(['X-Forwarded-Host', host]);
    return https.request({
      host: this.o.proxyHost,
      port: this.o.proxyPort,
      method: req.method,
      path: req.url,
      headers: headers.flat() as unknown as Record<string, string>,
      agent: this.agent(r.sni, c),
      servername: this.upstreamSNI,
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let up: ReturnType<typeof https.request>;
    try {
      up = await this.upstreamRequest(req, false);
    } catch (err) {
      sendStatus(res, err);
      req.resume();
      return;
    }
    up.on('response', (upRes) => {
      const out: string[] = [];
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2)
        if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, out);
      res.flushHeaders();
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    up.on('error', (err) => {
      this.o.log?.('Failed to reach the Teleport proxy', { error: err.message, level: 'error' });
      if (!res.headersSent)
        sendStatus(res, new StatusError(502, 'ServiceUnavailable', upstreamMessage(err, this.where)));
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  private get where(): string {
    return `${this.o.proxyHost}:${this.o.proxyPort}`;
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.track(socket);
    socket.on('error', () => socket.destroy());
    let up: ReturnType<typeof https.request>;
    try {
      up = await this.upstreamRequest(req, true);
    } catch (err) {
      writeRawStatus(socket, err);
      return;
    }
    up.on('upgrade', (upRes, upSocket, upHead) => {
      this.track(upSocket);
      let text = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
      socket.write(`${text}\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    // Refused upgrades (RBAC, a bad request) come back as a plain response: pass it on and close.
    up.on('response', (upRes) => {
      let text = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
      }
      socket.write(`${text}Connection: close\r\n\r\n`);
      upRes.pipe(socket);
      upRes.on('error', () => socket.destroy());
    });
    up.on('error', (err) => {
      this.o.log?.('Failed to reach the Teleport proxy', { error: err.message, level: 'error' });
      writeRawStatus(socket, new StatusError(502, 'ServiceUnavailable', upstreamMessage(err, this.where)));
    });
    up.end();
  }
}

function upstreamMessage(err: Error, where: string): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (/^(UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_CERT_ALTNAME)/.test(code)) {
    return `the certificate of the Teleport proxy ${where} could not be verified: ${err.message}`;
  }
  return `cannot reach the Teleport proxy ${where}: ${err.message}`;
}

function statusOf(err: unknown): StatusError {
  return err instanceof StatusError ? err : new StatusError(500, 'InternalError', (err as Error).message);
}

function sendStatus(res: ServerResponse, err: unknown): void {
  const s = statusOf(err);
  const body = kubeStatus(s.code, s.reason, s.message);
  res.writeHead(s.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function writeRawStatus(socket: Duplex, err: unknown): void {
  const s = statusOf(err);
  const body = kubeStatus(s.code, s.reason, s.message);
  socket.end(
    `HTTP/1.1 ${s.code} ${s.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export { kubeLocalProxySNI };
