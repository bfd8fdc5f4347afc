// Incremental legacy TDP parser: feed arbitrary chunks, get whole messages. Legacy TDP has no
// framing, so each body is walked field by field to find where the next message starts; every
// length is checked against its limit as soon as it arrives, before any payload is buffered.
import { malformed, MessageTooLargeError, TruncatedMessageError, UnknownMessageTypeError } from './errors.js';
import {
  MfaType,
  TdpLimits,
  tdpKindOf,
  type FileSystemObject,
  type TdpKind,
  type TdpMessage,
} from './messages.js';

/** Thrown inside a decode attempt: the message needs at least `total` bytes. Not an Error. */
class NeedMore {
  constructor(readonly total: number) {}
}

/** Thrown inside a decode attempt: an over-limit field that ends its message can be skipped. */
class Skip {
  constructor(
    readonly error: MessageTooLargeError,
    readonly end: number,
  ) {}
}

class Reader {
  pos = 1; // after the type byte

  constructor(
    private readonly buf: Buffer,
    private readonly kind: TdpKind,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new NeedMore(this.pos + n);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** The bytes from `start` to the current position. */
  since(start: number): Buffer {
    return this.buf.subarray(start, this.pos);
  }
  /**
   * A uint32 length and that many bytes. `last`: the field ends the message, so upstream skips
   * an over-limit payload and keeps the connection; elsewhere an over-limit length is fatal.
   */
  blob(field: string, max: number, last = false): Buffer {
    const n = this.u32();
    if (n > max) {
      const err = new MessageTooLargeError(`${this.kind} ${field}`, n, max, last);
      throw last ? new Skip(err, this.pos + n) : err;
    }
    // Copy, so a message never pins the (possibly large) receive buffer it came from.
    return Buffer.from(this.bytes(n));
  }
  string(field: string, max: number, last = false): string {
    return this.blob(field, max, last).toString('utf8');
  }
  fso(): FileSystemObject {
    return {
      lastModified: this.u64(),
      size: this.u64(),
      fileType: this.u32(),
      isEmpty: this.bool(),
      path: this.string('fso path', TdpLimits.path),
    };
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IEND = 0x49454e44;
/** Go's encoder writes 32 KiB IDAT chunks; a cap keeps re-walks of a trickled PNG cheap. */
const MAX_PNG_CHUNKS = 4096;

/** Walks PNG chunks (signature, then length/type/data/CRC) up to and including IEND. */
function readPng(r: Reader): Buffer {
  const start = r.pos;
  if (!r.bytes(8).equals(PNG_SIGNATURE)) throw malformed('pngFrame: data is not a PNG (bad signature)');
  for (let chunks = 1; ; chunks++) {
    if (chunks > MAX_PNG_CHUNKS) throw malformed(`pngFrame: more than ${MAX_PNG_CHUNKS} PNG chunks`);
    const length = r.u32();
    const type = r.u32();
    if (length > 0x7fffffff) throw malformed(`pngFrame: PNG chunk length ${length}`);
    const pngSize = r.pos - start + length + 4;
    if (pngSize > TdpLimits.png) throw new MessageTooLargeError('pngFrame PNG', pngSize, TdpLimits.png);
    r.bytes(length + 4); // data + CRC
    if (type === IEND) break;
  }
  return Buffer.from(r.since(start));
}

function readBody(kind: TdpKind, r: Reader): TdpMessage {
  switch (kind) {
    case 'clientScreenSpec':
      return { kind, width: r.u32(), height: r.u32() };
    case 'pngFrame': {
      const rect = { left: r.u32(), top: r.u32(), right: r.u32(), bottom: r.u32() };
      return { kind, ...rect, png: readPng(r) };
    }
    case 'mouseMove':
      return { kind, x: r.u32(), y: r.u32() };
    case 'mouseButton':
      return { kind, button: r.u8(), pressed: r.bool() };
    case 'keyboardButton':
      return { kind, keyCode: r.u32(), pressed: r.bool() };
    case 'clipboardData':
      return { kind, data: r.blob('data', TdpLimits.clipboard, true) };
    case 'clientUsername':
      return { kind, username: r.string('username', TdpLimits.username) };
    case 'mouseWheel':
      return { kind, axis: r.u8(), delta: r.i16() };
    case 'error':
      return { kind, message: r.string('message', TdpLimits.alertText, true) };
    case 'mfa': {
      const mfaType = r.u8();
      if (mfaType !== MfaType.webauthn && mfaType !== MfaType.u2f) {
        throw malformed(`mfa: type byte ${mfaType} (expected 'n' or 'u')`);
      }
      const json = r.string('JSON', TdpLimits.mfaJson, true);
      if (json.length === 0) throw malformed('mfa: empty JSON');
      return { kind, mfaType, json };
    }
    case 'sharedDirectoryAnnounce':
      r.u32(); // the kept upstream bug: a zero word before directory_id
      return { kind, directoryId: r.u32(), name: r.string('name', TdpLimits.username, true) };
    case 'sharedDirectoryAcknowledge':
      return { kind, errCode: r.u32(), directoryId: r.u32() };
    case 'sharedDirectoryInfoRequest':
    case 'sharedDirectoryDeleteRequest':
    case 'sharedDirectoryListRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        path: r.string('path', TdpLimits.path, true),
      };
    case 'sharedDirectoryInfoResponse':
    case 'sharedDirectoryCreateResponse':
      return { kind, completionId: r.u32(), errCode: r.u32(), fso: r.fso() };
    case 'sharedDirectoryCreateRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        fileType: r.u32(),
        path: r.string('path', TdpLimits.path, true),
      };
    case 'sharedDirectoryDeleteResponse':
    case 'sharedDirectoryMoveResponse':
    case 'sharedDirectoryTruncateResponse':
      return { kind, completionId: r.u32(), errCode: r.u32() };
    case 'sharedDirectoryReadRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        path: r.string('path', TdpLimits.path),
        offset: r.u64(),
        length: r.u32(),
      };
    case 'sharedDirectoryReadResponse':
      return {
        kind,
        completionId: r.u32(),
        errCode: r.u32(),
        data: r.blob('data', TdpLimits.fileData, true),
      };
    case 'sharedDirectoryWriteRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        offset: r.u64(),
        path: r.string('path', TdpLimits.path),
        data: r.blob('data', TdpLimits.fileData, true),
      };
    case 'sharedDirectoryWriteResponse':
      return { kind, completionId: r.u32(), errCode: r.u32(), bytesWritten: r.u32() };
    case 'sharedDirectoryMoveRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        originalPath: r.string('original_path', TdpLimits.path),
        newPath: r.string('new_path', TdpLimits.path),
      };
    case 'sharedDirectoryListResponse': {
      const completionId = r.u32();
      const errCode = r.u32();
      const count = r.u32();
      if (count > TdpLimits.fsoCount)
        throw new MessageTooLargeError(`${kind} count`, count, TdpLimits.fsoCount);
      const fsoList: FileSystemObject[] = [];
      for (let i = 0; i < count; i++) fsoList.push(r.fso());
      return { kind, completionId, errCode, fsoList };
    }
    case 'png2Frame': {
      const length = r.u32();
      if (length > TdpLimits.png) throw new MessageTooLargeError(`${kind} png_length`, length, TdpLimits.png);
      const rect = { left: r.u32(), top: r.u32(), right: r.u32(), bottom: r.u32() };
      return { kind, ...rect, png: Buffer.from(r.bytes(length)) };
    }
    case 'alert':
      return { kind, message: r.string('message', TdpLimits.alertText), severity: r.u8() };
    case 'rdpFastPathPdu':
    case 'rdpResponsePdu':
      return { kind, data: r.blob('data', TdpLimits.rdpPdu) };
    case 'connectionActivated':
      return {
        kind,
        ioChannelId: r.u16(),
        userChannelId: r.u16(),
        screenWidth: r.u16(),
        screenHeight: r.u16(),
      };
    case 'syncKeys':
      return { kind, scrollLock: r.bool(), numLock: r.bool(), capsLock: r.bool(), kanaLock: r.bool() };
    case 'sharedDirectoryTruncateRequest':
      return {
        kind,
        completionId: r.u32(),
        directoryId: r.u32(),
        path: r.string('path', TdpLimits.path),
        endOfFile: r.u32(),
      };
    case 'latencyStats':
      return { kind, clientLatency: r.u32(), serverLatency: r.u32() };
    case 'ping':
      return { kind, uuid: Buffer.from(r.bytes(16)) };
    case 'clientKeyboardLayout': {
      const length = r.u32();
      if (length !== 4) throw malformed(`clientKeyboardLayout: payload length ${length} (4 expected)`);
      return { kind, keyboardLayout: r.u32() };
    }
    case 'tdpbUpgrade':
      return { kind };
  }
}

