// Streaming reader for Teleport's proto-stream V1 session recordings.
//
// Reads parts one at a time from any byte stream and yields decoded events.OneOf messages
// as the gzip data is inflated, so memory stays bounded by the inflated data buffered ahead
// (INFLATE_AHEAD) and the chunk being split, whatever the size of the recording. Events come
// in batches, one per inflated chunk (batches()), or one at a time. A SessionPrint's Data is a
// view of its chunk (decode.ts): an event kept holds its chunk (INFLATE_CHUNK) too.
//
// Tolerance rules match upstream's reader (api/sessionrecording/session_recording.go,
// lib/events/stream.go ProtoReader):
//   * each part holds exactly one gzip member; bytes after it inside the partSize window
//     ("dangling data", written by older Teleport versions) are discarded;
//   * paddingSize bytes after the window are skipped (a short read is an error);
//   * events whose Metadata.Index is not greater than the last returned index are
//     dropped (duplicates after an upload resume).
// Anything else (bad version, truncated part, corrupt gzip, bad record, a timestamp out of
// Go's range) ends the iteration with one RecordingError after every event before the damage
// was yielded. Its message starts with the recording's name when the reader was given one, and
// names the part (and the record: its position in the recording, from 0, and its event index).
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Metadata, type OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { TimestampRangeError, decodeRecord } from './decode.js';
import {
  MAX_RECORD_SIZE,
  PART_HEADER_SIZE,
  PROTO_STREAM_V1,
  RECORD_HEADER_SIZE,
  RecordingError,
  decodePartHeader,
  decodeVersion,
  looksLikeTar,
  unsupportedVersionMessage,
} from './header.js';

/** Input bytes fed to the inflater per write (a file is read in chunks of this size, file.ts). */
const FEED_CHUNK = 256 * 1024;
/**
 * Output chunk of the inflater. Each chunk is a round trip to the thread pool and a fresh buffer:
 * at 64 KiB that was most of the cost of inflating. Larger chunks cost less CPU still, but add to
 * the peak RSS (dead chunks wait for the next scavenge) more than they save in time.
 */
const INFLATE_CHUNK = 256 * 1024;
/** Inflated bytes buffered ahead of the record parser, so inflating (in the thread pool) overlaps decoding. */
const INFLATE_AHEAD = 1024 * 1024;

export interface ReaderStats {
  /** Parts read (including the one that failed, if any). */
  parts: number;
  /** Records decoded, including dropped ones. */
  totalEvents: number;
  /** Events dropped because their index did not increase. */
  skippedEvents: number;
  /** Returned events whose index was not the previous one plus one. */
  outOfOrderEvents: number;
  /** Events of a type this build does not declare (not yielded). */
  unknownEvents: number;
}

export interface UnknownEvent {
  /** OneOf field number of the event (see docs/recordings-format.md). */
  field: number;
  /** The event's common metadata, when it could be read. */
  metadata?: Metadata;
}

export interface ReaderOptions {
  /** The recording's name (its file), first in error messages. */
  name?: string;
  /** Called for each event whose type is not declared in our events.proto subset. */
  onUnknown?: (e: UnknownEvent) => void;
}

/** Bytes of a recording: a stream, chunks (sync or async; not changed once handed over), or one buffer. */
export type RecordingInput =
  Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> | Uint8Array;

/** The same bytes as a Buffer, without a copy. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Pull-based view of a byte stream that tracks how many bytes were consumed. */
class ByteSource {
  private readonly it: AsyncIterator<unknown>;
  private cur: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(input: RecordingInput) {
    if (input instanceof Uint8Array) input = [input];
    const it =
      Symbol.asyncIterator in input
        ? (input as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (input as Iterable<unknown>)[Symbol.iterator]();
    this.it = it as AsyncIterator<unknown>;
  }

  private async fill(): Promise<boolean> {
    while (this.cur.length === 0 && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (typeof r.value === 'string') this.cur = Buffer.from(r.value);
      else this.cur = asBuffer(r.value as Uint8Array);
    }
    return this.cur.length > 0;
  }

  /** Up to max bytes (at least one) from the current chunk, or null at end of input. */
  async readChunk(max: number): Promise<Buffer | null> {
    if (max <= 0 || !(await this.fill())) return null;
    const n = Math.min(max, this.cur.length);
    const out = this.cur.subarray(0, n);
    this.cur = this.cur.subarray(n);
    this.offset += n;
    return out;
  }

  /** Exactly n bytes, or fewer only at end of input. */
  async readUpTo(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const c = await this.readChunk(n - got);
      if (!c) break;
      parts.push(c);
      got += c.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, got);
  }

