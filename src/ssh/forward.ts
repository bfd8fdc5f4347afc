// Port forwarding over a connected SSH client, as ssh's -L, -R and -D: the spec parsers and the
// listeners (local TCP and SOCKS5 servers, and the node-side tcpip-forward for -R).
import * as net from 'node:net';
import type { Client } from 'ssh2';
import type { Logger } from '../client/config.js';
import { TshError } from '../util/errors.js';
import { socksServer } from './socks5.js';

/** A -L or -R forward: listen on bindHost:bindPort, connect to host:port on the other side. */
export interface ForwardSpec {
  bindHost: string;
  bindPort: number;
  host: string;
  port: number;
}

/** A -D forward: a SOCKS5 proxy on bindHost:bindPort. */
export interface DynamicForwardSpec {
  bindHost: string;
  bindPort: number;
}

/** The forwards of one ssh session. */
export interface Forwards {
  /** -L */
  local?: readonly ForwardSpec[];
  /** -R */
  remote?: readonly ForwardSpec[];
  /** -D */
  dynamic?: readonly DynamicForwardSpec[];
}

/** `[bind_address:]port:host:hostport`, as ssh's -L and -R take it (flag names the option in errors). */
export function parseForwardSpec(spec: string, flag: '-L' | '-R' = '-L'): ForwardSpec {
  const parts = spec.split(':');
  const num = (s: string) => {
    const n = Number(s);
    if (!s || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new TshError(`invalid port in ${flag} ${spec}`, 'bad-parameter');
    }
    return n;
  };
  if (parts.length === 3)
    return { bindHost: '127.0.0.1', bindPort: num(parts[0]), host: parts[1], port: num(parts[2]) };
  if (parts.length === 4) {
    return {
      bindHost: parts[0] || '127.0.0.1',
      bindPort: num(parts[1]),
      host: parts[2],
      port: num(parts[3]),
    };
  }
  throw new TshError(
    `invalid ${flag} "${spec}"; expected [bind_address:]port:host:hostport`,
    'bad-parameter',
  );
}

/** `[bind_address:]port` for -D. */
export function parseDynamicForward(spec: string): DynamicForwardSpec {
  const m = /^(?:(.*):)?(\d+)$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new TshError(`invalid -D "${spec}"; expected [bind_address:]port`, 'bad-parameter');
  return { bindHost: m[1] || '127.0.0.1', bindPort: port };
}

function listen(server: net.Server, bindHost: string, bindPort: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new TshError(`cannot listen on ${bindHost}:${bindPort}: ${err.message}`, 'bad-parameter')),
    );
    server.listen(bindPort, bindHost, () => resolve(server));
  });
}

/** -L: a local listener whose connections go to host:port from the node. */
export function forwardLocal(client: Client, f: ForwardSpec, log: Logger): Promise<net.Server> {
  const server = net.createServer((sock) => {
    client.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, f.host, f.port, (err, ch) => {
      if (err) {
        log('forward failed', { error: err.message });
        sock.destroy();
        return;
      }
      sock.pipe(ch).pipe(sock);
      ch.on('close', () => sock.destroy());
      sock.on('close', () => ch.close());
    });
  });
  return listen(server, f.bindHost, f.bindPort);
}

/** -R: the node listens and each connection comes back to host:port on this side. */
export function forwardRemote(client: Client, f: ForwardSpec, log: Logger): Promise<void> {
  client.on('tcp connection', (info, accept, reject) => {
    if (info.destPort !== f.bindPort) return reject();
    const ch = accept();
    const sock = net.connect(f.port, f.host);
    sock.on('error', (err) => {
      log('remote forward target failed', { error: err.message });
      ch.close();
    });
    sock.pipe(ch).pipe(sock);
  });
  return new Promise((resolve, reject) => {
    client.forwardIn(f.bindHost, f.bindPort, (err) =>
      err
        ? reject(
            new TshError(
              `the node refused remote forwarding of ${f.bindHost}:${f.bindPort}: ${err.message}`,
              'access-denied',
            ),
          )
        : resolve(),
    );
  });
}

/** -D: a local SOCKS5 proxy whose connections leave from the node. */
export function forwardDynamic(client: Client, spec: DynamicForwardSpec): Promise<net.Server> {
  const server = socksServer(
    (host, port) =>
      new Promise((resolve, reject) =>
        client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
      ),
  );
  return listen(server, spec.bindHost, spec.bindPort);
}

/**
 * Starts every forward in ssh's order (-L, then -D, then -R) and returns the local listeners, for
 * the caller to close when the session ends. On a failure, the listeners already open are closed.
 */
export async function startForwards(client: Client, f: Forwards, log: Logger): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  try {
    for (const l of f.local ?? []) servers.push(await forwardLocal(client, l, log));
    for (const d of f.dynamic ?? []) servers.push(await forwardDynamic(client, d));
    for (const r of f.remote ?? []) await forwardRemote(client, r, log);
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return servers;
}
