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
  conn.on('data', (chunk: Buffer) => {
    for (const piece of decoder.push(chunk)) {
      if (!outer.push(piece)) conn.pause();
    }
  });
  let ended = false;
  conn.on('end', () => {
    ended = true;
    if (!decoder.atBoundary) {
      outer.destroy(new Error('connection ended inside a ping frame'));
      return;
    }
    outer.push(null);
  });
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
