// Bounds-checked reader and append-only writer for RDP structures: little-endian by default
// (MS-RDPBCGR), big-endian where T.123/X.224/T.125 say so. The reader is the graphics decoders'
// (../reader.ts) with the PDU-only fields; truncated input becomes an RdpPduError naming the
// structure and the field.
import { Reader as ByteReader } from '../reader.js';
import { malformed } from './errors.js';

export class Reader extends ByteReader<Buffer> {
  /** PDUs that do not parse are RdpPduErrors. */
  protected override malformed(detail: string): Error {
    return malformed(this.what, detail);
  }
  u16be(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  rest(): Buffer {
    const out = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return out;
  }
  /** A sub-reader over the next n bytes (advancing this one past them). */
  sub(n: number, field: string, what = this.what): Reader {
    this.need(n, field);
    const r = new Reader(this.buf, what, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  /** A fixed-size UTF-16LE field, up to its first NUL. */
  utf16z(n: number, field: string): string {
    const b = this.bytes(n, field);
    const s = b.toString('utf16le', 0, b.length & ~1);
    const nul = s.indexOf('\0');
    return nul < 0 ? s : s.slice(0, nul);
  }
  done(field: string): void {
    if (this.left > 0) throw this.malformed(`${this.left} unexpected bytes after ${field}`);
  }
}

/** Append-only builder. */
export class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }
  bytes(b: Uint8Array): this {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.parts.push(buf);
    this.size += buf.length;
    return this;
  }
  u8(v: number): this {
    return this.bytes(Buffer.from([v & 0xff]));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    return this.bytes(b);
  }
  u16be(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    return this.bytes(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.bytes(b);
  }
  zeros(n: number): this {
    return this.bytes(Buffer.alloc(n));
  }
  /** UTF-16LE text in a fixed-size field (truncated to leave at least one NUL), zero-padded. */
  utf16Fixed(s: string, size: number): this {
    const b = Buffer.alloc(size);
    b.write(s.slice(0, size / 2 - 1), 'utf16le');
    return this.bytes(b);
  }
  /** ASCII text in a fixed-size field, zero-padded. */
  asciiFixed(s: string, size: number): this {
    const b = Buffer.alloc(size);
    b.write(s.slice(0, size - 1), 'latin1');
    return this.bytes(b);
  }
  toBuffer(): Buffer {
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
  }
}

export const hex = (n: number, digits = 2) => `0x${n.toString(16).padStart(digits, '0')}`;
