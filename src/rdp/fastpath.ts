// Server fast-path output ([MS-RDPBCGR] 2.2.9.1.2): an incremental parser for a byte stream of
// TS_FP_UPDATE_PDUs (header byte, 1- or 2-byte length, then TS_FP_UPDATE structures), which
// reassembles fragmented updates (FASTPATH_FRAGMENT_FIRST/NEXT/LAST across PDUs, 2.2.9.1.2.1) and
// turns each complete update into a typed one. A slow-path frame in the stream (TPKT, action 3) is
// passed through whole. Encrypted PDUs (Standard RDP Security) and bulk-compressed updates are
// refused: a TLS session that does not advertise compression never gets them.
import { type BitmapRect, type Palette, parseBitmapUpdate } from './bitmap.js';
import { malformed, unsupported } from './errors.js';
import {
  type PointerAttribute,
  parseCachedPointer,
  parseColorPointer,
  parseLargePointer,
  parseNewPointer,
  parsePosition,
} from './pointer.js';
import { Reader } from './reader.js';
import { type SurfaceCommand, parseSurfaceCommands } from './surface.js';

export const FASTPATH_UPDATETYPE_ORDERS = 0x0;
export const FASTPATH_UPDATETYPE_BITMAP = 0x1;
export const FASTPATH_UPDATETYPE_PALETTE = 0x2;
export const FASTPATH_UPDATETYPE_SYNCHRONIZE = 0x3;
export const FASTPATH_UPDATETYPE_SURFCMDS = 0x4;
export const FASTPATH_UPDATETYPE_PTR_NULL = 0x5;
export const FASTPATH_UPDATETYPE_PTR_DEFAULT = 0x6;
export const FASTPATH_UPDATETYPE_PTR_POSITION = 0x8;
export const FASTPATH_UPDATETYPE_COLOR = 0x9;
export const FASTPATH_UPDATETYPE_CACHED = 0xa;
export const FASTPATH_UPDATETYPE_POINTER = 0xb;
export const FASTPATH_UPDATETYPE_LARGE_POINTER = 0xc;

export const FASTPATH_FRAGMENT_SINGLE = 0x0;
export const FASTPATH_FRAGMENT_LAST = 0x1;
export const FASTPATH_FRAGMENT_FIRST = 0x2;
export const FASTPATH_FRAGMENT_NEXT = 0x3;

const FASTPATH_OUTPUT_ACTION_FASTPATH = 0x0;
const FASTPATH_OUTPUT_ACTION_X224 = 0x3;
const FASTPATH_OUTPUT_ENCRYPTED = 0x2;
const FASTPATH_OUTPUT_COMPRESSION_USED = 0x2;
const PACKET_COMPRESSED = 0x20;
const UPDATETYPE_PALETTE = 0x0002;

export type FastPathUpdate =
  | { type: 'orders'; data: Uint8Array }
  | { type: 'bitmap'; rects: BitmapRect[] }
  | { type: 'palette'; palette: Palette }
  | { type: 'synchronize' }
  | { type: 'surface-commands'; commands: SurfaceCommand[] }
  | { type: 'pointer-hidden' }
  | { type: 'pointer-default' }
  | { type: 'pointer-position'; x: number; y: number }
  | { type: 'pointer'; kind: 'color' | 'new' | 'large'; pointer: PointerAttribute }
  | { type: 'pointer-cached'; cacheIndex: number }
  | { type: 'unknown'; code: number; data: Uint8Array }
  /** A slow-path (X.224) frame found in the stream, whole, TPKT header included. */
  | { type: 'x224'; data: Uint8Array };

