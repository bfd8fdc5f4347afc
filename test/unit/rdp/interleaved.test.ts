// Interleaved RLE ([MS-RDPBCGR] 2.2.9.1.1.3.1.2.4) against FreeRDP 2.11: streams from FreeRDP's
// encoder at 15, 16 and 24 bpp and hand-built streams (test/vectors/rdp/gen.c) for the orders it
// never writes, each decoded by FreeRDP; ours must give the same bytes. Small streams are also
// checked against pixels worked out from the spec, and broken ones must fail cleanly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitmapDecoder, GREY_PALETTE, parseBitmapUpdate } from '../../../src/rdp/bitmap.js';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { InterleavedDecoder } from '../../../src/rdp/interleaved.js';
import { bitmapUpdate, hex } from './build.js';
import { VECTORS, vectorFile } from './vectors.js';

interface InterleavedCase {
  name: string;
  kind: 'interleaved';
  encoder: 'freerdp' | 'gen.c';
  bpp: number;
  width: number;
  height: number;
  freerdpVsSource?: { maxErr: number };
  orders: Record<string, number>;
}

const cases = (
  JSON.parse(fs.readFileSync(path.join(VECTORS, 'manifest.json'), 'utf8')) as { cases: { kind: string }[] }
).cases.filter((c): c is InterleavedCase => c.kind === 'interleaved');

/** Every order kind of the stream format, as gen.c names them. */
const ORDER_KINDS = [
  ...['bg', 'fg', 'fgbg', 'color-run', 'color-image', 'set-fg', 'set-fg-fgbg', 'dither'].flatMap((k) => [
    k,
    `${k}.ext`,
    `${k}.mega`,
  ]),
  'special-fgbg-1',
  'special-fgbg-2',
  'white',
  'black',
];

/**
 * FreeRDP 2.11 widens RGB565 green as (g << 2) + (g >> 3) (FreeRDPSplitColor) where we replicate
 * bits as for every other 16 bpp bitmap ((g << 2) | (g >> 4)); everything else is the same. Maps
 * our RGBA to FreeRDP's so the native pixel values are still compared exactly.
 */
function asFreeRdp(out: Uint8Array, bpp: number): Uint8Array {
  if (bpp !== 16) return out;
  const o = Uint8Array.from(out);
  for (let i = 1; i < o.length; i += 4) {
    const g = o[i] >> 2;
    o[i] = Math.min(255, (g << 2) + (g >> 3));
  }
  return o;
}

function decode(msg: Uint8Array, w: number, h: number, bpp: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  new InterleavedDecoder().decode(msg, w, h, bpp, out, GREY_PALETTE);
  return out;
}

/** RGBA pixels of a decoded image as [r, g, b] (alpha checked to be opaque). */
function pixels(out: Uint8Array): number[][] {
  const px: number[][] = [];
  for (let i = 0; i < out.length; i += 4) {
    expect(out[i + 3]).toBe(255);
    px.push([out[i], out[i + 1], out[i + 2]]);
  }
  return px;
}

