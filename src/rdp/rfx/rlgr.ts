// RLGR entropy decoding of one RemoteFX tile component ([MS-RDPRFX] 3.1.8.1.7: the adaptive
// run-length / Golomb-Rice coder, RLGR1 and RLGR3 variants, pseudocode in 3.1.8.1.7.3). The bit
// reader keeps up to 31 bits MSB-first in a 32-bit accumulator; every read is at most 24 bits, so one
// refill before each read is enough. A stream that ends early leaves the remaining coefficients zero,
// as FreeRDP does.
import { malformed } from '../errors.js';

export type RlgrMode = 1 | 3;

const KPMAX = 80; // max value of kp and krp
const LSGR = 3; // kp >> LSGR = k
const UP_GR = 4; // kp increase after a full zero run (RL mode)
const DN_GR = 6; // kp decrease after a non-zero value (RL mode)
const UQ_GR = 3; // kp increase after a zero (GR mode)
const DQ_GR = 3; // kp decrease after a non-zero (GR mode)
/** A unary prefix longer than this cannot come from 16-bit coefficients. */
const MAX_PREFIX = 1 << 17;

const NO_SHIFTS = new Uint8Array(4096);

/**
 * Decodes src[start, end) into out (all of it, zeroed first), each value shifted left by shifts[i]
 * (dequantization folded in: only non-zero values cost anything), and returns the index of the first
 * non-zero coefficient (out.length if none), which lets the inverse DWT skip empty bands. Throws
 * RdpDecodeError only for codes no encoder of 16-bit coefficients can produce; a short stream is not
 * an error.
 */