/** Turns the (reassembled) data of one update into its typed form. */
export function decodeUpdate(code: number, data: Uint8Array): FastPathUpdate {
  switch (code) {
    case FASTPATH_UPDATETYPE_ORDERS:
      return { type: 'orders', data };
    case FASTPATH_UPDATETYPE_BITMAP:
      return { type: 'bitmap', rects: parseBitmapUpdate(data) };
    case FASTPATH_UPDATETYPE_PALETTE:
      return { type: 'palette', palette: parsePalette(data) };
    case FASTPATH_UPDATETYPE_SYNCHRONIZE:
      return { type: 'synchronize' };
    case FASTPATH_UPDATETYPE_SURFCMDS:
      return { type: 'surface-commands', commands: parseSurfaceCommands(data) };
    case FASTPATH_UPDATETYPE_PTR_NULL:
      return { type: 'pointer-hidden' };
    case FASTPATH_UPDATETYPE_PTR_DEFAULT:
      return { type: 'pointer-default' };
    case FASTPATH_UPDATETYPE_PTR_POSITION:
      return { type: 'pointer-position', ...parsePosition(data) };
    case FASTPATH_UPDATETYPE_COLOR:
      return { type: 'pointer', kind: 'color', pointer: parseColorPointer(data) };
    case FASTPATH_UPDATETYPE_CACHED:
      return { type: 'pointer-cached', cacheIndex: parseCachedPointer(data) };
    case FASTPATH_UPDATETYPE_POINTER:
      return { type: 'pointer', kind: 'new', pointer: parseNewPointer(data) };
    case FASTPATH_UPDATETYPE_LARGE_POINTER:
      return { type: 'pointer', kind: 'large', pointer: parseLargePointer(data) };
    default:
      return { type: 'unknown', code, data };
  }
}

/** TS_UPDATE_PALETTE_DATA (2.2.9.1.1.3.1.1): 256 RGB entries (fewer are padded with black). */
export function parsePalette(data: Uint8Array): Palette {
  const r = new Reader(data, 'palette update');
  const updateType = r.u16('updateType');
  if (updateType !== UPDATETYPE_PALETTE) throw malformed('palette update', `update type ${updateType}`);
  r.u16('pad2Octets');
  const n = r.u32('numberColors');
  if (n > 256) throw malformed('palette update', `${n} colors`);
  const palette = new Uint8Array(768);
  palette.set(r.bytes(n * 3, 'paletteEntries'));
  return palette;
}

export interface FastPathParserOptions {
  /** Largest reassembled update accepted (default 32 MiB). */
  maxUpdateSize?: number;
}

export class FastPathParser {
  private buf = new Uint8Array(0);
  private len = 0;
  private fragCode = -1;
  private fragParts: Uint8Array[] = [];
  private fragSize = 0;
  private readonly maxUpdateSize: number;

  constructor(options: FastPathParserOptions = {}) {
    this.maxUpdateSize = options.maxUpdateSize ?? 32 << 20;
  }

  /** Bytes held for a PDU that has not fully arrived. */
  get pending(): number {
    return this.len;
  }

  /**
   * Feeds bytes of the stream (one TDP FastPathPDU message carries one whole PDU, but any split
   * works) and returns the updates completed by them. Updates may point into `chunk`.
   */
  push(chunk: Uint8Array): FastPathUpdate[] {
    const out: FastPathUpdate[] = [];
    let data = chunk;
    let pos = 0;
    if (this.len > 0) {
      this.append(chunk);
      data = this.buf.subarray(0, this.len);
    }
    for (;;) {
      const size = pduSize(data, pos);
      if (size === 0 || pos + size > data.length) break;
      // PDUs parsed out of the internal buffer are copied: it is reused.
      const pdu = this.len > 0 ? data.slice(pos, pos + size) : data.subarray(pos, pos + size);
      pos += size;
      this.pdu(pdu, out);
    }
    if (this.len > 0) {
      this.buf.copyWithin(0, pos, this.len);
      this.len -= pos;
    } else if (pos < data.length) {
      this.append(data.subarray(pos));
    }
    return out;
  }

