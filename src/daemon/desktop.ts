// ConnectToDesktop: the app's desktop session through the daemon, as the 17.x tsh daemon relays it
// (lib/teleterm/services/desktop). The first request names the desktop URI and the Windows login;
// the daemon issues the desktop certificate (per-session MFA through the app's PromptMFA), opens
// ProxyWindowsDesktopSession with TLS inside it through the same src/tdp core `tshjs desktop`
// uses, writes the ClientUsername message itself, and from then on is a pipe: each request's
// `data` (one TDP message from the app) goes to the desktop service as it is, and each whole TDP
// message from the service goes back as one response. The app speaks legacy TDP, so the inner TLS
// offers no ALPN (a service would otherwise pick TDPB). Nothing is shared with other sessions: a
// failure ends this stream with a gRPC status and nothing else.
import type { Duplex } from 'node:stream';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type {
  ConnectToDesktopRequest,
  ConnectToDesktopResponse,
  TerminalServiceServer,
} from '../gen/teleport/lib/teleterm/v1/service.js';
import type { Prompter } from '../term/prompt.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../tdp/open.js';
import { connectDesktopTls, desktopTlsError, transportError, type DesktopTls } from '../tdp/tls.js';
import { SharedDirectoryErrCode, Severity, type TdpKind, type TdpMessage } from '../wire/tdp/messages.js';
import { decodeMessage, TdpParser } from '../wire/tdp/parser.js';
import { serialize } from '../wire/tdp/serializer.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';

type DesktopCall = ServerDuplexStream<ConnectToDesktopRequest, ConnectToDesktopResponse>;

// upstream's texts (lib/teleterm/apiserver/handler/handler_desktops.go, services/desktop/desktop.go)
export const MSG_NO_TARGET = 'first message must contain a target desktop';
export const MSG_FIRST_HAS_DATA = 'first message must not contain data';
export const MSG_TARGET_AGAIN = 'target desktop can be send only in the first message';
export const MSG_INVALID_MESSAGE = 'received invalid message';
export const MSG_UNDECODABLE = 'could not decode desktop message';
export const MSG_DISALLOWED = 'disallowed desktop message';
export const MSG_FS_FROM_APP = 'file system messages are not allowed from the renderer process';
export const MSG_MOVE_UNSUPPORTED =
  'Moving or renaming files and directories within a shared directory is not supported.';

export const msgNoDirectory = (desktop: string, login: string) =>
  `directory sharing has not been initialized for desktop ${JSON.stringify(desktop)} and login ${JSON.stringify(login)}`;

/** File system answers are the daemon's to give (it holds the shared directory), never the app's. */
const APP_FORBIDDEN = new Set<TdpKind>([
  'sharedDirectoryInfoResponse',
  'sharedDirectoryCreateResponse',
  'sharedDirectoryDeleteResponse',
  'sharedDirectoryReadResponse',
  'sharedDirectoryWriteResponse',
  'sharedDirectoryMoveResponse',
  'sharedDirectoryListResponse',
  'sharedDirectoryTruncateResponse',
]);

/** The service's file system requests, which the daemon answers instead of the app. */
const SERVICE_FS_REQUESTS = new Set<TdpKind>([
  'sharedDirectoryInfoRequest',
  'sharedDirectoryCreateRequest',
  'sharedDirectoryDeleteRequest',
  'sharedDirectoryReadRequest',
  'sharedDirectoryWriteRequest',
  'sharedDirectoryMoveRequest',
  'sharedDirectoryListRequest',
  'sharedDirectoryTruncateRequest',
]);

export function desktopHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  return { connectToDesktop: (call: DesktopCall) => new DesktopRelay(deps, call).start() };
}

