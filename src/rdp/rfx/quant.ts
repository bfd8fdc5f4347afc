// Dequantization and the differential decoding of the LL3 band of a RemoteFX tile component (the
// inverse of [MS-RDPRFX] 3.1.8.1.5 quantization and 3.1.8.1.6 linearization). A decoded component is
// 4096 coefficients in sub-band order HL1 LH1 HH1 (1024 each), HL2 LH2 HH2 (256), HL3 LH3 HH3 LL3
// (64). Coefficients keep 5 extra fraction bits through the inverse DWT (the spec's 11.5 fixed point,
// 4.2.4.3), so a quantization value q scales by 2^(q-1) rather than 2^(q-6); color.ts takes the 5
// bits off again. The scaling of all bands but LL3 happens in rlgrDecode through a per-coefficient
// shift table; LL3 has to be summed first.
import { malformed } from '../errors.js';

/**
 * TS_RFX_CODEC_QUANT (2.2.2.1.5) holds ten 4-bit values, low nibble first, in the order LL3 LH3 HL3
 * HH3 LH2 HL2 HH2 LH1 HL1 HH1. This table maps each sub-band in coefficient order (HL1 LH1 HH1 HL2
 * LH2 HH2 HL3 LH3 HH3 LL3) to its position in that order.
 */
const BAND_QUANT_INDEX = [8, 7, 9, 5, 4, 6, 2, 1, 3, 0];
const BAND_START = [0, 1024, 2048, 3072, 3328, 3584, 3840, 3904, 3968, 4032, 4096];
const LL3 = 4032;

/** Reads numQuant TS_RFX_CODEC_QUANT structures into 10 values each (in the structure's order). */
export function parseQuantValues(src: Uint8Array, offset: number, numQuant: number, out: Uint8Array): void {
  for (let i = 0; i < numQuant * 5; i++) {
    const b = src[offset + i];
    const q0 = b & 0x0f;
    const q1 = b >> 4;
    // 6..15 is what the spec allows; below 1 there is no scale to undo.
    if (q0 < 1 || q1 < 1) throw malformed('RemoteFX tileset', `quantization value 0 in quant ${(i / 5) | 0}`);
    out[2 * i] = q0;
    out[2 * i + 1] = q1;
  }
}

/** The left shift of each coefficient (0 for LL3, see dequantizeLL3) for one quant's 10 values. */
export function shiftTable(quants: Uint8Array, quantOffset: number, out: Uint8Array): void {
  for (let band = 0; band < 9; band++) {
    out.fill(quants[quantOffset + BAND_QUANT_INDEX[band]] - 1, BAND_START[band], BAND_START[band + 1]);
  }
  out.fill(0, LL3, 4096);
}

/** LL3 is sent as differences: a running sum, then its scale. */
export function dequantizeLL3(buf: Int16Array, quants: Uint8Array, quantOffset: number): void {
  const shift = quants[quantOffset] - 1;
  let acc = 0;
  for (let i = LL3; i < 4096; i++) {
    acc = ((acc + buf[i]) << 16) >> 16; // the sum lives in 16 bits, as in FreeRDP
    buf[i] = acc << shift;
  }
}

/** All of it on a plain decoded component (what rlgrDecode without shifts gives). */
export function dequantize(buf: Int16Array, quants: Uint8Array, quantOffset: number): void {
  const shifts = new Uint8Array(4096);
  shiftTable(quants, quantOffset, shifts);
  for (let i = 0; i < LL3; i++) buf[i] <<= shifts[i];
  dequantizeLL3(buf, quants, quantOffset);
}
