// Builders for server fast-path output ([MS-RDPBCGR] 2.2.9.1.2, 2.2.9.2), written here from the
// spec for the tests: what a server would send, byte for byte.

export const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

export interface UpdateSpec {
  code: number;
  data: Uint8Array;
  /** FASTPATH_FRAGMENT_*: 0 single, 1 last, 2 first, 3 next. */
  fragmentation?: number;
  /** Present: the compression bits say "used" and this flags byte follows. */
  compressionFlags?: number;
}

/** One TS_FP_UPDATE_PDU holding the updates (2-byte length form when over 127 bytes). */
export function fastPathPdu(updates: UpdateSpec[]): Uint8Array {
  const body: number[] = [];
  for (const u of updates) {
    const compression = u.compressionFlags === undefined ? 0 : 2;
    body.push(u.code | ((u.fragmentation ?? 0) << 4) | (compression << 6));
    if (u.compressionFlags !== undefined) body.push(u.compressionFlags);
    body.push(...u16(u.data.length), ...u.data);
  }
  const short = body.length + 2 <= 0x7f;
  const length = body.length + (short ? 2 : 3);
  if (length > 0x7fff) throw new Error(`fast-path PDU of ${length} bytes: fragment it`);
  const header = short ? [0x00, length] : [0x00, 0x80 | (length >> 8), length & 0xff];
  return Uint8Array.from([...header, ...body]);
}

/** An update's data cut into fragments over several PDUs (first, next..., last) of at most `max` bytes. */
export function fragmentedPdus(code: number, data: Uint8Array, max = 16000): Uint8Array[] {
  if (data.length <= max) return [fastPathPdu([{ code, data }])];
  const out: Uint8Array[] = [];
  const pieces = Math.ceil(data.length / max);
  const step = max;
  for (let i = 0; i < pieces; i++) {
    const fragmentation = i === 0 ? 2 : i === pieces - 1 ? 1 : 3;
    out.push(
      fastPathPdu([
        { code, fragmentation, data: data.subarray(i * step, Math.min(data.length, (i + 1) * step)) },
      ]),
    );
  }
  return out;
}

/** TS_SURFCMD_SET_SURF_BITS / STREAM_SURF_BITS with a TS_BITMAP_DATA_EX (no extra header). */
export function surfaceBits(o: {
  left: number;
  top: number;
  width: number;
  height: number;
  codecId: number;
  data: Uint8Array;
  bpp?: number;
  stream?: boolean;
}): Uint8Array {
  return Uint8Array.from([
    ...u16(o.stream ? 6 : 1),
    ...u16(o.left),
    ...u16(o.top),
    ...u16(o.left + o.width),
    ...u16(o.top + o.height),
    o.bpp ?? 32,
    0,
    0,
    o.codecId,
    ...u16(o.width),
    ...u16(o.height),
    ...u32(o.data.length),
    ...o.data,
  ]);
}

/** TS_FRAME_MARKER. */
export function frameMarker(end: boolean, frameId: number): Uint8Array {
  return Uint8Array.from([...u16(4), ...u16(end ? 1 : 0), ...u32(frameId)]);
}

/** TS_UPDATE_BITMAP_DATA with TS_BITMAP_DATA rectangles (compressed ones without TS_CD_HEADER). */
export function bitmapUpdate(
  rects: {
    left: number;
    top: number;
    width: number;
    height: number;
    bpp: number;
    compressed: boolean;
    data: Uint8Array;
    destWidth?: number;
  }[],
): Uint8Array {
  const out: number[] = [...u16(1), ...u16(rects.length)];
  for (const r of rects) {
    const dw = r.destWidth ?? r.width;
    out.push(...u16(r.left), ...u16(r.top), ...u16(r.left + dw - 1), ...u16(r.top + r.height - 1));
    out.push(
      ...u16(r.width),
      ...u16(r.height),
      ...u16(r.bpp),
      ...u16(r.compressed ? 0x0401 : 0),
      ...u16(r.data.length),
    );
    out.push(...r.data);
  }
  return Uint8Array.from(out);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
