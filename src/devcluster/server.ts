// The dev cluster process: one TCP port routed by the TLS ClientHello's ALPN, like a Teleport
// proxy with TLS routing (lib/srv/alpnproxy): the web API (http/1.1), the proxy's gRPC
// service (teleport-proxy-ssh-grpc / teleport-proxy-grpc-mtls) and the Auth service
// (teleport-auth@<hex cluster>.teleport.cluster.local), each with its own certificate.
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import http2 from 'node:http2';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { generateKey } from '../auth/keygen.js';
import {
  ALPN_AUTH_PREFIX,
  ALPN_PROXY_SSH,
  ALPN_PROXY_GRPC_MTLS,
  ALPN_PROXY_SSH_GRPC,
  decodeClusterName,
  encodeClusterName,
} from '../wire/alpn.js';
import { AuthServiceService } from '../gen/teleport/legacy/client/proto/authservice.js';
import { TransportServiceService } from '../gen/teleport/transport/v1/transport_service.js';
import { peekClientHello } from '../wire/clienthello.js';
import { authService } from './authservice.js';
import { caAlgorithms, caPin, loadOrCreateAuthority, type Authority } from './authority.js';
import { demoConfig, type DevClusterConfig } from './config.js';
import { Catalog, stableId } from './resources.js';
import { SshNode } from './node.js';
import { issueServerCert, issueTlsCert } from './tlsca.js';
import { proxySsh } from './proxyssh.js';
import { decodeProxySshRequest, encodeProxySshResponse } from './proxysshcodec.js';
import { ProxySshServer } from './proxysshserver.js';
import { presenceService } from './presenceservice.js';
import { PresenceServiceService } from '../gen/teleport/presence/v1/service.js';
import { transportService } from './transportservice.js';
import { desktopServiceCert, WindowsDesktopService, type DesktopServiceCert } from './desktop/service.js';
import { startShadowDesktops, type ShadowDesktops } from './desktop/shadow.js';
import { WebApi } from './web.js';
import { DATABASE_ALPN, DatabaseService } from './db/service.js';
import { postgresEngine } from './db/postgres.js';
import { mysqlEngine } from './db/mysql.js';
import { isKubeSni, KubeService } from './kube/service.js';
import { AppService } from './apps/service.js';
import { ALPN_TCP, ALPN_TCP_PING } from './apps/tcp.js';
import { setAppAuditLog } from './apps/audit.js';
import { AuditLog } from './audit/log.js';
import { inProcessTunnel } from './appauth/authclient.js';
import { setupAppAuth } from './appauth/setup.js';

export interface DevClusterOptions {
  config?: DevClusterConfig;
  /** host:port; port 0 picks a free one. Default 127.0.0.1:0. */
  listen?: string;
  dataDir?: string;
  /** Structured log sink; default: silent. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Pings on "-ping" database connections this often (default 30 s, ProxyPingInterval). */
  dbPingIntervalMs?: number;
}

export interface ReadyInfo {
  proxy: string;
  /** Separate-port mode only: the proxy's SSH/gRPC port. */
  ssh_proxy?: string;
  cluster: string;
  ca_pin: string;
  signature_algorithm_suite: string;
}

/** Handler for a TLS-terminated web-port connection with a given ALPN. */
export type AlpnHandler = (socket: tls.TLSSocket) => void;

interface ServerCert {
  key: string;
  cert: string;
}

const CERT_TTL_MS = 365 * 24 * 3600_000;

/**
 * The HTTP/2 receive window of the proxy's gRPC connections and streams. With HTTP/2's 64 KiB a
 * client relaying bulk SSH to a node (an upload through ProxySSH) sends one frame and then waits
 * for this process to read it and say so; the client side does the same (client/grpc/dial.ts).
 */
const RECEIVE_WINDOW = 4 << 20;