  private append(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.len + bytes.length, 2 * this.buf.length, 1024));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** One whole PDU (fast-path or TPKT). */
  private pdu(pdu: Uint8Array, out: FastPathUpdate[]): void {
    if ((pdu[0] & 0x03) === FASTPATH_OUTPUT_ACTION_X224) {
      out.push({ type: 'x224', data: pdu });
      return;
    }
    const headerLen = pdu[1] & 0x80 ? 3 : 2;
    const r = new Reader(pdu, 'fast-path update', headerLen);
    while (r.left > 0) {
      const header = r.u8('updateHeader');
      const code = header & 0x0f;
      const fragmentation = (header >> 4) & 0x03;
      const compression = (header >> 6) & 0x03;
      if (compression & FASTPATH_OUTPUT_COMPRESSION_USED) {
        const flags = r.u8('compressionFlags');
        if (flags & PACKET_COMPRESSED)
          throw unsupported('bulk-compressed fast-path updates (do not advertise compression)');
      }
      const size = r.u16('size');
      const data = r.bytes(size, 'updateData');
      this.fragment(code, fragmentation, data, out);
    }
  }

  private fragment(code: number, fragmentation: number, data: Uint8Array, out: FastPathUpdate[]): void {
    switch (fragmentation) {
      case FASTPATH_FRAGMENT_SINGLE:
        if (this.fragCode >= 0)
          throw malformed('fast-path update', 'unfragmented update inside a fragmented one');
        out.push(decodeUpdate(code, data));
        return;
      case FASTPATH_FRAGMENT_FIRST:
        if (this.fragCode >= 0)
          throw malformed('fast-path update', 'first fragment inside a fragmented update');
        this.fragCode = code;
        this.fragParts = [data.slice()];
        this.fragSize = data.length;
        this.checkSize();
        return;
      default: {
        if (this.fragCode < 0) throw malformed('fast-path update', 'fragment without a first fragment');
        if (code !== this.fragCode) {
          throw malformed('fast-path update', `fragment of update ${code} inside update ${this.fragCode}`);
        }
        this.fragParts.push(data.slice());
        this.fragSize += data.length;
        this.checkSize();
        if (fragmentation === FASTPATH_FRAGMENT_NEXT) return;
        const whole = new Uint8Array(this.fragSize);
        let o = 0;
        for (const p of this.fragParts) {
          whole.set(p, o);
          o += p.length;
        }
        this.fragCode = -1;
        this.fragParts = [];
        this.fragSize = 0;
        out.push(decodeUpdate(code, whole));
      }
    }
  }

  private checkSize(): void {
    if (this.fragSize > this.maxUpdateSize) {
      throw malformed('fast-path update', `reassembled update over ${this.maxUpdateSize} bytes`);
    }
  }
}

/**
 * The size of the PDU starting at data[pos], or 0 while its header is incomplete. Throws for a
 * header no server sends.
 */
function pduSize(data: Uint8Array, pos: number): number {
  const left = data.length - pos;
  if (left < 1) return 0;
  const header = data[pos];
  const action = header & 0x03;
  if (action === FASTPATH_OUTPUT_ACTION_X224) {
    // TPKT ([T123] 8): version 3, reserved, 16-bit big-endian length including the header.
    if (left < 4) return 0;
    const length = (data[pos + 2] << 8) | data[pos + 3];
    if (length < 4) throw malformed('TPKT header', `length ${length}`);
    return length;
  }
  if (action !== FASTPATH_OUTPUT_ACTION_FASTPATH) throw malformed('fast-path update', `action ${action}`);
  if ((header >> 6) & FASTPATH_OUTPUT_ENCRYPTED) {
    throw unsupported('encrypted fast-path output (Standard RDP Security; use TLS)');
  }
  if (left < 2) return 0;
  const length1 = data[pos + 1];
  if (!(length1 & 0x80)) {
    if (length1 < 2) throw malformed('fast-path update', `length ${length1}`);
    return length1;
  }
  if (left < 3) return 0;
  const length = ((length1 & 0x7f) << 8) | data[pos + 2];
  if (length < 3) throw malformed('fast-path update', `length ${length}`);
  return length;
}
