// The dev cluster's Windows Desktop Service. The proxy hands it the byte stream of a
// ProxyWindowsDesktopSession call; it runs the end-to-end TLS server on that stream as upstream's
// service does (lib/service/desktop.go: RequireAndVerifyClientCert, ClientCAs = the user CA): a
// certificate for *.desktop.teleport.cluster.local from the cluster's host CA, a client
// certificate required and verified against the user CA during the handshake, the desktop named
// by SNI, and ALPN "teleport-tdpb-1.0" selected when offered (unless
// `windows_desktop_service.tdpb: false`), else legacy TDP. Each session runs on its own; its
// failures end that session only.
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { generateKey } from '../../auth/keygen.js';
import { TDPB_PROTOCOL } from '../../wire/tdp/tdpb.js';
import { caAlgorithms, type Authority } from '../authority.js';
import type { DevClusterConfig } from '../config.js';
import type { Catalog } from '../resources.js';
import { issueTlsCert } from '../tlsca.js';
import { DesktopConn } from './conn.js';
import { runDesktopSession, type SessionDeps } from './session.js';
import { DESKTOP_SNI_SUFFIX } from './texts.js';

const CERT_TTL_MS = 365 * 24 * 3600_000;
/** A client that connects but never finishes the TLS handshake is dropped after this long. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

export interface DesktopServiceOptions {
  config: DevClusterConfig;
  authority: Authority;
  catalog: Catalog;
  recordingsDir: () => string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** RDP timeouts (tests shorten them). */
  rdpTimeouts?: SessionDeps['rdpTimeouts'];
}

function pem(k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export interface DesktopServiceCert {
  hostId: string;
  key: string;
  cert: string;
}

/** The service's certificate: *.desktop.teleport.cluster.local, issued by the cluster's host CA. */
export async function desktopServiceCert(a: Authority): Promise<DesktopServiceCert> {
  const key = generateKey(caAlgorithms(a.suite).tls);
  const hostId = randomUUID();
  const cert = await issueTlsCert({
    caCertPem: a.hostTLS.certPem,
    caKey: a.hostTLS.key,
    publicKey: createPublicKey(key),
    notAfter: new Date(Date.now() + CERT_TTL_MS),
    identity: {
      username: `${hostId}.${a.clusterName}`,
      groups: ['WindowsDesktop'],
      teleportCluster: a.clusterName,
    },
    // Desktop names carry no dots, so one wildcard covers every desktop's SNI.
    dnsNames: [`*${DESKTOP_SNI_SUFFIX}`],
  });
  return { hostId, key: pem(key), cert };
}

export class WindowsDesktopService {
  /** Relayed streams not yet closed (TLS handshake or session under way). */
  private readonly streams = new Set<Duplex>();
  /** Sessions under way. */
  private readonly sockets = new Set<tls.TLSSocket>();
  private readonly deps: SessionDeps;
  private readonly tlsOptions: tls.TlsOptions;
  /** The service's host id (WindowsDesktopService in audit events). */
  readonly hostId: string;

  constructor(
    private readonly opts: DesktopServiceOptions,
    cert: DesktopServiceCert,
  ) {
    const { config, catalog } = opts;
    this.hostId = cert.hostId;
    // Node verifies a client certificate in the handshake only in a tls.Server (a TLSSocket made
    // by hand never does): no certificate fails the handshake (certificate_required); an untrusted
    // or expired one is dropped right after it, before any TDP message.
    this.tlsOptions = {
      key: cert.key,
      cert: cert.cert,
      ca: [opts.authority.userTLS.certPem],
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: config.windows_desktop_service.tdpb ? [TDPB_PROTOCOL] : undefined,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    };
    this.deps = {
      config,
      catalog,
      serviceId: this.hostId,
      recordingsDir: opts.recordingsDir,
      findDesktop: (name) => catalog.get('windows_desktop')?.find((d) => d.metadataName === name),
      desktopConfig: (name) => config.desktops.find((d) => d.name === name),
      log: opts.log,
      rdpTimeouts: opts.rdpTimeouts,
    };
  }

  /** Whether a desktop of this name is served (the proxy's lookup before it dials). */
  has(name: string): boolean {
    return !!this.deps.findDesktop(name);
  }

  /**
   * Serves one relayed connection: TLS server side, then the session. One tls.Server per
   * connection, so the secure socket it hands back is known to belong to this stream.
   */
  handle(stream: Duplex, remoteAddr: string): void {
    const log = this.opts.log;
    const server = tls.createServer(this.tlsOptions);
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    stream.on('error', () => stream.destroy());
    // A refused certificate shows up as a hang-up once Node drops the connection; its reason is
    // the socket's authorizationError (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED).
    server.once('tlsClientError', (err, socket) =>
      log('desktop: TLS handshake failed', {
        error: socket.authorizationError
          ? `client certificate refused: ${socket.authorizationError}`
          : err.message,
        remoteAddr,
      }),
    );
    server.once('secureConnection', (socket) => this.serve(socket, remoteAddr));
    server.emit('connection', stream);
  }

  private serve(socket: tls.TLSSocket, remoteAddr: string): void {
    const log = this.opts.log;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => {
      log('desktop: connection failed', { error: err.message, remoteAddr });
      socket.destroy();
    });
    const dialect = socket.alpnProtocol === TDPB_PROTOCOL ? 'tdpb' : 'tdp';
    const conn = new DesktopConn(socket, dialect);
    runDesktopSession(conn, this.deps, remoteAddr)
      .catch((err: unknown) => {
        log('desktop: session failed', { level: 'error', error: (err as Error)?.message ?? String(err) });
      })
      .finally(() => socket.end());
  }

  /** Ends every session (the dev cluster is stopping). */
  stop(): void {
    for (const s of this.sockets) s.destroy();
    for (const s of this.streams) s.destroy();
  }
}
