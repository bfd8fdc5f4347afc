// Bitmap updates ([MS-RDPBCGR] 2.2.9.1.1.3.1.2 TS_UPDATE_BITMAP_DATA, sent in fast-path as
// 2.2.9.1.2.1.2): rectangles of TS_BITMAP_DATA (2.2.9.1.1.3.1.2.2), each uncompressed (bottom-up
// scanlines padded to 4 bytes) or compressed: planar (RDP6_BITMAP_STREAM, [MS-RDPEGDI] 2.2.2.5.1) at
// 32 bpp, interleaved RLE ([MS-RDPBCGR] 2.2.9.1.1.3.1.2.4) below. Also the raw pixel formats every
// other decoder shares.
import { malformed, unsupported } from './errors.js';
import { InterleavedDecoder, minInterleavedSize } from './interleaved.js';
import { MAX_BITMAP_PIXELS, minPlanarSize, PlanarDecoder } from './planar.js';
import { Reader } from './reader.js';

const UPDATETYPE_BITMAP = 0x0001;
const BITMAP_COMPRESSION = 0x0001;
const NO_BITMAP_COMPRESSION_HDR = 0x0400;

export interface BitmapRect {
  /** Inclusive bounds on the screen. */
  destLeft: number;
  destTop: number;
  destRight: number;
  destBottom: number;
  width: number;
  height: number;
  bpp: number;
  flags: number;
  compressed: boolean;
  data: Uint8Array;
}

export function parseBitmapUpdate(data: Uint8Array): BitmapRect[] {
  const r = new Reader(data, 'bitmap update');
  const updateType = r.u16('updateType');
  if (updateType !== UPDATETYPE_BITMAP) throw malformed('bitmap update', `update type ${updateType}`);
  const n = r.u16('numberRectangles');
  const rects: BitmapRect[] = [];
  for (let i = 0; i < n; i++) {
    const destLeft = r.u16('destLeft');
    const destTop = r.u16('destTop');
    const destRight = r.u16('destRight');
    const destBottom = r.u16('destBottom');
    const width = r.u16('width');
    const height = r.u16('height');
    const bpp = r.u16('bitsPerPixel');
    const flags = r.u16('flags');
    const length = r.u16('bitmapLength');
    const compressed = (flags & BITMAP_COMPRESSION) !== 0;
    let bits: Uint8Array;
    if (compressed && !(flags & NO_BITMAP_COMPRESSION_HDR)) {
      // TS_CD_HEADER: cbCompFirstRowSize, cbCompMainBodySize, cbScanWidth, cbUncompressedSize
      if (length < 8) throw malformed('bitmap update', `bitmapLength ${length} without room for its header`);
      r.u16('cbCompFirstRowSize');
      const mainBody = r.u16('cbCompMainBodySize');
      r.u16('cbScanWidth');
      r.u16('cbUncompressedSize');
      bits = r.bytes(length - 8, 'bitmapDataStream');
      if (mainBody < bits.length) bits = bits.subarray(0, mainBody);
    } else {
      bits = r.bytes(length, 'bitmapDataStream');
    }
    rects.push({
      destLeft,
      destTop,
      destRight,
      destBottom,
      width,
      height,
      bpp,
      flags,
      compressed,
      data: bits,
    });
  }
  return rects;
}

/** 256 RGB entries (768 bytes). */
export type Palette = Uint8Array;

/** Without a palette update, 8 bpp indexes show as grey levels. */
export const GREY_PALETTE: Palette = (() => {
  const p = new Uint8Array(768);
  for (let i = 0; i < 256; i++) p[3 * i] = p[3 * i + 1] = p[3 * i + 2] = i;
  return p;
})();

export function bytesPerPixel(bpp: number): number {
  switch (bpp) {
    case 8:
      return 1;
    case 15:
    case 16:
      return 2;
    case 24:
      return 3;
    case 32:
      return 4;
    default:
      throw unsupported(`${bpp} bits per pixel`);
  }
}

