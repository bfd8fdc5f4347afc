// Pointer updates ([MS-RDPBCGR] 2.2.9.1.1.4 and their fast-path forms 2.2.9.1.2.1.5-2.2.9.1.2.1.11):
// position, system pointer hidden/default, colour (24 bpp), new (any bpp), large (up to 384x384) and
// cached pointers, and the decoding of XOR/AND masks (bottom-up scanlines, each padded to 2 bytes) to
// RGBA. Screen-inverting pixels (AND 1 over a white or set XOR pixel) have no RGBA form; they are drawn
// opaque black, which stays visible on the light backgrounds where I-beams appear.
import { malformed } from './errors.js';
import { GREY_PALETTE, type Palette } from './bitmap.js';
import { Reader } from './reader.js';

export interface PointerAttribute {
  xorBpp: number;
  cacheIndex: number;
  hotX: number;
  hotY: number;
  width: number;
  height: number;
  xorMask: Uint8Array;
  andMask: Uint8Array;
}

export interface PointerImage {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** Top-down RGBA with transparency. */
  rgba: Uint8Array;
}

const MAX_POINTER_SIDE = 384; // TS_LARGEPOINTERATTRIBUTE's limit

export function parsePosition(data: Uint8Array): { x: number; y: number } {
  const r = new Reader(data, 'pointer position');
  return { x: r.u16('xPos'), y: r.u16('yPos') };
}

export function parseCachedPointer(data: Uint8Array): number {
  return new Reader(data, 'cached pointer').u16('cacheIndex');
}

/** TS_COLORPOINTERATTRIBUTE (xorBpp given: 24 for the colour update) after an optional xorBpp. */
function colorAttribute(r: Reader, xorBpp: number): PointerAttribute {
  const cacheIndex = r.u16('cacheIndex');
  const hotX = r.u16('hotSpot.x');
  const hotY = r.u16('hotSpot.y');
  const width = r.u16('width');
  const height = r.u16('height');
  const lengthAndMask = r.u16('lengthAndMask');
  const lengthXorMask = r.u16('lengthXorMask');
  const xorMask = r.bytes(lengthXorMask, 'xorMaskData');
  const andMask = r.bytes(lengthAndMask, 'andMaskData');
  return { xorBpp, cacheIndex, hotX, hotY, width, height, xorMask, andMask };
}

export function parseColorPointer(data: Uint8Array): PointerAttribute {
  return colorAttribute(new Reader(data, 'color pointer'), 24);
}

export function parseNewPointer(data: Uint8Array): PointerAttribute {
  const r = new Reader(data, 'new pointer');
  const xorBpp = r.u16('xorBpp');
  return colorAttribute(r, xorBpp);
}

export function parseLargePointer(data: Uint8Array): PointerAttribute {
  const r = new Reader(data, 'large pointer');
  const xorBpp = r.u16('xorBpp');
  const cacheIndex = r.u16('cacheIndex');
  const hotX = r.u16('hotSpot.x');
  const hotY = r.u16('hotSpot.y');
  const width = r.u16('width');
  const height = r.u16('height');
  const lengthAndMask = r.u32('lengthAndMask');
  const lengthXorMask = r.u32('lengthXorMask');
  const xorMask = r.bytes(lengthXorMask, 'xorMaskData');
  const andMask = r.bytes(lengthAndMask, 'andMaskData');
  return { xorBpp, cacheIndex, hotX, hotY, width, height, xorMask, andMask };
}

export function decodePointer(p: PointerAttribute, palette: Palette = GREY_PALETTE): PointerImage {
  const { width, height, xorBpp } = p;
  if (width > MAX_POINTER_SIDE || height > MAX_POINTER_SIDE) {
    throw malformed('pointer', `size ${width}x${height} beyond ${MAX_POINTER_SIDE}`);
  }
  if (![1, 4, 8, 15, 16, 24, 32].includes(xorBpp)) throw malformed('pointer', `xorBpp ${xorBpp}`);
  const rgba = new Uint8Array(width * height * 4);
  const xorStride = ((width * xorBpp + 15) >> 4) * 2;
  const andStride = ((width + 15) >> 4) * 2;
  if (p.xorMask.length < xorStride * height) {
    throw malformed(
      'pointer',
      `XOR mask of ${p.xorMask.length} bytes for ${width}x${height} at ${xorBpp} bpp`,
    );
  }
  const hasAnd = p.andMask.length > 0;
  if (hasAnd && p.andMask.length < andStride * height) {
    throw malformed('pointer', `AND mask of ${p.andMask.length} bytes for ${width}x${height}`);
  }
  const xor = p.xorMask;
  // 32 bpp pointers carry alpha; when every alpha byte is 0 the server did not use it.
  let useAlpha = false;
  if (xorBpp === 32) {
    for (let row = 0; row < height && !useAlpha; row++) {
      for (let x = 0; x < width; x++) if (xor[row * xorStride + x * 4 + 3] !== 0) useAlpha = true;
    }
  }
  for (let row = 0; row < height; row++) {
    const y = height - 1 - row; // bottom-up
    const xr = row * xorStride;
    const ar = row * andStride;
    for (let x = 0; x < width; x++) {
      const d = (y * width + x) * 4;
      const and = hasAnd ? (p.andMask[ar + (x >> 3)] >> (7 - (x & 7))) & 1 : 0;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 255;
      switch (xorBpp) {
        case 1: {
          const bit = (xor[xr + (x >> 3)] >> (7 - (x & 7))) & 1;
          if (and)
            a = bit ? 255 : 0; // inverted (black) or transparent
          else r = g = b = bit ? 255 : 0;
          break;
        }
        case 32:
          b = xor[xr + 4 * x];
          g = xor[xr + 4 * x + 1];
          r = xor[xr + 4 * x + 2];
          if (useAlpha) a = xor[xr + 4 * x + 3];
          break;
        case 24:
          b = xor[xr + 3 * x];
          g = xor[xr + 3 * x + 1];
          r = xor[xr + 3 * x + 2];
          break;
        case 16:
        case 15: {
          const v = xor[xr + 2 * x] | (xor[xr + 2 * x + 1] << 8);
          if (xorBpp === 16) {
            r = ((v >> 11) << 3) | (v >> 13);
            g = (((v >> 5) & 0x3f) << 2) | ((v >> 9) & 0x03);
          } else {
            r = (((v >> 10) & 0x1f) << 3) | ((v >> 12) & 0x07);
            g = (((v >> 5) & 0x1f) << 3) | ((v >> 7) & 0x07);
          }
          b = ((v & 0x1f) << 3) | ((v >> 2) & 0x07);
          break;
        }
        default: {
          const i = xorBpp === 8 ? xor[xr + x] : (xor[xr + (x >> 1)] >> (x & 1 ? 0 : 4)) & 0x0f;
          r = palette[3 * i];
          g = palette[3 * i + 1];
          b = palette[3 * i + 2];
        }
      }
      if (xorBpp !== 1 && and && !useAlpha) {
        if (r === 255 && g === 255 && b === 255)
          r = g = b = 0; // inverted: black
        else a = 0;
      }
      rgba[d] = r;
      rgba[d + 1] = g;
      rgba[d + 2] = b;
      rgba[d + 3] = a;
    }
  }
  return { width, height, hotX: p.hotX, hotY: p.hotY, rgba };
}
