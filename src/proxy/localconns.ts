// What the database and app local proxies share once a client connection is accepted: the set of
// open sockets (closed with the listener), and the relay between the local socket and the proxy
// upstream — in place over ping framing when the proxy chose a "-ping" protocol, else a plain
// two-way copy with backpressure.
import type * as net from 'node:net';
import { pipeline, type Duplex } from 'node:stream';
import { relayPing, unwrapPing } from '../wire/pingconn.js';
import type { DbUpstream } from './dbdial.js';

type Log = (msg: string, f?: object) => void;

/** The sockets of a local proxy's connections: tracked while open, destroyed on close. */
export class LocalConnections {
  private readonly open = new Set<Duplex>();
  private closing?: Promise<void>;

  /** True once close() was called: a connection still being set up must give up. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  track(s: Duplex): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  /** Stops the listener and ends every open connection (the same promise on every call). */
  close(server: net.Server): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.open) s.destroy();
    });
    return this.closing;
  }
}

/** Relays a local connection and its upstream until either ends; `what` names it in the log. */
export function relayUpstream(local: net.Socket, up: DbUpstream, log: Log, what: string): void {
  if (up.ping) {
    // Framing in place: a stream layer per message costs more than the framing itself.
    const take = unwrapPing(up.stream);
    relayPing(local, take ?? up.socket, (err) => {
      if (err) log(`${what} connection ended`, { error: err.message });
      local.destroy();
      up.socket.destroy();
    });
  } else relay(local, up.stream, log, what);
}

/** Copies both ways with backpressure; half-closes pass through; both end when both are done. */
function relay(a: Duplex, b: Duplex, log: Log, what: string): void {
  let done = 0;
  const finish = (err?: Error | null) => {
    if (err) {
      log(`${what} connection ended`, { error: err.message });
      a.destroy();
      b.destroy();
      return;
    }
    if (++done === 2) {
      a.destroy();
      b.destroy();
    }
  };
  pipeline(a, b, finish);
  pipeline(b, a, finish);
}
