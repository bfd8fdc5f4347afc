// Slow-path share PDUs (MS-RDPBCGR 2.2.8.1.1.1, 2.2.1.13–2.2.1.22, 2.2.2.x, 2.2.11.x; frame
// acknowledgement MS-RDPRFX 2.2.3.1): the share control and share data headers, Demand/Confirm
// Active, Deactivate All, the finalization PDUs, Set Error Info, Refresh Rect, Suppress Output
// and Frame Acknowledge. With TLS these travel as MCS Send Data payloads without a security
// header.
import { Reader, Writer } from './bytes.js';
import { decodeCapabilitySets, encodeCapabilitySets, type CapabilitySet } from './capabilities.js';
import { malformed } from './errors.js';

// Share control pduType (low nibble; the high bits carry the protocol version 1).
export const PDUTYPE_DEMANDACTIVEPDU = 0x1;
export const PDUTYPE_CONFIRMACTIVEPDU = 0x3;
export const PDUTYPE_DEACTIVATEALLPDU = 0x6;
export const PDUTYPE_DATAPDU = 0x7;
export const PDUTYPE_SERVER_REDIR_PKT = 0xa;
const TS_PROTOCOL_VERSION = 0x10;
/** A flow control PDU starts with this instead of totalLength (MS-RDPBCGR 2.2.8.1.1.1.1). */
const FLOW_MARKER = 0x8000;
const FLOW_PDU_LENGTH = 8;

// Share data pduType2.
export const PDUTYPE2_UPDATE = 0x02;
export const PDUTYPE2_CONTROL = 0x14;
export const PDUTYPE2_POINTER = 0x1b;
export const PDUTYPE2_INPUT = 0x1c;
export const PDUTYPE2_SYNCHRONIZE = 0x1f;
export const PDUTYPE2_REFRESH_RECT = 0x21;
export const PDUTYPE2_PLAY_SOUND = 0x22;
export const PDUTYPE2_SUPPRESS_OUTPUT = 0x23;
export const PDUTYPE2_SHUTDOWN_REQUEST = 0x24;
export const PDUTYPE2_SHUTDOWN_DENIED = 0x25;
export const PDUTYPE2_SAVE_SESSION_INFO = 0x26;
export const PDUTYPE2_FONTLIST = 0x27;
export const PDUTYPE2_FONTMAP = 0x28;
export const PDUTYPE2_SET_KEYBOARD_INDICATORS = 0x29;
export const PDUTYPE2_SET_ERROR_INFO_PDU = 0x2f;
export const PDUTYPE2_MONITOR_LAYOUT_PDU = 0x37;
export const PDUTYPE2_FRAME_ACKNOWLEDGE = 0x38;

export const STREAM_LOW = 1;
const PACKET_COMPRESSED = 0x20;

/** The server's MCS channel id as originatorId / Synchronize target (MS-RDPBCGR 2.2.1.13.2.1). */
export const SERVER_CHANNEL_ID = 0x03ea;

export interface ShareControlPdu {
  /** PDUTYPE_*, without the version bits. */
  pduType: number;
  pduSource: number;
  /** The bytes after the share control header. */
  body: Buffer;
}

export function encodeShareControl(pduType: number, pduSource: number, body: Buffer): Buffer {
  const head = new Writer()
    .u16(body.length + 6)
    .u16(pduType | TS_PROTOCOL_VERSION)
    .u16(pduSource)
    .toBuffer();
  return Buffer.concat([head, body]);
}

/** The share control PDUs in one MCS payload (servers may pack several); flow PDUs are skipped. */
export function decodeShareControlPdus(buf: Buffer): ShareControlPdu[] {
  const what = 'share control PDU';
  const r = new Reader(buf, what);
  const out: ShareControlPdu[] = [];
  while (r.left > 0) {
    const start = r.pos;
    const totalLength = r.u16('totalLength');
    if (totalLength === FLOW_MARKER) {
      r.pos = start;
      r.skip(FLOW_PDU_LENGTH, 'flow PDU');
      continue;
    }
    if (totalLength < 6 && !(totalLength === 4 && out.length === 0)) {
      throw malformed(what, `totalLength ${totalLength}`);
    }
    const pduType = r.u16('pduType') & 0xf;
    // A 4-byte PDU (Deactivate All from some servers) has no pduSource.
    const pduSource = totalLength >= 6 ? r.u16('pduSource') : 0;
    const body = r.bytes(totalLength - (r.pos - start), 'share control body');
    out.push({ pduType, pduSource, body });
  }
  return out;
}