describe('interleaved RLE against FreeRDP', () => {
  it('the vectors cover every order kind, at 15, 16 and 24 bpp from FreeRDP and by hand', () => {
    const seen = new Set(cases.flatMap((c) => Object.keys(c.orders)));
    expect([...seen].sort()).toEqual([...ORDER_KINDS].sort());
    for (const bpp of [15, 16, 24]) {
      expect(cases.some((c) => c.bpp === bpp && c.encoder === 'freerdp')).toBe(true);
    }
    expect(new Set(cases.map((c) => c.bpp))).toEqual(new Set([8, 15, 16, 24]));
  });

  for (const c of cases) {
    const kinds = Object.keys(c.orders).join(', ');
    it(`${c.name} (${c.width}x${c.height} at ${c.bpp} bpp, ${c.encoder}: ${kinds}): exact`, () => {
      const out = asFreeRdp(decode(vectorFile(`${c.name}.msg`), c.width, c.height, c.bpp), c.bpp);
      const want = vectorFile(`${c.name}.freerdp.rgba.gz`);
      expect(Buffer.from(out).equals(Buffer.from(want))).toBe(true);
    });
  }

  it('one decoder reused across sizes and depths gives the same results', () => {
    const dec = new InterleavedDecoder();
    for (const c of [...cases, ...cases].reverse()) {
      const out = new Uint8Array(c.width * c.height * 4);
      dec.decode(vectorFile(`${c.name}.msg`), c.width, c.height, c.bpp, out, GREY_PALETTE);
      const want = Buffer.from(vectorFile(`${c.name}.freerdp.rgba.gz`));
      expect(Buffer.from(asFreeRdp(out, c.bpp)).equals(want), c.name).toBe(true);
    }
  });

  it('an output buffer at any byte offset gets the same pixels', () => {
    for (const c of cases) {
      const msg = vectorFile(`${c.name}.msg`);
      const size = c.width * c.height * 4;
      const odd = new Uint8Array(size + 1).subarray(1);
      new InterleavedDecoder().decode(msg, c.width, c.height, c.bpp, odd, GREY_PALETTE);
      expect(Buffer.from(odd).equals(Buffer.from(decode(msg, c.width, c.height, c.bpp))), c.name).toBe(true);
    }
  });

  it('through a bitmap update, with and without TS_CD_HEADER', () => {
    const c = cases.find((k) => k.name === 'interleaved-mixed-16')!;
    const msg = vectorFile(`${c.name}.msg`);
    const want = Buffer.from(vectorFile(`${c.name}.freerdp.rgba.gz`));
    const plain = bitmapUpdate([
      { left: 0, top: 0, width: c.width, height: c.height, bpp: 16, compressed: true, data: msg },
    ]);
    // the same rectangle with flags BITMAP_COMPRESSION only and the 8-byte TS_CD_HEADER in front
    const withHeader = Uint8Array.from(plain);
    const view = new DataView(withHeader.buffer);
    view.setUint16(4 + 14, 0x0001, true);
    view.setUint16(4 + 16, msg.length + 8, true);
    const cd = new Uint8Array(8);
    new DataView(cd.buffer).setUint16(2, msg.length, true); // cbCompMainBodySize
    new DataView(cd.buffer).setUint16(4, c.width * 2, true); // cbScanWidth
    new DataView(cd.buffer).setUint16(6, c.width * c.height * 2, true); // cbUncompressedSize
    const full = Buffer.concat([withHeader.subarray(0, 4 + 18), cd, msg]);
    const dec = new BitmapDecoder();
    for (const update of [plain, new Uint8Array(full)]) {
      const [rect] = parseBitmapUpdate(update);
      expect(rect.data.length).toBe(msg.length);
      expect(Buffer.from(asFreeRdp(dec.decode(rect), 16)).equals(want)).toBe(true);
    }
  });
});

