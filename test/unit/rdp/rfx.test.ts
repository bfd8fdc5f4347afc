// RemoteFX decoding against FreeRDP 2.11's own encoder and decoder (test/vectors/rdp), plus the
// pieces on their own: RLGR1/RLGR3 round trips through an encoder written here from [MS-RDPRFX]
// 3.1.8.1.7.3, the inverse DWT and the colour conversion on known values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framebuffer } from '../../../src/rdp/framebuffer.js';
import { ycbcrToRgba } from '../../../src/rdp/rfx/color.js';
import { inverseDwt } from '../../../src/rdp/rfx/dwt.js';
import { RfxDecoder } from '../../../src/rdp/rfx/message.js';
import { dequantize, dequantizeLL3, shiftTable } from '../../../src/rdp/rfx/quant.js';
import { rlgrDecode, type RlgrMode } from '../../../src/rdp/rfx/rlgr.js';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { compareRgb, rfxCases, sourceExists, vectorFile } from './vectors.js';

/**
 * The bound against FreeRDP's decode of the same messages: at most 1 per channel. Entropy decoding,
 * dequantization and the DWT are bit-exact; the YCbCr conversion rounds like FreeRDP's C code while
 * the library's SSE2 path rounds a little differently, which is the 1.
 */
const MAX_ERR_VS_FREERDP = 1;

describe('RemoteFX against FreeRDP', () => {
  for (const c of rfxCases) {
    it(`${c.name}: ${c.steps.length} message(s), ${c.mode}, within ${MAX_ERR_VS_FREERDP} of FreeRDP`, () => {
      const fb = new Framebuffer(c.screenWidth, c.screenHeight);
      const dec = new RfxDecoder();
      c.steps.forEach((step, i) => {
        const frames = dec.decode(vectorFile(`${c.name}.${i}.msg`), c.left, c.top, fb);
        expect(frames).toHaveLength(1);
        const want = vectorFile(step.decoded);
        const vsFreerdp = compareRgb(fb.data, want);
        expect(vsFreerdp.maxErr, `step ${i}`).toBeLessThanOrEqual(MAX_ERR_VS_FREERDP);
        expect(vsFreerdp.psnr, `step ${i}`).toBeGreaterThan(55);
        // Against the source picture we are as good as FreeRDP, to the same 1.
        const source = `${c.name}.${i}.source.rgba.gz`;
        if (sourceExists(source)) {
          const src = vectorFile(source);
          const shown = fb.crop(c.left, c.top, c.width, c.height).data;
          expect(compareRgb(shown, src).maxErr).toBeLessThanOrEqual(step.freerdpVsSource.maxErr + 1);
        }
      });
      expect(dec.mode).toBe(c.mode === 'rlgr1' ? 1 : 3);
    });
  }

  it('keeps its context across messages: later frames carry no headers', () => {
    const c = rfxCases.find((x) => x.name === 'rfx-rlgr3-session')!;
    const second = vectorFile(`${c.name}.1.msg`);
    // A new decoder that missed the first message (the headers) refuses the frame.
    const fb = new Framebuffer(c.screenWidth, c.screenHeight);
    expect(() => new RfxDecoder().decode(second, 0, 0, fb)).toThrow(/before TS_RFX_CONTEXT/);
  });

  it('draws only inside the region and the screen', () => {
    // the session's last step updates three small rects; everything else keeps step 1's pixels
    const c = rfxCases.find((x) => x.name === 'rfx-rlgr3-session')!;
    const fb = new Framebuffer(c.screenWidth, c.screenHeight);
    const dec = new RfxDecoder();
    dec.decode(vectorFile(`${c.name}.0.msg`), 0, 0, fb);
    dec.decode(vectorFile(`${c.name}.1.msg`), 0, 0, fb);
    const before = fb.data.slice();
    fb.takeDirty();
    const [frame] = dec.decode(vectorFile(`${c.name}.2.msg`), 0, 0, fb);
    // The step's rects (FreeRDP's encoder may send them cut at tile edges) cover the same pixels.
    const covers = (rects: { x: number; y: number; width: number; height: number }[], x: number, y: number) =>
      rects.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
    const stepRects = c.steps[2].rects.map(([x, y, width, height]) => ({ x, y, width, height }));
    const inside = (x: number, y: number) => covers(frame.rects, x, y);
    for (let y = 0; y < fb.height; y++) {
      for (let x = 0; x < fb.width; x++) expect(inside(x, y)).toBe(covers(stepRects, x, y));
    }
    for (let y = 0; y < fb.height; y++) {
      for (let x = 0; x < fb.width; x++) {
        if (inside(x, y)) continue;
        const i = (y * fb.width + x) * 4;
        expect(fb.data.subarray(i, i + 4)).toEqual(before.subarray(i, i + 4));
      }
    }
    const dirty = fb.takeDirty();
    expect(dirty.length).toBeGreaterThan(0);
    for (const d of dirty)
      expect(inside(d.x, d.y) && inside(d.x + d.width - 1, d.y + d.height - 1)).toBe(true);
    // A surface offset that puts the tiles partly off screen is clipped, not an error.
    const small = new Framebuffer(50, 40);
    new RfxDecoder().decode(vectorFile(`${c.name}.0.msg`), 20, 10, small);
    expect(small.takeDirty()).toEqual([{ x: 20, y: 10, width: 30, height: 30 }]);
  });
});

