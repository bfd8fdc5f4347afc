// Planar (RDP 6.0 bitmap compression) against FreeRDP 2.11: streams from FreeRDP's encoder (RGB
// planes, raw or RLE, with or without alpha) and colour-loss / chroma-subsampled streams built by
// test/vectors/rdp/gen.c, each decoded by FreeRDP; ours must give the same bytes.
import { describe, expect, it } from 'vitest';
import { minPlanarSize, PlanarDecoder } from '../../../src/rdp/planar.js';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { hex } from './build.js';
import { planarCases, vectorFile } from './vectors.js';

describe('planar against FreeRDP', () => {
  for (const c of planarCases) {
    const what = [
      c.rle ? 'RLE' : 'raw',
      c.alpha ? 'alpha' : 'no alpha',
      c.cll ? `CLL ${c.cll}` : 'RGB',
      c.cs ? 'CS' : '',
    ];
    it(`${c.name} (${c.width}x${c.height}, ${what.join(', ').replace(/, $/, '')}, ${c.encoder}): exact`, () => {
      const msg = vectorFile(`${c.name}.msg`);
      const out = new Uint8Array(c.width * c.height * 4);
      new PlanarDecoder().decode(msg, c.width, c.height, out, c.bottomUp);
      const want = vectorFile(`${c.name}.freerdp.rgba.gz`);
      expect(Buffer.from(out).equals(Buffer.from(want))).toBe(true);
      expect(msg.length).toBeGreaterThanOrEqual(minPlanarSize(msg, c.width, c.height));
    });
  }

  it('one decoder reused across sizes and kinds gives the same results', () => {
    const dec = new PlanarDecoder();
    for (const c of [...planarCases, ...planarCases].reverse()) {
      const out = new Uint8Array(c.width * c.height * 4);
      dec.decode(vectorFile(`${c.name}.msg`), c.width, c.height, out, c.bottomUp);
      expect(Buffer.from(out).equals(Buffer.from(vectorFile(`${c.name}.freerdp.rgba.gz`))), c.name).toBe(
        true,
      );
    }
  });
});

describe('planar by hand', () => {
  it('raw RGB planes, top-down and bottom-up', () => {
    // 2x2, NA|raw: header 0x20, R plane, G plane, B plane, pad
    const stream = hex('20' + '01020304' + '11121314' + '21222324' + '00');
    const out = new Uint8Array(16);
    new PlanarDecoder().decode(stream, 2, 2, out, false);
    expect([...out]).toEqual([
      1, 0x11, 0x21, 255, 2, 0x12, 0x22, 255, 3, 0x13, 0x23, 255, 4, 0x14, 0x24, 255,
    ]);
    new PlanarDecoder().decode(stream, 2, 2, out, true);
    expect([...out.subarray(0, 4)]).toEqual([3, 0x13, 0x23, 255]);
  });

  it('RLE: raw bytes, runs, long runs (16+ and 32+) and deltas to the line above', () => {
    // 40x2, one plane shown (all three equal). Line 0: raw [5] (0x10), run of 39 fives as 0x72
    // (32 + 7). Line 1: raw delta [2] (+1), a run of 16 + 3 = 19 more +1s (0x31), raw delta [1] (-1),
    // 19 more -1s.
    const line0 = '10 05 72';
    const line1 = '10 02 31 10 01 31';
    const plane = line0 + line1;
    const stream = hex('30' + plane + plane + plane); // NA | RLE
    const out = new Uint8Array(40 * 2 * 4);
    new PlanarDecoder().decode(stream, 40, 2, out, false);
    const px = (x: number, y: number) => out[(y * 40 + x) * 4];
    expect(px(0, 0)).toBe(5);
    expect(px(39, 0)).toBe(5);
    expect(px(0, 1)).toBe(6);
    expect(px(19, 1)).toBe(6);
    expect(px(20, 1)).toBe(4);
    expect(px(39, 1)).toBe(4);
  });

  it('broken streams are RdpDecodeErrors', () => {
    const dec = new PlanarDecoder();
    const out = new Uint8Array(4 * 4 * 4);
    expect(() => dec.decode(hex(''), 4, 4, out, true)).toThrow(/empty/);
    expect(() => dec.decode(hex('28'), 4, 4, out, true)).toThrow(/chroma subsampling without colour loss/);
    expect(() => dec.decode(hex('20 0102'), 4, 4, out, true)).toThrow(/raw planes truncated/);
    expect(() => dec.decode(hex('30 50 01020304'), 4, 4, out, true)).toThrow(/overflows scanline 0/);
    expect(() => dec.decode(hex('30 40 01'), 4, 4, out, true)).toThrow(/raw bytes truncated/);
    expect(() => dec.decode(hex('30 04'), 4, 4, out, true)).toThrow(/RLE plane truncated at scanline 1/);
    expect(() => dec.decode(hex('30'), 0x10000, 0x10000, out, true)).toThrow(RdpDecodeError);
    // a control byte that advances nothing still consumes input: no hang
    expect(() => dec.decode(new Uint8Array(5000).fill(0).fill(0x30, 0, 1), 4, 4, out, true)).toThrow(
      /truncated/,
    );
  });
});