export interface ShareDataPdu {
  shareId: number;
  streamId: number;
  pduType2: number;
  /** The bytes after the share data header. */
  body: Buffer;
}

export function encodeShareData(
  shareId: number,
  pduSource: number,
  pduType2: number,
  body: Buffer,
  streamId = STREAM_LOW,
): Buffer {
  const head = new Writer()
    .u32(shareId)
    .u8(0)
    .u8(streamId)
    .u16(body.length + 4) // uncompressedLength: from pduType2 on
    .u8(pduType2)
    .u8(0) // compressedType
    .u16(0) // compressedLength
    .toBuffer();
  return encodeShareControl(PDUTYPE_DATAPDU, pduSource, Buffer.concat([head, body]));
}

/** The share data header and body of a PDUTYPE_DATAPDU share control body. */
export function decodeShareData(body: Buffer): ShareDataPdu {
  const what = 'share data PDU';
  const r = new Reader(body, what);
  const shareId = r.u32('shareId');
  r.u8('pad1');
  const streamId = r.u8('streamId');
  r.u16('uncompressedLength');
  const pduType2 = r.u8('pduType2');
  const compressedType = r.u8('compressedType');
  r.u16('compressedLength');
  if (compressedType & PACKET_COMPRESSED) throw malformed(what, 'bulk compression was not negotiated');
  return { shareId, streamId, pduType2, body: r.rest() };
}

// ---------------- Demand Active / Confirm Active / Deactivate All ----------------

export interface DemandActive {
  shareId: number;
  sourceDescriptor: string;
  capabilities: CapabilitySet[];
  sessionId: number;
}

export function encodeDemandActive(d: DemandActive, pduSource = SERVER_CHANNEL_ID): Buffer {
  const source = Buffer.from(d.sourceDescriptor + '\0', 'latin1');
  const caps = encodeCapabilitySets(d.capabilities);
  const body = new Writer()
    .u32(d.shareId)
    .u16(source.length)
    .u16(caps.length)
    .bytes(source)
    .bytes(caps)
    .u32(d.sessionId)
    .toBuffer();
  return encodeShareControl(PDUTYPE_DEMANDACTIVEPDU, pduSource, body);
}

export function decodeDemandActive(body: Buffer): DemandActive {
  const r = new Reader(body, 'Demand Active PDU');
  const shareId = r.u32('shareId');
  const lengthSource = r.u16('lengthSourceDescriptor');
  const lengthCaps = r.u16('lengthCombinedCapabilities');
  const sourceDescriptor = r.bytes(lengthSource, 'sourceDescriptor').toString('latin1').replace(/\0.*$/s, '');
  const capabilities = decodeCapabilitySets(r.sub(lengthCaps, 'combinedCapabilities'));
  const sessionId = r.left >= 4 ? r.u32('sessionId') : 0;
  return { shareId, sourceDescriptor, capabilities, sessionId };
}

export interface ConfirmActive {
  shareId: number;
  sourceDescriptor: string;
  capabilities: CapabilitySet[];
}

export function encodeConfirmActive(c: ConfirmActive, pduSource: number): Buffer {
  const source = Buffer.from(c.sourceDescriptor + '\0', 'latin1');
  const caps = encodeCapabilitySets(c.capabilities);
  const body = new Writer()
    .u32(c.shareId)
    .u16(SERVER_CHANNEL_ID) // originatorId
    .u16(source.length)
    .u16(caps.length)
    .bytes(source)
    .bytes(caps)
    .toBuffer();
  return encodeShareControl(PDUTYPE_CONFIRMACTIVEPDU, pduSource, body);
}

export function decodeConfirmActive(body: Buffer): ConfirmActive {
  const r = new Reader(body, 'Confirm Active PDU');
  const shareId = r.u32('shareId');
  r.u16('originatorId');
  const lengthSource = r.u16('lengthSourceDescriptor');
  const lengthCaps = r.u16('lengthCombinedCapabilities');
  const sourceDescriptor = r.bytes(lengthSource, 'sourceDescriptor').toString('latin1').replace(/\0.*$/s, '');
  const capabilities = decodeCapabilitySets(r.sub(lengthCaps, 'combinedCapabilities'));
  return { shareId, sourceDescriptor, capabilities };
}