// ---------------------------------------------------------------- RLGR

/** RLGR encoder from the spec's pseudocode (the decoder's mirror image), for round trips. */
function rlgrEncode(mode: RlgrMode, input: Int16Array): Uint8Array {
  const bits: number[] = [];
  const put = (n: number, v: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((v >> i) & 1);
  };
  let k = 1;
  let kp = 8;
  let krp = 8;
  const update = (d: number) => {
    kp = Math.min(80, Math.max(0, kp + d));
    k = kp >> 3;
  };
  const codeGR = (val: number) => {
    const kr = krp >> 3;
    const vk = val >> kr;
    for (let i = 0; i < vk; i++) bits.push(1);
    bits.push(0);
    if (kr) put(kr, val & ((1 << kr) - 1));
    if (vk === 0) krp = Math.max(0, krp - 2);
    else if (vk > 1) krp = Math.min(80, krp + vk);
  };
  const twoMs = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);
  let i = 0;
  const next = () => (i < input.length ? input[i++] : 0);
  while (i < input.length) {
    if (k) {
      let zeros = 0;
      let v = next();
      while (v === 0 && i < input.length) {
        zeros++;
        v = next();
      }
      while (zeros >= 1 << k) {
        bits.push(0);
        zeros -= 1 << k;
        update(4);
      }
      bits.push(1);
      put(k, zeros);
      bits.push(v < 0 ? 1 : 0);
      const mag = Math.abs(v);
      codeGR(mag ? mag - 1 : 0);
      update(-6);
    } else if (mode === 1) {
      const t = twoMs(next());
      codeGR(t);
      update(t ? -3 : 3);
    } else {
      const t1 = twoMs(next());
      const t2 = twoMs(next());
      const sum = t1 + t2;
      codeGR(sum);
      put(sum === 0 ? 0 : 32 - Math.clz32(sum), t1);
      if (t1 && t2) update(-6);
      else if (!t1 && !t2) update(6);
    }
  }
  const out = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, j) => (out[j >> 3] |= b << (7 - (j & 7))));
  return out;
}

// Coefficients as RemoteFX produces them: mostly zero, small values, now and then a big one; the
// last one non-zero (a trailing zero is sent as a ±1 by the encoders, see FreeRDP's comment).
const coefficients = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: -2000, max: 2000 }) },
    ),
    { minLength: 1, maxLength: 4096 },
  )
  .map((a) => {
    const arr = Int16Array.from(a);
    if (arr[arr.length - 1] === 0) arr[arr.length - 1] = 7;
    return arr;
  });

