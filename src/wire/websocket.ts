// RFC 6455 WebSocket codec, both directions: frames (masked or not, 7/16/64-bit lengths), an
// incremental parser that reassembles fragmented messages and passes control frames (close,
// ping, pong) through in between, close payloads, and the handshake key. Only what a local
// server needs: no extensions (a frame with RSV bits set is a protocol error), no subprotocols.
// Written from RFC 6455 §4.2.2 (accept key), §5.2 (framing), §5.4 (fragmentation), §5.5
// (control frames), §7.4 (close codes) and §8.1 (UTF-8 of text messages).
import { createHash } from 'node:crypto';
import { TshError } from '../util/errors.js';

/** A peer broke the protocol; `closeCode` is the status to close the connection with. */
export class WebSocketError extends TshError {
  constructor(
    message: string,
    readonly closeCode: number = CLOSE_PROTOCOL_ERROR,
  ) {
    super(message, 'bad-parameter');
    this.name = 'WebSocketError';
  }
}

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
/** No status code in the close frame (never sent on the wire). */
export const CLOSE_NO_STATUS = 1005;
export const CLOSE_INVALID_DATA = 1007;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;

const MAGIC_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_CONTROL_PAYLOAD = 125;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (§4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + MAGIC_GUID)
    .digest('base64');
}

/** A Sec-WebSocket-Key is 16 random bytes in base64 (§4.1): 24 characters ending in "==". */
export function validKey(key: string | undefined): boolean {
  return !!key && /^[A-Za-z0-9+/]{22}==$/.test(key) && Buffer.from(key, 'base64').length === 16;
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/**
 * One frame on the wire. A client masks every frame (`mask`: 4 bytes, normally random); a server
 * never does. The payload is copied, never masked in place.
 */
export function encodeFrame(f: {
  fin?: boolean;
  opcode: number;
  payload?: Uint8Array;
  mask?: Uint8Array;
}): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const n = payload.length;
  if (f.opcode >= 8 && (n > MAX_CONTROL_PAYLOAD || f.fin === false)) {
    throw new WebSocketError(`control frame ${f.opcode}: ${n} bytes${f.fin === false ? ', fragmented' : ''}`);
  }
  if (f.mask && f.mask.length !== 4) throw new WebSocketError(`mask of ${f.mask.length} bytes`);
  const lenBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const head = 2 + lenBytes + (f.mask ? 4 : 0);
  const out = Buffer.allocUnsafe(head + n);
  out[0] = ((f.fin ?? true) ? 0x80 : 0) | (f.opcode & 0x0f);
  out[1] = (f.mask ? 0x80 : 0) | (lenBytes === 0 ? n : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) out.writeUInt16BE(n, 2);
  else if (lenBytes === 8) out.writeBigUInt64BE(BigInt(n), 2);
  if (f.mask) {
    out.set(f.mask, 2 + lenBytes);
    for (let i = 0; i < n; i++) out[head + i] = payload[i]! ^ f.mask[i & 3]!;
  } else {
    out.set(payload, head);
  }
  return out;
}

/** Close frame payload: a status code and a UTF-8 reason, at most 123 bytes of it (§5.5.1). */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  let r = Buffer.from(reason, 'utf8');
  // Cut at a character boundary so the reason stays valid UTF-8.
  if (r.length > MAX_CONTROL_PAYLOAD - 2) {
    let end = MAX_CONTROL_PAYLOAD - 2;
    while (end > 0 && (r[end]! & 0xc0) === 0x80) end--;
    r = r.subarray(0, end);
  }
  const out = Buffer.alloc(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

/** Status codes a peer may send (§7.4.1, §7.4.2): 1000–1003, 1007–1011, 3000–4999. */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(b: Buffer, what: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new WebSocketError(`${what} is not valid UTF-8`, CLOSE_INVALID_DATA);
  }
}

export function decodeClosePayload(p: Buffer): { code: number; reason: string } {
  if (p.length === 0) return { code: CLOSE_NO_STATUS, reason: '' };
  if (p.length === 1) throw new WebSocketError('close frame with a 1-byte payload');
  const code = p.readUInt16BE(0);
  if (!validCloseCode(code)) throw new WebSocketError(`close frame with status ${code}`);
  return { code, reason: decodeUtf8(p.subarray(2), 'close reason') };
}