function pem(k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A host identity cert as Teleport services carry: CN <host>.<cluster>, O <role>, cluster OID. */
async function hostCert(a: Authority, role: 'Proxy' | 'Auth', hostId: string): Promise<ServerCert> {
  const key = generateKey(caAlgorithms(a.suite).tls);
  const cert = await issueTlsCert({
    caCertPem: a.hostTLS.certPem,
    caKey: a.hostTLS.key,
    publicKey: createPublicKey(key),
    notAfter: new Date(Date.now() + CERT_TTL_MS),
    identity: { username: `${hostId}.${a.clusterName}`, groups: [role], teleportCluster: a.clusterName },
    dnsNames: [
      '*.teleport.cluster.local',
      'teleport.cluster.local',
      encodeClusterName(a.clusterName),
      'localhost',
    ],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  return { key: pem(key), cert };
}

async function webCert(a: Authority, host: string, cfg: DevClusterConfig): Promise<ServerCert> {
  const key = generateKey(caAlgorithms(a.suite).tls);
  const wildcard = host === '0.0.0.0' || host === '::';
  const cert = await issueServerCert({
    caCertPem: a.hostTLS.certPem,
    caKey: a.hostTLS.key,
    publicKey: createPublicKey(key),
    commonName: wildcard ? 'localhost' : host,
    organization: cfg.cluster_name,
    dnsNames: ['localhost', `*.${cfg.cluster_name}`, cfg.cluster_name, ...(net.isIP(host) ? [] : [host])],
    ipAddresses: ['127.0.0.1', '::1', ...(net.isIP(host) && !wildcard ? [host] : [])],
    notAfter: new Date(Date.now() + CERT_TTL_MS),
  });
  return { key: pem(key), cert: cert + a.hostTLS.certPem };
}

export class DevCluster {
  readonly web: WebApi;
  readonly catalog: Catalog;
  private readonly listener: net.Server;
  private readonly webTls: tls.Server;
  private readonly proxyTls: tls.Server;
  private readonly authTls: tls.Server;
  private readonly httpServer: http.Server;
  private readonly proxyGrpc = new GrpcServer();
  private readonly authGrpc = new GrpcServer();
  private readonly handlers = new Map<string, AlpnHandler>();
  private readonly proxySshServer: ProxySshServer;
  /** The Windows Desktop Service ProxyWindowsDesktopSession relays to. */
  readonly desktopService: WindowsDesktopService;
  /** The database service behind the database ALPN protocols (src/devcluster/db/service.ts). */
  readonly databaseService: DatabaseService;
  /** Kubernetes access, routed by SNI kube-teleport-proxy-alpn.* (src/devcluster/kube/service.ts). */
  readonly kubeService: KubeService;
  /** Application access: app sessions, HTTP and TCP forwarding (src/devcluster/apps/service.ts). */
  readonly appService: AppService;
  /** The cluster audit log (<data_dir>/log/events.log with a data dir). */
  readonly audit: AuditLog;
  /** App auth configs: CreateAppSessionWithJWT on Auth and the proxy's bearer handler. */
  private readonly appAuth: { close(): void };
  /** In-process SSH nodes (config nodes without an address). */
  readonly sshNodes: SshNode[] = [];
  /** Where in-process nodes write session recordings (`<session id>.tar`). */
  recordingsDir = '';
  /** The recordings dir is a temp dir (no --data-dir): removed on stop. */
  private tempRecordings = false;
  private readonly sockets = new Set<net.Socket>();
  /** Separate-port mode (tls_routing: false): the proxy's own port for gRPC, like 3023. */
  private readonly sshListener?: net.Server;
  /** Stops the shadow desktops this cluster started (`desktops[].shadow`). */
  private stopShadowDesktops: () => Promise<void> = async () => {};
  private addr = '';
  private sshAddr = '';

  private constructor(
    readonly config: DevClusterConfig,
    readonly authority: Authority,
    certs: { web: ServerCert; proxy: ServerCert; auth: ServerCert; desktop: DesktopServiceCert },
    private readonly log: NonNullable<DevClusterOptions['log']>,
    opts: Pick<DevClusterOptions, 'dbPingIntervalMs' | 'dataDir'> = {},
  ) {
    this.catalog = new Catalog(config);
    this.audit = new AuditLog(opts.dataDir ? { file: path.join(opts.dataDir, 'log', 'events.log') } : {});
    setAppAuditLog(authority, this.audit);
    this.appService = new AppService({
      config,
      authority,
      audit: this.audit,
      log,
      pingIntervalMs: opts.dbPingIntervalMs,
    });
    this.web = new WebApi({ cfg: config, authority, publicAddr: () => this.addr, log });
    // A request to an app's public address without a client certificate may carry an app auth
    // config bearer token (AppService.handlePublic); everything else is the web API.
    this.httpServer = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) =>
      this.appService.handlePublic(req, res, this.web.handle),
    );
    this.handlers.set('http/1.1', (s) => this.httpServer.emit('connection', s));
    // Legacy SSH to the proxy (ALPN teleport-proxy-ssh inside TLS, or the separate proxy port).
    this.proxySshServer = new ProxySshServer(
      authority,
      this.catalog,
      ['localhost', '127.0.0.1', '::1', config.cluster_name, `proxy.${config.cluster_name}`],
      log,
    );
    this.handlers.set(ALPN_PROXY_SSH, (s) => this.proxySshServer.inject(s));
    // TCP apps (lib/srv/alpnproxy: teleport-tcp, and its -ping variant).
    for (const p of [ALPN_TCP, ALPN_TCP_PING]) this.handlers.set(p, (s) => this.appService.handleTcp(s));
    this.desktopService = new WindowsDesktopService(
      { config, authority, catalog: this.catalog, recordingsDir: () => this.recordingsDir, log },
      certs.desktop,
    );

    // Database connections (lib/service/service.go registers the Postgres and MySQL proxies on
    // the ALPN router): a web-TLS client certificate with RouteToDatabase is the tunnel path.
    this.databaseService = new DatabaseService({
      config,
      authority,
      recordingsDir: () => this.recordingsDir,
      log,
      serverCert: certs.web,
      engines: { postgres: postgresEngine, mysql: mysqlEngine },
      pingIntervalMs: opts.dbPingIntervalMs,
    });
    this.kubeService = new KubeService({ config, authority, recordingsDir: () => this.recordingsDir, log });
    for (const p of DATABASE_ALPN) {
      this.handlers.set(p, (s) => this.databaseService.handle(s, offeredAlpn.get(rawSocketOf(s)) ?? []));
    }

    this.webTls = tls.createServer({
      ...certs.web,
      // setupTLSConfigClientCAGeneratorForCluster: VerifyClientCertIfGiven with the user CA, so
      // database tunnels (and app access) can present a certificate and browsers need not. Node
      // does not fail the handshake for an unverified certificate: `authorized` says it.
      requestCert: true,
      rejectUnauthorized: false,
      ca: [authority.userTLS.certPem],
      // Choose by the client's offer; unknown protocols get no_application_protocol.
      // h2 only when nothing else fits: only app connections serve it (below).
      ALPNCallback: ({ protocols }) =>
        protocols.find((p) => this.handlers.has(p)) ?? (protocols.includes('h2') ? 'h2' : undefined),
    });
    this.webTls.on('secureConnection', (s) => {
      guard(s);
      // alpnproxy handleConn: a database identity in the web TLS goes to the database handler,
      // whatever the ALPN (tsh's tunnel).
      if (!DatabaseService.selects(s.alpnProtocol || '') && DatabaseService.tunnelIdentityOf(s)) {
        this.databaseService.handle(s, offeredAlpn.get(rawSocketOf(s)) ?? []);
        return;
      }
      // app.HasClientCert: a web request with an app certificate is an app request.
      const alpn = s.alpnProtocol || 'http/1.1';
      if ((alpn === 'http/1.1' || alpn === 'h2') && AppService.presentedAppIdentity(s)) {
        this.appService.handleCertConnection(s);
        return;
      }
      const h = this.handlers.get(alpn);
      if (h) h(s);
      else s.destroy();
    });

    // Both gRPC services require a client certificate issued by the user CA.
    const mtls = { requestCert: true, rejectUnauthorized: true, ca: [authority.userTLS.certPem] };
    this.proxyGrpc.addService(
      transportServiceDefinition(),
      transportService({
        clusterName: config.cluster_name,
        dialAuth: (conn) => this.authTls.emit('connection', conn),
        proxySsh: proxySsh({
          clusterName: config.cluster_name,
          catalog: this.catalog,
          log,
          enabled: config.grpc_proxy_ssh,
        }),
        desktops: this.desktopService,
      }),
    );
    const proxyInject = withReceiveWindow(RECEIVE_WINDOW, () =>
      this.proxyGrpc.createConnectionInjector(ServerCredentials.createInsecure()),
    );
    this.proxyTls = tls.createServer({
      ...certs.proxy,
      ...mtls,
      ALPNProtocols: [ALPN_PROXY_SSH_GRPC, ALPN_PROXY_GRPC_MTLS, 'h2'],
    });
    this.proxyTls.on('secureConnection', (s) => proxyInject.injectConnection(guard(s)));

    this.authGrpc.addService(
      AuthServiceService,
      authService({
        cfg: config,
        catalog: this.catalog,
        publicAddr: () => this.addr,
        recordingsDir: () => this.recordingsDir,
        authority,
        sessionTrackers: this.kubeService.trackers,
        log,
      }),
    );
    this.authGrpc.addService(PresenceServiceService, presenceService(config));
    this.appAuth = setupAppAuth({
      config,
      authority,
      audit: this.audit,
      appService: this.appService,
      authGrpc: this.authGrpc,
      proxyIdentity: certs.proxy,
      addr: () => this.addr,
      authTunnel: config.tls_routing ? undefined : () => inProcessTunnel(this.authTls)(),
      log,
    });
    const authInject = this.authGrpc.createConnectionInjector(ServerCredentials.createInsecure());
    // Auth also trusts the host CA: Teleport services (the proxy's own identity) call it.
    const authCAs = [authority.userTLS.certPem, authority.hostTLS.certPem];
    this.authTls = tls.createServer({ ...certs.auth, ...mtls, ca: authCAs, ALPNProtocols: ['h2'] });
    this.authTls.on('secureConnection', (s) => authInject.injectConnection(guard(s)));

    for (const srv of [this.webTls, this.proxyTls, this.authTls]) {
      srv.on('tlsClientError', (err) => log('tls handshake failed', { error: err.message }));
    }
    // noDelay: database, kube and SSH traffic is request/response; Nagle would hold the small writes.
    this.listener = net.createServer({ pauseOnConnect: true, noDelay: true }, (s) =>
      this.accept(s, config.tls_routing),
    );
    if (!config.tls_routing) {
      this.sshListener = net.createServer({ pauseOnConnect: true }, (s) => this.acceptProxyPort(s));
    }
    this.web.sshAddr = () => this.sshAddr;
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
    const hostId = randomUUID();
    const [web, proxy, auth, desktop] = await Promise.all([
      webCert(authority, host, cfg),
      hostCert(authority, 'Proxy', hostId),
      hostCert(authority, 'Auth', hostId),
      desktopServiceCert(authority),
    ]);
    // Desktops with `shadow` are run here; the catalog lists them with the address they got.
    const shadows = await startShadowDesktops(cfg.desktops, log);
    const sshNodes: SshNode[] = [];
    try {
      return await DevCluster.assemble(
        opts,
        cfg,
        log,
        authority,
        { web, proxy, auth, desktop },
        host,
        port,
        shadows,
        sshNodes,
      );
    } catch (err) {
      await Promise.all([shadows.stop(), ...sshNodes.map((n) => n.stop())]);
      throw err;
    }
  }

  /** The rest of start(): nodes, the cluster object and its listeners. */
  private static async assemble(
    opts: DevClusterOptions,
    cfg: DevClusterConfig,
    log: NonNullable<DevClusterOptions['log']>,
    authority: Authority,
    certs: { web: ServerCert; proxy: ServerCert; auth: ServerCert; desktop: DesktopServiceCert },
    host: string,
    port: number,
    shadows: ShadowDesktops,
    sshNodes: SshNode[],
  ): Promise<DevCluster> {
    // Session recordings of in-process nodes: <data-dir>/recordings, else a temp dir.
    const recordingsDir = opts.dataDir
      ? path.join(opts.dataDir, 'recordings')
      : fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-devcluster-recordings-'));
    // Nodes with no address are served in-process (real commands, as this OS user).
    const nodes = [];
    for (const n of cfg.nodes) {
      if (n.addr || n.tunnel) {
        nodes.push(n);
        continue;
      }
      const info = {
        name: n.name,
        id: String(n.id ?? stableId(n.name)),
        labels: Object.fromEntries(Object.entries(n.labels ?? {}).map(([k, v]) => [k, String(v)])),
      };
      const node = new SshNode(info, authority, cfg, log, recordingsDir);
      await node.listen();
      sshNodes.push(node);
      nodes.push({ ...n, id: info.id, addr: `127.0.0.1:${node.port}` });
    }
    const dc = new DevCluster({ ...cfg, nodes, desktops: shadows.desktops }, authority, certs, log, opts);
    dc.sshNodes.push(...sshNodes);
    dc.recordingsDir = recordingsDir;
    dc.tempRecordings = !opts.dataDir;
    dc.stopShadowDesktops = shadows.stop;
    await dc.listen(host, port);
    return dc;
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    guard(s);
  }

  /** A routing step that threw: that connection is dropped, the others go on. */
  private routingFailed(s: net.Socket, err: unknown): void {
    this.log('connection routing failed', { level: 'error', error: (err as Error)?.message ?? String(err) });
    s.destroy();
  }

  /** The separate proxy port: proxy gRPC only (SSH would be multiplexed here too upstream). */
  private acceptProxyPort(s: net.Socket): void {
    this.track(s);
    peekClientHello(s, { timeoutMs: 15_000 })
      .then(
        ({ alpn }) => {
          if (alpn.includes(ALPN_PROXY_SSH_GRPC) || alpn.includes(ALPN_PROXY_GRPC_MTLS))
            this.proxyTls.emit('connection', s);
          else s.destroy();
        },
        // Not TLS: an SSH client (the bytes read were put back).
        () => this.proxySshServer.inject(s),
      )
      .catch((err: unknown) => this.routingFailed(s, err));
  }

  /** Routes a raw connection by the ClientHello, without terminating TLS first. */
  private accept(s: net.Socket, tlsRouting: boolean): void {
    this.track(s);
    peekClientHello(s, { timeoutMs: 15_000 })
      .then(
        ({ alpn, serverName }) => {
          // alpnproxy: a kube SNI goes to the kube handler whatever the ALPN.
          if (tlsRouting && isKubeSni(serverName)) {
            this.kubeService.handle(s);
            return;
          }
          if (!tlsRouting) {
            // Separate ports: this is only the web port.
            this.webTls.emit('connection', s);
            return;
          }
          const auth = alpn.find((p) => p.startsWith(ALPN_AUTH_PREFIX));
          if (auth) {
            const cluster = decodeClusterName(auth.slice(ALPN_AUTH_PREFIX.length));
            if (cluster !== this.config.cluster_name) {
              this.log('auth dial for unknown cluster', { cluster });
              s.destroy();
              return;
            }
            this.authTls.emit('connection', s);
          } else if (alpn.includes(ALPN_PROXY_SSH_GRPC) || alpn.includes(ALPN_PROXY_GRPC_MTLS)) {
            this.proxyTls.emit('connection', s);
          } else {
            // The database handlers read the offer (teleport-mysql-<base64 version>).
            offeredAlpn.set(s, alpn);
            this.webTls.emit('connection', s);
          }
        },
        (err: Error) => {
          this.log('not a TLS client', { error: err.message });
          s.destroy();
        },
      )
      .catch((err: unknown) => this.routingFailed(s, err));
  }

  private listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => {
        this.listener.off('error', reject);
        const a = this.listener.address() as net.AddressInfo;
        const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        this.addr = `${h.includes(':') ? `[${h}]` : h}:${a.port}`;
        this.log('listening', { addr: this.addr });
        if (!this.sshListener) {
          resolve();
          return;
        }
        this.sshListener.once('error', reject);
        this.sshListener.listen(0, host, () => {
          const sa = this.sshListener!.address() as net.AddressInfo;
          this.sshAddr = `${h.includes(':') ? `[${h}]` : h}:${sa.port}`;
          this.log('listening (proxy port)', { addr: this.sshAddr });
          resolve();
        });
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
      ...(this.sshAddr ? { ssh_proxy: this.sshAddr } : {}),
      cluster: this.config.cluster_name,
      ca_pin: caPin(this.authority.hostTLS.certPem),
      signature_algorithm_suite: this.authority.suite,
    };
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    const sshClosed = this.sshListener
      ? new Promise<void>((r) => this.sshListener!.close(() => r()))
      : Promise.resolve();
    this.proxyGrpc.forceShutdown();
    this.authGrpc.forceShutdown();
    this.httpServer.closeAllConnections();
    this.web.close();
    this.proxySshServer.stop();
    this.desktopService.stop();
    this.databaseService.stop();
    this.kubeService.stop();
    this.appService.stop();
    this.appAuth.close();
    for (const s of this.sockets) s.destroy();
    await Promise.all([closed, sshClosed, ...this.sshNodes.map((n) => n.stop()), this.stopShadowDesktops()]);
    if (this.tempRecordings) fs.rmSync(this.recordingsDir, { recursive: true, force: true });
    this.httpServer.close();
  }
}

