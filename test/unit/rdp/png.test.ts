// PNG: round trips, a PNG from elsewhere (the widely copied 1x1 RGBA image), the encoder's bytes
// checked chunk by chunk (CRCs against node:zlib's crc32, IDAT inflated), every filter type and
// colour type the decoder takes from PNGs written here, every bit depth against ImageMagick, and
// broken files as RdpDecodeErrors.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { crc32, decodePng, encodePng } from '../../../src/rdp/png.js';
import { toHex } from './build.js';

const ONE_PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function chunks(png: Uint8Array): { type: string; data: Buffer; crc: number }[] {
  const b = Buffer.from(png);
  const out = [];
  for (let pos = 8; pos < b.length;) {
    const len = b.readUInt32BE(pos);
    out.push({
      type: b.toString('latin1', pos + 4, pos + 8),
      data: b.subarray(pos + 8, pos + 8 + len),
      crc: b.readUInt32BE(pos + 8 + len),
    });
    pos += 12 + len;
  }
  return out;
}

/** A PNG written here: the given colour type, one filter type per scanline (applied by this code). */
function makePng(
  width: number,
  height: number,
  colorType: number,
  pixels: number[][],
  filters: number[],
  extra: [string, number[]][] = [],
): Uint8Array {
  const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType] as number;
  const stride = width * ch;
  const raw: number[] = [];
  // as many scanlines as given: fewer or more than height make broken files
  for (let y = 0; y < pixels.length; y++) {
    const f = filters[y % filters.length];
    raw.push(f);
    for (let i = 0; i < stride; i++) {
      const x = pixels[y][i];
      const a = i >= ch ? pixels[y][i - ch] : 0;
      const b = y > 0 ? pixels[y - 1][i] : 0;
      const c = i >= ch && y > 0 ? pixels[y - 1][i - ch] : 0;
      const p = a + b - c;
      const pr =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const pred = [0, a, b, Math.floor((a + b) / 2), pr][f];
      raw.push((x - pred) & 0xff);
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, Uint8Array.from(d))),
    chunk('IDAT', zlib.deflateSync(Uint8Array.from(raw))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('PNG', () => {
  it('decodes the widely copied 1x1 PNG (RGBA, Sub filter): a half-transparent blue', () => {
    const img = decodePng(Buffer.from(ONE_PIXEL, 'base64'));
    expect(img).toEqual({ width: 1, height: 1, data: Uint8Array.of(0, 0, 255, 127) });
  });

  it('CRC-32 agrees with node:zlib and the IEND constant', () => {
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => crc32(b) === zlib.crc32(b)));
  });

  it('the encoder writes signature, IHDR, IDAT, IEND with good CRCs; opaque images as RGB', () => {
    const png = encodePng({ width: 2, height: 1, data: Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255) });
    expect(toHex(png.subarray(0, 8))).toBe('89504e470d0a1a0a');
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const c of cs) expect(c.crc).toBe(zlib.crc32(Buffer.concat([Buffer.from(c.type), c.data])));
    expect(toHex(cs[0].data)).toBe('00000002' + '00000001' + '08' + '02' + '000000');
    const raw = zlib.inflateSync(cs[1].data);
    expect(raw.length).toBe(1 + 6);
    expect(toHex(png.subarray(png.length - 12))).toBe('0000000049454e44ae426082');
    // with transparency: RGBA
    const rgba = encodePng({ width: 1, height: 1, data: Uint8Array.of(1, 2, 3, 4) });
    expect(chunks(rgba)[0].data[9]).toBe(6);
  });

  it('round trips any image', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.integer(),
        (w, h, opaque, seed) => {
          const data = new Uint8Array(w * h * 4);
          let s = seed;
          for (let i = 0; i < data.length; i++) {
            s = (s * 1103515245 + 12345) | 0;
            // smooth areas, edges and noise, so every filter gets picked somewhere
            data[i] = i % 4 === 3 && opaque ? 255 : (s >>> 16) % 3 === 0 ? (i * 7) & 0xff : (s >>> 8) & 0xff;
          }
          expect(decodePng(encodePng({ width: w, height: h, data }))).toEqual({ width: w, height: h, data });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes every filter type and the grey, RGB, palette (with tRNS), grey+alpha and RGBA colour types', () => {
    const filters = [0, 1, 2, 3, 4];
    const rows = (w: number, h: number, ch: number) =>
      Array.from({ length: h }, (_, y) =>
        Array.from({ length: w * ch }, (_, i) => (y * 53 + i * 29 + ((i * y) % 7)) & 0xff),
      );
    const w = 5;
    const h = 5;
    const rgba = rows(w, h, 4);
    const rgbaImg = decodePng(makePng(w, h, 6, rgba, filters));
    expect([...rgbaImg.data]).toEqual(rgba.flat());
    const rgb = rows(w, h, 3);
    const rgbImg = decodePng(makePng(w, h, 2, rgb, filters));
    expect(rgbImg.data[4 * 7 + 1]).toBe(rgb[1][2 * 3 + 1]);
    expect(rgbImg.data[4 * 7 + 3]).toBe(255);
    const grey = rows(w, h, 1);
    const greyImg = decodePng(makePng(w, h, 0, grey, filters));
    expect([...greyImg.data.subarray(4 * 6, 4 * 7)]).toEqual([grey[1][1], grey[1][1], grey[1][1], 255]);
    const ga = rows(w, h, 2);
    const gaImg = decodePng(makePng(w, h, 4, ga, filters));
    expect([...gaImg.data.subarray(4 * 6, 4 * 7)]).toEqual([ga[1][2], ga[1][2], ga[1][2], ga[1][3]]);
    const idx = [
      [0, 1],
      [2, 0],
    ];
    const pal = decodePng(
      makePng(
        2,
        2,
        3,
        idx,
        [1, 2],
        [
          ['PLTE', [10, 20, 30, 40, 50, 60, 70, 80, 90]],
          ['tRNS', [0, 128]],
        ],
      ),
    );
    expect([...pal.data]).toEqual([10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 10, 20, 30, 0]);
  });

  it('broken or unsupported files are RdpDecodeErrors', () => {
    const good = makePng(2, 2, 6, [Array(8).fill(1), Array(8).fill(2)], [0]);
    const bad = (b: Uint8Array, re: RegExp) => {
      expect(() => decodePng(b)).toThrow(RdpDecodeError);
      expect(() => decodePng(b)).toThrow(re);
    };
    bad(good.subarray(0, 7), /signature/);
    bad(good.subarray(0, 40), /truncated/);
    const crc = Uint8Array.from(good);
    crc[20] ^= 1; // inside IHDR
    bad(crc, /bad CRC in chunk "IHDR"/);
    bad(makePng(2, 2, 6, [Array(8).fill(1), Array(8).fill(2)], [5]), /filter type 5/);
    const deep = Uint8Array.from(good);
    deep[24] = 3; // bit depth: no colour type has 3
    deep.set(Buffer.from(zlib.crc32(deep.subarray(12, 29)).toString(16).padStart(8, '0'), 'hex'), 29);
    bad(deep, /bit depth 3 with colour type/);
    const laced = Uint8Array.from(good);
    laced[28] = 1;
    laced.set(Buffer.from(zlib.crc32(laced.subarray(12, 29)).toString(16).padStart(8, '0'), 'hex'), 29);
    bad(laced, /interlaced/);
    bad(makePng(2, 2, 6, [Array(8).fill(1)], [0]), /image data is 9 bytes, 18 expected/);
    bad(makePng(2, 2, 6, [Array(8).fill(1), Array(8).fill(2), Array(8).fill(3)], [0]), /inflate|expected/);
    bad(makePng(1, 1, 3, [[3]], [0], [['PLTE', [1, 2, 3]]]), /palette index 3/);
    bad(makePng(1, 1, 3, [[0]], [0]), /without PLTE/);
    bad(makePng(1, 1, 0, [[0]], [0], [['ABCD', [1]]]), /unknown critical chunk "ABCD"/);
    // an ancillary chunk is skipped
    expect(decodePng(makePng(1, 1, 0, [[9]], [0], [['tEXt', [65, 0, 66]]])).data[0]).toBe(9);
    const huge = Uint8Array.from(good);
    huge.set([0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff], 16);
    huge.set(Buffer.from(zlib.crc32(huge.subarray(12, 29)).toString(16).padStart(8, '0'), 'hex'), 29);
    bad(huge, /size/);
  });
});

