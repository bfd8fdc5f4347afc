// MS-RDPECLIP (the "cliprdr" static virtual channel) PDUs, and the static virtual channel
// chunking every channel's data goes through (MS-RDPBCGR 2.2.6.1 / 3.1.5.2). Only what a text
// clipboard needs: capabilities, monitor ready, format list (long and short names) and its
// response, format data request and response. docs/desktop-protocol.md lists the sources.
import { Reader, Writer } from './conn/bytes.js';
import { malformed } from './conn/errors.js';

export const CLIPRDR_CHANNEL = 'cliprdr';

// CLIPRDR_HEADER msgType (MS-RDPECLIP 2.2.1).
export const CB_MONITOR_READY = 0x0001;
export const CB_FORMAT_LIST = 0x0002;
export const CB_FORMAT_LIST_RESPONSE = 0x0003;
export const CB_FORMAT_DATA_REQUEST = 0x0004;
export const CB_FORMAT_DATA_RESPONSE = 0x0005;
export const CB_TEMP_DIRECTORY = 0x0006;
export const CB_CLIP_CAPS = 0x0007;
export const CB_FILECONTENTS_REQUEST = 0x0008;
export const CB_FILECONTENTS_RESPONSE = 0x0009;
export const CB_LOCK_CLIPDATA = 0x000a;
export const CB_UNLOCK_CLIPDATA = 0x000b;

// msgFlags.
export const CB_RESPONSE_OK = 0x0001;
export const CB_RESPONSE_FAIL = 0x0002;
export const CB_ASCII_NAMES = 0x0004;

// General capability set (2.2.2.1.1.1).
export const CB_CAPSTYPE_GENERAL = 0x0001;
export const CB_CAPS_VERSION_1 = 0x0001;
export const CB_CAPS_VERSION_2 = 0x0002;
export const CB_USE_LONG_FORMAT_NAMES = 0x0002;
export const CB_STREAM_FILECLIP_ENABLED = 0x0004;
export const CB_FILECLIP_NO_FILE_PATHS = 0x0008;
export const CB_CAN_LOCK_CLIPDATA = 0x0010;

// Standard clipboard formats (WinUser.h).
export const CF_TEXT = 1;
export const CF_OEMTEXT = 7;
export const CF_UNICODETEXT = 13;

// CHANNEL_PDU_HEADER flags (MS-RDPBCGR 2.2.6.1.1).
export const CHANNEL_FLAG_FIRST = 0x01;
export const CHANNEL_FLAG_LAST = 0x02;
export const CHANNEL_FLAG_SHOW_PROTOCOL = 0x10;
export const CHANNEL_PACKET_COMPRESSED = 0x00200000;
/** CHANNEL_CHUNK_LENGTH: the chunk size every peer accepts. */
export const CHANNEL_CHUNK_LENGTH = 1600;

/** A clipboard bigger than this is refused (TDP's clipboard limit is 1 MiB; UTF-16 doubles it). */
export const MAX_CLIPRDR_PDU = 4 * 1024 * 1024;

export interface CliprdrFormat {
  id: number;
  /** Empty for the standard formats. */
  name: string;
}

export type CliprdrPdu =
  | { type: 'caps'; flags: number; version: number; generalFlags: number }
  | { type: 'monitor-ready'; flags: number }
  | { type: 'format-list'; flags: number; formats: CliprdrFormat[] }
  | { type: 'format-list-response'; flags: number }
  | { type: 'format-data-request'; flags: number; formatId: number }
  | { type: 'format-data-response'; flags: number; data: Buffer }
  | { type: 'other'; msgType: number; flags: number; data: Buffer };

function header(msgType: number, flags: number, body: Buffer): Buffer {
  return new Writer().u16(msgType).u16(flags).u32(body.length).bytes(body).toBuffer();
}

/** Capabilities PDU with one general capability set. */
export function encodeCaps(generalFlags: number, version = CB_CAPS_VERSION_2): Buffer {
  const body = new Writer()
    .u16(1) // cCapabilitiesSets
    .u16(0) // pad1
    .u16(CB_CAPSTYPE_GENERAL)
    .u16(12) // lengthCapability
    .u32(version)
    .u32(generalFlags)
    .toBuffer();
  return header(CB_CLIP_CAPS, 0, body);
}

