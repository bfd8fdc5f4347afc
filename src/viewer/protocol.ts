// What tshjs and the viewer page say over their WebSocket (the page's side is in page.ts).
// tshjs → page: JSON text {type:'size'|'status'|'end'|'clipboard-policy'|'clipboard'|'pointer', …},
// and binary rectangles of raw RGBA:
//   u8 kind (1) · u8 0 · u16 x · u16 y · u16 width · u16 height (big-endian) · 2 bytes 0 · RGBA rows.
// page → tshjs: JSON text, one input each (PageInput), checked here before anything is sent on;
// the page's first message is {t:'ready'}, after which the clipboard and pointer messages come.
import { allowsFromRemote, allowsToRemote, type ClipboardPolicy } from '../tdp/policy.js';
import type { PointerShape } from '../tdp/session.js';
import { encodePng } from '../rdp/png.js';

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
  | { t: 'resize'; width: number; height: number }
  /** Text from the user's clipboard for the desktop's (the bridge applies --clipboard). */
  | { t: 'clipboard'; text: string }
  /** The page's script runs: tshjs sends the clipboard ways and the pointer from then on. */
  | { t: 'ready' };

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
    case 'ready':
      return { t: 'ready' };
    case 'clipboard':
      // The socket takes 64 KiB a message, so this bounds the text; the page says when it is longer.
      return typeof m.text === 'string' && m.text.length > 0 ? { t: 'clipboard', text: m.text } : undefined;
    default:
      return undefined;
  }
}

const clamp = (n: number) => Math.min(8192, Math.max(200, n));

// --- clipboard ---------------------------------------------------------------------------------

/** Which way the page may move clipboard text, and the one line it shows about it. */
export interface ClipboardPolicyMessage {
  type: 'clipboard-policy';
  toRemote: boolean;
  fromRemote: boolean;
  text: string;
}

/**
 * The page's view of the session's clipboard rules (src/tdp/policy.ts, applied by the session:
 * the page only avoids reading or writing what would be refused anyway).
 */
export function clipboardPolicyMessage(s: {
  clipboardPolicy: ClipboardPolicy;
  clipboardToRemote: boolean;
  clipboardFromRemote: boolean;
}): ClipboardPolicyMessage {
  const { clipboardPolicy: policy, clipboardToRemote: toRemote, clipboardFromRemote: fromRemote } = s;
  const flag = `(--clipboard=${policy})`;
  // The session allows a way only when the policy and the service both do.
  const serviceRefuses = (allowsToRemote(policy) && !toRemote) || (allowsFromRemote(policy) && !fromRemote);
  let text: string;
  if (serviceRefuses) text = 'clipboard off: the desktop service does not share it';
  else if (toRemote && fromRemote) text = 'clipboard shared both ways';
  else if (toRemote) text = `clipboard: only to the desktop ${flag}`;
  else if (fromRemote) text = `clipboard: only from the desktop ${flag}`;
  else text = `clipboard off ${flag}`;
  return { type: 'clipboard-policy', toRemote, fromRemote, text };
}

// --- pointer -----------------------------------------------------------------------------------

export type PointerMessage =
  | { type: 'pointer'; kind: 'system' | 'hidden' }
  /** `url` (a PNG data: URL) comes with the first use of an id only; the page keeps it. */
  | { type: 'pointer'; kind: 'custom'; id: number; hotX: number; hotY: number; url?: string };

/**
 * Turns pointer shapes into page messages, each image encoded once: the session hands over the
 * same image object whenever the desktop picks a cached pointer again, so the id follows the
 * object (a cache slot the desktop fills anew gets a new image, hence a new id).
 */
export class PointerEncoder {
  private readonly ids = new WeakMap<object, number>();
  private next = 1;

  message(p: PointerShape): PointerMessage {
    const img = p.image;
    if (p.kind === 'hidden') return { type: 'pointer', kind: 'hidden' };
    // An empty image is how some servers hide the pointer.
    if (p.kind !== 'custom' || !img) return { type: 'pointer', kind: 'system' };
    if (img.width === 0 || img.height === 0) return { type: 'pointer', kind: 'hidden' };
    const hotX = Math.min(img.hotX, img.width - 1);
    const hotY = Math.min(img.hotY, img.height - 1);
    let id = this.ids.get(img);
    if (id !== undefined) return { type: 'pointer', kind: 'custom', id, hotX, hotY };
    id = this.next++;
    this.ids.set(img, id);
    const png = encodePng({ width: img.width, height: img.height, data: img.rgba });
    return {
      type: 'pointer',
      kind: 'custom',
      id,
      hotX,
      hotY,
      url: `data:image/png;base64,${png.toString('base64')}`,
    };
  }
}
