// A minimal protobuf reader over a Buffer for the hand-written decoders of hot listing paths
// (client/listing.ts NodeViews, output/nodejson.ts): varints, length-delimited fields read in place
// (strings straight from the buffer, no subarray views), and skipping. Malformed input throws a
// ProtobufError naming what was wrong.
import { TshError } from '../util/errors.js';

export class ProtobufError extends TshError {
  constructor(message: string) {
    super(`protobuf: ${message}`, 'bad-parameter');
    this.name = 'ProtobufError';
  }
}

/** Wire types (encoding.md). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

export class PbCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  /** An unsigned varint up to 2^53 (longer values lose precision, as a JS number must). */
  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 28) v |= (b & 0x7f) << shift;
      else v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return shift < 28 ? v >>> 0 : v;
      shift += 7;
      if (shift > 63) throw new ProtobufError('varint too long');
    }
  }

  /** A varint as a signed 64-bit integer (int64 fields: two's complement over ten bytes). */
  int64(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, v);
      shift += 7n;
      if (shift > 63n) throw new ProtobufError('varint too long');
    }
  }

  /**
   * A varint as a signed 64-bit integer in a JS number: exact within ±2^53, NaN beyond (so that a
   * range check rejects it).
   */
  int64Number(): number {
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 8) return v; // < 2^49: positive and exact
    this.pos = start;
    const b = this.int64();
    return b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : Number.NaN;
  }

  /** The end of a length-delimited field whose length comes next. */
  end(limit = this.buf.length): number {
    const len = this.varint();
    const e = this.pos + len;
    if (e > limit) throw new ProtobufError('truncated field');
    return e;
  }

  string(): string {
    const e = this.end();
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === I64) this.pos += 8;
    else if (wire === LEN) this.pos = this.end();
    else if (wire === I32) this.pos += 4;
    else throw new ProtobufError(`cannot skip wire type ${wire}`);
    if (this.pos > this.buf.length) throw new ProtobufError('truncated field');
  }
}
