// The desktop as an opaque RGBA framebuffer (row-major, top-down, 4 bytes a pixel) with dirty-rect
// tracking, written by the decoders (RemoteFX tiles straight into `data`, everything else through
// `blit`) and read by screenshots. Every write is clipped to the screen.
import { RdpDecodeError } from './errors.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Beyond this many dirty rectangles they are merged into their bounding box. */
const MAX_DIRTY_RECTS = 64;

export class Framebuffer {
  width: number;
  height: number;
  data: Uint8Array;
  /** Bumped on every change; lets a caller tell "changed since" cheaply. */
  version = 0;
  private dirty: Rect[] = [];

  constructor(width: number, height: number) {
    checkSize(width, height);
    this.width = width;
    this.height = height;
    this.data = opaqueBlack(width * height);
  }

  /** A new screen size (deactivation-reactivation): keeps what overlaps, the rest black. */
  resize(width: number, height: number): void {
    checkSize(width, height);
    if (width === this.width && height === this.height) return;
    const next = opaqueBlack(width * height);
    const w = Math.min(width, this.width);
    const h = Math.min(height, this.height);
    for (let y = 0; y < h; y++) {
      next.set(this.data.subarray(y * this.width * 4, (y * this.width + w) * 4), y * width * 4);
    }
    this.width = width;
    this.height = height;
    this.data = next;
    this.dirty = [];
    this.markDirty(0, 0, width, height);
  }

  /** Records a changed area (clipped to the screen). */
  markDirty(x: number, y: number, width: number, height: number): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + width);
    const y1 = Math.min(this.height, y + height);
    if (x1 <= x0 || y1 <= y0) return;
    this.version++;
    const d = this.dirty;
    const last = d[d.length - 1];
    // Tiles arrive left to right: grow the last rectangle when it is the same band.
    if (last && last.y === y0 && last.height === y1 - y0 && last.x + last.width === x0) {
      last.width += x1 - x0;
      return;
    }
    d.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    if (d.length > MAX_DIRTY_RECTS) this.dirty = [boundingBox(d)];
  }

  /** The areas changed since the last call, and forgets them. */
  takeDirty(): Rect[] {
    const out = this.dirty;
    this.dirty = [];
    return out;
  }

  /** The bounding box of what changed since the last takeDirty, without forgetting it. */
  get dirtyBounds(): Rect | undefined {
    return this.dirty.length ? boundingBox(this.dirty) : undefined;
  }

  /**
   * Copies a rectangle of an RGBA image (top-down, `srcWidth` pixels a row) to (dx, dy), clipped to
   * the screen. Alpha is forced opaque: the desktop has no transparency.
   */
  blit(
    src: Uint8Array,
    srcWidth: number,
    dx: number,
    dy: number,
    width: number,
    height: number,
    sx = 0,
    sy = 0,
  ): void {
    let x0 = dx;
    let y0 = dy;
    let x1 = dx + width;
    let y1 = dy + height;
    if (x0 < 0) {
      sx -= x0;
      x0 = 0;
    }
    if (y0 < 0) {
      sy -= y0;
      y0 = 0;
    }
    if (x1 > this.width) x1 = this.width;
    if (y1 > this.height) y1 = this.height;
    if (x1 <= x0 || y1 <= y0) return;
    const w = x1 - x0;
    const dst = this.data;
    for (let y = y0; y < y1; y++) {
      let s = ((sy + y - y0) * srcWidth + sx) * 4;
      let d = (y * this.width + x0) * 4;
      const end = d + w * 4;
      for (; d < end; d += 4, s += 4) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = 255;
      }
    }
    this.markDirty(x0, y0, w, y1 - y0);
  }

  /** Fills a rectangle with one colour, clipped to the screen. */
  fill(x: number, y: number, width: number, height: number, r: number, g: number, b: number): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + width);
    const y1 = Math.min(this.height, y + height);
    if (x1 <= x0 || y1 <= y0) return;
    for (let yy = y0; yy < y1; yy++) {
      for (let d = (yy * this.width + x0) * 4, end = (yy * this.width + x1) * 4; d < end; d += 4) {
        this.data[d] = r;
        this.data[d + 1] = g;
        this.data[d + 2] = b;
        this.data[d + 3] = 255;
      }
    }
    this.markDirty(x0, y0, x1 - x0, y1 - y0);
  }

  /** A copy of a rectangle (clipped to the screen) as top-down RGBA. */
  crop(
    x: number,
    y: number,
    width: number,
    height: number,
  ): { width: number; height: number; data: Uint8Array } {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const w = Math.max(0, Math.min(this.width, x + width) - x0);
    const h = Math.max(0, Math.min(this.height, y + height) - y0);
    const out = new Uint8Array(w * h * 4);
    for (let yy = 0; yy < h; yy++) {
      const s = ((y0 + yy) * this.width + x0) * 4;
      out.set(this.data.subarray(s, s + w * 4), yy * w * 4);
    }
    return { width: w, height: h, data: out };
  }
}

/** Screens larger than this are refused (a hostile size must not allocate gigabytes). */
export const MAX_SCREEN_SIDE = 8192;

function checkSize(width: number, height: number): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > MAX_SCREEN_SIDE ||
    height > MAX_SCREEN_SIDE
  ) {
    throw new RdpDecodeError(`screen size ${width}x${height} out of range (1..${MAX_SCREEN_SIDE})`);
  }
}

function opaqueBlack(pixels: number): Uint8Array {
  const data = new Uint8Array(pixels * 4);
  new Uint32Array(data.buffer).fill(0xff000000); // little-endian: R=G=B=0, A=255
  return data;
}

function boundingBox(rects: Rect[]): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