export type WebSocketMessage =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Buffer }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string };

export interface ParserOptions {
  /** Frames must be masked (a server reading a client, §5.1) or must not be (a client). */
  masked: boolean;
  /** Largest message, all fragments together (default 1 MiB). */
  maxMessage?: number;
}

/**
 * Incremental parser: `push` bytes as they arrive, get the complete messages. Throws
 * WebSocketError on a protocol violation; the connection must then be closed with its closeCode.
 */
export class WebSocketParser {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private readonly maxMessage: number;

  constructor(private readonly opts: ParserOptions) {
    this.maxMessage = opts.maxMessage ?? 1 << 20;
  }

  push(chunk: Buffer): WebSocketMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: WebSocketMessage[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) return out;
      const msg = this.assemble(frame);
      if (msg) out.push(msg);
    }
  }

  /** The next whole frame, or undefined until more bytes arrive. */
  private nextFrame(): Frame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    if (b[0]! & 0x70) throw new WebSocketError(`reserved bits 0x${(b[0]! & 0x70).toString(16)} set`);
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    if (masked !== this.opts.masked) {
      throw new WebSocketError(masked ? 'masked frame from a server' : 'unmasked frame from a client');
    }
    let len = b[1]! & 0x7f;
    let pos = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      if (len < 126) throw new WebSocketError(`length ${len} not in its shortest form`);
      pos = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big >> 63n) throw new WebSocketError('64-bit length with its top bit set');
      if (big < 0x10000n) throw new WebSocketError(`length ${big} not in its shortest form`);
      if (big > BigInt(this.maxMessage)) throw tooBig(big);
      len = Number(big);
      pos = 10;
    }
    if (opcode >= 8) {
      if (!fin) throw new WebSocketError(`fragmented control frame (opcode ${opcode})`);
      if (len > MAX_CONTROL_PAYLOAD) throw new WebSocketError(`control frame of ${len} bytes`);
    } else if (this.fragmentBytes + len > this.maxMessage) {
      throw tooBig(this.fragmentBytes + len);
    }
    const maskAt = pos;
    if (masked) pos += 4;
    if (b.length < pos + len) return undefined;
    const payload = Buffer.from(b.subarray(pos, pos + len));
    if (masked) for (let i = 0; i < len; i++) payload[i]! ^= b[maskAt + (i & 3)]!;
    this.buf = b.subarray(pos + len);
    return { fin, opcode, payload };
  }

  private assemble(f: Frame): WebSocketMessage | undefined {
    switch (f.opcode) {
      case OPCODE.close:
        return { type: 'close', ...decodeClosePayload(f.payload) };
      case OPCODE.ping:
        return { type: 'ping', data: f.payload };
      case OPCODE.pong:
        return { type: 'pong', data: f.payload };
      case OPCODE.text:
      case OPCODE.binary:
        if (this.fragmentOpcode) throw new WebSocketError('new message before the last one was finished');
        if (f.fin) return message(f.opcode, f.payload);
        this.fragmentOpcode = f.opcode;
        this.fragments = [f.payload];
        this.fragmentBytes = f.payload.length;
        return undefined;
      case OPCODE.continuation: {
        if (!this.fragmentOpcode) throw new WebSocketError('continuation frame without a message');
        this.fragments.push(f.payload);
        this.fragmentBytes += f.payload.length;
        if (!f.fin) return undefined;
        const whole = Buffer.concat(this.fragments);
        const opcode = this.fragmentOpcode;
        this.fragments = [];
        this.fragmentOpcode = 0;
        this.fragmentBytes = 0;
        return message(opcode, whole);
      }
      default:
        throw new WebSocketError(`unknown opcode ${f.opcode}`);
    }
  }
}

function message(opcode: number, data: Buffer): WebSocketMessage {
  return opcode === OPCODE.text
    ? { type: 'text', data: decodeUtf8(data, 'text message') }
    : { type: 'binary', data };
}

function tooBig(n: number | bigint): WebSocketError {
  return new WebSocketError(`message of ${n} bytes is too big`, CLOSE_TOO_BIG);
}
