// The "-ping" ALPN framing (api/utils/pingconn/pingconn.go): after a TLS handshake that settled on
// a protocol ending in "-ping", every write is one frame — a 4-byte big-endian length, then that
// many bytes — and a frame of length 0 is a ping, which readers drop. The proxy pings the client
// every ProxyPingInterval so load balancers see traffic on idle database connections.
import { Duplex } from 'node:stream';

/** api/constants ALPNSNIProtocolPingSuffix. */
export const PING_SUFFIX = '-ping';
/** defaults.ProxyPingInterval. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** A ping: a frame of length zero. */
export const PING_FRAME: Buffer = Buffer.alloc(4);
/** The largest frame one write may become (uint32 length). */
const MAX_FRAME = 0xffff_ffff;

/** The frame header for `length` payload bytes. */
export function frameHeader(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAME) {
    throw new RangeError(`ping frame length ${length} out of range`);
  }
  const h = Buffer.allocUnsafe(4);
  h.writeUInt32BE(length, 0);
  return h;
}

/** One write as a frame; an empty write sends nothing (pingconn.go Write). */
export function encodeFrame(payload: Buffer): Buffer {
  if (payload.length === 0) return Buffer.alloc(0);
  return Buffer.concat([frameHeader(payload.length), payload]);
}

/**
 * Incremental reader: push() what arrived, get the payload bytes back in order (pieces of frames
 * as they come, pings dropped). Never copies payload bytes.
 */
export class PingFrameDecoder {
  /** Payload bytes left in the current frame. */
  private left = 0;
  /** A partial header. */
  private header: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - off);
        out.push(chunk.subarray(off, off + n));
        this.left -= n;
        off += n;
        continue;
      }
      const need = 4 - this.header.length;
      const take = chunk.subarray(off, off + need);
      off += take.length;
      this.header = this.header.length ? Buffer.concat([this.header, take]) : take;
      if (this.header.length < 4) break;
      this.left = this.header.readUInt32BE(0);
      this.header = Buffer.alloc(0);
    }
    return out;
  }

  /** True between frames: a stream that ends here ended cleanly. */
  get atBoundary(): boolean {
    return this.left === 0 && this.header.length === 0;
  }
}

/**
 * The frames of `payloads` as one buffer: one write to the connection, so a TLS connection sends
 * header and payload in one record instead of a record for four bytes and another for the rest.
 */
function framed(payloads: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of payloads) parts.push(frameHeader(p.length), p);
  return Buffer.concat(parts);
}

export interface PingDuplexOptions {
  /** Send a ping this often (the server side); 0 or absent: never (tsh only reads pings). */
  pingIntervalMs?: number;
}

/**
 * The framed connection as a plain byte stream: reads drop pings and unframe, writes frame.
 * Ends, errors and destruction pass through both ways.
 */
export function pingDuplex(conn: Duplex, o: PingDuplexOptions = {}): Duplex {
  const decoder = new PingFrameDecoder();
  let timer: NodeJS.Timeout | undefined;
  const outer: Duplex = new Duplex({
    read() {
      conn.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length === 0) return cb();
      conn.write(framed([chunk]), cb);
    },
    writev(chunks, cb) {
      const bufs = chunks.map((c) => c.chunk as Buffer).filter((b) => b.length > 0);
      if (!bufs.length) return cb();
      conn.write(framed(bufs), cb);
    },
    final(cb) {
      conn.end(cb);
    },
    destroy(err, cb) {
      if (timer) clearInterval(timer);
      conn.destroy(err ?? undefined);
      cb(err);
    },
  });
  const onData = (chunk: Buffer) => {
    for (const piece of decoder.push(chunk)) {
      if (!outer.push(piece)) conn.pause();
    }
  };
  conn.on('data', onData);
  let ended = false;
  const onEnd = () => {
    ended = true;
    if (!decoder.atBoundary) {
      outer.destroy(new Error('connection ended inside a ping frame'));
      return;
    }
    outer.push(null);
  };
  conn.on('end', onEnd);
  // unwrapPing: the reader stops here; what it had unframed goes with the decoder.
  (outer as Duplex & { [TAKEOVER]?: () => PingTakeover })[TAKEOVER] = () => {
    conn.off('data', onData);
    conn.off('end', onEnd);
    conn.pause();
    const pending: Buffer[] = [];
    for (let b: Buffer | null; (b = outer.read() as Buffer | null) !== null;) pending.push(b);
    conn.pause(); // read() may have asked for more: it waits for the relay's reader
    return { conn, decoder, pending };
  };
  conn.on('error', (err) => outer.destroy(err));
  conn.on('close', () => {
    if (timer) clearInterval(timer);
    // Closed without an end: the reader must not wait for more.
    if (!ended && !outer.destroyed) outer.destroy();
  });
  if (o.pingIntervalMs && o.pingIntervalMs > 0) {
    timer = setInterval(() => {
      if (conn.writable) conn.write(PING_FRAME);
    }, o.pingIntervalMs);
    timer.unref();
  }
  return outer;
}

