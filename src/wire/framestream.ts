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
  cancel?(): void;
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
  const d = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      call.write(wrap(chunk), (err) => cb(err ?? null));
    },
    final(cb) {
      call.end();
      cb();
    },
    read() {
      // data is pushed as frames arrive
    },
    destroy(err, cb) {
      if (!ended) call.cancel?.();
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
    if (payload.length) d.push(payload);
  });
  call.on('end', () => {
    ended = true;
    d.push(null);
  });
  call.on('error', (err) => d.destroy(err));
  return d;
}
