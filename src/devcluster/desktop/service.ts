// The dev cluster's Windows Desktop Service. The proxy hands it the byte stream of a
// ProxyWindowsDesktopSession call; it runs the end-to-end TLS server on that stream as upstream's
// service does: a certificate for *.desktop.teleport.cluster.local from the cluster's host CA, a
// client certificate checked against the user CA, the desktop named by SNI, and ALPN
// "teleport-tdpb-1.0" selected when offered (unless `windows_desktop_service.tdpb: false`), else
// legacy TDP. Each session runs on its own; its failures end that session only.
import { createPublicKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
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
  private readonly sockets = new Set<tls.TLSSocket>();
  private readonly deps: SessionDeps;

  private readonly context: tls.SecureContext;
  /** The service's host id (WindowsDesktopService in audit events). */
  readonly hostId: string;

  constructor(
    private readonly opts: DesktopServiceOptions,
    cert: DesktopServiceCert,
  ) {
    const { config, catalog } = opts;
    this.hostId = cert.hostId;
    this.context = tls.createSecureContext({
      key: cert.key,
      cert: cert.cert,
      ca: [opts.authority.userTLS.certPem],
    });
    this.deps = {
      config,
      userCa: new X509Certificate(opts.authority.userTLS.certPem),
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

  /** Serves one relayed connection: TLS server side, then the session. */
  handle(stream: Duplex, remoteAddr: string): void {
    const log = this.opts.log;
    const tdpb = this.opts.config.windows_desktop_service.tdpb;
    const socket = new tls.TLSSocket(stream, {
      isServer: true,
      secureContext: this.context,
      // A missing or untrusted client certificate is answered with an Alert after the handshake.
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: tdpb ? [TDPB_PROTOCOL] : undefined,
    });
    this.sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      stream.destroy();
    };
    socket.on('close', cleanup);
    socket.on('error', (err) => {
      log('desktop: connection failed', { error: err.message, remoteAddr });
      socket.destroy();
    });
    stream.on('error', () => socket.destroy());
    socket.once('secure', () => {
      clearTimeout(timer);
      const dialect = socket.alpnProtocol === TDPB_PROTOCOL ? 'tdpb' : 'tdp';
      const conn = new DesktopConn(socket, dialect);
      runDesktopSession(conn, this.deps, remoteAddr)
        .catch((err: unknown) => {
          log('desktop: session failed', { level: 'error', error: (err as Error)?.message ?? String(err) });
        })
        .finally(() => socket.end());
    });
  }

  /** Ends every session (the dev cluster is stopping). */
  stop(): void {
    for (const s of this.sockets) s.destroy();
  }
}
