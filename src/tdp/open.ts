// Opening a desktop session: a desktop certificate for (desktop, login), the
// ProxyWindowsDesktopSession stream through the proxy, TLS end to end inside it, then the TDP/TDPB
// handshake up to an active RDP session. Every failure is one line naming the stage it failed at.
import type { ClusterClient } from '../client/cluster.js';
import { noLog, type Logger } from '../client/config.js';
import { TshError } from '../util/errors.js';
import type { DesktopCert, DesktopCertRequest } from './cert.js';
import { DesktopSession, DesktopTimeoutError } from './session.js';
import { connectDesktopTls } from './tls.js';
import type { ClipboardPolicy } from './policy.js';

/** What a session needs from the client core (TeleportClient has both). */
export interface DesktopSessionClient {
  cluster(): Promise<ClusterClient>;
  issueDesktopCert(req: DesktopCertRequest): Promise<DesktopCert>;
}

export const DEFAULT_SCREEN = { width: 1024, height: 768 };
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export interface OpenDesktopSessionOptions {
  client: DesktopSessionClient;
  desktop: string;
  /** Windows login. */
  login: string;
  /** Cluster of the desktop (default: the profile's selected cluster). */
  cluster?: string;
  width?: number;
  height?: number;
  keyboardLayout?: number;
  /** Per-session MFA: answers the challenge, and where its reason and warnings go. */
  prompter?: DesktopCertRequest['prompter'];
  warn?: DesktopCertRequest['warn'];
  /** Bound on everything up to an active session (certificate, stream, TLS, RDP). */
  timeoutMs?: number;
  log?: Logger;
  /** Which way the shared clipboard may go, whatever the service allows (default: both). */
  clipboard?: ClipboardPolicy;
  /** End the session after this long without input. */
  idleTimeoutMs?: number;
}

/** Desktop names are single DNS labels (the service's certificate covers *.desktop.…). */
function checkDesktopName(name: string): void {
  if (!name || name.includes('.') || /[\s/\\]/.test(name)) {
    throw new TshError(`invalid desktop name ${JSON.stringify(name)}`, 'bad-parameter');
  }
}

export async function openDesktopSession(o: OpenDesktopSessionOptions): Promise<DesktopSession> {
  checkDesktopName(o.desktop);
  if (!o.login) throw new TshError('a Windows login is required (--login)', 'bad-parameter');
  const log = o.log ?? noLog;
  const timeoutMs = o.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let stage = 'connecting to the cluster';
  let cleanup: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cleanup?.();
      reject(
        new DesktopTimeoutError(`desktop ${o.desktop}: no answer within ${timeoutMs / 1000}s while ${stage}`),
      );
    }, timeoutMs);
  });
  timedOut.catch(() => undefined);
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, timedOut]);
  try {
    const cc = await race(o.client.cluster());
    const cluster = o.cluster || cc.identity.cluster;
    stage = 'issuing a certificate for the desktop';
    log('desktop: issuing certificate', { desktop: o.desktop, login: o.login, cluster });
    const cert = await race(
      o.client.issueDesktopCert({
        desktop: o.desktop,
        login: o.login,
        cluster,
        prompter: o.prompter,
        warn: o.warn,
      }),
    );
    stage = 'connecting to the desktop service';
    const transport = cc.proxyWindowsDesktopSession({ desktopName: o.desktop, cluster });
    cleanup = () => transport.destroy();
    const conn = await race(
      connectDesktopTls({
        transport,
        desktop: o.desktop,
        trustedCAs: cc.identity.trustedCAs,
        certPem: cert.certPem,
        keyPem: cert.keyPem,
        insecure: cc.insecure,
      }),
    );
    log('desktop: TLS established', { dialect: conn.dialect, alpn: conn.socket.alpnProtocol });
    stage = 'waiting for the RDP session to start';
    const session = new DesktopSession(conn.socket, {
      desktop: o.desktop,
      login: o.login,
      dialect: conn.dialect,
      width: o.width ?? DEFAULT_SCREEN.width,
      height: o.height ?? DEFAULT_SCREEN.height,
      keyboardLayout: o.keyboardLayout,
      clipboard: o.clipboard,
      idleTimeoutMs: o.idleTimeoutMs,
      log,
      transportError: conn.transportError,
      onClose: () => transport.destroy(),
    });
    cleanup = () => session.close();
    await race(session.waitForActivation(Math.max(1, deadline - Date.now()) + 1_000));
    return session;
  } finally {
    clearTimeout(timer);
  }
}
