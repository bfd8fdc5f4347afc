// Streaming writer for Teleport's proto-stream V1 session recordings (the format
// RecordingReader reads and `tsh play <file>.tar` accepts).
//
// Events are appended as records (uint32 BE length + events.OneOf) to a gzip member. Once a
// part's size (header + gzip data so far) reaches `partSize` the member is closed and the
// part is written out: 24-byte header, gzip data, padding. Like upstream's slice writer,
// only parts cut early with flush() are padded (and only with `pad`), the last part never.
// Memory is bounded by one part's compressed data. Parts may exceed partSize by up to one
// flush's output (as upstream's: "could be more, but not less").
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import {
  MAX_RECORD_SIZE,
  MIN_UPLOAD_PART_SIZE,
  PART_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  RecordingError,
  encodePartHeader,
} from './header.js';

export interface WriterOptions {
  /** Target part size in bytes, header included (default 5 MiB, S3's minimum part size). */
  partSize?: number;
  /** Pad parts cut early by flush() with zeros up to partSize, as Teleport's uploader does. */
  pad?: boolean;
  /** gzip compression level (default zlib's default). */
  level?: number;
}

interface OpenPart {
  gzip: zlib.Gzip;
  chunks: Buffer[];
  /** Compressed bytes produced so far. */
  size: number;
  /** Uncompressed bytes written since the last sync flush. */
  unflushed: number;
  ended: Promise<void>;
}

export class RecordingWriter {
  private part: OpenPart | undefined;
  private closed = false;
  private readonly partSize: number;
  /** Parts written so far. */
  parts = 0;
  /** Bytes written to the output so far. */
  bytesWritten = 0;

  constructor(
    private readonly out: Writable,
    private readonly opts: WriterOptions = {},
  ) {
    this.partSize = opts.partSize ?? MIN_UPLOAD_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize <= PART_HEADER_SIZE) {
      throw new RecordingError(`invalid part size ${opts.partSize}`);
    }
  }

  /** Appends one event. */
  async write(event: OneOf): Promise<void> {
    await this.writeRecord(OneOf.encode(event).finish());
  }

  /** Appends one already-encoded events.OneOf message. */
  async writeRecord(message: Uint8Array): Promise<void> {
    await this.writeRecords([message]);
  }

  /**
   * Appends already-encoded events.OneOf messages in order, with one call into zlib for all of
   * them: a busy session (a database answering thousands of queries a second) would otherwise
   * pay zlib's per-call cost for every small event.
   */
  async writeRecords(messages: Uint8Array[]): Promise<void> {
    if (this.closed) throw new RecordingError('recording writer is closed');
    let total = 0;
    for (const message of messages) {
      if (message.length === 0) throw new RecordingError('cannot record an empty event');
      if (message.length > MAX_RECORD_SIZE) {
        throw new RecordingError(
          `record size ${message.length} exceeds max message size of ${MAX_RECORD_SIZE} bytes`,
        );
      }
      total += RECORD_HEADER_SIZE + message.length;
    }
    if (total === 0) return;
    const part = (this.part ??= this.openPart());
    const records = Buffer.allocUnsafe(total);
    let off = 0;
    for (const message of messages) {
      records.writeUInt32BE(message.length, off);
      records.set(message, off + RECORD_HEADER_SIZE);
      off += RECORD_HEADER_SIZE + message.length;
    }
    await new Promise<void>((resolve, reject) =>
      part.gzip.write(records, (err) => (err ? reject(err) : resolve())),
    );
    part.unflushed += records.length;
    // zlib holds back output; a sync flush after every partSize of input keeps the size
    // check honest (and parts close to partSize) at a negligible cost in compression.
    if (part.unflushed >= this.partSize) {
      part.unflushed = 0;
      await new Promise<void>((resolve) => part.gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    }
    if (PART_HEADER_SIZE + part.size >= this.partSize) await this.finishPart(false);
  }

  /** Ends the current part now (padded when `pad` is set), e.g. after a period of inactivity. */
  async flush(): Promise<void> {
    if (this.part) await this.finishPart(!!this.opts.pad);
  }

  /** Writes the last part (never padded). Does not end the output stream. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.part) await this.finishPart(false);
    this.closed = true;
  }

  private openPart(): OpenPart {
    const gzip = zlib.createGzip(this.opts.level === undefined ? {} : { level: this.opts.level });
    const part: OpenPart = { gzip, chunks: [], size: 0, unflushed: 0, ended: Promise.resolve() };
    gzip.on('data', (c: Buffer) => {
      part.chunks.push(c);
      part.size += c.length;
    });
    part.ended = once(gzip, 'end').then(() => undefined);
    return part;
  }

  private async finishPart(pad: boolean): Promise<void> {
    const part = this.part;
    if (!part) return;
    this.part = undefined;
    part.gzip.end();
    await part.ended;
    const used = PART_HEADER_SIZE + part.size;
    const paddingSize = pad && used < this.partSize ? this.partSize - used : 0;
    await this.emit(encodePartHeader({ partSize: part.size, paddingSize }));
    for (const c of part.chunks) await this.emit(c);
    if (paddingSize > 0) await this.emit(Buffer.alloc(paddingSize));
    this.parts++;
  }

  private async emit(b: Buffer): Promise<void> {
    this.bytesWritten += b.length;
    if (!this.out.write(b)) await once(this.out, 'drain');
  }
}
