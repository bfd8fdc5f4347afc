// Hostile input: random bytes and mutated real streams (FreeRDP's RemoteFX and planar vectors, bitmap
// updates, PNGs) through every entry point. Each call returns or throws an RdpDecodeError (a
// TshError), never a RangeError/TypeError, and finishes (the test's timeout catches a hang).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { FastPathParser } from '../../../src/rdp/fastpath.js';
import { Framebuffer } from '../../../src/rdp/framebuffer.js';
import { DesktopGraphics } from '../../../src/rdp/graphics.js';
import { PlanarDecoder } from '../../../src/rdp/planar.js';
import { decodePng, encodePng } from '../../../src/rdp/png.js';
import { RfxDecoder } from '../../../src/rdp/rfx/message.js';
import { TshError } from '../../../src/util/errors.js';
import { bitmapUpdate, concat, fastPathPdu, fragmentedPdus, frameMarker, surfaceBits } from './build.js';
import { planarCases, rfxCases, vectorFile } from './vectors.js';

function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof RdpDecodeError)) throw err;
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).not.toMatch(/\n/);
  }
}

/** A copy of bytes with some bytes changed, some removed from the end. */
const mutation = (len: number) =>
  fc.record({
    flips: fc.array(fc.record({ at: fc.nat({ max: len - 1 }), value: fc.integer({ min: 0, max: 255 }) }), {
      minLength: 1,
      maxLength: 8,
    }),
    cut: fc.option(fc.nat({ max: len }), { freq: 3 }),
  });

function mutate(
  bytes: Uint8Array,
  m: { flips: { at: number; value: number }[]; cut: number | null },
): Uint8Array {
  const out = bytes.slice(0, Math.max(1, bytes.length - (m.cut ?? 0)));
  for (const f of m.flips) if (f.at < out.length) out[f.at] = f.value;
  return out;
}

const rfxSession = rfxCases.find((c) => c.name === 'rfx-rlgr3-session')!;
const rfxMsg = vectorFile(`${rfxSession.name}.0.msg`);

describe('hostile input', () => {
  it('random bytes into the fast-path parser, in random pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (chunks) => {
        const p = new FastPathParser({ maxUpdateSize: 1 << 16 });
        onlyTyped(() => chunks.forEach((c) => p.push(c)));
      }),
      { numRuns: 500 },
    );
  });

  it('random updates of every code into the graphics pipeline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 400 }), (code, data) => {
        const g = new DesktopGraphics({ width: 64, height: 64, ioChannelId: 1003, userChannelId: 1004 });
        onlyTyped(() => g.processFastPath(fastPathPdu([{ code, data }])));
      }),
      { numRuns: 800 },
    );
  });

  it('mutated RemoteFX messages', () => {
    fc.assert(
      fc.property(mutation(rfxMsg.length), (m) => {
        const fb = new Framebuffer(rfxSession.screenWidth, rfxSession.screenHeight);
        onlyTyped(() => new RfxDecoder().decode(mutate(rfxMsg, m), 0, 0, fb));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated RemoteFX in surface commands through fragmented fast-path PDUs', () => {
    const cmds = concat([
      surfaceBits({ left: 0, top: 0, width: 136, height: 100, codecId: 3, data: rfxMsg }),
      frameMarker(true, 1),
    ]);
    const stream = concat(fragmentedPdus(4, cmds, 5000));
    fc.assert(
      fc.property(mutation(stream.length), (m) => {
        const g = new DesktopGraphics({ width: 136, height: 100, ioChannelId: 1003, userChannelId: 1004 });
        onlyTyped(() => g.processFastPath(mutate(stream, m)));
      }),
      { numRuns: 200 },
    );
  });

  it('mutated planar streams, with sizes that do not fit them', () => {
    const msgs = planarCases.map((c) => ({ c, msg: vectorFile(`${c.name}.msg`) }));
    fc.assert(
      fc.property(
        fc.nat({ max: msgs.length - 1 }),
        mutation(3000),
        fc.integer({ min: 1, max: 130 }),
        fc.integer({ min: 1, max: 130 }),
        (i, m, w, h) => {
          const { msg } = msgs[i];
          const out = new Uint8Array(w * h * 4);
          onlyTyped(() => new PlanarDecoder().decode(mutate(msg, m), w, h, out, true));
          // and as a bitmap update through the pipeline, with its own sizes
          const g = new DesktopGraphics({ width: 64, height: 64 });
          const update = bitmapUpdate([
            { left: 0, top: 0, width: w, height: h, bpp: 32, compressed: true, data: mutate(msg, m) },
          ]);
          onlyTyped(() => g.processFastPath(concat(fragmentedPdus(1, update))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random and mutated PNGs', () => {
    const png = encodePng({
      width: 9,
      height: 7,
      data: new Uint8Array(9 * 7 * 4).map((_, i) => (i * 13) & 0xff),
    });
    fc.assert(
      fc.property(mutation(png.length), fc.uint8Array({ maxLength: 100 }), (m, random) => {
        onlyTyped(() => decodePng(mutate(png, m)));
        onlyTyped(() => decodePng(random));
      }),
      { numRuns: 500 },
    );
  });

  it('sizes meant to exhaust memory are refused before allocating', () => {
    const g = new DesktopGraphics({ width: 64, height: 64 });
    const huge = bitmapUpdate([
      {
        left: 0,
        top: 0,
        width: 0xffff,
        height: 0xffff,
        bpp: 32,
        compressed: false,
        data: new Uint8Array(16),
      },
    ]);
    expect(() => g.processFastPath(fastPathPdu([{ code: 1, data: huge }]))).toThrow(RdpDecodeError);
    const rle = bitmapUpdate([
      {
        left: 0,
        top: 0,
        width: 4000,
        height: 4000,
        bpp: 32,
        compressed: true,
        data: Uint8Array.of(0x30, 0, 0),
      },
    ]);
    expect(() => g.processFastPath(fastPathPdu([{ code: 1, data: rle }]))).toThrow(/in 3 bytes/);
    expect(() => new DesktopGraphics({ width: 100000, height: 10 })).toThrow(RdpDecodeError);
  });
});
