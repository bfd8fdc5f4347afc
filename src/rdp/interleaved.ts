// Interleaved RLE bitmaps ([MS-RDPBCGR] 2.2.9.1.1.3.1.2.4 RLE_BITMAP_STREAM, decoding in 3.1.9):
// compressed TS_BITMAP_DATA below 32 bpp. A stream of orders, each a header byte (regular: 3-bit
// code + 5-bit length, lite: 4-bit code + 4-bit length, mega-mega: 0xFn + u16 length, specials) and
// its operands. Runs copy the scanline before (the "background"), XOR it with the foreground
// colour, repeat one or two colours or carry raw pixels; fg/bg images pick per bit. The first
// scanline has no scanline before it: black stands in. Scanlines are stored bottom-up. XOR works on
// the wire's pixel values, so orders decode into native pixels and are converted to RGBA after.
import { malformed, unsupported } from './errors.js';
import { MAX_BITMAP_PIXELS } from './planar.js';

const WHAT = 'interleaved bitmap';

// Order codes: regular ones are header >> 5, lite ones header >> 4, mega-mega and specials the
// whole header byte.
const REGULAR_BG_RUN = 0x0;
const REGULAR_FG_RUN = 0x1;
const REGULAR_FGBG_IMAGE = 0x2;
const REGULAR_COLOR_RUN = 0x3;
const REGULAR_COLOR_IMAGE = 0x4;
const LITE_SET_FG_FG_RUN = 0xc;
const LITE_SET_FG_FGBG_IMAGE = 0xd;
const LITE_DITHERED_RUN = 0xe;
const MEGA_MEGA_BG_RUN = 0xf0;
const MEGA_MEGA_FG_RUN = 0xf1;
const MEGA_MEGA_FGBG_IMAGE = 0xf2;
const MEGA_MEGA_COLOR_RUN = 0xf3;
const MEGA_MEGA_COLOR_IMAGE = 0xf4;
const MEGA_MEGA_SET_FG_RUN = 0xf6;
const MEGA_MEGA_SET_FGBG_IMAGE = 0xf7;
const MEGA_MEGA_DITHERED_RUN = 0xf8;
const SPECIAL_FGBG_1 = 0xf9;
const SPECIAL_FGBG_2 = 0xfa;
const SPECIAL_WHITE = 0xfd;
const SPECIAL_BLACK = 0xfe;

/** The fg/bg masks of the two special orders (8 pixels each). */
const MASK_SPECIAL_FGBG_1 = 0x03;
const MASK_SPECIAL_FGBG_2 = 0x05;

/**
 * The fewest bytes that can describe width x height pixels (a mega-mega background run: 3 bytes
 * for up to 65535 pixels), so a size can be refused before any allocation.
 */
