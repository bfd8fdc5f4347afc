// Baseline JPEG encoder (ITU T.81, JFIF 1.01) for the frames of a desktop recording export.
//
// Input: RGBA pixels (alpha ignored). Output: one JFIF file: SOI, APP0, DQT (luma, chroma), SOF0
// (8-bit, 3 components, Y 2x2 + Cb/Cr 1x1 = 4:2:0, as Go's image/jpeg writes), DHT (the four
// Annex K tables), DRI (a restart interval per row of macroblocks), SOS, the entropy-coded rows
// separated by RSTn markers, EOI. Quantization tables are Annex K's scaled by
// quality with the IJG formula (quality 75 is Go's jpeg.DefaultQuality, which upstream's export
// uses). The DCT is the AAN factorisation in floating point with the scale folded into the
// quantizer; edge blocks repeat the last row/column. An encoder reused for the frames of a video
// keeps each macroblock's quantized coefficients and transforms only the macroblocks that changed,
// and keeps each row's coded bytes for the rows that did not change at all.

// Annex K.1 luminance and chrominance quantization tables, in natural (row-major) order.
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** Zig-zag order: ZIGZAG[k] is the natural index of the k-th coefficient. */
export const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

// Annex K.3 Huffman tables: code counts per length 1..16, then the symbols.
const DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_LUMA_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_CHROMA_VALS = DC_LUMA_VALS;
const AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// prettier-ignore
const AC_LUMA_VALS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];
const AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
// prettier-ignore
const AC_CHROMA_VALS = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
  0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
  0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
  0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
  0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
  0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

/** Whether two pixel arrays hold the same n words from `from` (memcmp through Buffer.compare). */
function sameWords(a: Uint32Array, b: Uint32Array, from: number, n: number): boolean {
  const x = Buffer.from(a.buffer, a.byteOffset + from * 4, n * 4);
  const y = Buffer.from(b.buffer, b.byteOffset + from * 4, n * 4);
  return x.equals(y);
}

/** The restart markers RST0..RST7, used in turn. */
const RST = Array.from({ length: 8 }, (_, i) => Uint8Array.from([0xff, 0xd0 + i]));

/** Canonical Huffman codes (Annex C): code and length per symbol. */
interface HuffTable {
  code: Uint16Array;
  size: Uint8Array;
}

function buildHuffman(bits: number[], vals: number[]): HuffTable {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let c = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) {
      code[vals[k]!] = c++;
      size[vals[k]!] = len;
      k++;
    }
    c <<= 1;
  }
  return { code, size };
}

const HUFF = {
  dcY: buildHuffman(DC_LUMA_BITS, DC_LUMA_VALS),
  acY: buildHuffman(AC_LUMA_BITS, AC_LUMA_VALS),
  dcC: buildHuffman(DC_CHROMA_BITS, DC_CHROMA_VALS),
  acC: buildHuffman(AC_CHROMA_BITS, AC_CHROMA_VALS),
};

/** The IJG quality scaling of a base table (quality 1..100), clamped to 1..255. */
export function scaleQuant(base: readonly number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  return Uint8Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

// AAN scale factors: the DCT below yields coefficients scaled by s[u]*s[v]*8.
const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

/** Reciprocals of quantizer × AAN scale, natural order. */
function divisors(q: Uint8Array): Float32Array {
  const d = new Float32Array(64);
  for (let v = 0; v < 8; v++)
    for (let u = 0; u < 8; u++) d[v * 8 + u] = 1 / (q[v * 8 + u]! * AAN[v]! * AAN[u]! * 8);
  return d;
}

/** Forward DCT in place on 64 level-shifted samples (AAN, floating point). */
function fdct(b: Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8;
    const next = pass === 0 ? 8 : 1;
    for (let i = 0; i < 8; i++) {
      const o = i * next;
      const d0 = b[o]!;
      const d1 = b[o + step]!;
      const d2 = b[o + 2 * step]!;
      const d3 = b[o + 3 * step]!;
      const d4 = b[o + 4 * step]!;
      const d5 = b[o + 5 * step]!;
      const d6 = b[o + 6 * step]!;
      const d7 = b[o + 7 * step]!;
      const t0 = d0 + d7;
      const t7 = d0 - d7;
      const t1 = d1 + d6;
      const t6 = d1 - d6;
      const t2 = d2 + d5;
      const t5 = d2 - d5;
      const t3 = d3 + d4;
      const t4 = d3 - d4;
      // even part
      let t10 = t0 + t3;
      const t13 = t0 - t3;
      let t11 = t1 + t2;
      let t12 = t1 - t2;
      b[o] = t10 + t11;
      b[o + 4 * step] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      b[o + 2 * step] = t13 + z1;
      b[o + 6 * step] = t13 - z1;
      // odd part
      t10 = t4 + t5;
      t11 = t5 + t6;
      t12 = t6 + t7;
      const z5 = (t10 - t12) * 0.382683433;
      const z2 = 0.5411961 * t10 + z5;
      const z4 = 1.306562965 * t12 + z5;
      const z3 = t11 * 0.707106781;
      const z11 = t7 + z3;
      const z13 = t7 - z3;
      b[o + 5 * step] = z13 + z2;
      b[o + 3 * step] = z13 - z2;
      b[o + step] = z11 + z4;
      b[o + 7 * step] = z11 - z4;
    }
  }
}

