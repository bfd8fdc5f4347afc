// Protobuf and proto-stream bytes written by hand for the recording tests: events.OneOf records
// field by field (so a test can put any value, valid or not, anywhere), records, parts and files.
import * as zlib from 'node:zlib';
import { encodePartHeader } from '../../../src/recording/header.js';

/** A varint; negative numbers as protobuf's int64/int32 (ten bytes, two's complement). */
export function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

const tag = (field: number, wire: number): Buffer => varint((field << 3) | wire);

/** A varint field. */
export const vint = (field: number, v: bigint | number): Buffer => Buffer.concat([tag(field, 0), varint(v)]);

/** A length-delimited field holding the concatenated parts. */
export function ld(field: number, ...parts: Array<Buffer | string>): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  return Buffer.concat([tag(field, 2), varint(body.length), body]);
}

/** google.protobuf.Timestamp body. */
export const timestamp = (seconds: bigint | number, nanos = 0): Buffer =>
  Buffer.concat([seconds ? vint(1, seconds) : Buffer.alloc(0), nanos ? vint(2, nanos) : Buffer.alloc(0)]);

/** 2026-01-01T00:00:00Z. */
export const T0 = 1767225600;

/** Metadata body: Index, Type, Time, ClusterName. */
export const metadata = (index: number, type: string, time: Buffer = timestamp(T0 + index)): Buffer =>
  Buffer.concat([vint(1, index), ld(2, type), ld(5, time), ld(6, 'c1')]);

/** An events.OneOf with a SessionPrint (field 7): Metadata, ChunkIndex, Data, Bytes, DelayMilliseconds. */
export const printEvent = (index: number, data = 'x', time?: Buffer): Buffer =>
  ld(
    7,
    ld(1, metadata(index, 'print', time)),
    vint(2, index),
    ld(3, data),
    vint(4, Buffer.byteLength(data)),
    vint(5, index * 10),
  );

/** An events.OneOf with a SessionEnd (field 10) and its StartTime (9) and EndTime (10). */
export const endEvent = (index: number, start: Buffer, end: Buffer): Buffer =>
  ld(10, ld(1, metadata(index, 'session.end')), ld(9, start), ld(10, end));

/** Records: uint32 BE length + message each. */
export function records(...messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.flatMap((m) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(m.length);
      return [len, m];
    }),
  );
}

/** One part: header, one gzip member of the records, padding. */
export function part(raw: Buffer, opts: { partSize?: bigint; padding?: number } = {}): Buffer {
  const gz = zlib.gzipSync(raw);
  const header = encodePartHeader({ partSize: gz.length, paddingSize: opts.padding ?? 0 });
  if (opts.partSize !== undefined) header.writeBigUInt64BE(opts.partSize, 8);
  return Buffer.concat([header, gz, Buffer.alloc(opts.padding ?? 0)]);
}
