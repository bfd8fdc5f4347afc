// The daemon process: a unix socket only its user can reach (0600 socket in a 0700 directory it
// owns), refused when the path is someone else's or another daemon is listening there, or a
// tcp:// address with mutual TLS between daemon and app (mtls.ts, as tshd on Windows); the gRPC
// server with TerminalService; `{CONNECT_GRPC_PORT: N}` on stdout as tshd prints it
// (lib/teleterm/apiserver); a clean stop on SIGTERM/SIGINT (lib/teleterm/teleterm.go) and, a tshjs
// rule, when the parent process (the app) goes away.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { TerminalServiceService } from '../gen/teleport/lib/teleterm/v1/service.js';
import { TshError } from '../util/errors.js';
import { DaemonContext } from './clients.js';
import { TshdEventsClient } from './events.js';
import { unary } from './handler.js';
import { createDaemonLog, type DaemonLog } from './log.js';
import { appCertificates, createTshdTls, eventsCredentials, trustedPeer, type TshdTls } from './mtls.js';
import { terminalService } from './service.js';

export interface DaemonOptions {
  /** unix:///absolute/path/to/socket, or tcp://host:port (mutual TLS with the app; needs certsDir) */
  addr: string;
  /** tcp:// mode: where tshd.crt is written and the app's certificates are read (mtls.ts). */
  certsDir?: string;
  home: string;
  env: NodeJS.ProcessEnv;
  insecure?: boolean;
  debug?: boolean;
  kubeconfigsDir?: string;
  log?: DaemonLog;
  /** Where the CONNECT_GRPC_PORT line goes (stdout). */
  stdout?: (line: string) => void;
  /** Stop when process.ppid changes (the parent exited); default true. */
  watchParent?: boolean;
  /** Stop on SIGTERM/SIGINT; default true (tests running in-process turn it off). */
  handleSignals?: boolean;
  parentPollMs?: number;
}

const fail = (msg: string) => new TshError(msg, 'bad-parameter');

/** The socket path of a unix:// address (upstream's NetAddr forms: unix:///abs or unix://rel). */
export function socketPath(addr: string): string {
  if (!addr.startsWith('unix://')) throw fail(`invalid host address: ${addr}`);
  const p = addr.slice('unix://'.length);
  if (!p) throw fail(`invalid host address: ${addr}`);
  return path.resolve(p);
}

/** host and port of a tcp:// address (an address without a scheme is tcp, as upstream). */
export function tcpAddress(addr: string): { host: string; port: number } {
  const rest = addr.startsWith('tcp://') ? addr.slice('tcp://'.length) : addr;
  const m = /^(\[[^\]]+\]|[^:/]*):(\d+)$/.exec(rest);
  if (!m || Number(m[2]) > 65535) throw fail(`invalid host address: ${addr}`);
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : -1);
const mode = (m: number) => `0${(m & 0o777).toString(8)}`;

/** Creates (0700) or checks the socket's directory: ours, and no access for anyone else. */
function prepareDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    st = fs.lstatSync(dir);
  }
  if (!st.isDirectory()) throw fail(`refusing to use ${dir} for the daemon socket: not a directory`);
  if (uid() >= 0 && st.uid !== uid())
    throw fail(`refusing to use ${dir} for the daemon socket: owned by uid ${st.uid}, not ${uid()}`);
  if ((st.mode & 0o077) !== 0)
    throw fail(
      `refusing to use ${dir} for the daemon socket: mode ${mode(st.mode)} lets other users in (want 0700)`,
    );
}