/** The first request: resolves with it, or undefined when the app half-closed or went away first. */
function firstRequest(call: DesktopCall): Promise<ConnectToDesktopRequest | undefined> {
  return new Promise((resolve) => {
    const onData = (req: ConnectToDesktopRequest) => {
      // Later requests wait in the stream's buffer until the desktop connection is up.
      call.pause();
      done(req);
    };
    const onEnd = () => done(undefined);
    const done = (req: ConnectToDesktopRequest | undefined) => {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('cancelled', onEnd);
      resolve(req);
    };
    call.on('data', onData);
    call.once('end', onEnd);
    call.once('cancelled', onEnd);
  });
}

class DesktopRelay {
  private finished = false;
  private cancelled = false;
  private conn?: DesktopTls;
  private transport?: Duplex;
  private desktop = '';
  private login = '';

  constructor(
    private readonly deps: DaemonDeps,
    private readonly call: DesktopCall,
  ) {
    call.once('cancelled', () => {
      this.cancelled = true;
      this.finish();
    });
    // A reset stream, say; the status can no longer be sent, so only tear down.
    call.on('error', () => this.finish());
  }

  /** Runs the session; never rejects (a failure ends the stream with its status). */
  start(): Promise<void> {
    return this.run().catch((err: unknown) => this.finish(err));
  }

  private async run(): Promise<void> {
    const first = await firstRequest(this.call);
    if (!first) {
      this.finish();
      return;
    }
    const target = first.targetDesktop;
    if (!target?.desktopUri || !target.login) throw daemonError('bad-parameter', MSG_NO_TARGET);
    if (first.data.length > 0) throw daemonError('bad-parameter', MSG_FIRST_HAS_DATA);
    const uri = this.deps.resolve(target.desktopUri);
    if (uri.kind !== 'windows_desktops' || !uri.name) {
      throw daemonError('bad-parameter', `invalid desktop URI ${JSON.stringify(target.desktopUri)}`);
    }
    this.desktop = uri.name;
    this.login = target.login;
    const log = this.deps.log;
    log.debug('desktop: connecting', { desktop: uri.name, login: target.login, cluster: uri.clusterUri });

    try {
      const client = await this.deps.clientFor(uri.clusterUri);
      const cc = await client.cluster();
      const cluster = uri.leaf ?? cc.identity.cluster;
      // Per-session MFA: reissue.ts says why (warn) and then asks the OTP question (prompter).
      let reason: string | undefined;
      const prompter: Prompter = {
        line: (q) => this.deps.events.mfaPrompter(uri.clusterUri, reason).line(q),
        password: (q) => this.deps.events.mfaPrompter(uri.clusterUri, reason).password(q),
      };
      const cert = await client.issueDesktopCert({
        desktop: uri.name,
        login: target.login,
        cluster,
        prompter,
        warn: (text) => (reason ??= text.split('\n')[0]),
      });
      if (this.finished) return;
      const transport = cc.proxyWindowsDesktopSession({ desktopName: uri.name, cluster });
      this.transport = transport;
      // No ALPN offer, so the service speaks legacy TDP, the app's dialect.
      const tls = connectDesktopTls({
        transport,
        desktop: uri.name,
        trustedCAs: cc.identity.trustedCAs,
        certPem: cert.certPem,
        keyPem: cert.keyPem,
        insecure: cc.insecure,
        alpnProtocols: [],
      });
      this.conn = await withTimeout(tls, DEFAULT_CONNECT_TIMEOUT_MS, () => {
        transport.destroy();
        return daemonError(
          'connection-problem',
          `desktop ${uri.name}: no answer within ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s from the desktop service`,
        );
      });
    } finally {
      if (this.finished) this.transport?.destroy();
    }
    if (this.finished) {
      this.conn.socket.destroy();
      return;
    }
    if (this.conn.dialect !== 'tdp') {
      throw daemonError(
        'internal',
        `the desktop service for ${uri.name} chose ${this.conn.dialect.toUpperCase()}, but the app speaks legacy TDP`,
      );
    }
    log.debug('desktop: connected', { desktop: uri.name, dialect: this.conn.dialect });
    this.relay(this.conn);
  }