export function minInterleavedSize(width: number, height: number): number {
  return 3 * Math.ceil((width * height) / 0xffff);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** RGB555 / RGB565 value → RGBA as a little-endian u32, built on first use. */
let lut15: Uint32Array | undefined;
let lut16: Uint32Array | undefined;

function highColorLut(bpp: 15 | 16): Uint32Array {
  const lut = new Uint32Array(0x10000);
  for (let v = 0; v < 0x10000; v++) {
    let r: number;
    let g: number;
    if (bpp === 16) {
      r = ((v >> 11) << 3) | (v >> 13);
      g = (((v >> 5) & 0x3f) << 2) | ((v >> 9) & 0x03);
    } else {
      r = (((v >> 10) & 0x1f) << 3) | ((v >> 12) & 0x07);
      g = (((v >> 5) & 0x1f) << 3) | ((v >> 7) & 0x07);
    }
    const b = ((v & 0x1f) << 3) | ((v >> 2) & 0x07);
    lut[v] = (r | (g << 8) | (b << 16) | 0xff000000) >>> 0;
  }
  return lut;
}

/** Decodes interleaved RLE bitmaps, reusing its buffers. */
export class InterleavedDecoder {
  /** Native pixel values, in stream order (bottom scanline first). */
  private pixels = new Uint32Array(0);
  private readonly paletteLut = new Uint32Array(256);

  /**
   * Decodes src (a whole RLE_BITMAP_STREAM) of width x height at bpp (8, 15, 16 or 24) into out,
   * top-down opaque RGBA. 8 bpp indexes the palette (256 RGB entries, 768 bytes).
   */
  decode(
    src: Uint8Array,
    width: number,
    height: number,
    bpp: number,
    out: Uint8Array,
    palette: Uint8Array,
  ): void {
    if (bpp !== 8 && bpp !== 15 && bpp !== 16 && bpp !== 24)
      throw unsupported(`interleaved RLE at ${bpp} bpp`);
    if (width < 1 || height < 1 || width * height > MAX_BITMAP_PIXELS) {
      throw malformed(WHAT, `size ${width}x${height}`);
    }
    const total = width * height;
    if (out.length < total * 4) throw malformed(WHAT, 'output too small');
    if (this.pixels.length < total) this.pixels = new Uint32Array(total);
    const written = rleDecode(src, width, total, bpp, this.pixels);
    if (written < total) {
      throw malformed(WHAT, `${width}x${height} at ${bpp} bpp: the stream ends after ${written} pixels`);
    }
    this.toRgba(width, height, bpp, out, palette);
  }

  /** Native pixels (bottom-up) to top-down RGBA. */
  private toRgba(width: number, height: number, bpp: number, out: Uint8Array, palette: Uint8Array): void {
    const px = this.pixels;
    let lut: Uint32Array | undefined;
    if (bpp === 16) lut = lut16 ??= highColorLut(16);
    else if (bpp === 15) lut = lut15 ??= highColorLut(15);
    else if (bpp === 8) {
      lut = this.paletteLut;
      for (let i = 0; i < 256; i++) {
        lut[i] = (palette[3 * i] | (palette[3 * i + 1] << 8) | (palette[3 * i + 2] << 16) | 0xff000000) >>> 0;
      }
    }
    const mask = bpp === 15 ? 0x7fff : 0xffff;
    if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
      const o32 = new Uint32Array(out.buffer, out.byteOffset, width * height);
      for (let r = 0; r < height; r++) {
        let s = r * width;
        let d = (height - 1 - r) * width;
        const e = s + width;
        if (lut) {
          if (bpp === 8) for (; s < e; s++, d++) o32[d] = lut[px[s] & 0xff];
          else for (; s < e; s++, d++) o32[d] = lut[px[s] & mask];
        } else {
          // BGR (B in the low byte) → R, G, B, A bytes
          for (; s < e; s++, d++) {
            const v = px[s];
            o32[d] = (((v >> 16) & 0xff) | (v & 0xff00) | ((v & 0xff) << 16) | 0xff000000) >>> 0;
          }
        }
      }
      return;
    }
    for (let r = 0; r < height; r++) {
      let s = r * width;
      let d = (height - 1 - r) * width * 4;
      for (let x = 0; x < width; x++, s++, d += 4) {
        const v = px[s];
        const c = !lut
          ? ((v >> 16) & 0xff) | (v & 0xff00) | ((v & 0xff) << 16)
          : lut[bpp === 8 ? v & 0xff : v & mask];
        out[d] = c & 0xff;
        out[d + 1] = (c >> 8) & 0xff;
        out[d + 2] = (c >> 16) & 0xff;
        out[d + 3] = 255;
      }
    }
  }
}

function truncated(what: string, at: number): never {
  throw malformed(WHAT, `${what} truncated at byte ${at}`);
}

/**
 * Runs the orders of src into px (width pixels a scanline, at most `total`); returns the number of
 * pixels written.
 */
