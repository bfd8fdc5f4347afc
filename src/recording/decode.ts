// Decoding one record of a recording (an events.OneOf message), with upstream's timestamp checks.
//
// SessionPrint, nearly every record of a terminal session, is decoded by hand: the generated
// decoder copies the output bytes, reads each int64 through a DataView into a bigint and keeps a
// recursion counter on the reader, which costs several times the event's JSON. The hand decoder
// accepts only the usual encoding (declared fields with their wire types, one-byte tags,
// varints below 2^49, ASCII strings, times within Go's range); on anything else it gives up and
// the generated decoder reads the record, so both paths give the same event for any input.
// Data is a view of the record, not a copy: the output is most of a recording's bytes.
//
// Timestamps are checked as upstream's decoder does (gogoproto stdtime ->
// types.TimestampFromProto): seconds within [0001-01-01, 10000-01-01), nanos within [0, 1e9).
// Out of range is an error there, and a time a JavaScript Date cannot even hold here.
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { OneOf, type Metadata, type SessionPrint } from '../gen/teleport/legacy/types/events/events.js';

/** Seconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z since the Unix epoch. */
export const MIN_TIMESTAMP_SECONDS = -62135596800;
export const MAX_TIMESTAMP_SECONDS = 253402300800;

/** A record holds a Timestamp out of Go's range (upstream's decoder refuses the record). */
export class TimestampRangeError extends Error {
  constructor(
    readonly seconds: bigint,
    readonly nanos: number,
    /** "before 0001-01-01", "after 10000-01-01" or "nanos not in range [0, 1e9)". */
    readonly problem: string,
  ) {
    super(`invalid timestamp (seconds ${seconds}, nanos ${nanos}): ${problem}`);
    this.name = 'TimestampRangeError';
  }
}

/** Why a timestamp is out of range, or undefined when it is valid. */
export function timestampProblem(seconds: bigint, nanos: number): string | undefined {
  if (seconds < BigInt(MIN_TIMESTAMP_SECONDS)) return 'before 0001-01-01';
  if (seconds >= BigInt(MAX_TIMESTAMP_SECONDS)) return 'after 10000-01-01';
  if (nanos < 0 || nanos >= 1e9) return 'nanos not in range [0, 1e9)';
  return undefined;
}

// ---------------------------------------------------------------------------
// Fast path: SessionPrint (OneOf field 7)

/** Read position of the fast path (one record at a time, synchronously). */
let pos = 0;

/** A varint of at most 7 bytes (below 2^49, exact as a double) ending by `end`, or -1. */
function varint(buf: Uint8Array, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7 && pos < end; i++) {
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  return -1;
}

/** An ASCII string of n bytes at pos, or undefined (anything else goes the generic way). */
function ascii(buf: Buffer, n: number): string | undefined {
  const start = pos;
  const stop = start + n;
  for (let i = start; i < stop; i++) if (buf[i] > 0x7f) return undefined;
  pos = stop;
  return buf.toString('latin1', start, stop);
}

/** The last short string read in one position (event types and cluster names repeat). */
class LastString {
  private bytes: Buffer = Buffer.alloc(0);
  private value = '';

  /** ascii(buf, n), the same string object when the bytes did not change. */
  read(buf: Buffer, n: number): string | undefined {
    const last = this.bytes;
    if (n === last.length) {
      let i = 0;
      while (i < n && buf[pos + i] === last[i]) i++;
      if (i === n) {
        pos += n;
        return this.value;
      }
    }
    const start = pos;
    const s = ascii(buf, n);
    if (s !== undefined && n <= 64) {
      this.bytes = Buffer.from(buf.subarray(start, start + n)); // a copy: keeps no chunk alive
      this.value = s;
    }
    return s;
  }
}
const TYPE = new LastString();
const CLUSTER = new LastString();

/** The Date of a Timestamp message ending at end, or undefined to give up. */
function time(buf: Uint8Array, end: number): Date | undefined {
  let seconds = 0;
  let nanos = 0;
  while (pos < end) {
    const tag = buf[pos++];
    if (tag !== 8 && tag !== 16) return undefined;
    const v = varint(buf, end);
    if (v < 0) return undefined;
    if (tag === 8) seconds = v;
    else nanos = v;
  }
  if (seconds >= MAX_TIMESTAMP_SECONDS || nanos >= 1e9) return undefined;
  // The generated decoder's arithmetic (fromTimestamp), for the same Date.
  return new Date(seconds * 1_000 + nanos / 1_000_000);
}

