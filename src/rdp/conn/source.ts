// Frames from the current transport (the TCP socket, then the TLS socket over it), pulled one at
// a time by the client. Reading pauses when frames pile up, so a slow consumer slows the server
// down through TCP instead of growing memory.
import type { Duplex } from 'node:stream';
import { Framer, type Frame } from './framer.js';

/** Frames held before reading from the socket pauses. */
const FRAME_HIGH_WATER = 64;

/** Frames from the current transport, pulled one at a time, with pause/resume backpressure. */
export class FrameSource {
  private readonly framer = new Framer();
  private frames: Frame[] = [];
  private failure?: Error;
  private waiter?: { resolve: (f: Frame) => void; reject: (e: Error) => void };
  private stream?: Duplex;
  /** Set while only a TPKT reply makes sense: anything else is not an RDP server. */
  expectTpkt?: (first: number) => Error;

  private readonly onData = (chunk: Buffer) => {
    if (this.expectTpkt && this.framer.pending === 0 && chunk.length > 0 && chunk[0] !== 3) {
      this.fail(this.expectTpkt(chunk[0]));
      return;
    }
    let got: Frame[];
    try {
      got = this.framer.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const f of got) {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(f);
      } else this.frames.push(f);
    }
    if (this.frames.length > FRAME_HIGH_WATER) this.stream?.pause();
  };

  attach(stream: Duplex): void {
    this.stream = stream;
    stream.on('data', this.onData);
  }

  detach(): void {
    this.stream?.off('data', this.onData);
    this.stream = undefined;
  }

  /** Bytes received that are not a whole frame yet. */
  get pendingBytes(): number {
    return this.framer.pending + this.frames.reduce((n, f) => n + f.raw.length, 0);
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  next(): Promise<Frame> {
    const f = this.frames.shift();
    if (f) {
      if (this.frames.length < FRAME_HIGH_WATER / 2 && this.stream?.isPaused()) this.stream.resume();
      return Promise.resolve(f);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}
