// A local recording file for tsh play: opened with Go's os.Open error messages, read once as a
// stream of events (undecodable ones collected), and read again from the start to seek backwards.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { TshError } from '../util/errors.js';
import { RecordingError, RecordingReader, type UnknownEvent } from './reader.js';

const READ_CHUNK = 256 * 1024;
/** Undecodable events kept for the warning and the app-session check (the rest are counted). */
const KEEP_UNKNOWN = 16;

/**
 * The bytes of an open file from its current position, read synchronously: a local file answers
 * at once, where each read in the thread pool (a ReadStream) costs a round trip of the event loop.
 */
function* chunks(fd: number): Generator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const n = fs.readSync(fd, buf, 0, READ_CHUNK, null);
    if (n === 0) return;
    yield n === READ_CHUNK ? buf : buf.subarray(0, n);
  }
}

export class RecordingFile {
  /** The first undecodable events of the first read. */
  readonly unknown: UnknownEvent[] = [];
  /** How many undecodable events the first read skipped. */
  unknownCount = 0;
  private readonly reopened: fs.ReadStream[] = [];

  private constructor(
    readonly path: string,
    private readonly handle: fsp.FileHandle,
  ) {}

  /** Opens a recording; a missing, unreadable, empty file or a directory is one clear error. */
  static async open(file: string): Promise<RecordingFile> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(file, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) throw new TshError(`read ${file}: is a directory`, 'bad-parameter');
      if (st.size === 0) throw new RecordingError(`not a Teleport session recording: ${file} is empty`);
      return new RecordingFile(file, handle);
    } catch (err) {
      await handle?.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new TshError(`open ${file}: no such file or directory`, 'not-found');
      if (code === 'EACCES') throw new TshError(`open ${file}: permission denied`, 'access-denied');
      if (code === 'EISDIR') throw new TshError(`read ${file}: is a directory`, 'bad-parameter');
      throw err;
    }
  }

  /** The events, from the opened file (call once); undecodable ones are collected in `unknown`. */
  events(): RecordingReader {
    return new RecordingReader(chunks(this.handle.fd), {
      name: this.path,
      onUnknown: (u) => {
        this.unknownCount++;
        if (this.unknown.length < KEEP_UNKNOWN) this.unknown.push(u);
      },
    });
  }

  /** The events again from the start (seeking backwards during playback). */
  reopen(): RecordingReader {
    const stream = fs.createReadStream(this.path, { highWaterMark: READ_CHUNK });
    this.reopened.push(stream);
    return new RecordingReader(stream, { name: this.path });
  }

  /** The warning for undecodable events skipped by a JSON export, if there were any. */
  unknownWarning(): string | undefined {
    if (this.unknownCount === 0) return undefined;
    const fields = [...new Set(this.unknown.map((u) => u.field))].join(', ');
    return `WARNING: skipped ${this.unknownCount} event(s) of type(s) tshjs cannot decode (OneOf field ${fields})\n`;
  }

  async close(): Promise<void> {
    for (const s of this.reopened.splice(0)) s.destroy();
    await this.handle.close().catch(() => undefined);
  }
}