export function encodeMonitorReady(): Buffer {
  return header(CB_MONITOR_READY, 0, Buffer.alloc(0));
}

/**
 * Format List PDU: long names (a NUL-terminated UTF-16 name after each id) when both sides
 * announced CB_USE_LONG_FORMAT_NAMES, else short names (32-byte fields).
 */
export function encodeFormatList(formats: CliprdrFormat[], longNames: boolean): Buffer {
  const w = new Writer();
  for (const f of formats) {
    w.u32(f.id);
    if (longNames) w.bytes(Buffer.from(`${f.name}\0`, 'utf16le'));
    else w.utf16Fixed(f.name, 32);
  }
  return header(CB_FORMAT_LIST, 0, w.toBuffer());
}

export function encodeFormatListResponse(ok: boolean): Buffer {
  return header(CB_FORMAT_LIST_RESPONSE, ok ? CB_RESPONSE_OK : CB_RESPONSE_FAIL, Buffer.alloc(0));
}

export function encodeFormatDataRequest(formatId: number): Buffer {
  return header(CB_FORMAT_DATA_REQUEST, 0, new Writer().u32(formatId).toBuffer());
}

/** Format Data Response; undefined data answers with CB_RESPONSE_FAIL and no data. */
export function encodeFormatDataResponse(data: Buffer | undefined): Buffer {
  return data === undefined
    ? header(CB_FORMAT_DATA_RESPONSE, CB_RESPONSE_FAIL, Buffer.alloc(0))
    : header(CB_FORMAT_DATA_RESPONSE, CB_RESPONSE_OK, data);
}

function decodeFormatList(r: Reader, flags: number, longNames: boolean): CliprdrFormat[] {
  const formats: CliprdrFormat[] = [];
  if (!longNames) {
    if (r.left % 36 !== 0) throw malformed('CLIPRDR_FORMAT_LIST', `${r.left} bytes: not 36-byte entries`);
    while (r.left > 0) {
      const id = r.u32('formatId');
      const raw = r.bytes(32, 'formatName');
      const name =
        flags & CB_ASCII_NAMES
          ? raw.toString('latin1').replace(/\0.*$/s, '')
          : raw.toString('utf16le').replace(/\0.*$/s, '');
      formats.push({ id, name });
    }
    return formats;
  }
  while (r.left > 0) {
    const id = r.u32('formatId');
    // wszFormatName: UTF-16LE up to and including a NUL character.
    let end = r.pos;
    while (end + 1 < r.end && r.buf.readUInt16LE(end) !== 0) end += 2;
    if (end + 1 >= r.end) throw malformed('CLIPRDR_FORMAT_LIST', 'format name not terminated');
    const name = r.buf.toString('utf16le', r.pos, end);
    r.skip(end + 2 - r.pos, 'wszFormatName');
    formats.push({ id, name });
  }
  return formats;
}

/** One whole CLIPRDR PDU (after channel reassembly). `longNames` picks the format list variant. */
export function decodeCliprdr(buf: Buffer, longNames: boolean): CliprdrPdu {
  const r = new Reader(buf, 'CLIPRDR_HEADER');
  const msgType = r.u16('msgType');
  const flags = r.u16('msgFlags');
  const len = r.u32('dataLen');
  const body = r.sub(len, 'data', `CLIPRDR PDU ${msgType}`);
  switch (msgType) {
    case CB_CLIP_CAPS: {
      const count = body.u16('cCapabilitiesSets');
      body.skip(2, 'pad1');
      let version = CB_CAPS_VERSION_1;
      let generalFlags = 0;
      for (let i = 0; i < count; i++) {
        const type = body.u16('capabilitySetType');
        const setLen = body.u16('lengthCapability');
        if (setLen < 4) throw malformed('CLIPRDR_CAPS', `capability set length ${setLen}`);
        const set = body.sub(setLen - 4, 'capabilitySet');
        if (type === CB_CAPSTYPE_GENERAL) {
          version = set.u32('version');
          generalFlags = set.u32('generalFlags');
        }
      }
      return { type: 'caps', flags, version, generalFlags };
    }
    case CB_MONITOR_READY:
      return { type: 'monitor-ready', flags };
    case CB_FORMAT_LIST:
      return { type: 'format-list', flags, formats: decodeFormatList(body, flags, longNames) };
    case CB_FORMAT_LIST_RESPONSE:
      return { type: 'format-list-response', flags };
    case CB_FORMAT_DATA_REQUEST:
      return { type: 'format-data-request', flags, formatId: body.u32('requestedFormatId') };
    case CB_FORMAT_DATA_RESPONSE:
      return { type: 'format-data-response', flags, data: body.rest() };
    default:
      return { type: 'other', msgType, flags, data: body.rest() };
  }
}