/** Decodes the message at the start of `buf`: the message and its size, or the bytes needed. */
function decodeAt(buf: Buffer): { msg: TdpMessage; size: number } | NeedMore {
  if (buf.length === 0) return new NeedMore(1);
  const kind = tdpKindOf(buf[0]!);
  if (kind === undefined) throw new UnknownMessageTypeError('TDP', buf[0]);
  const r = new Reader(buf, kind);
  try {
    const msg = readBody(kind, r);
    return { msg, size: r.pos };
  } catch (e) {
    if (e instanceof NeedMore) return e;
    throw e;
  }
}

/** Decodes exactly one whole legacy TDP message (e.g. from a recording event). */
export function decodeMessage(buf: Buffer): TdpMessage {
  let res;
  try {
    res = decodeAt(buf);
  } catch (e) {
    if (e instanceof Skip) throw e.error;
    throw e;
  }
  if (res instanceof NeedMore) {
    throw new TruncatedMessageError(`TDP ${tdpKindOf(buf[0] ?? 0) ?? 'message'}`, buf.length, res.total);
  }
  if (res.size !== buf.length) throw malformed(`${res.msg.kind}: ${buf.length - res.size} trailing bytes`);
  return res.msg;
}

export interface TdpParserOptions {
  /**
   * Called for an over-limit field that ends its message (clipboard, file data, MFA JSON, a
   * request path, a directory name, an Error text): the payload is discarded unbuffered and
   * parsing goes on, as upstream does. Without it such a field throws like any other.
   */
  onSkip?: (err: MessageTooLargeError) => void;
}