export function encodeDeactivateAll(shareId: number, pduSource = SERVER_CHANNEL_ID): Buffer {
  const body = new Writer().u32(shareId).u16(1).u8(0).toBuffer();
  return encodeShareControl(PDUTYPE_DEACTIVATEALLPDU, pduSource, body);
}

export function decodeDeactivateAll(body: Buffer): { shareId: number } {
  const r = new Reader(body, 'Deactivate All PDU');
  return { shareId: r.left >= 4 ? r.u32('shareId') : 0 };
}

// ---------------- finalization ----------------

const SYNCMSGTYPE_SYNC = 1;
export const CTRLACTION_REQUEST_CONTROL = 1;
export const CTRLACTION_GRANTED_CONTROL = 2;
export const CTRLACTION_DETACH = 3;
export const CTRLACTION_COOPERATE = 4;
const FONTLIST_FIRST_LAST = 0x0003;

export const synchronizeBody = (targetUser: number) =>
  new Writer().u16(SYNCMSGTYPE_SYNC).u16(targetUser).toBuffer();

export function decodeSynchronize(body: Buffer): { targetUser: number } {
  const r = new Reader(body, 'Synchronize PDU');
  const type = r.u16('messageType');
  if (type !== SYNCMSGTYPE_SYNC) throw malformed('Synchronize PDU', `messageType ${type}`);
  return { targetUser: r.u16('targetUser') };
}

export interface ControlPdu {
  action: number;
  grantId: number;
  controlId: number;
}

export const controlBody = (c: ControlPdu) =>
  new Writer().u16(c.action).u16(c.grantId).u32(c.controlId).toBuffer();

export function decodeControl(body: Buffer): ControlPdu {
  const r = new Reader(body, 'Control PDU');
  return { action: r.u16('action'), grantId: r.u16('grantId'), controlId: r.u32('controlId') };
}

/** An empty font list: numberFonts 0, totalNumFonts 0, first|last, entrySize 50. */
export const fontListBody = () => new Writer().u16(0).u16(0).u16(FONTLIST_FIRST_LAST).u16(50).toBuffer();
/** An empty font map: numberEntries 0, totalNumEntries 0, first|last, entrySize 4. */
export const fontMapBody = () => new Writer().u16(0).u16(0).u16(FONTLIST_FIRST_LAST).u16(4).toBuffer();

export interface FontMessage {
  number: number;
  total: number;
  flags: number;
  entrySize: number;
}

/** Font List and Font Map share one layout. */
export function decodeFontMessage(body: Buffer, what = 'Font Map PDU'): FontMessage {
  const r = new Reader(body, what);
  return {
    number: r.u16('number'),
    total: r.u16('total'),
    flags: r.u16('flags'),
    entrySize: r.u16('entrySize'),
  };
}

// ---------------- other data PDUs ----------------

export const errorInfoBody = (code: number) => new Writer().u32(code).toBuffer();

export function decodeErrorInfo(body: Buffer): number {
  return new Reader(body, 'Set Error Info PDU').u32('errorInfo');
}

export const frameAcknowledgeBody = (frameId: number) => new Writer().u32(frameId).toBuffer();

export function decodeFrameAcknowledge(body: Buffer): number {
  return new Reader(body, 'Frame Acknowledge PDU').u32('frameID');
}

