// The JPEG encoder against a real decoder: ImageMagick's `convert` reads our files back to RGB and
// the PSNR against the input must stay above a bound for the quality (measured values in comments).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JpegEncoder, ZIGZAG, encodeJpeg, scaleQuant } from '../../../src/recording/jpeg.js';

const convert = fs.existsSync('/usr/bin/convert') ? '/usr/bin/convert' : undefined;

/** A desktop-like picture: a gradient, flat panels, and sharp-edged "text" strokes. */
function picture(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const panel = x > w / 2 && y > h / 3;
      const stroke = panel && (x % 9 < 2 || y % 13 === 0);
      d[o] = stroke ? 20 : panel ? 235 : (x * 255) / w;
      d[o + 1] = stroke ? 20 : panel ? 235 : (y * 255) / h;
      d[o + 2] = stroke ? 30 : panel ? 220 : 128;
      d[o + 3] = 255;
    }
  }
  return d;
}

function decode(jpeg: Buffer): { width: number; height: number; rgb: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jpeg-'));
  try {
    const f = path.join(dir, 'a.jpg');
    fs.writeFileSync(f, jpeg);
    const size = execFileSync(convert!, [f, '-format', '%w %h', 'info:']).toString().split(' ').map(Number);
    const rgb = execFileSync(convert!, [f, '-depth', '8', 'rgb:-'], { maxBuffer: 64 << 20 });
    return { width: size[0]!, height: size[1]!, rgb };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function psnr(rgba: Uint8Array, rgb: Buffer): number {
  let sum = 0;
  const n = rgb.length;
  for (let i = 0, j = 0; j < n; i += 4, j += 3) {
    for (let c = 0; c < 3; c++) {
      const d = rgba[i + c]! - rgb[j + c]!;
      sum += d * d;
    }
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / n));
}

describe('JPEG encoder', () => {
  it('writes SOI, JFIF APP0, two DQT, SOF0 4:2:0, four DHT, DRI, SOS and EOI', () => {
    const j = encodeJpeg(picture(16, 16), 16, 16);
    expect([...j.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    expect(j.subarray(6, 11).toString('latin1')).toBe('JFIF\0');
    expect([...j.subarray(-2)]).toEqual([0xff, 0xd9]);
    const markers: number[] = [];
    for (let p = 2; ;) {
      expect(j[p]).toBe(0xff);
      const m = j[p + 1]!;
      markers.push(m);
      if (m === 0xda) break;
      p += 2 + j.readUInt16BE(p + 2);
    }
    expect(markers).toEqual([0xe0, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xdd, 0xda]);
    const dri = j.indexOf(Buffer.from([0xff, 0xdd]));
    expect([...j.subarray(dri + 2, dri + 6)]).toEqual([0, 4, 0, 1]); // one macroblock per row here
    const sof = j.indexOf(Buffer.from([0xff, 0xc0]));
    // length 17, 8 bits, 16x16, 3 components: Y 2x2 table 0, Cb/Cr 1x1 table 1
    expect([...j.subarray(sof + 2, sof + 19)]).toEqual([
      0, 17, 8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ]);
  });

  it('scales the Annex K tables with the IJG formula', () => {
    expect(scaleQuant([16, 11, 99], 50)).toEqual(Uint8Array.from([16, 11, 99]));
    expect(scaleQuant([16, 11, 99], 75)).toEqual(Uint8Array.from([8, 6, 50]));
    expect(scaleQuant([16, 11, 99], 100)).toEqual(Uint8Array.from([1, 1, 1]));
    expect(scaleQuant([16, 99], 10)).toEqual(Uint8Array.from([80, 255]));
    expect(new Set(ZIGZAG).size).toBe(64);
  });

  it.skipIf(!convert)('decodes with ImageMagick within the PSNR bound of its quality', () => {
    // Odd sizes exercise the partial MCUs at the right and bottom edges.
    for (const [w, h, quality, bound] of [
      [37, 29, 90, 34], // measured ~40 dB
      [200, 120, 75, 28], // measured ~33 dB
      [1, 1, 75, 30],
      [640, 480, 100, 40],
    ] as const) {
      const img = picture(w, h);
      const d = decode(encodeJpeg(img, w, h, { quality }));
      expect([d.width, d.height]).toEqual([w, h]);
      expect(psnr(img, d.rgb), `${w}x${h} q${quality}`).toBeGreaterThan(bound);
    }
  });

  it.skipIf(!convert)('a flat colour decodes to itself (byte stuffing of 0xFF included)', () => {
    const enc = new JpegEncoder(48, 40);
    for (const [r, g, b] of [
      [255, 255, 255],
      [0, 0, 0],
      [200, 30, 90],
    ]) {
      const img = new Uint8Array(48 * 40 * 4);
      for (let i = 0; i < img.length; i += 4) img.set([r!, g!, b!, 255], i);
      const d = decode(enc.encode(img));
      for (let j = 0; j < d.rgb.length; j += 3) {
        expect(Math.abs(d.rgb[j]! - r!)).toBeLessThanOrEqual(2);
        expect(Math.abs(d.rgb[j + 1]! - g!)).toBeLessThanOrEqual(2);
        expect(Math.abs(d.rgb[j + 2]! - b!)).toBeLessThanOrEqual(2);
      }
    }
  });

  it('a reused encoder (unchanged macroblocks from its cache) writes what a fresh one writes', () => {
    const w = 100;
    const h = 50;
    const enc = new JpegEncoder(w, h);
    const a = picture(w, h);
    const b = a.slice();
    for (let x = 40; x < 60; x++) b.set([255, 0, 255, 255], (20 * w + x) * 4); // one changed row
    // Rows of macroblocks are restart intervals: RST0, RST1 between the 4 rows of 100x50.
    const j = encodeJpeg(a, w, h);
    const rst = [0, 1, 2].map((n) => j.indexOf(Buffer.from([0xff, 0xd0 + n])));
    expect(rst.every((i, k) => i > 0 && (k === 0 || i > rst[k - 1]!))).toBe(true);
    expect(enc.encode(a)).toEqual(encodeJpeg(a, w, h));
    expect(enc.encode(b)).toEqual(encodeJpeg(b, w, h));
    expect(enc.encode(b)).toEqual(encodeJpeg(b, w, h));
    expect(enc.encode(a)).toEqual(encodeJpeg(a, w, h));
    // An unaligned view is read as well.
    const shifted = new Uint8Array(a.length + 1);
    shifted.set(a, 1);
    expect(enc.encode(shifted.subarray(1))).toEqual(encodeJpeg(a, w, h));
  });

  it('refuses a short buffer and a bad size', () => {
    expect(() => encodeJpeg(new Uint8Array(10), 4, 4)).toThrow(RangeError);
    expect(() => new JpegEncoder(0, 4)).toThrow(RangeError);
  });
});
