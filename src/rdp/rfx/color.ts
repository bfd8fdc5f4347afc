// YCbCr to RGB for decoded RemoteFX tiles (the inverse of the ICT of [MS-RDPRFX] 3.1.8.1.3):
//   R = Y + 1.402525 Cr,  G = Y - 0.343730 Cb - 0.714401 Cr,  B = Y + 1.769905 Cb
// on 11.5 fixed-point inputs where Y is offset by -128 (-4096 scaled). The factors are 16.16 fixed
// point; each sum is shifted down by 16 + 5 and clamped. A pixel is stored as one 32-bit word.

const CR_R = Math.trunc(1.402525 * 65536);
const CR_G = Math.trunc(0.714401 * 65536);
const CB_G = Math.trunc(0.34373 * 65536);
const CB_B = Math.trunc(1.769905 * 65536);

/** RGBA bytes as a little-endian word: R in the low byte. */
export const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Converts the part (tx, ty, width, height) of a 64x64 tile to opaque RGBA pixels at `dstIndex` (the
 * pixel of (tx, ty)) in `dst`, the framebuffer as 32-bit words with `dstStride` pixels a row.
 */
export function ycbcrToRgba(
  y: Int16Array,
  cb: Int16Array,
  cr: Int16Array,
  tx: number,
  ty: number,
  width: number,
  height: number,
  dst: Uint32Array,
  dstIndex: number,
  dstStride: number,
): void {
  const rs = LITTLE_ENDIAN ? 0 : 24;
  const gs = LITTLE_ENDIAN ? 8 : 16;
  const bs = LITTLE_ENDIAN ? 16 : 8;
  const alpha = LITTLE_ENDIAN ? 0xff000000 : 0xff;
  for (let row = 0; row < height; row++) {
    let s = (ty + row) * 64 + tx;
    let d = dstIndex + row * dstStride;
    for (const end = s + width; s < end; s++, d++) {
      const yy = (y[s] + 4096) * 65536;
      const b = cb[s];
      const r = cr[s];
      let R = (yy + r * CR_R) >> 21;
      let G = (yy - b * CB_G - r * CR_G) >> 21;
      let B = (yy + b * CB_B) >> 21;
      if ((R | G | B) & ~0xff) {
        R = R < 0 ? 0 : R > 255 ? 255 : R;
        G = G < 0 ? 0 : G > 255 ? 255 : G;
        B = B < 0 ? 0 : B > 255 ? 255 : B;
      }
      dst[d] = (R << rs) | (G << gs) | (B << bs) | alpha;
    }
  }
}
