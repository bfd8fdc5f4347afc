// A byte stream carried in gRPC frames (TransportService ProxyCluster / ProxySSH /
// ProxyWindowsDesktopSession): expose it as a Node Duplex so TLS, HTTP/2 or SSH can run inside.
import { Duplex } from 'node:stream';
import { TshError } from '../util/errors.js';

export interface FrameCall<Out, In> {
  write(msg: Out, cb?: (err?: Error | null) => void): boolean;
  end(): void;
  on(event: 'data', fn: (msg: In) => void): unknown;
  on(event: 'end' | 'close', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  /** Stop / restart 'data' (gRPC then stops reading, and HTTP/2 flow control holds the peer). */
  pause?(): unknown;
  resume?(): unknown;
  cancel?(): void;
}

/**
 * What the Duplex buffers each way before it holds the other side: a few 64 KiB frames, so a
 * bulk stream is not stopped and restarted at every frame.
 */
export const FRAME_STREAM_HIGH_WATER_MARK = 1 << 20;

/**
 * The most bytes in one outgoing frame: writes that queued up while the previous one was sent go
 * out together up to this size, bigger writes are split. Well under the 4 MiB gRPC message limit
 * a receiver has by default.
 */
export const MAX_FRAME = 256 << 10;

/** The bytes of `chunks`, in order, as frames of at most `max` bytes (no empty ones). */
export function toFrames(chunks: Buffer[], max: number): Buffer[] {
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  let size = 0;
  const flush = () => {
    if (cur.length) out.push(cur.length === 1 ? cur[0] : Buffer.concat(cur, size));
    cur = [];
    size = 0;
  };
  for (let c of chunks) {
    while (c.length) {
      const piece = c.subarray(0, max - size);
      cur.push(piece);
      size += piece.length;
      c = c.subarray(piece.length);
      if (size === max) flush();
    }
  }
  flush();
  return out;
}

/**
 * Wraps a bidi call. `wrap` turns bytes into an outgoing message; `unwrap` takes the bytes out
 * of an incoming one: undefined for a message without a frame (a protocol error), null for a
 * message that belongs to another channel (e.g. ProxySSH agent frames) and is skipped.
 */
export function frameDuplex<Out, In>(
  call: FrameCall<Out, In>,
  wrap: (payload: Buffer) => Out,
  unwrap: (msg: In) => Buffer | null | undefined,
): Duplex {
  let ended = false;
  let finished = false;
  let paused = false;
  const send = (chunks: Buffer[], cb: (err: Error | null) => void) => {
    const frames = toFrames(chunks, MAX_FRAME);
    if (!frames.length) return cb(null);
    const last = frames.pop()!;
    for (const f of frames) call.write(wrap(f));
    call.write(wrap(last), (err) => cb(err ?? null));
  };
  const d = new Duplex({
    highWaterMark: FRAME_STREAM_HIGH_WATER_MARK,
    // One write at a time goes to the call; what is written meanwhile waits here and then goes
    // out in as few frames as fit: bulk data in big messages, a lone keystroke at once.
    write(chunk: Buffer, _enc, cb) {
      send([chunk], cb);
    },
    writev(chunks: { chunk: Buffer }[], cb) {
      send(
        chunks.map((c) => c.chunk),
        cb,
      );
    },
    final(cb) {
      finished = true;
      call.end();
      cb();
    },
    read() {
      // Data is pushed as frames arrive; the call was paused while this side was full.
      if (paused) {
        paused = false;
        call.resume?.();
      }
    },
    destroy(err, cb) {
      // A client call is cancelled; a server call cannot be, so its side is ended instead (else
      // the peer's stream would stay open after the connection inside it is gone).
      if (call.cancel) {
        if (!ended) call.cancel();
      } else if (!d.writableFinished && !finished) {
        finished = true;
        try {
          call.end();
        } catch {
          // already over
        }
      }
      cb(err);
    },
  });
  call.on('data', (msg) => {
    const payload = unwrap(msg);
    if (payload === null) return;
    if (!payload) {
      d.destroy(new TshError('peer sent a message without a frame', 'connection-problem'));
      return;
    }
    if (payload.length && !d.push(payload) && call.pause && !paused) {
      paused = true;
      call.pause();
    }
  });
  call.on('end', () => {
    ended = true;
    d.push(null);
  });
  call.on('error', (err) => d.destroy(err));
  return d;
}