  /** Discards up to n bytes; returns how many were discarded. */
  async skip(n: number): Promise<number> {
    let got = 0;
    while (got < n) {
      const c = await this.readChunk(Math.min(n - got, 1 << 20));
      if (!c) break;
      got += c.length;
    }
    return got;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Decompressed bytes waiting to be split into records. */
class Pending {
  private chunks: Buffer[] = [];
  /** Bytes of chunks[0] already taken (an offset rather than a new view per record). */
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Removes the first n bytes (n <= length). */
  drop(n: number): void {
    this.length -= n;
    while (n > 0) {
      const avail = this.chunks[0].length - this.head;
      if (avail > n) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Removes and returns the first n bytes (n <= length): a view when they lie in one chunk. */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.drop(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length - this.head, n - off);
      c.copy(out, off, this.head, this.head + k);
      off += k;
      this.drop(k);
    }
    return out;
  }

  /** The first four bytes as a uint32 BE (length >= 4). */
  peekUint32BE(): number {
    const first = this.chunks[0];
    if (first.length - this.head >= 4) return first.readUInt32BE(this.head);
    let v = 0;
    let ci = 0;
    let off = this.head;
    for (let i = 0; i < 4; i++) {
      while (off >= this.chunks[ci].length) {
        ci++;
        off = 0;
      }
      v = v * 256 + this.chunks[ci][off++];
    }
    return v;
  }
}

/** One event at a time from batches, without an async generator's cost per event. */
class Flattened implements AsyncIterator<OneOf> {
  private batch: OneOf[] = [];
  private next_ = 0;

  constructor(private readonly batches: AsyncGenerator<OneOf[]>) {}

  async next(): Promise<IteratorResult<OneOf>> {
    while (this.next_ >= this.batch.length) {
      const r = await this.batches.next();
      if (r.done) return { done: true, value: undefined };
      this.batch = r.value;
      this.next_ = 0;
    }
    return { done: false, value: this.batch[this.next_++] };
  }

  async return(): Promise<IteratorResult<OneOf>> {
    this.batch = [];
    await this.batches.return(undefined);
    return { done: true, value: undefined };
  }
}

/** Reads the common Metadata (field 1 of the inner message) of an undeclared event type. */
function peekUnknown(record: Uint8Array): UnknownEvent | undefined {
  try {
    const r = new BinaryReader(record);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType !== 2) {
        r.skip(wireType, field);
        continue;
      }
      const inner = new BinaryReader(r.bytes());
      let metadata: Metadata | undefined;
      while (inner.pos < inner.len) {
        const t = inner.uint32();
        if (t >>> 3 === 1 && (t & 7) === 2) metadata = Metadata.decode(inner.bytes());
        else inner.skip(t & 7, t >>> 3);
      }
      return { field, metadata };
    }
  } catch {
    // fall through: not even the envelope is readable
  }
  return undefined;
}

function eventMetadata(o: OneOf): Metadata | undefined {
  return o.Event?.value.Metadata;
}

/** A record's event index for messages, when it can be read at all. */
function recordIndex(record: Uint8Array): string {
  const md = peekUnknown(record)?.metadata;
  return md ? ` (event index ${md.Index})` : '';
}

/** Writes a chunk and waits until the inflater has processed it (or is gone). */
function written(s: zlib.InflateRaw, chunk: Buffer): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('close', done);
      resolve();
    };
    s.on('close', done);
    s.write(chunk, done);
  });
}

function errMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'Z_DATA_ERROR' || e?.code === 'Z_BUF_ERROR') return `gzip: ${e.message}`;
  return e?.message ?? String(err);
}

/**
 * Streams the events of a proto-stream V1 recording. Iterating twice is not supported.
 * Stats are final once iteration ends.
 */
export class RecordingReader implements AsyncIterable<OneOf> {
  readonly stats: ReaderStats = {
    parts: 0,
    totalEvents: 0,
    skippedEvents: 0,
    outOfOrderEvents: 0,
    unknownEvents: 0,
  };
  private lastIndex = -1n;
  private readonly src: ByteSource;

  constructor(
    input: RecordingInput,
    private readonly opts: ReaderOptions = {},
  ) {
    this.src = new ByteSource(input);
  }

  [Symbol.asyncIterator](): AsyncIterator<OneOf> {
    return new Flattened(this.batches());
  }

  /**
   * The events in batches (those of one inflated chunk, never empty): a consumer of many
   * events saves an await per event. Not together with the per-event iteration.
   */
  batches(): AsyncGenerator<OneOf[]> {
    return this.events();
  }

  /** An error about the whole recording, prefixed with its name. */
  private error(msg: string, cause?: unknown): RecordingError {
    return new RecordingError(this.opts.name ? `${this.opts.name}: ${msg}` : msg, { cause });
  }