/** An inclusive rectangle (TS_RECTANGLE16). */
export interface Rect16 {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const rect16 = (w: Writer, r: Rect16) => w.u16(r.left).u16(r.top).u16(r.right).u16(r.bottom);
const readRect16 = (r: Reader): Rect16 => ({
  left: r.u16('left'),
  top: r.u16('top'),
  right: r.u16('right'),
  bottom: r.u16('bottom'),
});

export function refreshRectBody(rects: Rect16[]): Buffer {
  if (rects.length < 1 || rects.length > 255) throw new RangeError(`${rects.length} refresh rectangles`);
  const w = new Writer().u8(rects.length).zeros(3);
  for (const r of rects) rect16(w, r);
  return w.toBuffer();
}

export function decodeRefreshRect(body: Buffer): Rect16[] {
  const r = new Reader(body, 'Refresh Rect PDU');
  const n = r.u8('numberOfAreas');
  r.skip(3, 'pad3Octects');
  return Array.from({ length: n }, () => readRect16(r));
}

/** Suppress Output: `rect` undefined stops display updates, a rectangle allows them again. */
export function suppressOutputBody(rect?: Rect16): Buffer {
  const w = new Writer().u8(rect ? 1 : 0).zeros(3);
  if (rect) rect16(w, rect);
  return w.toBuffer();
}

export function decodeSuppressOutput(body: Buffer): { allow: boolean; rect?: Rect16 } {
  const r = new Reader(body, 'Suppress Output PDU');
  const allow = r.u8('allowDisplayUpdates') === 1;
  r.skip(3, 'pad3Octets');
  return allow && r.left >= 8 ? { allow, rect: readRect16(r) } : { allow };
}

// ---------------- slow-path updates as fast-path output ----------------

// Slow-path updateType (MS-RDPBCGR 2.2.9.1.1.3.1) and the fast-path updateCode (2.2.9.1.2.1)
// that carries the same TS_UPDATE_*_DATA structure.
export const UPDATETYPE_BITMAP = 0x0001;
export const UPDATETYPE_PALETTE = 0x0002;
const FASTPATH_UPDATE_CODE: Partial<Record<number, number>> = {
  [UPDATETYPE_BITMAP]: 0x1,
  [UPDATETYPE_PALETTE]: 0x2,
};
const FASTPATH_FRAGMENT_SINGLE = 0x0;
const FASTPATH_FRAGMENT_LAST = 0x1;
const FASTPATH_FRAGMENT_FIRST = 0x2;
const FASTPATH_FRAGMENT_NEXT = 0x3;
/** Update data per fast-path PDU: 15-bit PDU length minus the headers, with room to spare. */
export const FASTPATH_FRAGMENT_DATA = 0x3f00;

/**
 * The body of a slow-path Update PDU (PDUTYPE2_UPDATE) carrying bitmaps or a palette, re-framed as
 * fast-path output PDUs (several when it must be fragmented) that any fast-path decoder takes:
 * the TS_UPDATE_BITMAP_DATA / TS_UPDATE_PALETTE_DATA structure is the same on both paths. Some
 * servers (xrdp) draw only with slow-path bitmap updates. Undefined for updates without such a
 * twin (orders, synchronize) or too short to have an updateType.
 */
export function updateAsFastPath(body: Buffer, maxFragment = FASTPATH_FRAGMENT_DATA): Buffer[] | undefined {
  if (body.length < 2) return undefined;
  const code = FASTPATH_UPDATE_CODE[body.readUInt16LE(0)];
  if (code === undefined) return undefined;
  const out: Buffer[] = [];
  for (let at = 0; at < body.length || out.length === 0; at += maxFragment) {
    const chunk = body.subarray(at, at + maxFragment);
    const first = at === 0;
    const last = at + maxFragment >= body.length;
    const fragmentation =
      first && last
        ? FASTPATH_FRAGMENT_SINGLE
        : first
          ? FASTPATH_FRAGMENT_FIRST
          : last
            ? FASTPATH_FRAGMENT_LAST
            : FASTPATH_FRAGMENT_NEXT;
    out.push(fastPathOutputPdu(code | (fragmentation << 4), chunk));
  }
  return out;
}

/** One TS_FP_UPDATE_PDU (action fast-path, no encryption) holding one TS_FP_UPDATE. */
function fastPathOutputPdu(updateHeader: number, data: Buffer): Buffer {
  const update = new Writer().u8(updateHeader).u16(data.length).bytes(data).toBuffer();
  // The length counts the whole PDU: one length byte below 0x80, else two with the top bit set.
  const total = update.length + (update.length + 2 < 0x80 ? 2 : 3);
  if (total > 0x7fff) throw new RangeError(`fast-path PDU of ${total} bytes`);
  const head = total < 0x80 ? new Writer().u8(0).u8(total) : new Writer().u8(0).u16be(0x8000 | total);
  return Buffer.concat([head.toBuffer(), update]);
}
