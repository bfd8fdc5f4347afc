// How the SSH byte stream to a node (ProxySSH) is cut into gRPC frames: writes that queued up go
// out merged, big ones split, every byte once and in order; tearing it down ends the call.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { frameDuplex, MAX_FRAME, toFrames } from '../../../src/wire/framestream.js';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i) & 0xff;
  return b;
}

describe('toFrames', () => {
  it('sends a lone write as it is (no copy)', () => {
    const b = bytes(100, 1);
    const frames = toFrames([b], MAX_FRAME);
    expect(frames).toEqual([b]);
    expect([frames[0].buffer, frames[0].byteOffset]).toEqual([b.buffer, b.byteOffset]);
  });

  it('merges queued writes up to the limit and splits what is bigger, in order', () => {
    const chunks = [bytes(3, 1), bytes(4, 2), bytes(10, 3), bytes(1, 4), bytes(25, 5)];
    const frames = toFrames(chunks, 8);
    expect(frames.map((f) => f.length)).toEqual([8, 8, 8, 8, 8, 3]);
    expect(Buffer.concat(frames)).toEqual(Buffer.concat(chunks));
  });

  it('drops empty writes and sends nothing for none', () => {
    expect(toFrames([], 8)).toEqual([]);
    expect(toFrames([Buffer.alloc(0)], 8)).toEqual([]);
    expect(toFrames([Buffer.alloc(0), bytes(2, 9), Buffer.alloc(0)], 8)).toEqual([bytes(2, 9)]);
  });

  it('keeps every frame within the limit for any mix of sizes', () => {
    const chunks = [1, 70_000, 5, 300_000, 262_144, 12, 1 << 20].map((n, i) => bytes(n, i));
    const frames = toFrames(chunks, MAX_FRAME);
    expect(frames.every((f) => f.length > 0 && f.length <= MAX_FRAME)).toBe(true);
    expect(Buffer.concat(frames)).toEqual(Buffer.concat(chunks));
  });
});

describe('frameDuplex teardown', () => {
  class FakeCall extends EventEmitter {
    ends = 0;
    cancels = 0;
    write(_msg: unknown, cb?: (err?: Error | null) => void): boolean {
      cb?.(null);
      return true;
    }
    end(): void {
      this.ends++;
    }
  }
  const wrap = (payload: Buffer) => payload;
  const unwrap = (m: Buffer) => m;

  it('a client call (it has cancel) is cancelled when the stream is destroyed', () => {
    const call = Object.assign(new FakeCall(), {
      cancel(this: FakeCall) {
        this.cancels++;
      },
    });
    frameDuplex(call, wrap, unwrap).destroy();
    expect([call.cancels, call.ends]).toEqual([1, 0]);
  });

  it('a server call (no cancel) is ended once when the stream is destroyed', () => {
    const call = new FakeCall();
    const d = frameDuplex(call, wrap, unwrap);
    d.destroy();
    d.destroy();
    expect(call.ends).toBe(1);
  });

  it('a server call whose side already ended is not ended again', async () => {
    const call = new FakeCall();
    const d = frameDuplex(call, wrap, unwrap);
    await new Promise<void>((r) => d.end(r));
    d.destroy();
    expect(call.ends).toBe(1);
  });
});