// --- text ----------------------------------------------------------------------------------------

/** Text for CF_UNICODETEXT: CRLF line ends (what Windows applications expect) and a NUL. */
export function encodeUnicodeText(text: string): Buffer {
  return Buffer.from(`${text.replace(/\r?\n/g, '\r\n')}\0`, 'utf16le');
}

/** CF_UNICODETEXT data as a string: up to the first NUL. Line ends are left as sent. */
export function decodeUnicodeText(data: Buffer): string {
  const s = data.toString('utf16le', 0, data.length & ~1);
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** CF_TEXT / CF_OEMTEXT data (8-bit; read as Latin-1, which ASCII text is) up to the first NUL. */
export function decodeAnsiText(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('latin1', 0, nul < 0 ? data.length : nul);
}

// --- static virtual channel chunks ---------------------------------------------------------------

/**
 * Splits one channel message into chunks, each with its CHANNEL_PDU_HEADER: length is the whole
 * message's, flags mark the first and last chunk (MS-RDPBCGR 3.1.5.2.1).
 */
export function chunkChannelData(data: Buffer, extraFlags = 0, chunkSize = CHANNEL_CHUNK_LENGTH): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  do {
    const part = data.subarray(off, off + chunkSize);
    let flags = extraFlags;
    if (off === 0) flags |= CHANNEL_FLAG_FIRST;
    off += part.length;
    if (off >= data.length) flags |= CHANNEL_FLAG_LAST;
    out.push(new Writer().u32(data.length).u32(flags).bytes(part).toBuffer());
  } while (off < data.length);
  return out;
}

/** Reassembles the chunks of one static virtual channel into whole messages. */
export class ChannelDefragmenter {
  private parts: Buffer[] = [];
  private size = 0;
  private expected = 0;

  constructor(private readonly maxSize = MAX_CLIPRDR_PDU) {}

  /** One chunk (CHANNEL_PDU_HEADER first); a whole message once its last chunk arrived. */
  push(chunk: Buffer): Buffer | undefined {
    const r = new Reader(chunk, 'CHANNEL_PDU_HEADER');
    const length = r.u32('length');
    const flags = r.u32('flags');
    if (flags & CHANNEL_PACKET_COMPRESSED) {
      throw malformed('CHANNEL_PDU_HEADER', 'compressed channel data (compression was not offered)');
    }
    const data = r.rest();
    if (flags & CHANNEL_FLAG_FIRST) {
      if (length > this.maxSize)
        throw malformed('CHANNEL_PDU_HEADER', `message of ${length} bytes is too big`);
      this.parts = [];
      this.size = 0;
      this.expected = length;
    } else if (this.parts.length === 0) {
      throw malformed('CHANNEL_PDU_HEADER', 'a chunk without its first chunk');
    }
    this.parts.push(data);
    this.size += data.length;
    if (this.size > this.expected) {
      throw malformed('CHANNEL_PDU_HEADER', `chunks carry ${this.size} bytes, more than ${this.expected}`);
    }
    if (!(flags & CHANNEL_FLAG_LAST)) return undefined;
    const whole = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return whole;
  }
}