describe('interleaved RLE by hand (pixels from the spec)', () => {
  it('8 bpp: colour image, fg run on the first line, background runs with the foreground pixel, set-fg fg/bg image', () => {
    // 4x3, grey palette; scanlines bottom-up, so the first decoded line is the bottom one.
    const stream = hex('82 10 20  22  01  01  62 40  D0 03 77 09');
    const px = pixels(decode(stream, 4, 3, 8)).map((p) => p[0]);
    const bottom = [0x10, 0x20, 0xff, 0xff]; // colour image 2, then white (the initial fg) x 2
    const middle = [0x10, 0x20 ^ 0xff, 0x40, 0x40]; // bg copies; the 2nd bg run starts with above ^ fg
    const top = [0x10 ^ 0x77, 0x20 ^ 0xff, 0x40, 0x40 ^ 0x77]; // mask 1001: above ^ fg or above
    expect(px).toEqual([...top, ...middle, ...bottom]);
  });

  it('24 bpp: set-fg run, back-to-back background runs on the first line, white, black, specials', () => {
    const stream = hex('C3 0000FF  02  01  FD  FE  F9  FA  D1 00FF00 A5');
    const px = pixels(decode(stream, 8, 4, 24));
    const [red, black, white, green] = [
      [255, 0, 0],
      [0, 0, 0],
      [255, 255, 255],
      [0, 255, 0],
    ];
    const row = (y: number) => px.slice((3 - y) * 8, (4 - y) * 8); // decoded line y (bottom-up)
    // line 0: set-fg run 3 (red); bg run 2 (black); bg run 1 right after: the fg pixel; white; black
    expect(row(0)).toEqual([red, red, red, black, black, red, white, black]);
    // line 1: special fg/bg 1 = mask 0x03 with fg red: pixels 0 and 1 are above ^ red
    const xor = (a: number[], b: number[]) => a.map((v, i) => v ^ b[i]);
    const l1 = row(0).map((p, i) => (i < 2 ? xor(p, red) : p));
    expect(row(1)).toEqual(l1);
    // line 2: special fg/bg 2 = mask 0x05: pixels 0 and 2
    expect(row(2)).toEqual(l1.map((p, i) => (i === 0 || i === 2 ? xor(p, red) : p)));
    // line 3: set-fg fg/bg image of 8, fg green, mask 0xA5 = 1010 0101 (low bit first)
    expect(row(3)).toEqual(row(2).map((p, i) => ((0xa5 >> i) & 1 ? xor(p, green) : p)));
  });

  it('16 bpp: a fg/bg image crossing into the second line keeps the first-line rules; mega-mega forms', () => {
    // 6x5: 9-pixel set-fg fg/bg image (fg 0xF81F, masks 0x6B 0x01): all 9 use the first-line
    // rule (fg or black), including the 3 on line 1.
    const stream = hex('D0 08 1FF8 6B 01  03  F0 0200  F6 0400 E007  F7 0300 00F8 05  F8 0200 3412 7856  25');
    const out = decode(stream, 6, 5, 16);
    const v = (x: number, y: number) => {
      const o = ((4 - y) * 6 + x) * 4; // line y counted from the bottom
      return [out[o], out[o + 1], out[o + 2]];
    };
    const magenta = [255, 0, 255];
    const black = [0, 0, 0];
    const mask = 0x6b | (0x01 << 8);
    for (let i = 0; i < 9; i++)
      expect(v(i % 6, Math.floor(i / 6)), `pixel ${i}`).toEqual((mask >> i) & 1 ? magenta : black);
    // the rest of line 1 (bg run 3) copies line 0; the mega bg run right after starts with above ^ fg
    expect(v(3, 1)).toEqual(v(3, 0));
    expect(v(5, 1)).toEqual(v(5, 0));
    expect(v(0, 2)).toEqual(v(0, 1).map((c, i) => c ^ magenta[i]));
    expect(v(1, 2)).toEqual(v(1, 1));
  });

  it('the same stream at 15 and 16 bpp differs only in how pixels convert', () => {
    const stream = hex('C0 04 007C  E0 00 E003 1F00  E3 FF7F 0000  FD FE');
    const out = pixels(decode(stream, 20, 3, 15));
    expect(out[40]).toEqual([255, 0, 0]); // first decoded line (the bottom row) is the red set-fg run
    expect(out[20]).toEqual([0, 255, 0]); // dithered: green, blue, ...
    expect(out[21]).toEqual([0, 0, 255]);
    expect(out[18]).toEqual([255, 255, 255]); // white (0x7FFF), then black
    expect(out[19]).toEqual([0, 0, 0]);
  });
});

describe('broken interleaved streams', () => {
  const dec = new InterleavedDecoder();
  const out = new Uint8Array(64 * 64 * 4);
  const run =
    (s: string, w = 4, h = 2, bpp = 16) =>
    () =>
      dec.decode(hex(s), w, h, bpp, out, GREY_PALETTE);

  it('fail with one clear RdpDecodeError', () => {
    expect(run('')).toThrow(/stream ends after 0 pixels/);
    expect(run('04')).toThrow(/stream ends after 4 pixels/);
    expect(run('09')).toThrow(/order 0x9 at byte 0 overflows the bitmap/);
    expect(run('00')).toThrow(/order length truncated at byte 0/);
    expect(run('F0 01')).toThrow(/order length truncated/);
    expect(run('A1')).toThrow(/unknown order 0xa1/);
    expect(run('FF')).toThrow(/unknown order 0xff/);
    expect(run('84 0102')).toThrow(/colour image truncated/);
    expect(run('61')).toThrow(/pixel truncated/);
    expect(run('41')).toThrow(/fg\/bg bitmask truncated/);
    expect(run('00', 4, 2, 32)).toThrow(/interleaved RLE at 32 bpp/);
    expect(run('00', 0, 2)).toThrow(/size 0x2/);
    for (const f of [run(''), run('A1'), run('00', 4, 2, 32)]) expect(f).toThrow(RdpDecodeError);
  });

  it('random and mutated streams either decode or fail with an RdpDecodeError', () => {
    const msgs = cases.map((c) => vectorFile(`${c.name}.msg`));
    fc.assert(
      fc.property(
        fc.nat({ max: msgs.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(8, 15, 16, 24),
        fc.uint8Array({ maxLength: 64 }),
        (i, edits, w, h, bpp, random) => {
          const m = Uint8Array.from(msgs[i]);
          for (const [at, v] of edits) m[at % m.length] = v;
          for (const s of [m, m.subarray(0, m.length >> 1), random]) {
            const o = new Uint8Array(w * h * 4);
            try {
              dec.decode(s, w, h, bpp, o, GREY_PALETTE);
            } catch (e) {
              if (!(e instanceof RdpDecodeError)) throw e;
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
