// What tshjs and the viewer page say over their WebSocket (the page's side is in page.ts).
// tshjs → page: JSON text {type:'size'|'status'|'end', …}, and binary rectangles of raw RGBA:
//   u8 kind (1) · u8 0 · u16 x · u16 y · u16 width · u16 height (big-endian) · 2 bytes 0 · RGBA rows.
// page → tshjs: JSON text, one input each (PageInput), checked here before anything is sent on.

export const RECT_KIND = 1;
export const RECT_HEADER = 12;

/** A rectangle of an RGBA framebuffer (`stride` pixels a row) as one binary message. */
export function encodeRect(
  data: Uint8Array,
  stride: number,
  r: { x: number; y: number; width: number; height: number },
): Buffer {
  const row = r.width * 4;
  const out = Buffer.allocUnsafe(RECT_HEADER + row * r.height);
  out.writeUInt8(RECT_KIND, 0);
  out.writeUInt8(0, 1);
  out.writeUInt16BE(r.x, 2);
  out.writeUInt16BE(r.y, 4);
  out.writeUInt16BE(r.width, 6);
  out.writeUInt16BE(r.height, 8);
  out.writeUInt16BE(0, 10);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * stride + r.x) * 4;
    out.set(data.subarray(from, from + row), RECT_HEADER + y * row);
  }
  return out;
}

export type PageInput =
  | { t: 'key'; code: string; down: boolean }
  | { t: 'move'; x: number; y: number }
  | { t: 'button'; button: number; down: boolean }
  /** Wheel notches: positive y scrolls down, positive x right. */
  | { t: 'wheel'; x: number; y: number }
  | { t: 'resize'; width: number; height: number };

const int = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** One message from the page, or undefined when it is not a well-formed input. */
export function parsePageInput(text: string): PageInput | undefined {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  switch (m.t) {
    case 'key':
      return typeof m.code === 'string' && m.code.length <= 64 && typeof m.down === 'boolean'
        ? { t: 'key', code: m.code, down: m.down }
        : undefined;
    case 'move':
      return int(m.x, 0, 8191) && int(m.y, 0, 8191) ? { t: 'move', x: m.x, y: m.y } : undefined;
    case 'button':
      return int(m.button, 0, 4) && typeof m.down === 'boolean'
        ? { t: 'button', button: m.button, down: m.down }
        : undefined;
    case 'wheel':
      return int(m.x, -100, 100) && int(m.y, -100, 100) ? { t: 'wheel', x: m.x, y: m.y } : undefined;
    case 'resize':
      // The sizes a screen spec may carry (as --size).
      return int(m.width, 1, 100_000) && int(m.height, 1, 100_000)
        ? { t: 'resize', width: clamp(m.width), height: clamp(m.height) }
        : undefined;
    default:
      return undefined;
  }
}

const clamp = (n: number) => Math.min(8192, Math.max(200, n));
