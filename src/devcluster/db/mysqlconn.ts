// Packet-at-a-time reading over a byte stream for the MySQL engine's connection phases (the
// command phase relays raw bytes), with the stream handed back untouched for a TLS upgrade.
import type { Duplex } from 'node:stream';
import { encodePacket, MysqlWireError, PacketDecoder, type Packet } from './mysqlwire.js';

export class PacketConn {
  private readonly decoder = new PacketDecoder();
  private waiter?: { resolve: (p: Packet) => void; reject: (e: Error) => void };
  private failure?: Error;
  private attached = true;
  private readonly onData = (chunk: Buffer) => {
    this.decoder.push(chunk);
    this.pump();
  };
  private readonly onEnd = () =>
    this.fail(new MysqlWireError('connection closed during the MySQL handshake'));
  private readonly onError = (err: Error) => this.fail(err);

  constructor(readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.pump();
  }

  private pump(): void {
    if (!this.waiter) return;
    let p: Packet | undefined;
    try {
      p = this.decoder.next();
    } catch (err) {
      this.failure ??= err as Error;
    }
    const w = this.waiter;
    if (p) {
      this.waiter = undefined;
      w.resolve(p);
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  /** The next whole packet; rejects when the stream ends first or after `timeoutMs`. */
  read(timeoutMs = 30_000, what = 'MySQL packet'): Promise<Packet> {
    if (!this.attached) return Promise.reject(new Error('PacketConn detached'));
    return new Promise<Packet>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new MysqlWireError(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiter = {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.pump();
    });
  }

  /** Frames and writes one payload; returns the next sequence id. */
  write(payload: Buffer, seq: number): number {
    const { bytes, nextSeq } = encodePacket(payload, seq);
    this.stream.write(bytes);
    return nextSeq;
  }

  /**
   * Stops reading and hands the stream back (for TLS, or to relay). Bytes already received past
   * the last packet are returned, so the caller can replay them.
   */
  detach(): Buffer {
    this.attached = false;
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    return this.decoder.drain();
  }
}