  private fail(partStart: number, msg: string, cause?: unknown): RecordingError {
    return this.error(
      `corrupt session recording: part ${this.stats.parts} (at byte ${partStart}): ${msg}`,
      cause,
    );
  }

  /** An error about the next record (the records read so far count from 0). */
  private failRecord(partStart: number, msg: string, cause?: unknown, index = ''): RecordingError {
    return this.fail(partStart, `record ${this.stats.totalEvents}${index}: ${msg}`, cause);
  }

  private async *events(): AsyncGenerator<OneOf[]> {
    try {
      for (;;) {
        const partStart = this.src.offset;
        const versionBytes = await this.src.readUpTo(8);
        if (versionBytes.length === 0) return; // clean end of the recording
        this.stats.parts++;
        if (versionBytes.length < 8) {
          throw this.fail(
            partStart,
            `part header truncated (${versionBytes.length} of ${PART_HEADER_SIZE} bytes)`,
          );
        }
        const version = decodeVersion(versionBytes);
        if (version !== PROTO_STREAM_V1) {
          if (partStart === 0) {
            const more = await this.src.readUpTo(512 - 8);
            if (looksLikeTar(Buffer.concat([versionBytes, more]))) {
              throw this.error(
                'to review the events in format of Teleport before version 4.4, extract the tarball and look inside',
              );
            }
            if (version === 2) {
              throw this.error(
                `${unsupportedVersionMessage(versionBytes.readBigUInt64BE(0))}: this recording uses a newer (possibly encrypted) format tshjs cannot read`,
              );
            }
            throw this.error(
              `not a Teleport session recording: ${unsupportedVersionMessage(versionBytes.readBigUInt64BE(0))}`,
            );
          }
          throw this.fail(partStart, unsupportedVersionMessage(versionBytes.readBigUInt64BE(0)));
        }
        const rest = await this.src.readUpTo(PART_HEADER_SIZE - 8);
        if (rest.length < PART_HEADER_SIZE - 8) {
          throw this.fail(
            partStart,
            `part header truncated (${8 + rest.length} of ${PART_HEADER_SIZE} bytes)`,
          );
        }
        let header: ReturnType<typeof decodePartHeader>;
        try {
          header = decodePartHeader(Buffer.concat([versionBytes, rest]));
        } catch (err) {
          // sizes beyond 2^53
          throw this.fail(partStart, errMessage(err), err);
        }
        yield* this.part(partStart, header.partSize);
        if (header.paddingSize > 0) {
          const skipped = await this.src.skip(header.paddingSize);
          if (skipped !== header.paddingSize) {
            throw this.fail(
              partStart,
              `data truncated, expected to read ${header.paddingSize} bytes, but got ${skipped}`,
            );
          }
        }
      }
    } finally {
      await this.src.close();
    }
  }

