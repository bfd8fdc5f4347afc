// Bounds-checked little-endian reader over a byte array: truncated input becomes an RdpDecodeError
// naming the structure and field, never a RangeError or a silent zero. The connection layer's reader
// (conn/bytes.ts) extends it with its own error type and the fields only PDUs have.
import { malformed } from './errors.js';

export class Reader<B extends Uint8Array = Uint8Array> {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: B,
    /** Names the structure in error messages. */
    readonly what: string,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get left(): number {
    return this.end - this.pos;
  }

  /** The error for input that does not parse (graphics input: RdpDecodeError). */
  protected malformed(detail: string): Error {
    return malformed(this.what, detail);
  }

  need(n: number, field: string): void {
    if (n > this.end - this.pos) {
      throw this.malformed(`${field} truncated (${n} bytes needed, ${this.end - this.pos} left)`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++];
  }
  u16(field: string): number {
    this.need(2, field);
    const b = this.buf;
    const v = b[this.pos] | (b[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const v =
      (b[this.pos] | (b[this.pos + 1] << 8) | (b[this.pos + 2] << 16) | (b[this.pos + 3] << 24)) >>> 0;
    this.pos += 4;
    return v;
  }
  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }
  /** A view (no copy) of the next n bytes. */
  bytes(n: number, field: string): B {
    this.need(n, field);
    const out = this.buf.subarray(this.pos, this.pos + n) as B;
    this.pos += n;
    return out;
  }
}