/**
 * Runs `create` (which makes grpc-js build its HTTP/2 server) with that server's connections and
 * streams opening `window` bytes to the peer. grpc-js offers no option for it on the server side,
 * and its HTTP/2 server is its own: http2.createServer is wrapped for that one call, and each new
 * session widens its connection window (the stream window is a SETTINGS value).
 */
function withReceiveWindow<T>(window: number, create: () => T): T {
  const original = http2.createServer;
  http2.createServer = ((options: http2.ServerOptions = {}, ...rest: unknown[]) => {
    const settings = { ...options.settings, initialWindowSize: window };
    const server = (original as (...a: unknown[]) => http2.Http2Server)({ ...options, settings }, ...rest);
    server.on('session', (session) => {
      try {
        session.setLocalWindowSize(window);
      } catch {
        // a session already gone: nothing to widen
      }
    });
    return server;
  }) as typeof http2.createServer;
  try {
    return create();
  } finally {
    http2.createServer = original;
  }
}

/** The client's ALPN offer per raw web-port connection (from the peeked ClientHello). */
const offeredAlpn = new WeakMap<net.Socket, string[]>();

/** The raw connection under a tls.Server's socket (Node keeps it as `_parent`). */
function rawSocketOf(s: tls.TLSSocket): net.Socket {
  return ((s as unknown as { _parent?: net.Socket })._parent ?? s) as net.Socket;
}

/**
 * A socket's failures end that socket: whoever reads it reports them, and this listener keeps an
 * error nobody else listens for (a reset after the TLS handshake, say) from being thrown.
 */
function guard<S extends net.Socket>(s: S): S {
  s.on('error', () => s.destroy());
  return s;
}

/** TransportService with ProxySSH's byte frames (de)serialized without copies (proxysshcodec.ts). */
function transportServiceDefinition(): typeof TransportServiceService {
  return {
    ...TransportServiceService,
    proxySsh: {
      ...TransportServiceService.proxySsh,
      requestDeserialize: decodeProxySshRequest,
      responseSerialize: encodeProxySshResponse,
    },
  };
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid --listen "${listen}"; expected HOST:PORT, e.g. 127.0.0.1:0`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in --listen "${listen}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