describe('RLGR', () => {
  for (const mode of [1, 3] as const) {
    it(`RLGR${mode} decodes what the spec's encoder writes`, () => {
      fc.assert(
        fc.property(coefficients, (coeffs) => {
          const enc = rlgrEncode(mode, coeffs);
          const out = new Int16Array(coeffs.length);
          rlgrDecode(enc, 0, enc.length, mode, out);
          expect(out).toEqual(coeffs);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a stream that ends early leaves zeros, and reads only its own bytes', () => {
    const coeffs = Int16Array.from({ length: 4096 }, (_, i) => ((i * 37) % 11) - 5 || 1);
    const enc = rlgrEncode(3, coeffs);
    const padded = new Uint8Array(enc.length + 20).fill(0xff);
    padded.set(enc, 10);
    const out = new Int16Array(4096);
    rlgrDecode(padded, 10, 10 + (enc.length >> 1), 3, out);
    let zeros = 0;
    for (let i = 4000; i < 4096; i++) if (out[i] === 0) zeros++;
    expect(zeros).toBe(96);
    // nothing in the stream at all
    rlgrDecode(padded, 0, 0, 1, out);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('a unary prefix no 16-bit coefficient needs is an RdpDecodeError, not a hang', () => {
    const ones = new Uint8Array(40000).fill(0xff);
    // RLGR starts in RL mode: a 1 ends the zero run, then sign, then the all-ones GR prefix
    expect(() => rlgrDecode(ones, 0, ones.length, 1, new Int16Array(4096))).toThrow(RdpDecodeError);
  });
});

describe('dequantization, inverse DWT, colour', () => {
  it('LL3 is a running sum; each band is scaled by 2^(q-1)', () => {
    const buf = new Int16Array(4096);
    buf[0] = 1; // HL1
    buf[1024] = 1; // LH1
    buf[3840] = 1; // HL3
    buf.fill(2, 4032); // LL3 differences
    // TS_RFX_CODEC_QUANT order: LL3 LH3 HL3 HH3 LH2 HL2 HH2 LH1 HL1 HH1
    dequantize(buf, Uint8Array.of(6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 0);
    expect(buf[0]).toBe(1 << 13); // HL1: q 14
    expect(buf[1024]).toBe(1 << 12); // LH1: q 13
    expect(buf[3840]).toBe(1 << 7); // HL3: q 8
    expect(buf[4032]).toBe(2 << 5); // LL3: q 6, first sum 2
    expect(buf[4095]).toBe(128 << 5); // last sum 128
  });

  it('dequantization folded into RLGR (shift table) equals decoding, then dequantizing', () => {
    const quants = Uint8Array.of(6, 6, 6, 6, 7, 7, 8, 8, 8, 9);
    const shifts = new Uint8Array(4096);
    shiftTable(quants, 0, shifts);
    fc.assert(
      fc.property(coefficients, (c) => {
        const coeffs = new Int16Array(4096);
        coeffs.set(c, 4096 - c.length); // ends non-zero
        const enc = rlgrEncode(3, coeffs);
        const a = new Int16Array(4096);
        rlgrDecode(enc, 0, enc.length, 3, a);
        dequantize(a, quants, 0);
        const b = new Int16Array(4096);
        rlgrDecode(enc, 0, enc.length, 3, b, shifts);
        dequantizeLL3(b, quants, 0);
        expect(b).toEqual(a);
      }),
      { numRuns: 40 },
    );
  });

  it('the shortcut for empty level-1 bands gives what the full inverse DWT gives', () => {
    const tmp = new Int16Array(4096);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -4000, max: 4000 }), { minLength: 1024, maxLength: 1024 }),
        (v) => {
          const full = new Int16Array(4096);
          full.set(v, 3072); // level-2 and level-3 bands and LL3; HL1 LH1 HH1 empty
          const short = full.slice();
          inverseDwt(full, tmp, 0);
          inverseDwt(short, tmp, 3072);
          expect(short).toEqual(full);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('flat LL3 with no detail gives a flat tile', () => {
    const buf = new Int16Array(4096);
    buf.fill(-1234, 4032);
    inverseDwt(buf, new Int16Array(4096));
    expect(buf.every((v) => v === -1234)).toBe(true);
  });

  it('Y, Cb, Cr of 0 are mid grey; clamping at both ends', () => {
    const y = new Int16Array(4096);
    const cb = new Int16Array(4096);
    const cr = new Int16Array(4096);
    y[1] = 4064; // (4064 + 4096) / 32 = 255
    cr[2] = 4000; // red way up
    cr[3] = -4000;
    const dst = new Uint32Array(4);
    ycbcrToRgba(y, cb, cr, 0, 0, 4, 1, dst, 0, 4);
    // cr 4000: R 303 -> 255, G 38; cr -4000: R -48 -> 0, G 217
    expect([...new Uint8Array(dst.buffer)]).toEqual([
      128, 128, 128, 255, 255, 255, 255, 255, 255, 38, 128, 255, 0, 217, 128, 255,
    ]);
  });
});
