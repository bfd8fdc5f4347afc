// Legacy TDP message -> bytes. Refuses values the wire cannot carry and lengths the peer's
// decoder would refuse (so a message we send is never the one that ends the session).
import { cannotEncode } from './errors.js';
import { TdpLimits, TdpType, type FileSystemObject, type TdpMessage } from './messages.js';

class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly what: string) {}

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  private int(v: number, field: string, min: number, max: number): void {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw cannotEncode(`${this.what}: ${field} ${v} is outside ${min}..${max}`);
    }
  }
  u8(v: number, field: string): this {
    this.int(v, field, 0, 0xff);
    return this.push(Buffer.from([v]));
  }
  bool(v: boolean): this {
    return this.push(Buffer.from([v ? 1 : 0]));
  }
  u16(v: number, field: string): this {
    this.int(v, field, 0, 0xffff);
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.push(b);
  }
  i16(v: number, field: string): this {
    this.int(v, field, -0x8000, 0x7fff);
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  u32(v: number, field: string): this {
    this.int(v, field, 0, 0xffffffff);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return this.push(b);
  }
  u64(v: bigint, field: string): this {
    if (v < 0n || v > 0xffffffffffffffffn)
      throw cannotEncode(`${this.what}: ${field} ${v} is outside uint64`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    return this.push(b);
  }
  /** uint32 byte length + bytes, refusing more than `max` bytes. */
  blob(v: Buffer, field: string, max: number): this {
    if (v.length > max) throw cannotEncode(`${this.what}: ${field} of ${v.length} bytes (limit ${max})`);
    this.u32(v.length, `${field} length`);
    return this.push(v);
  }
  string(v: string, field: string, max: number): this {
    return this.blob(Buffer.from(v, 'utf8'), field, max);
  }
  raw(v: Buffer): this {
    return this.push(v);
  }
  fso(f: FileSystemObject): this {
    return this.u64(f.lastModified, 'fso last_modified')
      .u64(f.size, 'fso size')
      .u32(f.fileType, 'fso file_type')
      .bool(f.isEmpty)
      .string(f.path, 'fso path', TdpLimits.path);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes one legacy TDP message: type byte + body. */
export function serialize(msg: TdpMessage): Buffer {
  const w = new Writer(msg.kind).u8(TdpType[msg.kind], 'type');
  switch (msg.kind) {
    case 'clientScreenSpec':
      return w.u32(msg.width, 'width').u32(msg.height, 'height').toBuffer();
    case 'pngFrame':
      // Without a length field the receiver finds the end by walking the PNG's chunks.
      if (!msg.png.subarray(0, 8).equals(PNG_SIGNATURE)) throw cannotEncode('pngFrame: data is not a PNG');
      if (msg.png.length > TdpLimits.png) throw cannotEncode(`pngFrame: PNG of ${msg.png.length} bytes`);
      return w
        .u32(msg.left, 'left')
        .u32(msg.top, 'top')
        .u32(msg.right, 'right')
        .u32(msg.bottom, 'bottom')
        .raw(msg.png)
        .toBuffer();
    case 'mouseMove':
      return w.u32(msg.x, 'x').u32(msg.y, 'y').toBuffer();
    case 'mouseButton':
      return w.u8(msg.button, 'button').bool(msg.pressed).toBuffer();
    case 'keyboardButton':
      return w.u32(msg.keyCode, 'key_code').bool(msg.pressed).toBuffer();
    case 'clipboardData':
      return w.blob(msg.data, 'clipboard data', TdpLimits.clipboard).toBuffer();
    case 'clientUsername':
      return w.string(msg.username, 'username', TdpLimits.username).toBuffer();
    case 'mouseWheel':
      return w.u8(msg.axis, 'axis').i16(msg.delta, 'delta').toBuffer();
    case 'error':
      return w.string(msg.message, 'message', TdpLimits.alertText).toBuffer();
    case 'mfa':
      return w.u8(msg.mfaType, 'mfa_type').string(msg.json, 'MFA JSON', TdpLimits.mfaJson).toBuffer();
    case 'sharedDirectoryAnnounce':
      // The leading zero word is a kept upstream bug: both sides write and skip it.
      return w
        .u32(0, 'discard')
        .u32(msg.directoryId, 'directory_id')
        .string(msg.name, 'name', TdpLimits.username)
        .toBuffer();
    case 'sharedDirectoryAcknowledge':
      return w.u32(msg.errCode, 'err_code').u32(msg.directoryId, 'directory_id').toBuffer();
    case 'sharedDirectoryInfoRequest':
    case 'sharedDirectoryDeleteRequest':
    case 'sharedDirectoryListRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .string(msg.path, 'path', TdpLimits.path)
        .toBuffer();
    case 'sharedDirectoryInfoResponse':
    case 'sharedDirectoryCreateResponse':
      return w.u32(msg.completionId, 'completion_id').u32(msg.errCode, 'err_code').fso(msg.fso).toBuffer();
    case 'sharedDirectoryCreateRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .u32(msg.fileType, 'file_type')
        .string(msg.path, 'path', TdpLimits.path)
        .toBuffer();
    case 'sharedDirectoryDeleteResponse':
    case 'sharedDirectoryMoveResponse':
    case 'sharedDirectoryTruncateResponse':
      return w.u32(msg.completionId, 'completion_id').u32(msg.errCode, 'err_code').toBuffer();
    case 'sharedDirectoryReadRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .string(msg.path, 'path', TdpLimits.path)
        .u64(msg.offset, 'offset')
        .u32(msg.length, 'length')
        .toBuffer();
    case 'sharedDirectoryReadResponse':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.errCode, 'err_code')
        .blob(msg.data, 'read data', TdpLimits.fileData)
        .toBuffer();
    case 'sharedDirectoryWriteRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .u64(msg.offset, 'offset')
        .string(msg.path, 'path', TdpLimits.path)
        .blob(msg.data, 'write data', TdpLimits.fileData)
        .toBuffer();
    case 'sharedDirectoryWriteResponse':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.errCode, 'err_code')
        .u32(msg.bytesWritten, 'bytes_written')
        .toBuffer();
    case 'sharedDirectoryMoveRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .string(msg.originalPath, 'original_path', TdpLimits.path)
        .string(msg.newPath, 'new_path', TdpLimits.path)
        .toBuffer();
    case 'sharedDirectoryListResponse': {
      if (msg.fsoList.length > TdpLimits.fsoCount)
        throw cannotEncode(`${msg.kind}: ${msg.fsoList.length} entries`);
      w.u32(msg.completionId, 'completion_id').u32(msg.errCode, 'err_code').u32(msg.fsoList.length, 'count');
      for (const f of msg.fsoList) w.fso(f);
      return w.toBuffer();
    }
    case 'png2Frame':
      if (msg.png.length > TdpLimits.png) throw cannotEncode(`png2Frame: PNG of ${msg.png.length} bytes`);
      return w
        .u32(msg.png.length, 'png_length')
        .u32(msg.left, 'left')
        .u32(msg.top, 'top')
        .u32(msg.right, 'right')
        .u32(msg.bottom, 'bottom')
        .raw(msg.png)
        .toBuffer();
    case 'alert':
      return w.string(msg.message, 'message', TdpLimits.alertText).u8(msg.severity, 'severity').toBuffer();
    case 'rdpFastPathPdu':
    case 'rdpResponsePdu':
      return w.blob(msg.data, 'PDU', TdpLimits.rdpPdu).toBuffer();
    case 'connectionActivated':
      return w
        .u16(msg.ioChannelId, 'io_channel_id')
        .u16(msg.userChannelId, 'user_channel_id')
        .u16(msg.screenWidth, 'screen_width')
        .u16(msg.screenHeight, 'screen_height')
        .toBuffer();
    case 'syncKeys':
      return w.bool(msg.scrollLock).bool(msg.numLock).bool(msg.capsLock).bool(msg.kanaLock).toBuffer();
    case 'sharedDirectoryTruncateRequest':
      return w
        .u32(msg.completionId, 'completion_id')
        .u32(msg.directoryId, 'directory_id')
        .string(msg.path, 'path', TdpLimits.path)
        .u32(msg.endOfFile, 'end_of_file')
        .toBuffer();
    case 'latencyStats':
      return w.u32(msg.clientLatency, 'client_latency').u32(msg.serverLatency, 'server_latency').toBuffer();
    case 'ping':
      if (msg.uuid.length !== 16) throw cannotEncode(`ping: uuid of ${msg.uuid.length} bytes (16 expected)`);
      return w.raw(msg.uuid).toBuffer();
    case 'clientKeyboardLayout':
      return w.u32(4, 'length').u32(msg.keyboardLayout, 'keyboard_layout').toBuffer();
    case 'tdpbUpgrade':
      return w.toBuffer();
  }
}