export function rlgrDecode(
  src: Uint8Array,
  start: number,
  end: number,
  mode: RlgrMode,
  out: Int16Array,
  shifts: Uint8Array = NO_SHIFTS,
): number {
  const count = out.length;
  if (shifts.length < count) throw new RangeError('rlgrDecode: shift table shorter than the output');
  out.fill(0);
  let first = count;
  let pos = start;
  let acc = 0; // valid bits at the top
  let bits = 0;
  let k = 1;
  let kp = 1 << LSGR;
  let kr = 1;
  let krp = 1 << LSGR;
  let o = 0;

  outer: while (o < count) {
    while (bits <= 23 && pos < end) {
      acc |= src[pos++] << (24 - bits);
      bits += 8;
    }
    if (bits === 0) break;

    if (k !== 0) {
      // RL mode: each 0 bit is a full run of 2^k zeros; a 1 ends the runs.
      let run = 0;
      for (;;) {
        if (bits === 0) {
          while (bits <= 23 && pos < end) {
            acc |= src[pos++] << (24 - bits);
            bits += 8;
          }
          if (bits === 0) break outer;
        }
        const lz = Math.clz32(acc);
        if (lz < bits) {
          for (let i = 0; i < lz; i++) {
            run += 1 << k;
            kp += UP_GR;
            if (kp > KPMAX) kp = KPMAX;
            k = kp >> LSGR;
          }
          acc <<= lz + 1;
          bits -= lz + 1;
          break;
        }
        for (let i = 0; i < bits; i++) {
          run += 1 << k;
          kp += UP_GR;
          if (kp > KPMAX) kp = KPMAX;
          k = kp >> LSGR;
        }
        acc = 0;
        bits = 0;
      }
      // then k bits of partial run, the sign, and the magnitude - 1 as a GR code
      while (bits <= 23 && pos < end) {
        acc |= src[pos++] << (24 - bits);
        bits += 8;
      }
      if (bits < k + 1) break;
      run += acc >>> (32 - k);
      acc <<= k;
      const sign = acc >>> 31;
      acc <<= 1;
      bits -= k + 1;

      let vk = 0;
      for (;;) {
        if (bits === 0) {
          while (bits <= 23 && pos < end) {
            acc |= src[pos++] << (24 - bits);
            bits += 8;
          }
          if (bits === 0) break outer;
        }
        const lo = Math.clz32(~acc);
        if (lo < bits) {
          vk += lo;
          acc <<= lo + 1;
          bits -= lo + 1;
          break;
        }
        vk += bits;
        acc = 0;
        bits = 0;
        if (vk > MAX_PREFIX) throw malformed('RemoteFX tile', 'RLGR code out of range');
      }
      while (bits <= 23 && pos < end) {
        acc |= src[pos++] << (24 - bits);
        bits += 8;
      }
      if (bits < kr) break;
      const code = (kr === 0 ? 0 : acc >>> (32 - kr)) + vk * (1 << kr);
      acc <<= kr;
      bits -= kr;
      if (vk === 0) {
        krp = krp > 2 ? krp - 2 : 0;
        kr = krp >> LSGR;
      } else if (vk !== 1) {
        krp += vk;
        if (krp > KPMAX) krp = KPMAX;
        kr = krp >> LSGR;
      }
      kp = kp > DN_GR ? kp - DN_GR : 0;
      k = kp >> LSGR;

      o += run; // the output is already zero
      if (o >= count) break;
      if (first === count) first = o;
      out[o] = (sign ? -(code + 1) : code + 1) << shifts[o];
      o++;
      continue;
    }

    // GR mode: a Golomb-Rice code with parameter kr
    let vk = 0;
    for (;;) {
      if (bits === 0) {
        while (bits <= 23 && pos < end) {
          acc |= src[pos++] << (24 - bits);
          bits += 8;
        }
        if (bits === 0) break outer;
      }
      const lo = Math.clz32(~acc);
      if (lo < bits) {
        vk += lo;
        acc <<= lo + 1;
        bits -= lo + 1;
        break;
      }
      vk += bits;
      acc = 0;
      bits = 0;
      if (vk > MAX_PREFIX) throw malformed('RemoteFX tile', 'RLGR code out of range');
    }
    while (bits <= 23 && pos < end) {
      acc |= src[pos++] << (24 - bits);
      bits += 8;
    }
    if (bits < kr) break;
    const code = (kr === 0 ? 0 : acc >>> (32 - kr)) + vk * (1 << kr);
    acc <<= kr;
    bits -= kr;
    if (vk === 0) {
      krp = krp > 2 ? krp - 2 : 0;
      kr = krp >> LSGR;
    } else if (vk !== 1) {
      krp += vk;
      if (krp > KPMAX) krp = KPMAX;
      kr = krp >> LSGR;
    }

    if (mode === 1) {
      // RLGR1: one value as 2*magnitude - sign
      if (code === 0) {
        kp += UQ_GR;
        if (kp > KPMAX) kp = KPMAX;
        o++;
      } else {
        kp = kp > DQ_GR ? kp - DQ_GR : 0;
        if (first === count) first = o;
        out[o] = (code & 1 ? -((code + 1) >> 1) : code >> 1) << shifts[o];
        o++;
      }
      k = kp >> LSGR;
    } else {
      // RLGR3: the sum of two values' 2*magnitude - sign, then the first in as many bits as the sum
      const nIdx = code === 0 ? 0 : 32 - Math.clz32(code);
      if (nIdx > 24) throw malformed('RemoteFX tile', 'RLGR3 code out of range');
      while (bits <= 23 && pos < end) {
        acc |= src[pos++] << (24 - bits);
        bits += 8;
      }
      if (bits < nIdx) break;
      const val1 = nIdx === 0 ? 0 : acc >>> (32 - nIdx);
      acc <<= nIdx;
      bits -= nIdx;
      const val2 = code - val1;
      if (val1 !== 0 && val2 !== 0) {
        kp = kp > 2 * DQ_GR ? kp - 2 * DQ_GR : 0;
      } else if (val1 === 0 && val2 === 0) {
        kp += 2 * UQ_GR;
        if (kp > KPMAX) kp = KPMAX;
      }
      k = kp >> LSGR;
      if (first === count && val1 !== 0) first = o;
      out[o] = (val1 & 1 ? -((val1 + 1) >> 1) : val1 >> 1) << shifts[o];
      o++;
      if (o < count) {
        if (first === count && val2 !== 0) first = o;
        out[o] = (val2 & 1 ? -((val2 + 1) >> 1) : val2 >> 1) << shifts[o];
        o++;
      }
    }
  }
  return first;
}
