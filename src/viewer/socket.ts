// The server end of one WebSocket over an upgraded HTTP socket (codec: src/wire/websocket.ts):
// messages in as events, text and binary out, pings answered, the close handshake both ways, and
// the bytes still queued for the peer (for backpressure).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  CLOSE_NO_STATUS,
  CLOSE_NORMAL,
  encodeClosePayload,
  encodeFrame,
  OPCODE,
  WebSocketError,
  WebSocketParser,
} from '../wire/websocket.js';

export interface ServerSocketEvents {
  text: [string];
  binary: [Buffer];
  /** Once, when the connection is gone: the close code (1005 when none, 1006 when dropped). */
  close: [{ code: number; reason: string }];
  /** The socket took what was queued (see `buffered`). */
  drain: [];
}

/** Dropped without a close frame (never on the wire). */
export const CLOSE_ABNORMAL = 1006;

export class ServerSocket extends EventEmitter<ServerSocketEvents> {
  private readonly parser: WebSocketParser;
  private closeSent = false;
  private closed = false;
  private closeInfo: { code: number; reason: string } | undefined;

  constructor(
    private readonly socket: Duplex & { writableLength?: number },
    opts: { maxMessage?: number; head?: Buffer } = {},
  ) {
    super();
    this.parser = new WebSocketParser({ masked: true, maxMessage: opts.maxMessage ?? 64 << 10 });
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onGone());
    socket.on('drain', () => this.emit('drain'));
    if (opts.head?.length) queueMicrotask(() => this.onData(opts.head!));
  }

  /** Bytes queued for the peer that the kernel has not taken yet. */
  get buffered(): number {
    return this.socket.writableLength ?? 0;
  }

  get open(): boolean {
    return !this.closeSent && !this.closed;
  }

  sendText(text: string): boolean {
    return this.frame(OPCODE.text, Buffer.from(text, 'utf8'));
  }

  sendBinary(data: Uint8Array): boolean {
    return this.frame(OPCODE.binary, data);
  }

  /** Starts the close handshake; the socket ends when the peer answers (or after 1 s). */
  close(code = CLOSE_NORMAL, reason = ''): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    this.closeInfo ??= { code, reason };
    this.socket.write(encodeFrame({ opcode: OPCODE.close, payload: encodeClosePayload(code, reason) }));
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private frame(opcode: number, payload: Uint8Array): boolean {
    if (!this.open) return false;
    return this.socket.write(encodeFrame({ opcode, payload }));
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let messages;
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      const e = err as WebSocketError;
      this.close(e.closeCode, e.message);
      this.socket.end();
      return;
    }
    for (const m of messages) {
      switch (m.type) {
        case 'text':
          if (!this.closeSent) this.emit('text', m.data);
          break;
        case 'binary':
          if (!this.closeSent) this.emit('binary', m.data);
          break;
        case 'ping':
          this.frame(OPCODE.pong, m.data);
          break;
        case 'pong':
          break;
        case 'close':
          this.closeInfo ??= { code: m.code, reason: m.reason };
          if (!this.closeSent) {
            // Echo the status (§5.5.1); none for a close without one.
            this.closeSent = true;
            const payload = m.code === CLOSE_NO_STATUS ? undefined : encodeClosePayload(m.code);
            this.socket.write(encodeFrame({ opcode: OPCODE.close, payload }));
          }
          this.socket.end();
          return;
      }
    }
  }

  private onGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', this.closeInfo ?? { code: CLOSE_ABNORMAL, reason: '' });
  }
}
