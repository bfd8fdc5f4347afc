// The app local proxy (`tshjs proxy app`; lib/srv/alpnproxy/local_proxy.go as tsh starts it for
// apps): a plain TCP listener on 127.0.0.1, and for each accepted connection one TLS connection to
// the proxy's web port with the app certificate — ALPN http/1.1 for HTTP apps (the client speaks
// plain HTTP to the listener), teleport-tcp-ping then teleport-tcp for tcp:// apps (ping frames
// unwrapped when the proxy picks the ping variant) — and the bytes relayed both ways. SNI is the
// web proxy host; the proxy is verified against the cluster CAs unless --insecure. docs/apps.md.
import * as net from 'node:net';
import { splitHostPort } from '../auth/profile.js';
import { DEFAULT_WEB_PORT } from '../client/addr.js';
import type { TeleportClient } from '../client/teleport.js';
import { trustedRootsFromEnv } from '../client/webapi.js';
import { TshError, errorLine } from '../util/errors.js';
import { withPingProtocols } from './dbalpn.js';
import { LocalConnections, relayUpstream } from './localconns.js';
import { DbUpstreamDialer, type DbClientCert } from './dbdial.js';

/** alpnProtocolForApp: teleport-tcp for TCP apps, http/1.1 otherwise (ping variants first). */
export function appAlpnProtocols(tcp: boolean): string[] {
  return tcp ? withPingProtocols(['teleport-tcp']) : ['http/1.1'];
}

export interface AppLocalProxyOptions {
  tc: TeleportClient;
  /** A tcp:// app. */
  tcp: boolean;
  /** Listen on 127.0.0.1:<port>; 0 or undefined picks a free port. */
  port?: number;
  /** The app certificate for the next connection (the caller renews it when expired). */
  cert: () => Promise<DbClientCert>;
  /** Defaults to the client's --insecure. */
  insecure?: boolean;
  log?: (msg: string, f?: object) => void;
  /** Where the proxy is (host:port); defaults to the profile's web proxy address. */
  proxyAddr?: string;
}

export interface AppLocalProxy {
  /** host:port of the listener, e.g. 127.0.0.1:60649. */
  address: string;
  port: number;
  /** Stops listening and ends the open connections. */
  close(): Promise<void>;
}

export async function startAppLocalProxy(o: AppLocalProxyOptions): Promise<AppLocalProxy> {
  const log = o.log ?? (() => {});
  const id = await o.tc.identity();
  const web = splitHostPort(o.proxyAddr ?? id.webProxyAddr);
  const dialer = new DbUpstreamDialer({
    host: web.host,
    port: web.port ?? DEFAULT_WEB_PORT,
    alpn: appAlpnProtocols(o.tcp),
    ca: [...id.trustedCAs, ...(trustedRootsFromEnv(o.tc.config.env ?? process.env) ?? [])],
    insecure: o.insecure ?? !!o.tc.config.insecure,
  });

  const conns = new LocalConnections();

  const handle = async (local: net.Socket): Promise<void> => {
    conns.track(local);
    local.on('error', () => {});
    const cert = await o.cert();
    if (conns.closed || local.destroyed) return void local.destroy();
    const up = await dialer.dial(cert);
    conns.track(up.socket);
    up.stream.on('error', () => {});
    if (conns.closed || local.destroyed) {
      up.socket.destroy();
      return void local.destroy();
    }
    log('proxying app connection', { alpn: up.alpn });
    relayUpstream(local, up, log, 'app');
  };

  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (local) => {
    handle(local).catch((err: unknown) => {
      // One connection's failure ends that connection only; the listener stays.
      log('Failed to handle connection', { level: 'error', error: errorLine(err) });
      local.destroy();
    });
  });
  const addr = await listenLocal(server, o.port);
  log('app local proxy listening', { address: addr.address, tcp: o.tcp });
  return { ...addr, close: () => conns.close(server) };
}

/** 127.0.0.1:<port> (0: any free port); a busy port is one line that says what to do. */
export async function listenLocal(server: net.Server, port = 0): Promise<{ address: string; port: number }> {
  const host = '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} is already in use; choose another one with --port (or leave --port out for a free one)`
          : err.code === 'EACCES'
            ? `permission denied for port ${port}; choose a port above 1023 with --port`
            : err.message;
      reject(new TshError(`cannot listen on ${host}:${port}: ${why}`, 'bad-parameter', 1, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const a = server.address() as net.AddressInfo;
  return { address: `${a.address}:${a.port}`, port: a.port };
}