function rleDecode(src: Uint8Array, width: number, total: number, bpp: number, px: Uint32Array): number {
  const bpx = bpp === 8 ? 1 : bpp === 24 ? 3 : 2;
  const white = bpp === 8 ? 0xff : bpp === 15 ? 0x7fff : bpp === 16 ? 0xffff : 0xffffff;
  const end = src.length;
  let pos = 0;
  let d = 0;
  let fg = white;
  // A background run right after another one starts with a foreground pixel (else the encoder
  // would have merged the two runs).
  let insertFg = false;
  // Decided at the start of each order: an order that crosses into the second scanline keeps the
  // first scanline's rules (so encoders and FreeRDP do).
  let firstLine = true;

  const pixel = (at: number): number => {
    if (at + bpx > end) truncated('pixel', at);
    return bpx === 3
      ? src[at] | (src[at + 1] << 8) | (src[at + 2] << 16)
      : bpx === 2
        ? src[at] | (src[at + 1] << 8)
        : src[at];
  };
  const room = (n: number, hdrAt: number): void => {
    if (d + n > total) {
      throw malformed(WHAT, `order 0x${src[hdrAt].toString(16)} at byte ${hdrAt} overflows the bitmap`);
    }
  };

  while (pos < end) {
    if (firstLine && d >= width) {
      firstLine = false;
      insertFg = false;
    }
    const at = pos;
    const hdr = src[pos];
    let code: number;
    let n: number;
    if ((hdr & 0xc0) !== 0xc0) {
      code = hdr >> 5;
      n = hdr & 0x1f;
      if (code === REGULAR_FGBG_IMAGE) {
        if (n === 0) {
          if (pos + 1 >= end) truncated('order length', pos);
          n = src[pos + 1] + 1;
          pos += 2;
        } else {
          n *= 8;
          pos += 1;
        }
      } else if (n === 0) {
        if (pos + 1 >= end) truncated('order length', pos);
        n = src[pos + 1] + 32;
        pos += 2;
      } else pos += 1;
    } else if ((hdr & 0xf0) !== 0xf0) {
      code = hdr >> 4;
      n = hdr & 0x0f;
      if (code === LITE_SET_FG_FGBG_IMAGE) {
        if (n === 0) {
          if (pos + 1 >= end) truncated('order length', pos);
          n = src[pos + 1] + 1;
          pos += 2;
        } else {
          n *= 8;
          pos += 1;
        }
      } else if (n === 0) {
        if (pos + 1 >= end) truncated('order length', pos);
        n = src[pos + 1] + 16;
        pos += 2;
      } else pos += 1;
    } else {
      code = hdr;
      if (code >= SPECIAL_FGBG_1) {
        n = code === SPECIAL_FGBG_1 || code === SPECIAL_FGBG_2 ? 8 : 1;
        pos += 1;
      } else {
        if (pos + 2 >= end) truncated('order length', pos);
        n = src[pos + 1] | (src[pos + 2] << 8);
        pos += 3;
      }
    }

    switch (code) {
      case REGULAR_BG_RUN:
      case MEGA_MEGA_BG_RUN: {
        room(n, at);
        const stop = d + n;
        if (firstLine) {
          if (insertFg && d < stop) px[d++] = fg;
          while (d < stop) px[d++] = 0;
        } else {
          if (insertFg && d < stop) {
            px[d] = px[d - width] ^ fg;
            d++;
          }
          for (; d < stop; d++) px[d] = px[d - width];
        }
        insertFg = true;
        continue;
      }
      case LITE_SET_FG_FG_RUN:
      case MEGA_MEGA_SET_FG_RUN:
      case REGULAR_FG_RUN:
      case MEGA_MEGA_FG_RUN: {
        if (code === LITE_SET_FG_FG_RUN || code === MEGA_MEGA_SET_FG_RUN) {
          fg = pixel(pos);
          pos += bpx;
        }
        room(n, at);
        const stop = d + n;
        if (firstLine) while (d < stop) px[d++] = fg;
        else for (; d < stop; d++) px[d] = px[d - width] ^ fg;
        break;
      }
      case LITE_DITHERED_RUN:
      case MEGA_MEGA_DITHERED_RUN: {
        room(2 * n, at);
        const a = pixel(pos);
        const b = pixel(pos + bpx);
        pos += 2 * bpx;
        const stop = d + 2 * n;
        while (d < stop) {
          px[d++] = a;
          px[d++] = b;
        }
        break;
      }
      case REGULAR_COLOR_RUN:
      case MEGA_MEGA_COLOR_RUN: {
        room(n, at);
        const c = pixel(pos);
        pos += bpx;
        px.fill(c, d, d + n);
        d += n;
        break;
      }
      case LITE_SET_FG_FGBG_IMAGE:
      case MEGA_MEGA_SET_FGBG_IMAGE:
      case REGULAR_FGBG_IMAGE:
      case MEGA_MEGA_FGBG_IMAGE: {
        if (code === LITE_SET_FG_FGBG_IMAGE || code === MEGA_MEGA_SET_FGBG_IMAGE) {
          fg = pixel(pos);
          pos += bpx;
        }
        room(n, at);
        if (pos + ((n + 7) >> 3) > end) truncated('fg/bg bitmask', pos);
        for (let left = n; left > 0; left -= 8) {
          d = fgbg(px, d, src[pos++], left < 8 ? left : 8, fg, firstLine, width);
        }
        break;
      }
      case REGULAR_COLOR_IMAGE:
      case MEGA_MEGA_COLOR_IMAGE: {
        room(n, at);
        if (pos + n * bpx > end) truncated('colour image', pos);
        const stop = d + n;
        if (bpx === 3) {
          for (; d < stop; pos += 3) px[d++] = src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16);
        } else if (bpx === 2) {
          for (; d < stop; pos += 2) px[d++] = src[pos] | (src[pos + 1] << 8);
        } else {
          while (d < stop) px[d++] = src[pos++];
        }
        break;
      }
      case SPECIAL_FGBG_1:
      case SPECIAL_FGBG_2:
        room(8, at);
        d = fgbg(
          px,
          d,
          code === SPECIAL_FGBG_1 ? MASK_SPECIAL_FGBG_1 : MASK_SPECIAL_FGBG_2,
          8,
          fg,
          firstLine,
          width,
        );
        break;
      case SPECIAL_WHITE:
        room(1, at);
        px[d++] = white;
        break;
      case SPECIAL_BLACK:
        room(1, at);
        px[d++] = 0;
        break;
      default:
        throw malformed(WHAT, `unknown order 0x${hdr.toString(16)} at byte ${at}`);
    }
    insertFg = false;
  }
  return d;
}

/** count (1..8) pixels of a fg/bg image from one bitmask byte, low bit first; returns the new d. */
function fgbg(
  px: Uint32Array,
  d: number,
  mask: number,
  count: number,
  fg: number,
  firstLine: boolean,
  width: number,
): number {
  if (firstLine) {
    for (let i = 0; i < count; i++, mask >>= 1) px[d++] = mask & 1 ? fg : 0;
  } else {
    for (let i = 0; i < count; i++, mask >>= 1, d++) px[d] = mask & 1 ? px[d - width] ^ fg : px[d - width];
  }
  return d;
}