describe('decodePng: every bit depth and colour type (image/png decodes them all)', () => {
  const convert = '/usr/bin/convert';
  const cases: [string, string[], number, number][] = [
    ['grey 1-bit', ['pattern:checkerboard', '-colorspace', 'gray'], 0, 1],
    ['grey 2-bit', ['gradient:black-white', '-colorspace', 'gray', '-depth', '2'], 0, 2],
    ['grey 4-bit', ['gradient:black-white', '-colorspace', 'gray', '-depth', '4'], 0, 4],
    ['grey 16-bit', ['gradient:black-white', '-colorspace', 'gray'], 0, 16],
    ['palette 1-bit', ['pattern:checkerboard', '-fill', 'red', '-opaque', 'black', '-colors', '2'], 3, 1],
    ['palette 2-bit', ['gradient:red-blue', '-colors', '4'], 3, 2],
    ['palette 4-bit', ['gradient:red-blue', '-colors', '16'], 3, 4],
    ['RGB 16-bit', ['gradient:red-blue'], 2, 16],
    [
      'grey+alpha 16-bit',
      [
        'gradient:black-white',
        '-colorspace',
        'gray',
        '-alpha',
        'set',
        '-channel',
        'A',
        '-evaluate',
        'set',
        '40%',
        '+channel',
      ],
      4,
      16,
    ],
    [
      'RGBA 16-bit',
      ['gradient:red-blue', '-alpha', 'set', '-channel', 'A', '-evaluate', 'set', '40%', '+channel'],
      6,
      16,
    ],
  ];
  for (const [name, args, colorType, depth] of cases) {
    it.skipIf(!fs.existsSync(convert))(`${name}, as ImageMagick decodes it`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-png-'));
      try {
        const file = path.join(dir, 'in.png');
        execFileSync(convert, [
          '-size',
          '23x7',
          ...args,
          '-define',
          `png:color-type=${colorType}`,
          '-define',
          `png:bit-depth=${depth}`,
          `png${colorType === 3 ? '8' : ''}:${file}`,
        ]);
        const png = fs.readFileSync(file);
        expect([png[24], png[25]]).toEqual([depth, colorType]); // IHDR: what the case is about
        const want = execFileSync(convert, [file, '-depth', '8', 'rgba:-']);
        const got = decodePng(png);
        expect([got.width, got.height]).toEqual([23, 7]);
        // 16-bit: image/png keeps the high byte, ImageMagick rounds: at most 1 apart.
        const tolerance = depth === 16 ? 1 : 0;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i]! - got.data[i]!));
        expect(worst).toBeLessThanOrEqual(tolerance);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