  /** Reads one gzip member from a partSize window and yields its events, a batch per inflated chunk. */
  private async *part(partStart: number, partSize: number): AsyncGenerator<OneOf[]> {
    let remaining = partSize;
    const readWin = async (n: number): Promise<Buffer> => {
      const b = await this.src.readUpTo(Math.min(n, remaining));
      remaining -= b.length;
      if (b.length < n) throw this.fail(partStart, 'gzip: unexpected EOF in header');
      return b;
    };
    if (partSize === 0) return; // an empty part holds no events

    // gzip member header (RFC 1952): ID1 ID2 CM FLG MTIME(4) XFL OS [extras]
    const h = await readWin(10);
    if (h[0] !== 0x1f || h[1] !== 0x8b || h[2] !== 8) throw this.fail(partStart, 'gzip: invalid header');
    const flags = h[3];
    if (flags & 4) await readWin((await readWin(2)).readUInt16LE(0));
    for (const bit of [8, 16]) {
      if (flags & bit) while ((await readWin(1))[0] !== 0);
    }
    if (flags & 2) await readWin(2);

    const inflater = zlib.createInflateRaw({
      chunkSize: INFLATE_CHUNK,
      highWaterMark: INFLATE_AHEAD,
    } as zlib.ZlibOptions);
    // Input fed but possibly not yet consumed by the inflater; holds the gzip trailer at the end.
    const fed: Array<{ start: number; buf: Buffer }> = [];
    let fedTotal = 0;
    let truncated = false;
    let feedError: unknown;
    const feeder = (async () => {
      try {
        while (remaining > 0 && !inflater.destroyed) {
          const chunk = await this.src.readChunk(Math.min(remaining, FEED_CHUNK));
          if (!chunk) {
            truncated = true;
            break;
          }
          remaining -= chunk.length;
          if (inflater.destroyed) break;
          fed.push({ start: fedTotal, buf: chunk });
          fedTotal += chunk.length;
          while (fed.length > 1 && fed[0].start + fed[0].buf.length <= inflater.bytesWritten) fed.shift();
          await written(inflater, chunk);
          // The inflater stops consuming at the end of the gzip member: the rest of the
          // window is dangling data, discarded without inflating or buffering it.
          if (inflater.bytesWritten < fedTotal) {
            // keep the 8-byte gzip trailer for the checksum check
            const need = Math.min(inflater.bytesWritten + 8 - fedTotal, remaining);
            if (need > 0) {
              const tail = await this.src.readUpTo(need);
              remaining -= tail.length;
              fed.push({ start: fedTotal, buf: tail });
              fedTotal += tail.length;
            }
            break;
          }
        }
        if (remaining > 0 && !truncated && !inflater.destroyed) {
          const skipped = await this.src.skip(remaining);
          if (skipped < remaining) truncated = true;
          remaining -= skipped;
        }
      } catch (err) {
        feedError = err;
      } finally {
        if (!inflater.destroyed) inflater.end();
      }
    })();

    const pending = new Pending();
    let crc = 0;
    let size = 0;
    try {
      try {
        for await (const out of inflater as AsyncIterable<Buffer>) {
          crc = zlib.crc32(out, crc);
          size = (size + out.length) % 0x1_0000_0000;
          pending.push(out);
          const batch: OneOf[] = [];
          let damage: unknown;
          try {
            this.records(partStart, pending, batch);
          } catch (err) {
            damage = err;
          }
          // The events before a damaged record come out first.
          if (batch.length > 0) yield batch;
          if (damage) throw damage;
        }
      } catch (err) {
        if (err instanceof RecordingError) throw err;
        throw this.fail(partStart, truncated ? 'data truncated (unexpected EOF)' : errMessage(err), err);
      }
      await feeder;
      if (feedError) throw this.fail(partStart, errMessage(feedError), feedError);
      if (pending.length > 0) throw this.failRecord(partStart, 'record truncated (unexpected EOF)');
      // gzip trailer: CRC32 and ISIZE, little-endian, right after the deflate data.
      const end = inflater.bytesWritten;
      const trailer = Buffer.alloc(8);
      let got = 0;
      for (const { start, buf } of fed) {
        const from = Math.max(end + got - start, 0);
        if (from >= buf.length || got >= 8) continue;
        got += buf.copy(trailer, got, from, Math.min(buf.length, from + 8 - got));
      }
      if (got < 8) throw this.fail(partStart, 'gzip: unexpected EOF in trailer');
      if (trailer.readUInt32LE(0) !== crc >>> 0 || trailer.readUInt32LE(4) !== size) {
        throw this.fail(partStart, 'gzip: invalid checksum');
      }
    } finally {
      if (!inflater.destroyed) inflater.destroy();
      await feeder;
    }
  }

  /** Decodes the whole records of pending into batch. */
  private records(partStart: number, pending: Pending, batch: OneOf[]): void {
    while (pending.length >= RECORD_HEADER_SIZE) {
      const n = pending.peekUint32BE();
      if (n === 0) throw this.failRecord(partStart, 'unexpected message size 0');
      if (n > MAX_RECORD_SIZE) {
        throw this.failRecord(partStart, `record size ${n} exceeds the maximum of ${MAX_RECORD_SIZE} bytes`);
      }
      if (pending.length < RECORD_HEADER_SIZE + n) break;
      pending.drop(RECORD_HEADER_SIZE);
      const ev = this.record(partStart, pending.take(n));
      if (ev) batch.push(ev);
    }
  }

  /** Decodes one record; returns undefined for dropped or undeclared events. */
  private record(partStart: number, bytes: Buffer): OneOf | undefined {
    let oneof: OneOf;
    try {
      oneof = decodeRecord(bytes);
    } catch (err) {
      if (err instanceof TimestampRangeError) {
        throw this.failRecord(partStart, err.message, err, recordIndex(bytes));
      }
      throw this.failRecord(partStart, `invalid event record: ${errMessage(err)}`, err);
    }
    this.stats.totalEvents++;
    let md = eventMetadata(oneof);
    let unknown: UnknownEvent | undefined;
    if (!oneof.Event) {
      unknown = peekUnknown(bytes) ?? { field: 0 };
      md = unknown.metadata;
    }
    const index = md?.Index ?? 0n;
    if (index <= this.lastIndex) {
      this.stats.skippedEvents++;
      return undefined;
    }
    if (this.lastIndex > 0n && index !== this.lastIndex + 1n) this.stats.outOfOrderEvents++;
    this.lastIndex = index;
    if (unknown) {
      this.stats.unknownEvents++;
      this.opts.onUnknown?.(unknown);
      return undefined;
    }
    return oneof;
  }
}

export { RecordingError };
