// The dev cluster process: one TLS port routed by ALPN, like a Teleport proxy with TLS
// routing (lib/srv/alpnproxy). This issue serves the web API (http/1.1); later ones add more.
import { createPublicKey } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { generateKey } from '../auth/keygen.js';
import { caAlgorithms, caPin, loadOrCreateAuthority, type Authority } from './authority.js';
import { demoConfig, type DevClusterConfig } from './config.js';
import { issueServerCert } from './tlsca.js';
import { WebApi } from './web.js';

export interface DevClusterOptions {
  config?: DevClusterConfig;
  /** host:port; port 0 picks a free one. Default 127.0.0.1:0. */
  listen?: string;
  dataDir?: string;
  /** Structured log sink; default: silent. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface ReadyInfo {
  proxy: string;
  cluster: string;
  ca_pin: string;
  signature_algorithm_suite: string;
}

export type AlpnHandler = (socket: tls.TLSSocket) => void;

export class DevCluster {
  readonly web: WebApi;
  private readonly tlsServer: tls.Server;
  private readonly httpServer: http.Server;
  private readonly handlers = new Map<string, AlpnHandler>();
  private readonly sockets = new Set<tls.TLSSocket>();
  private addr = '';

  private constructor(
    readonly config: DevClusterConfig,
    readonly authority: Authority,
    private readonly serverCert: { key: string; cert: string },
    private readonly log: NonNullable<DevClusterOptions['log']>,
  ) {
    this.web = new WebApi({ cfg: config, authority, publicAddr: () => this.addr, log });
    this.httpServer = http.createServer({ keepAliveTimeout: 5_000 }, this.web.handle);
    this.handlers.set('http/1.1', (s) => this.httpServer.emit('connection', s));
    this.tlsServer = tls.createServer({
      key: serverCert.key,
      cert: serverCert.cert,
      // Choose by the client's offer; unknown protocols get no_application_protocol.
      ALPNCallback: ({ protocols }) => protocols.find((p) => this.handlers.has(p)),
    });
    this.tlsServer.on('secureConnection', (s) => this.route(s));
    this.tlsServer.on('tlsClientError', (err) => log('tls handshake failed', { error: err.message }));
  }

  static async start(opts: DevClusterOptions = {}): Promise<DevCluster> {
    const cfg = opts.config ?? demoConfig();
    const log = opts.log ?? (() => {});
    const authority = await loadOrCreateAuthority(
      opts.dataDir,
      cfg.cluster_name,
      cfg.signature_algorithm_suite,
    );
    const { host, port } = parseListen(opts.listen ?? '127.0.0.1:0');
    const key = generateKey(caAlgorithms(authority.suite).tls);
    const cert = await issueServerCert({
      caCertPem: authority.hostTLS.certPem,
      caKey: authority.hostTLS.key,
      publicKey: createPublicKey(key),
      commonName: host === '0.0.0.0' || host === '::' ? 'localhost' : host,
      organization: cfg.cluster_name,
      dnsNames: ['localhost', `*.${cfg.cluster_name}`, cfg.cluster_name, ...(isIp(host) ? [] : [host])],
      ipAddresses: ['127.0.0.1', '::1', ...(isIp(host) && host !== '0.0.0.0' && host !== '::' ? [host] : [])],
      notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    });
    const dc = new DevCluster(
      cfg,
      authority,
      { key: key.export({ type: 'pkcs8', format: 'pem' }) as string, cert: cert + authority.hostTLS.certPem },
      log,
    );
    await dc.listen(host, port);
    return dc;
  }

  /** Later issues register gRPC, SSH, db and kube protocols here. */
  registerAlpn(protocol: string, handler: AlpnHandler): void {
    this.handlers.set(protocol, handler);
  }

  private route(s: tls.TLSSocket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    const proto = s.alpnProtocol || 'http/1.1';
    const h = this.handlers.get(proto);
    if (!h) {
      s.destroy();
      return;
    }
    h(s);
  }

  private listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tlsServer.once('error', reject);
      this.tlsServer.listen(port, host, () => {
        this.tlsServer.off('error', reject);
        const a = this.tlsServer.address() as AddressInfo;
        const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        this.addr = `${h.includes(':') ? `[${h}]` : h}:${a.port}`;
        this.log('listening', { addr: this.addr });
        resolve();
      });
    });
  }

  get proxyAddr(): string {
    return this.addr;
  }

  /** The one JSON line printed on stdout when ready (docs/devcluster.md). */
  readyInfo(): ReadyInfo {
    return {
      proxy: this.addr,
      cluster: this.config.cluster_name,
      ca_pin: caPin(this.authority.hostTLS.certPem),
      signature_algorithm_suite: this.authority.suite,
    };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.tlsServer.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.httpServer.closeAllConnections();
    });
    this.httpServer.close();
  }
}

function isIp(h: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(':');
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid --listen "${listen}"; expected HOST:PORT, e.g. 127.0.0.1:0`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in --listen "${listen}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