/** Appends bits MSB first, stuffing a 0x00 after each 0xFF byte (F.1.2.3). */
class BitWriter {
  buf: Uint8Array;
  len = 0;
  private acc = 0;
  private n = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  private byte(v: number): void {
    if (this.len + 2 > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf[this.len++] = v;
    if (v === 0xff) this.buf[this.len++] = 0;
  }

  write(code: number, size: number): void {
    this.acc = (this.acc << size) | (code & ((1 << size) - 1));
    this.n += size;
    while (this.n >= 8) {
      this.n -= 8;
      this.byte((this.acc >>> this.n) & 0xff);
    }
    this.acc &= (1 << this.n) - 1;
  }

  /** Pads the last byte with 1 bits. */
  flush(): void {
    if (this.n > 0) this.write(0x7f, 8 - this.n);
  }

  /** Appends bytes as they are (a marker, or entropy-coded bytes already stuffed), byte-aligned. */
  raw(bytes: Uint8Array): void {
    while (this.len + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
}

/** Number of bits of |v| (the JPEG magnitude category). */
function category(v: number): number {
  return 32 - Math.clz32(v < 0 ? -v : v);
}

export interface JpegOptions {
  /** 1..100, default 75. */
  quality?: number;
}

/** Reusable encoder for frames of one size (tables and scratch planes kept). */
export class JpegEncoder {
  private readonly qY: Uint8Array;
  private readonly qC: Uint8Array;
  private readonly dY: Float32Array;
  private readonly dC: Float32Array;
  private readonly header: Uint8Array;
  private readonly block = new Float32Array(64);
  private readonly yPlane = new Float32Array(256);
  private readonly cbPlane = new Float32Array(64);
  private readonly crPlane = new Float32Array(64);
  /** Quantized coefficients of every macroblock (6 blocks of 64, zig-zag), kept between frames. */
  private readonly cache: Int16Array;
  /** The last frame's pixels, to find the macroblocks that did not change. */
  private readonly prev: Uint32Array;
  private primed = false;
  /** Entropy-coded bytes of each row of macroblocks (a restart interval), from the last frame. */
  private readonly rows: (Uint8Array | undefined)[] = [];
  private readonly mcusPerRow: number;
  private out: BitWriter;

  constructor(
    readonly width: number,
    readonly height: number,
    options: JpegOptions = {},
  ) {
    if (!(width >= 1 && height >= 1 && width <= 65535 && height <= 65535)) {
      throw new RangeError(`JPEG: bad size ${width}x${height}`);
    }
    const quality = options.quality ?? 75;
    this.mcusPerRow = Math.ceil(width / 16);
    this.qY = scaleQuant(LUMA_Q, quality);
    this.qC = scaleQuant(CHROMA_Q, quality);
    this.dY = divisors(this.qY);
    this.dC = divisors(this.qC);
    this.header = this.buildHeader();
    this.out = new BitWriter(Math.max(4096, width * height));
    this.cache = new Int16Array(Math.ceil(width / 16) * Math.ceil(height / 16) * 384);
    this.prev = new Uint32Array(width * height);
  }

  private buildHeader(): Uint8Array {
    const b: number[] = [];
    const u16 = (v: number) => b.push(v >> 8, v & 0xff);
    b.push(0xff, 0xd8); // SOI
    b.push(0xff, 0xe0); // APP0 JFIF 1.01, no density, no thumbnail
    u16(16);
    b.push(0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0);
    u16(1);
    u16(1);
    b.push(0, 0);
    for (const [id, q] of [
      [0, this.qY],
      [1, this.qC],
    ] as const) {
      b.push(0xff, 0xdb); // DQT, 8-bit precision, zig-zag order
      u16(67);
      b.push(id);
      for (let k = 0; k < 64; k++) b.push(q[ZIGZAG[k]!]!);
    }
    b.push(0xff, 0xc0); // SOF0
    u16(17);
    b.push(8);
    u16(this.height);
    u16(this.width);
    b.push(3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
    for (const [cls, bits, vals] of [
      [0x00, DC_LUMA_BITS, DC_LUMA_VALS],
      [0x10, AC_LUMA_BITS, AC_LUMA_VALS],
      [0x01, DC_CHROMA_BITS, DC_CHROMA_VALS],
      [0x11, AC_CHROMA_BITS, AC_CHROMA_VALS],
    ] as const) {
      b.push(0xff, 0xc4); // DHT
      u16(3 + 16 + vals.length);
      b.push(cls, ...bits, ...vals);
    }
    b.push(0xff, 0xdd); // DRI: one restart interval per row of macroblocks
    u16(4);
    u16(this.mcusPerRow);
    b.push(0xff, 0xda); // SOS: 3 components, full spectral range
    u16(12);
    b.push(3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0);
    return Uint8Array.from(b);
  }

  /** One JFIF file of the RGBA pixels (width*height*4 bytes, row-major). */
  encode(rgba: Uint8Array): Buffer {
    const { width: w, height: h } = this;
    if (rgba.length < w * h * 4) throw new RangeError(`JPEG: ${rgba.length} bytes for ${w}x${h} RGBA`);
    const out = this.out;
    out.len = 0;
    out.buf.set(this.header, 0);
    out.len = this.header.length;
    const px =
      rgba.byteOffset % 4 === 0
        ? new Uint32Array(rgba.buffer, rgba.byteOffset, w * h)
        : new Uint32Array(rgba.slice(0, w * h * 4).buffer);
    const prev = this.prev;
    const cache = this.cache;
    let mcu = 0;
    for (let my = 0, row = 0; my < h; my += 16, row++) {
      // A macroblock whose pixels are those of the last frame keeps its coefficients (the DCT is
      // most of the cost), and a row of them keeps its entropy-coded bytes: each row is a restart
      // interval, coded on its own (DC predictions from 0, byte-aligned).
      let changed = !this.rows[row] || !this.primed;
      // The band of 16 pixel rows is contiguous: one native comparison tells whether any changed.
      const band = w * Math.min(16, h - my);
      if (changed || !sameWords(px, prev, my * w, band)) {
        changed = true;
        for (let mx = 0, m = mcu; mx < w; mx += 16, m++) {
          if (!this.sameAsLast(px, mx, my)) this.transformMcu(rgba, mx, my, m * 384);
        }
      }
      if (changed) {
        const start = out.len;
        let pred0 = 0;
        let pred1 = 0;
        let pred2 = 0;
        for (let mx = 0, m = mcu; mx < w; mx += 16, m++) {
          const base = m * 384;
          for (let b = 0; b < 4; b++) pred0 = this.entropy(cache, base + b * 64, pred0, HUFF.dcY, HUFF.acY);
          pred1 = this.entropy(cache, base + 256, pred1, HUFF.dcC, HUFF.acC);
          pred2 = this.entropy(cache, base + 320, pred2, HUFF.dcC, HUFF.acC);
        }
        out.flush();
        this.rows[row] = out.buf.slice(start, out.len);
      } else {
        out.raw(this.rows[row]!);
      }
      mcu += this.mcusPerRow;
      if (my + 16 < h) out.raw(RST[row & 7]!);
    }
    prev.set(px);
    this.primed = true;
    const res = Buffer.allocUnsafe(out.len + 2);
    res.set(out.buf.subarray(0, out.len), 0);
    res[out.len] = 0xff; // EOI
    res[out.len + 1] = 0xd9;
    return res;
  }

  private sameAsLast(px: Uint32Array, mx: number, my: number): boolean {
    if (!this.primed) return false;
    const w = this.width;
    const prev = this.prev;
    const yEnd = Math.min(my + 16, this.height);
    const xEnd = Math.min(mx + 16, w);
    for (let y = my; y < yEnd; y++) {
      for (let i = y * w + mx, end = y * w + xEnd; i < end; i++) if (px[i] !== prev[i]) return false;
    }
    return true;
  }

  /** Colour conversion, 4:2:0 subsampling, DCT and quantization of one macroblock into the cache. */
  private transformMcu(rgba: Uint8Array, mx: number, my: number, base: number): void {
    const { width: w, height: h } = this;
    const y = this.yPlane;
    const cb = this.cbPlane;
    const cr = this.crPlane;
    cb.fill(0);
    cr.fill(0);
    const inside = mx + 16 <= w && my + 16 <= h;
    for (let py = 0; py < 16; py++) {
      const row = (inside ? my + py : Math.min(my + py, h - 1)) * w;
      for (let px = 0; px < 16; px++) {
        const o = (row + (inside ? mx + px : Math.min(mx + px, w - 1))) * 4;
        const r = rgba[o]!;
        const g = rgba[o + 1]!;
        const bl = rgba[o + 2]!;
        y[py * 16 + px] = 0.299 * r + 0.587 * g + 0.114 * bl - 128;
        const c = (py >> 1) * 8 + (px >> 1);
        cb[c] += -0.168736 * r - 0.331264 * g + 0.5 * bl;
        cr[c] += 0.5 * r - 0.418688 * g - 0.081312 * bl;
      }
    }
    const blk = this.block;
    for (let by = 0; by < 2; by++) {
      for (let bx = 0; bx < 2; bx++) {
        for (let i = 0; i < 8; i++) {
          const src = (by * 8 + i) * 16 + bx * 8;
          for (let j = 0; j < 8; j++) blk[i * 8 + j] = y[src + j]!;
        }
        this.quantize(blk, this.dY, base + (by * 2 + bx) * 64);
      }
    }
    // Chroma: the average of each 2x2 (sums of four, so /4); already centred on 0.
    for (let i = 0; i < 64; i++) blk[i] = cb[i]! / 4;
    this.quantize(blk, this.dC, base + 256);
    for (let i = 0; i < 64; i++) blk[i] = cr[i]! / 4;
    this.quantize(blk, this.dC, base + 320);
  }

  /** DCT and quantization of one block into the cache, in zig-zag order. */
  private quantize(blk: Float32Array, div: Float32Array, at: number): void {
    fdct(blk);
    const cache = this.cache;
    for (let k = 0; k < 64; k++) {
      const n = ZIGZAG[k]!;
      cache[at + k] = Math.round(blk[n]! * div[n]!);
    }
  }

  /** Huffman-codes one quantized block; returns its DC for the next prediction. */
  private entropy(coef: Int16Array, at: number, prev: number, dc: HuffTable, ac: HuffTable): number {
    const out = this.out;
    const dcv = coef[at]!;
    const diff = dcv - prev;
    const dcCat = category(diff);
    out.write(dc.code[dcCat]!, dc.size[dcCat]!);
    if (dcCat) out.write(diff < 0 ? diff - 1 : diff, dcCat);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = coef[at + k]!;
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        out.write(ac.code[0xf0]!, ac.size[0xf0]!); // ZRL
        run -= 16;
      }
      const cat = category(v);
      const sym = (run << 4) | cat;
      out.write(ac.code[sym]!, ac.size[sym]!);
      out.write(v < 0 ? v - 1 : v, cat);
      run = 0;
    }
    if (run > 0) out.write(ac.code[0]!, ac.size[0]!); // EOB
    return dcv;
  }
}

/** Encodes one RGBA image as a baseline JPEG. */
export function encodeJpeg(
  rgba: Uint8Array,
  width: number,
  height: number,
  options: JpegOptions = {},
): Buffer {
  return new JpegEncoder(width, height, options).encode(rgba);
}