/** Whether something accepts connections on the socket. */
function listening(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** An existing path at the socket: refused unless it is our own stale socket (then removed). */
async function clearStaleSocket(file: string, addr: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  if (!st.isSocket())
    throw fail(`refusing to use ${file} for the daemon socket: it exists and is not a socket`);
  if (uid() >= 0 && st.uid !== uid())
    throw fail(`refusing to use socket ${file}: owned by uid ${st.uid}, not ${uid()}`);
  if (await listening(file)) throw fail(`another daemon is already listening on ${addr}`);
  fs.rmSync(file, { force: true });
}

export class DaemonServer {
  private readonly server = new Server();
  private stopping?: Promise<void>;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly cleanups: (() => void)[] = [];

  /** tcp:// mode: the TLS listener the gRPC connections come through. */
  private tlsListener?: tls.Server;

  private constructor(
    readonly addr: string,
    /** The unix socket file; '' in tcp:// mode. */
    readonly socket: string,
    readonly ctx: DaemonContext,
    private readonly events: TshdEventsClient,
    readonly log: DaemonLog,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  static async start(o: DaemonOptions): Promise<DaemonServer> {
    const log = o.log ?? createDaemonLog({ debug: o.debug });
    const unix = o.addr.startsWith('unix://');
    let file = '';
    let tcp: { host: string; port: number } | undefined;
    let tshdTls: TshdTls | undefined;
    if (unix) {
      file = socketPath(o.addr);
      prepareDir(path.dirname(file));
      await clearStaleSocket(file, o.addr);
    } else {
      tcp = tcpAddress(o.addr);
      if (!o.certsDir) throw fail('missing certs directory');
      tshdTls = await createTshdTls(o.certsDir);
    }
    const events = new TshdEventsClient(log);
    const ctx = new DaemonContext({
      home: o.home,
      env: o.env,
      insecure: !!o.insecure,
      kubeconfigsDir: o.kubeconfigsDir ?? path.join(o.home, 'kube'),
      log,
      events,
    });
    const d = new DaemonServer(unix ? `unix://${file}` : o.addr, file, ctx, events, log);
    d.server.addService(
      TerminalServiceService,
      terminalService(ctx, {
        updateTshdEventsServerAddress: unary(async (req) => {
          events.setAddress(req.address, tshdTls && (() => eventsCredentials(tshdTls)));
          return {};
        }),
      }),
    );
    let port = 1;
    if (unix) {
      await new Promise<void>((resolve, reject) =>
        d.server.bindAsync(`unix://${file}`, ServerCredentials.createInsecure(), (err) => {
          if (!err) return resolve();
          reject(
            /EADDRINUSE/.test(err.message) ? fail(`another daemon is already listening on ${o.addr}`) : err,
          );
        }),
      );
      // The directory is 0700 and ours, so nobody could reach the socket before this.
      fs.chmodSync(file, 0o600);
    } else {
      port = await d.listenTls(tcp!, tshdTls!);
    }
    // A unix address has no port; tshd prints the NetAddr fallback, 1.
    (o.stdout ?? ((l) => void process.stdout.write(l)))(`{CONNECT_GRPC_PORT: ${port}}\n`);
    log.info('tsh daemon listener created', { address: d.addr });
    if (o.handleSignals !== false) d.handleSignals();
    if (o.watchParent !== false) d.watchParent(o.parentPollMs ?? 1000);
    return d;
  }

  /**
   * tcp:// mode: TLS with the daemon's certificate, a client certificate required and checked
   * against the app's certificates as they are on disk at that handshake; then gRPC inside.
   */
  private async listenTls(addr: { host: string; port: number }, t: TshdTls): Promise<number> {
    const inject = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    const server = tls.createServer({
      key: t.keyPem,
      cert: t.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    server.on('secureConnection', (s) => {
      let why = '';
      try {
        if (!trustedPeer(s.getPeerCertificate().raw, appCertificates(t.certsDir))) {
          why = 'the client certificate is not one the app published';
        }
      } catch (err) {
        why = (err as Error).message;
      }
      if (why) {
        this.log.error('refusing a connection', { reason: why });
        s.destroy();
        return;
      }
      inject.injectConnection(s);
    });
    server.on('tlsClientError', (err) => this.log.debug('TLS handshake failed', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? fail(`another daemon is already listening on ${this.addr}`) : err),
      );
      server.listen(addr.port, addr.host, () => resolve());
    });
    this.tlsListener = server;
    return (server.address() as net.AddressInfo).port;
  }

  private handleSignals(): void {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const h = () => {
        this.log.info('Captured signal, stopping service', { signal: sig });
        void this.stop();
      };
      process.once(sig, h);
      this.cleanups.push(() => process.removeListener(sig, h));
    }
  }

  /** Polls the parent pid: when the app that started us exits we are reparented and stop. */
  private watchParent(everyMs: number): void {
    const parent = process.ppid;
    const t = setInterval(() => {
      if (process.ppid !== parent) {
        this.log.info('parent process went away, stopping service', { parent });
        void this.stop();
      }
    }, everyMs);
    t.unref();
    this.cleanups.push(() => clearInterval(t));
  }

  /** Resolves once the daemon has stopped. */
  get closed(): Promise<void> {
    return this.done;
  }

  /**
   * Stops: shutdown hooks (gateways), cached clients, then the gRPC server (in-flight RPCs get a
   * moment to finish), the events client, and the socket file.
   */
  stop(graceMs = 3000): Promise<void> {
    this.stopping ??= (async () => {
      for (const c of this.cleanups.splice(0)) c();
      await this.ctx.close();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.server.forceShutdown();
          resolve();
        }, graceMs);
        this.server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.tlsListener?.close();
      this.events.close();
      if (this.socket) fs.rmSync(this.socket, { force: true });
      this.log.info('daemon stopped');
      this.resolveDone();
    })();
    return this.stopping;
  }
}
