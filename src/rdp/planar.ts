// The planar codec: RDP 6.0 bitmap compression ([MS-RDPEGDI] 2.2.2.5.1 RDP6_BITMAP_STREAM, 3.1.9).
// A format header byte, then an optional alpha plane and three colour planes, raw or RLE (2.2.2.5.1.1
// RDP6_RLE_SEGMENTS of 2.2.2.5.1.2 segments: raw bytes then a run, per scanline; every scanline after
// the first holds deltas to the one above). With a colour loss level (CLL, 3.1.9.1.4) the planes are
// AYCoCg (3.1.9.1.2) with Co and Cg shifted right by CLL, and with chroma subsampling (3.1.9.1.3) Co
// and Cg are half size each way. Co is taken as B - R, the reverse of the spec's formula: that is
// what Windows sends and FreeRDP decodes (FreeRDP PR #5856, "YCoCg to RGB conversion color order").
// Bitmap updates store scanlines bottom-up (FreeRDP's encoder writes them so); `bottomUp` turns them.
import { malformed } from './errors.js';

const CLL_MASK = 0x07;
const CS = 0x08;
const RLE = 0x10;
const NA = 0x20;

/** Largest bitmap decoded, in pixels (a hostile header must not allocate gigabytes). */
export const MAX_BITMAP_PIXELS = 1 << 24;

/**
 * The fewest bytes a stream of width x height can take (RLE: one control byte per 47 pixels of a
 * scanline, per plane), so a size can be refused before any allocation.
 */
export function minPlanarSize(src: Uint8Array, width: number, height: number): number {
  if (src.length < 1) return 1;
  const header = src[0];
  const planes = header & NA ? 3 : 4;
  const cs = (header & CS) !== 0 && (header & CLL_MASK) !== 0;
  const sw = cs ? (width + 1) >> 1 : width;
  const sh = cs ? (height + 1) >> 1 : height;
  if (header & RLE) {
    return 1 + (planes - 2) * height * Math.ceil(width / 47) + 2 * sh * Math.ceil(sw / 47);
  }
  return 1 + (planes - 2) * width * height + 2 * sw * sh;
}

export class PlanarDecoder {
  // plane scratch, reused: alpha, luma/red, orange chroma/green, green chroma/blue
  private planes: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];

  /**
   * Decodes src (a whole RDP6_BITMAP_STREAM) of width x height into out, top-down RGBA with the alpha
   * plane's values (255 without one).
   */
  decode(src: Uint8Array, width: number, height: number, out: Uint8Array, bottomUp: boolean): void {
    if (width < 1 || height < 1 || width * height > MAX_BITMAP_PIXELS) {
      throw malformed('planar bitmap', `size ${width}x${height}`);
    }
    if (out.length < width * height * 4) throw malformed('planar bitmap', 'output too small');
    if (src.length < 1) throw malformed('planar bitmap', 'empty');
    const header = src[0];
    const cll = header & CLL_MASK;
    const cs = (header & CS) !== 0;
    const rle = (header & RLE) !== 0;
    const alpha = (header & NA) === 0;
    if (cs && cll === 0) throw malformed('planar bitmap', 'chroma subsampling without colour loss (YCoCg)');
    const sw = cs ? (width + 1) >> 1 : width;
    const sh = cs ? (height + 1) >> 1 : height;
    const full = width * height;
    const sub = sw * sh;
    for (let i = 0; i < 4; i++) {
      const need = i >= 2 ? sub : full;
      if (this.planes[i].length < need) this.planes[i] = new Uint8Array(need);
    }
    const [pa, p0, p1, p2] = this.planes;

    if (rle) {
      let pos = 1;
      if (alpha) pos = rlePlane(src, pos, pa, width, height);
      pos = rlePlane(src, pos, p0, width, height);
      pos = rlePlane(src, pos, p1, sw, sh);
      rlePlane(src, pos, p2, sw, sh);
    } else {
      const need = 1 + (alpha ? full : 0) + full + 2 * sub;
      if (src.length < need) {
        throw malformed('planar bitmap', `raw planes truncated (${need} bytes needed, ${src.length} given)`);
      }
      let pos = 1;
      if (alpha) {
        pa.set(src.subarray(pos, pos + full));
        pos += full;
      }
      p0.set(src.subarray(pos, pos + full));
      pos += full;
      p1.set(src.subarray(pos, pos + sub));
      pos += sub;
      p2.set(src.subarray(pos, pos + sub));
    }

    const shift = cll - 1; // Co and Cg are stored >> CLL; << (CLL - 1) gives them halved, as used below
    for (let r = 0; r < height; r++) {
      const y = bottomUp ? height - 1 - r : r;
      let d = y * width * 4;
      const s = r * width;
      if (cll === 0) {
        for (let x = 0; x < width; x++, d += 4) {
          out[d] = p0[s + x];
          out[d + 1] = p1[s + x];
          out[d + 2] = p2[s + x];
          out[d + 3] = alpha ? pa[s + x] : 255;
        }
        continue;
      }
      const cRow = cs ? (r >> 1) * sw : s;
      for (let x = 0; x < width; x++, d += 4) {
        const c = cs ? cRow + (x >> 1) : cRow + x;
        const co = (((p1[c] << shift) & 0xff) << 24) >> 24; // to int8
        const cg = (((p2[c] << shift) & 0xff) << 24) >> 24;
        const luma = p0[s + x];
        const t = luma - cg;
        out[d] = clamp(t - co);
        out[d + 1] = clamp(luma + cg);
        out[d + 2] = clamp(t + co);
        out[d + 3] = alpha ? pa[s + x] : 255;
      }
    }
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Decodes one RLE plane of w x h starting at src[pos] into plane; returns the position after it. */
function rlePlane(src: Uint8Array, pos: number, plane: Uint8Array, w: number, h: number): number {
  const end = src.length;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let x = 0;
    let value = 0; // the last raw value (first scanline) or delta (others); 0 at each scanline start
    while (x < w) {
      if (pos >= end) throw malformed('planar bitmap', `RLE plane truncated at scanline ${y}`);
      const control = src[pos++];
      let run = control & 0x0f;
      let raw = control >> 4;
      if (run === 1) {
        run = 16 + raw;
        raw = 0;
      } else if (run === 2) {
        run = 32 + raw;
        raw = 0;
      }
      if (x + raw + run > w) throw malformed('planar bitmap', `RLE segment overflows scanline ${y}`);
      if (pos + raw > end) throw malformed('planar bitmap', `RLE raw bytes truncated at scanline ${y}`);
      if (y === 0) {
        for (let i = 0; i < raw; i++) plane[x++] = value = src[pos++];
        for (let i = 0; i < run; i++) plane[x++] = value;
      } else {
        const above = row - w;
        for (let i = 0; i < raw; i++, x++) {
          const v = src[pos++];
          value = v & 1 ? -((v >> 1) + 1) : v >> 1;
          plane[row + x] = plane[above + x] + value; // stored mod 256
        }
        for (let i = 0; i < run; i++, x++) plane[row + x] = plane[above + x] + value;
      }
    }
  }
  return pos;
}