function metadata(buf: Buffer, end: number): Metadata | undefined {
  const md: Metadata = { Index: 0n, Type: '', ID: '', Code: '', Time: undefined, ClusterName: '' };
  while (pos < end) {
    const tag = buf[pos++];
    const n = varint(buf, end);
    if (n < 0) return undefined;
    if (tag === 8) {
      md.Index = BigInt(n);
      continue;
    }
    if ((tag & 7) !== 2 || n > end - pos) return undefined;
    if (tag === 42) {
      const t = time(buf, pos + n);
      if (!t) return undefined;
      md.Time = t;
      continue;
    }
    const s = tag === 18 ? TYPE.read(buf, n) : tag === 50 ? CLUSTER.read(buf, n) : ascii(buf, n);
    if (s === undefined) return undefined;
    if (tag === 18) md.Type = s;
    else if (tag === 26) md.ID = s;
    else if (tag === 34) md.Code = s;
    else if (tag === 50) md.ClusterName = s;
    else return undefined;
  }
  return md;
}

/** A SessionPrint record decoded by hand, or undefined when the generic decoder must read it. */
function decodePrint(buf: Buffer): OneOf | undefined {
  const len = buf.length;
  if (buf[0] !== 0x3a) return undefined; // field 7, length-delimited
  pos = 1;
  const size = varint(buf, len);
  if (size < 0 || pos + size !== len) return undefined; // one member, nothing after it
  const p: SessionPrint = {
    Metadata: undefined,
    ChunkIndex: 0n,
    Data: EMPTY,
    Bytes: 0n,
    DelayMilliseconds: 0n,
    Offset: 0n,
  };
  let data = false;
  while (pos < len) {
    const tag = buf[pos++];
    const n = varint(buf, len);
    if (n < 0) return undefined;
    switch (tag) {
      case 10: {
        if (n > len - pos) return undefined;
        const end = pos + n;
        const md = metadata(buf, end);
        if (!md || pos !== end) return undefined;
        p.Metadata = md;
        break;
      }
      case 16:
        p.ChunkIndex = BigInt(n);
        break;
      case 26:
        if (n > len - pos) return undefined;
        p.Data = buf.subarray(pos, pos + n);
        data = true;
        pos += n;
        break;
      case 32:
        p.Bytes = BigInt(n);
        break;
      case 40:
        p.DelayMilliseconds = BigInt(n);
        break;
      case 48:
        p.Offset = BigInt(n);
        break;
      default:
        return undefined;
    }
  }
  if (!data) p.Data = Buffer.alloc(0); // as the generated decoder: never a shared buffer
  return { Event: { $case: 'SessionPrint', value: p } };
}

const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------------------
// Generic path

/** Members of OneOf with Timestamp fields besides Metadata.Time (field numbers). */
const TIME_FIELDS: ReadonlyMap<number, readonly number[]> = new Map([
  [10, [9, 10]], // SessionEnd StartTime, EndTime
  [41, [5, 6]], // DatabaseSessionEnd StartTime, EndTime
]);

/** Members of OneOf declared in our events.proto (the generic decoder fills only these). */
const DECLARED = new Set([5, 6, 7, 9, 10, 11, 14, 15, 19, 40, 41, 42, 59, 61, 62, 63, 64, 65, 69, 159]);

/** The length-delimited fields of a message: [field number, body]. Stops quietly at anything odd. */
function* lengthDelimited(bytes: Uint8Array): Generator<[number, Uint8Array]> {
  const r = new BinaryReader(bytes);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 0 || (tag & 7) === 4) return;
      if ((tag & 7) === 2) yield [tag >>> 3, r.bytes()];
      else r.skip(tag & 7, tag >>> 3);
    }
  } catch {
    // the generated decoder read this record; anything it tolerated is not ours to report
  }
}

function checkTimestamp(bytes: Uint8Array): TimestampRangeError | undefined {
  let seconds = 0n;
  let nanos = 0;
  const r = new BinaryReader(bytes);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 8) seconds = r.int64() as bigint;
      else if (tag === 16) nanos = r.int32();
      else if (tag >>> 3 === 0 || (tag & 7) === 4) break;
      else r.skip(tag & 7, tag >>> 3);
    }
  } catch {
    return undefined;
  }
  const problem = timestampProblem(seconds, nanos);
  return problem ? new TimestampRangeError(seconds, nanos, problem) : undefined;
}

/** The first out-of-range timestamp of a declared event in an encoded OneOf. */
export function findBadTimestamp(record: Uint8Array): TimestampRangeError | undefined {
  for (const [field, event] of lengthDelimited(record)) {
    if (!DECLARED.has(field)) continue;
    const times = TIME_FIELDS.get(field);
    for (const [f, body] of lengthDelimited(event)) {
      let bad: TimestampRangeError | undefined;
      if (f === 1) {
        for (const [mf, mbody] of lengthDelimited(body)) if (mf === 5) bad ??= checkTimestamp(mbody);
      } else if (times?.includes(f)) {
        bad = checkTimestamp(body);
      }
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * A record's event (Event undefined for a member we do not declare). Throws what OneOf.decode
 * throws, and TimestampRangeError.
 */
export function decodeRecord(bytes: Uint8Array): OneOf {
  const fast = decodePrint(
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
  );
  if (fast) return fast;
  const oneof = OneOf.decode(bytes);
  const bad = findBadTimestamp(bytes);
  if (bad) throw bad;
  return oneof;
}