/** What relayPing needs of a framed side that pingDuplex served until now (unwrapPing). */
export interface PingTakeover {
  /** The framed connection itself. */
  conn: Duplex;
  /** Its decoder, mid-frame as it may be. */
  decoder: PingFrameDecoder;
  /** Payload bytes already unframed but not yet read from the pingDuplex. */
  pending: Buffer[];
}

const TAKEOVER = Symbol('pingTakeover');

/**
 * Takes the framed connection back from a pingDuplex (whose reader stops: its buffered payload is
 * returned) so a relay can frame and unframe in place, without a stream in between; undefined for
 * any other stream. Pings the pingDuplex sends, its ends, errors and destruction stay as they were.
 */
export function unwrapPing(outer: Duplex): PingTakeover | undefined {
  const take = (outer as Duplex & { [TAKEOVER]?: () => PingTakeover })[TAKEOVER];
  return take?.();
}

export interface PingRelayOptions {
  /** Sees each chunk from the plain side after it was written to the framed side. */
  tapPlain?: (chunk: Buffer) => void;
  /** Sees each unframed piece from the framed side after it was written to the plain side. */
  tapFramed?: (piece: Buffer) => void;
}

/**
 * Relays a plain byte stream and a "-ping" framed connection both ways without a Duplex in
 * between (a stream layer costs more per message than the framing): each chunk from `plain` goes
 * out as one frame in one write; what `framed` sends is unframed, pings dropped, and written to
 * `plain` in one write per chunk. Backpressure both ways; an end passes through as a half-close.
 * `done` runs once: both directions ended, either side closed, or the first error.
 */
export function relayPing(
  plain: Duplex,
  framed: Duplex | PingTakeover,
  done: (err?: Error) => void,
  o: PingRelayOptions = {},
): void {
  const take: PingTakeover =
    'decoder' in framed ? framed : { conn: framed, decoder: new PingFrameDecoder(), pending: [] };
  const conn = take.conn;
  const decoder = take.decoder;
  let finished = false;
  let ends = 0;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    done(err);
  };
  const toPlain = (pieces: Buffer[]) => {
    if (!pieces.length) return;
    const data = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    if (!plain.write(data)) {
      conn.pause();
      plain.once('drain', () => conn.resume());
    }
    o.tapFramed?.(data);
  };
  plain.on('data', (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (!conn.write(framed1(chunk))) {
      plain.pause();
      conn.once('drain', () => plain.resume());
    }
    o.tapPlain?.(chunk);
  });
  conn.on('data', (chunk: Buffer) => toPlain(decoder.push(chunk)));
  plain.once('end', () => {
    conn.end();
    if (++ends === 2) finish();
  });
  conn.once('end', () => {
    if (!decoder.atBoundary) return finish(new Error('connection ended inside a ping frame'));
    plain.end();
    if (++ends === 2) finish();
  });
  for (const s of [plain, conn]) {
    s.on('error', (err: Error) => finish(err));
    s.once('close', () => finish());
  }
  toPlain(take.pending);
  plain.resume();
  conn.resume();
}

/** One payload as one frame (header and bytes in one buffer). */
function framed1(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}