  private relay(conn: DesktopTls): void {
    const { socket } = conn;
    const call = this.call;
    // The service waits for the username first; the app starts with its screen spec.
    socket.write(serialize({ kind: 'clientUsername', username: this.login }));

    const parser = new TdpParser({
      onSkip: (e) => this.deps.log.debug('desktop: skipped an over-limit TDP payload', { error: e.message }),
    });
    socket.on('data', (chunk: Buffer) => {
      let full = false;
      try {
        for (const m of parser.parse(chunk)) {
          if (this.finished) return;
          if (SERVICE_FS_REQUESTS.has(m.kind)) {
            this.refuseFsRequest(m, socket);
            continue;
          }
          // One gRPC message per TDP message: the app's TDP client reads them one by one.
          full = !call.write({ data: serialize(m) }) || full;
        }
      } catch (err) {
        // Bytes that are not TDP end this session, never the daemon.
        this.finish(err);
        return;
      }
      // The app reads slower than the desktop draws: stop reading the service until it catches up.
      if (full) {
        socket.pause();
        call.once('drain', () => socket.resume());
      }
    });
    socket.once('end', () => this.finish());
    socket.once('close', () => {
      const broken = conn.transportError();
      this.finish(broken && transportError(broken, this.desktop));
    });
    socket.on('error', (err) => this.finish(desktopTlsError(err, this.desktop, conn.transportError())));

    call.on('data', (req: ConnectToDesktopRequest) => {
      if (this.finished) return;
      const err = this.checkAppMessage(req);
      if (err) {
        this.finish(err);
        return;
      }
      if (!socket.write(req.data)) {
        call.pause();
        socket.once('drain', () => call.resume());
      }
    });
    // The app closing its side ends the session cleanly (upstream: an OK network error).
    call.once('end', () => this.finish());
    call.resume();
  }

  /** Upstream's checks on every later request; the error that ends the stream, if any. */
  private checkAppMessage(req: ConnectToDesktopRequest): Error | undefined {
    if (req.targetDesktop && (req.targetDesktop.desktopUri || req.targetDesktop.login)) {
      return daemonError('bad-parameter', MSG_TARGET_AGAIN);
    }
    if (req.data.length === 0) return daemonError('bad-parameter', MSG_INVALID_MESSAGE);
    let msg: TdpMessage;
    try {
      msg = decodeMessage(req.data);
    } catch (err) {
      return daemonError('bad-parameter', `${MSG_UNDECODABLE}: ${(err as Error).message}`, err);
    }
    if (APP_FORBIDDEN.has(msg.kind))
      return daemonError('access-denied', `${MSG_DISALLOWED}: ${MSG_FS_FROM_APP}`);
    return undefined;
  }

  /**
   * No directory is shared through this daemon (SetSharedDirectoryForDesktopSession is not
   * implemented), so every file system request fails the way upstream's does without one: a
   * warning Alert to the app, the session going on. A move is answered "failed" first, as upstream.
   */
  private refuseFsRequest(m: TdpMessage, socket: Duplex): void {
    let text = msgNoDirectory(this.desktop, this.login);
    if (m.kind === 'sharedDirectoryMoveRequest') {
      socket.write(
        serialize({
          kind: 'sharedDirectoryMoveResponse',
          completionId: m.completionId,
          errCode: SharedDirectoryErrCode.failed,
        }),
      );
      text = MSG_MOVE_UNSUPPORTED;
    }
    this.call.write({ data: serialize({ kind: 'alert', message: text, severity: Severity.warning }) });
  }

  /** Ends both sides once: the stream with OK or with the error's status, the connection closed. */
  private finish(err?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.conn?.socket.destroy();
    this.transport?.destroy();
    if (this.cancelled || this.call.writableEnded) return;
    if (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.deps.log.debug('desktop: session ended', { desktop: this.desktop, error });
      this.call.emit('error', err);
    } else {
      this.deps.log.debug('desktop: session ended', { desktop: this.desktop });
      this.call.end();
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
