// Comparing what a desktop session shows with the X display behind the shadow desktop: the display
// captured directly (`xwd -root`, an XWD file parsed here) and a PSNR / largest-error measure over
// the screen without the clock (it ticks between two captures).
import { execFileSync } from 'node:child_process';
import type { RgbaImage } from '../../src/rdp/png.js';
import type { RdpServer } from './rdp.js';

/** xclock on the shadow desktop: a 200x200 window at the top right. */
export const CLOCK = 200;

/** An XWD file (X11 XWDFileHeader, big-endian; ZPixmap at 24/32 bpp) as RGBA. */
export function parseXwd(buf: Buffer): RgbaImage {
  const h = (i: number) => buf.readUInt32BE(i * 4);
  const [headerSize, format, width, height, byteOrder, bpp, stride] = [
    h(0),
    h(2),
    h(4),
    h(5),
    h(7),
    h(11),
    h(12),
  ];
  const [rMask, gMask, bMask, ncolors] = [h(14), h(15), h(16), h(19)];
  if (format !== 2 || (bpp !== 32 && bpp !== 24)) throw new Error(`XWD: format ${format}, ${bpp} bpp`);
  const shift = (m: number) => Math.log2(m & -m);
  const start = headerSize + ncolors * 12;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = start + y * stride + (x * bpp) / 8;
      const v =
        bpp === 32
          ? byteOrder === 0
            ? buf.readUInt32LE(p)
            : buf.readUInt32BE(p)
          : byteOrder === 0
            ? buf.readUIntLE(p, 3)
            : buf.readUIntBE(p, 3);
      const o = (y * width + x) * 4;
      data[o] = ((v & rMask) >>> shift(rMask)) & 0xff;
      data[o + 1] = ((v & gMask) >>> shift(gMask)) & 0xff;
      data[o + 2] = ((v & bMask) >>> shift(bMask)) & 0xff;
      data[o + 3] = 0xff;
    }
  }
  return { width, height, data };
}

/** The shadow desktop's X display as it is now. */
export function captureX(rdp: RdpServer): RgbaImage {
  return parseXwd(
    execFileSync('/usr/bin/xwd', ['-root', '-silent', '-display', rdp.display], {
      env: rdp.env,
      maxBuffer: 64 << 20,
    }),
  );
}

export interface ScreenDifference {
  /** dB; Infinity when identical. */
  psnr: number;
  /** The largest difference of one colour channel. */
  maxError: number;
  /** Pixels that differ at all. */
  differing: number;
}

/**
 * `a` (RGBA) against `b` over the screen without the clock; `b` may be RGB (`bStep` 3, e.g. what
 * ImageMagick's `rgb:-` writes). Sizes must agree.
 */
export function compareOutsideClock(
  a: RgbaImage,
  b: { width: number; height: number; data: Uint8Array },
  bStep = 4,
): ScreenDifference {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`screen sizes differ: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  let sum = 0;
  let n = 0;
  let maxError = 0;
  let differing = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (x >= a.width - CLOCK && y < CLOCK) continue;
      const o = (y * a.width + x) * 4;
      const p = (y * a.width + x) * bStep;
      let diff = false;
      for (let c = 0; c < 3; c++) {
        const d = a.data[o + c]! - b.data[p + c]!;
        sum += d * d;
        n++;
        if (d !== 0) diff = true;
        maxError = Math.max(maxError, Math.abs(d));
      }
      if (diff) differing++;
    }
  }
  const mse = sum / n;
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), maxError, differing };
}