/**
 * Incremental parser. `parse(chunk)` returns every message completed by the chunk; it throws a
 * DesktopProtocolError for bytes that cannot be TDP, after which the parser must be dropped.
 */
export class TdpParser {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private buffered = 0;
  /** Bytes the current message needs before a decode attempt can succeed. */
  private need = 1;
  /** Bytes of a skipped payload still to be dropped. */
  private discard = 0;

  constructor(private readonly options: TdpParserOptions = {}) {}

  parse(chunk: Buffer): TdpMessage[] {
    const out: TdpMessage[] = [];
    if (this.discard > 0) {
      const n = Math.min(this.discard, chunk.length);
      this.discard -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= this.need && this.buffered > 0) {
      if (this.pending.length > 0) {
        this.buf =
          this.pending.length === 1 && this.buf.length === 0
            ? this.pending[0]!
            : Buffer.concat([this.buf, ...this.pending]);
        this.pending = [];
      }
      let res;
      try {
        res = decodeAt(this.buf);
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
        if (!this.options.onSkip) throw e.error;
        this.options.onSkip(e.error);
        const n = Math.min(e.end, this.buf.length);
        this.consume(n);
        this.discard = e.end - n;
        continue;
      }
      if (res instanceof NeedMore) {
        this.need = res.total;
        break;
      }
      out.push(res.msg);
      this.consume(res.size);
    }
    return out;
  }

  /** Throws TruncatedMessageError if the stream ended inside a message. */
  end(): void {
    if (this.buffered > 0 || this.discard > 0) {
      const kind = this.buffered > 0 ? (tdpKindOf(this.peekByte()) ?? 'message') : 'skipped payload';
      throw new TruncatedMessageError(
        `TDP ${kind}`,
        this.buffered,
        this.buffered > 0 ? this.need : undefined,
      );
    }
  }

  /** Bytes received but not yet part of a returned message. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private peekByte(): number {
    return this.buf.length > 0 ? this.buf[0]! : this.pending[0]![0]!;
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.buffered -= n;
    this.need = 1;
  }
}
