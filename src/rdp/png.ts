// PNG (RFC 2083 / W3C PNG 2nd ed.) for screenshots and legacy TDP PNG frames. The encoder writes
// 8-bit RGB (opaque images) or RGBA, non-interlaced, each scanline with the filter that minimises the
// sum of absolute differences (the usual heuristic), deflated by node:zlib. The decoder reads what
// Go's image/png and the encoder write: 8-bit greyscale, RGB, palette, grey+alpha and RGBA,
// non-interlaced, with CRCs checked and sizes bounded; anything else is an RdpDecodeError.
import * as zlib from 'node:zlib';
import { RdpDecodeError } from './errors.js';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** Largest decoded image, in pixels. */
export const MAX_PNG_PIXELS = 1 << 26;

export interface RgbaImage {
  width: number;
  height: number;
  /** Top-down RGBA. */
  data: Uint8Array;
}

const bad = (detail: string) => new RdpDecodeError(`malformed PNG: ${detail}`);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG chunks use). */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

export interface EncodeOptions {
  /** zlib level (default 6). */
  level?: number;
}

export function encodePng(img: RgbaImage, options: EncodeOptions = {}): Buffer {
  const { width, height, data } = img;
  if (width < 1 || height < 1 || data.length < width * height * 4) {
    throw new RdpDecodeError(`cannot encode a ${width}x${height} PNG from ${data.length} bytes`);
  }
  let opaque = true;
  for (let i = 3; i < width * height * 4; i += 4) {
    if (data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const bpp = opaque ? 3 : 4;
  const stride = width * bpp;
  const raw = new Uint8Array(height * (stride + 1));
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  const trial = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    for (let x = 0, s = y * width * 4, d = 0; x < width; x++, s += 4) {
      cur[d++] = data[s];
      cur[d++] = data[s + 1];
      cur[d++] = data[s + 2];
      if (!opaque) cur[d++] = data[s + 3];
    }
    const o = y * (stride + 1);
    let bestSum = Infinity;
    for (let f = 0; f < 5; f++) {
      const sum = filterRow(f, cur, prev, bpp, trial, y === 0);
      if (sum < bestSum) {
        bestSum = sum;
        raw[o] = f;
        raw.set(trial, o + 1);
      }
      if (sum === 0) break;
    }
    [prev, cur] = [cur, prev];
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = opaque ? 2 : 6; // colour type: RGB or RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const idat = zlib.deflateSync(raw, { level: options.level ?? 6 });
  return Buffer.concat([
    Buffer.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Filters one scanline into out; returns the sum of absolute (signed-byte) values. */
function filterRow(
  f: number,
  cur: Uint8Array,
  prev: Uint8Array,
  bpp: number,
  out: Uint8Array,
  first: boolean,
): number {
  let sum = 0;
  for (let i = 0; i < cur.length; i++) {
    const a = i >= bpp ? cur[i - bpp] : 0;
    const b = first ? 0 : prev[i];
    let v: number;
    switch (f) {
      case 0:
        v = cur[i];
        break;
      case 1:
        v = cur[i] - a;
        break;
      case 2:
        v = cur[i] - b;
        break;
      case 3:
        v = cur[i] - ((a + b) >> 1);
        break;
      default: {
        const c = i >= bpp && !first ? prev[i - bpp] : 0;
        v = cur[i] - paeth(a, b, c);
      }
    }
    v &= 0xff;
    out[i] = v;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The bit depths each colour type allows (PNG 11.2.2). */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

export function decodePng(png: Uint8Array): RgbaImage {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw bad('no PNG signature');
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let depth = 8;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (!sawEnd) {
    if (pos + 12 > png.length) throw bad('truncated chunk');
    const length = dv.getUint32(pos);
    const type = String.fromCharCode(png[pos + 4], png[pos + 5], png[pos + 6], png[pos + 7]);
    if (length > png.length - pos - 12) throw bad(`chunk ${JSON.stringify(type)} truncated`);
    const body = png.subarray(pos + 8, pos + 8 + length);
    if (crc32(png, pos + 4, pos + 8 + length) !== dv.getUint32(pos + 8 + length)) {
      throw bad(`bad CRC in chunk ${JSON.stringify(type)}`);
    }
    pos += 12 + length;
    if (colorType < 0 && type !== 'IHDR') throw bad('IHDR is not the first chunk');
    switch (type) {
      case 'IHDR': {
        if (colorType >= 0 || length !== 13) throw bad('bad IHDR');
        width = ((body[0] << 24) | (body[1] << 16) | (body[2] << 8) | body[3]) >>> 0;
        height = ((body[4] << 24) | (body[5] << 16) | (body[6] << 8) | body[7]) >>> 0;
        depth = body[8];
        colorType = body[9];
        if (width < 1 || height < 1 || width * height > MAX_PNG_PIXELS) throw bad(`size ${width}x${height}`);
        if (!(colorType in CHANNELS) || !DEPTHS[colorType].includes(depth)) {
          throw bad(`bit depth ${depth} with colour type ${colorType}`);
        }
        if (body[10] !== 0 || body[11] !== 0) throw bad('unknown compression or filter method');
        if (body[12] !== 0) throw bad('interlaced images are not supported');
        break;
      }
      case 'PLTE':
        if (length % 3 !== 0 || length > 768) throw bad('bad PLTE');
        palette = body;
        break;
      case 'tRNS':
        trns = body;
        break;
      case 'IDAT':
        idat.push(body);
        break;
      case 'IEND':
        sawEnd = true;
        break;
      default:
        // Ancillary chunks (lower-case first letter) can be skipped; critical ones cannot.
        if (type.charCodeAt(0) & 0x20) break;
        throw bad(`unknown critical chunk ${JSON.stringify(type)}`);
    }
  }
  if (colorType === 3 && !palette) throw bad('palette image without PLTE');
  // Filters work on bytes: `channels` below is the byte distance to the previous pixel's byte.
  const bitsPerPixel = CHANNELS[colorType] * depth;
  const channels = Math.max(1, bitsPerPixel >> 3);
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (err) {
    throw new RdpDecodeError(`malformed PNG: image data does not inflate (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (raw.length !== expected) throw bad(`image data is ${raw.length} bytes, ${expected} expected`);

  // Unfilter in place, then expand to RGBA.
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const f = raw[o];
    const line = o + 1;
    const up = line - stride - 1;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? raw[line + i - channels] : 0;
      const b = y > 0 ? raw[up + i] : 0;
      switch (f) {
        case 0:
          break;
        case 1:
          raw[line + i] += a;
          break;
        case 2:
          raw[line + i] += b;
          break;
        case 3:
          raw[line + i] += (a + b) >> 1;
          break;
        case 4:
          raw[line + i] += paeth(a, b, i >= channels && y > 0 ? raw[up + i - channels] : 0);
          break;
        default:
          throw bad(`filter type ${f} on scanline ${y}`);
      }
    }
  }
  return depth === 8
    ? expand8(raw, width, height, colorType, stride, palette, trns)
    : expandOther(raw, width, height, colorType, depth, stride, palette, trns);
}

function paletteEntry(out: Uint8Array, d: number, i: number, palette: Uint8Array, trns?: Uint8Array): void {
  if (3 * i + 2 >= palette.length) throw bad(`palette index ${i} beyond ${palette.length / 3} entries`);
  out[d] = palette[3 * i];
  out[d + 1] = palette[3 * i + 1];
  out[d + 2] = palette[3 * i + 2];
  out[d + 3] = trns && i < trns.length ? trns[i] : 255;
}

/** 8-bit samples (what encoders write for screen content), without per-sample scaling. */
function expand8(
  raw: Buffer,
  width: number,
  height: number,
  colorType: number,
  stride: number,
  palette?: Uint8Array,
  trns?: Uint8Array,
): RgbaImage {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    let s = y * (stride + 1) + 1;
    let d = y * width * 4;
    for (let x = 0; x < width; x++, d += 4) {
      switch (colorType) {
        case 6:
          out[d] = raw[s++];
          out[d + 1] = raw[s++];
          out[d + 2] = raw[s++];
          out[d + 3] = raw[s++];
          break;
        case 2:
          out[d] = raw[s++];
          out[d + 1] = raw[s++];
          out[d + 2] = raw[s++];
          out[d + 3] = 255;
          break;
        case 0:
          out[d] = out[d + 1] = out[d + 2] = raw[s++];
          out[d + 3] = 255;
          break;
        case 4:
          out[d] = out[d + 1] = out[d + 2] = raw[s++];
          out[d + 3] = raw[s++];
          break;
        default:
          paletteEntry(out, d, raw[s++], palette!, trns);
      }
    }
  }
  colorKey(out, colorType, 8, trns);
  return { width, height, data: out };
}

/**
 * 1, 2 and 4-bit grey and palette samples (packed, most significant bits first) and 16-bit samples
 * of every colour type (the high byte kept, as image/png's conversion to 8-bit colour does).
 */
function expandOther(
  raw: Buffer,
  width: number,
  height: number,
  colorType: number,
  depth: number,
  stride: number,
  palette?: Uint8Array,
  trns?: Uint8Array,
): RgbaImage {
  const out = new Uint8Array(width * height * 4);
  const n = CHANNELS[colorType];
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const line = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const d = (y * width + x) * 4;
      const sample = (c: number): number => {
        if (depth === 16) return raw[line + (x * n + c) * 2];
        const bit = (x * n + c) * depth;
        return (raw[line + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
      };
      if (colorType === 3) {
        paletteEntry(out, d, sample(0), palette!, trns);
        continue;
      }
      const scale = (v: number) => (depth === 16 ? v : Math.round((v * 255) / max));
      if (colorType === 0 || colorType === 4) {
        out[d] = out[d + 1] = out[d + 2] = scale(sample(0));
        out[d + 3] = colorType === 4 ? sample(1) : 255;
      } else {
        out[d] = sample(0);
        out[d + 1] = sample(1);
        out[d + 2] = sample(2);
        out[d + 3] = colorType === 6 ? sample(3) : 255;
      }
    }
  }
  colorKey(out, colorType, depth, trns, raw, width, height, stride);
  return { width, height, data: out };
}

/**
 * tRNS of a grey or RGB image: one colour (in the image's own sample depth) that is transparent.
 * 16-bit samples are compared whole, from the unfiltered scanlines.
 */
function colorKey(
  out: Uint8Array,
  colorType: number,
  depth: number,
  trns?: Uint8Array,
  raw?: Buffer,
  width = 0,
  height = 0,
  stride = 0,
): void {
  if (!trns || (colorType !== 0 && colorType !== 2)) return;
  const n = colorType === 0 ? 1 : 3;
  if (trns.length < 2 * n) return;
  const key = Array.from({ length: n }, (_, c) => (trns[2 * c] << 8) | trns[2 * c + 1]);
  if (depth === 16) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = y * (stride + 1) + 1 + x * n * 2;
        let hit = true;
        for (let c = 0; c < n && hit; c++) hit = ((raw![s + 2 * c] << 8) | raw![s + 2 * c + 1]) === key[c];
        if (hit) out[(y * width + x) * 4 + 3] = 0;
      }
    }
    return;
  }
  const max = (1 << depth) - 1;
  const scaled = key.map((k) => Math.round(((k & max) * 255) / max));
  for (let d = 0; d < out.length; d += 4) {
    if (out[d] === scaled[0] && (n === 1 || (out[d + 1] === scaled[1] && out[d + 2] === scaled[2])))
      out[d + 3] = 0;
  }
}
