// TCP apps over ALPN teleport-tcp / teleport-tcp-ping (lib/srv/app tcpserver.go): the proxy
// dials the app's tcp:// address (a multi-port app: the session's target port, else its first
// port) and copies bytes both ways; the "-ping" variant frames the client side (src/wire).
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { DEFAULT_PING_INTERVAL_MS, PING_FRAME, relayPing } from '../../wire/pingconn.js';
import type { AppDef } from './config.js';

export const ALPN_TCP = 'teleport-tcp';
export const ALPN_TCP_PING = 'teleport-tcp-ping';

/** How long a dial to the app may take (apidefaults.DefaultIOTimeout). */
const DIAL_TIMEOUT_MS = 30_000;

export class AppTcpError extends Error {}

/** host:port to dial for this app and target port (0: none asked for). */
export function tcpDialTarget(app: AppDef, targetPort: number): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(app.uri);
  } catch {
    throw new AppTcpError(`unexpected app "${app.name}" address network, expected "tcp": ${app.uri}`);
  }
  if (u.protocol !== 'tcp:') {
    throw new AppTcpError(`unexpected app "${app.name}" address network, expected "tcp": ${app.uri}`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!app.tcpPorts.length) {
    const port = Number(u.port);
    if (targetPort && targetPort !== port) {
      throw new AppTcpError(
        `comparing target port against port from URI of app "${app.name}": target port ${targetPort} does not match port ${port} from URI`,
      );
    }
    return { host, port };
  }
  return { host, port: targetPort || app.tcpPorts[0].port };
}

/**
 * Relays an accepted (TLS-terminated) client connection to the app. `ping`: the client side
 * speaks the "-ping" framing. `done` runs once when the relay is over.
 */
export function relayTcp(
  client: tls.TLSSocket,
  target: { host: string; port: number },
  ping: boolean,
  done: (err?: Error) => void,
  pingIntervalMs = DEFAULT_PING_INTERVAL_MS,
): void {
  let finished = false;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    done(err);
  };
  client.pause();
  const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
  upstream.setTimeout(DIAL_TIMEOUT_MS, () =>
    upstream.destroy(new Error(`dial ${target.host}:${target.port}: timeout`)),
  );
  upstream.once('error', (err) => {
    client.destroy();
    finish(err);
  });
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    if (ping) {
      // The proxy pings the client (ProxyPingInterval); a ping is one whole write between frames.
      const timer = setInterval(() => {
        if (client.writable) client.write(PING_FRAME);
      }, pingIntervalMs);
      timer.unref();
      relayPing(upstream, client, (err) => {
        clearInterval(timer);
        upstream.destroy();
        client.destroy();
        finish(err);
      });
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('error', () => upstream.destroy());
    const close = () => {
      upstream.destroy();
      client.destroy();
      finish();
    };
    client.once('close', close);
    upstream.once('close', close);
    client.resume();
  });
}