/**
 * Converts width x height pixels of `bpp` (8 palette, 15 RGB555, 16 RGB565, 24 BGR, 32 BGRX, all
 * little-endian) with `stride` bytes a row to top-down opaque RGBA in out.
 */
export function convertPixels(
  src: Uint8Array,
  offset: number,
  width: number,
  height: number,
  bpp: number,
  stride: number,
  bottomUp: boolean,
  out: Uint8Array,
  palette: Palette = GREY_PALETTE,
): void {
  const bpx = bytesPerPixel(bpp);
  if (offset + (height - 1) * stride + width * bpx > src.length) {
    throw malformed(
      'bitmap',
      `${width}x${height} at ${bpp} bpp needs more than the ${src.length - offset} bytes sent`,
    );
  }
  for (let row = 0; row < height; row++) {
    const y = bottomUp ? height - 1 - row : row;
    let s = offset + row * stride;
    let d = y * width * 4;
    for (let x = 0; x < width; x++, d += 4, s += bpx) {
      let r: number;
      let g: number;
      let b: number;
      switch (bpp) {
        case 32:
        case 24:
          b = src[s];
          g = src[s + 1];
          r = src[s + 2];
          break;
        case 16: {
          const v = src[s] | (src[s + 1] << 8);
          r = ((v >> 11) << 3) | (v >> 13);
          g = (((v >> 5) & 0x3f) << 2) | ((v >> 9) & 0x03);
          b = ((v & 0x1f) << 3) | ((v >> 2) & 0x07);
          break;
        }
        case 15: {
          const v = src[s] | (src[s + 1] << 8);
          r = (((v >> 10) & 0x1f) << 3) | ((v >> 12) & 0x07);
          g = (((v >> 5) & 0x1f) << 3) | ((v >> 7) & 0x07);
          b = ((v & 0x1f) << 3) | ((v >> 2) & 0x07);
          break;
        }
        default: {
          const i = src[s] * 3;
          r = palette[i];
          g = palette[i + 1];
          b = palette[i + 2];
        }
      }
      out[d] = r;
      out[d + 1] = g;
      out[d + 2] = b;
      out[d + 3] = 255;
    }
  }
}

/** Decodes bitmap rectangles to top-down RGBA, reusing its buffers. */
export class BitmapDecoder {
  private readonly planar = new PlanarDecoder();
  private readonly interleaved = new InterleavedDecoder();
  private scratch = new Uint8Array(0);

  /** The rectangle's full width x height as RGBA; valid until the next call. */
  decode(rect: BitmapRect, palette: Palette = GREY_PALETTE): Uint8Array {
    const { width, height, bpp } = rect;
    if (width === 0 || height === 0) return this.scratch.subarray(0, 0);
    if (width * height > MAX_BITMAP_PIXELS) throw malformed('bitmap update', `bitmap of ${width}x${height}`);
    // Checked before allocating: a header must not make us allocate what the data cannot fill.
    const least = !rect.compressed
      ? width * height * bytesPerPixel(bpp)
      : bpp === 32
        ? minPlanarSize(rect.data, width, height)
        : minInterleavedSize(width, height);
    if (rect.data.length < least) {
      throw malformed('bitmap update', `${width}x${height} at ${bpp} bpp in ${rect.data.length} bytes`);
    }
    const size = width * height * 4;
    if (this.scratch.length < size) this.scratch = new Uint8Array(size);
    const out = this.scratch.subarray(0, size);
    if (!rect.compressed) {
      // Scanlines are padded to a multiple of 4 bytes (the spec); FreeRDP reads them unpadded. Both
      // agree for the widths servers send (multiples of 4); otherwise the data length decides.
      const row = width * bytesPerPixel(bpp);
      const padded = (row + 3) & ~3;
      const stride = rect.data.length >= padded * height ? padded : row;
      convertPixels(rect.data, 0, width, height, bpp, stride, true, out, palette);
    } else if (bpp === 32) {
      this.planar.decode(rect.data, width, height, out, true);
    } else {
      this.interleaved.decode(rect.data, width, height, bpp, out, palette);
    }
    return out;
  }
}
