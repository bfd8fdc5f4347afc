// Where the frames of a desktop export go: one Motion-JPEG AVI file, or numbered PNG files in a
// directory. Both appear only when complete: the AVI is written to a temporary file beside the
// target and renamed over it at the end (removed on failure); each PNG is renamed into place
// once written, and a repeated frame is a hard link to the first copy (a copy where links fail).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AviMuxer, HEADER_SIZE } from './avi.js';
import type { FrameSink } from './desktop-export.js';
import { JpegEncoder } from './jpeg.js';

/** Chunks per writev (under IOV_MAX, 1024 on Linux) and bytes queued before writing. */
const MAX_IOV = 900;
const WRITE_BATCH = 8 * 1024 * 1024;

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
}

export interface OutputSink extends FrameSink {
  /** Completes the output; returns what was written. */
  finish(): Promise<string[]>;
  /** Drops whatever was written (after a failure). */
  abort(): Promise<void>;
}

/** An AVI file of JPEG frames (quality 75, as Go's jpeg.Encode with nil options). */
export class AviFileSink implements OutputSink {
  private readonly tmp: string;
  private fd: fs.promises.FileHandle | undefined;
  private readonly muxer: AviMuxer;
  private readonly jpeg: JpegEncoder;
  private pos = HEADER_SIZE;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    fps: number,
    quality = 75,
  ) {
    this.tmp = tempName(file);
    this.muxer = new AviMuxer(width, height, fps);
    this.jpeg = new JpegEncoder(width, height, { quality });
  }

  get frames(): number {
    return this.muxer.frames;
  }

  private async open(): Promise<fs.promises.FileHandle> {
    if (!this.fd) {
      this.fd = await fs.promises.open(this.tmp, 'wx', 0o644);
      await this.fd.write(Buffer.alloc(HEADER_SIZE), 0, HEADER_SIZE, 0);
    }
    return this.fd;
  }

  async emit(rgba: Uint8Array, count: number): Promise<void> {
    const jpeg = this.jpeg.encode(rgba);
    for (let i = 0; i < count; i++) {
      for (const p of this.muxer.frame(jpeg)) {
        this.pending.push(p);
        this.pendingBytes += p.length;
      }
      if (this.pending.length >= MAX_IOV || this.pendingBytes >= WRITE_BATCH) await this.flush();
    }
  }

  /** Writes the queued chunks: one system call for many frames (most are repeats of one JPEG). */
  private async flush(): Promise<void> {
    const fd = await this.open();
    let parts = this.pending;
    let bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    while (bytes > 0) {
      const { bytesWritten } = await fd.writev(parts, this.pos);
      this.pos += bytesWritten;
      bytes -= bytesWritten;
      if (bytes > 0) parts = [Buffer.concat(parts).subarray(bytesWritten)]; // a short write: rare
    }
  }

  async finish(): Promise<string[]> {
    await this.flush();
    const fd = await this.open();
    const { index, header } = this.muxer.finish();
    await fd.write(index, 0, index.length, this.pos);
    await fd.write(header, 0, header.length, 0);
    await fd.sync();
    await fd.close();
    this.fd = undefined;
    await fs.promises.rename(this.tmp, this.file);
    return [this.file];
  }

  async abort(): Promise<void> {
    await this.fd?.close().catch(() => undefined);
    this.fd = undefined;
    await fs.promises.rm(this.tmp, { force: true });
  }
}

/** File name of frame n (from 1) in a PNG export directory. */
export function pngFrameName(n: number): string {
  return `frame-${String(n).padStart(6, '0')}.png`;
}

/** Numbered PNG files in a directory (created if missing). */
export class PngDirSink implements OutputSink {
  private n = 0;
  private readonly written: string[] = [];

  constructor(
    readonly dir: string,
    private readonly encode: (rgba: Uint8Array) => Buffer,
  ) {}

  get frames(): number {
    return this.n;
  }

  async emit(rgba: Uint8Array, count: number): Promise<void> {
    if (this.n === 0) await fs.promises.mkdir(this.dir, { recursive: true });
    const png = this.encode(rgba);
    const first = path.join(this.dir, pngFrameName(++this.n));
    const tmp = tempName(first);
    await fs.promises.writeFile(tmp, png, { mode: 0o644 });
    await fs.promises.rename(tmp, first);
    this.written.push(first);
    for (let i = 1; i < count; i++) {
      const f = path.join(this.dir, pngFrameName(++this.n));
      await fs.promises.rm(f, { force: true });
      await fs.promises.link(first, f).catch(() => fs.promises.copyFile(first, f));
      this.written.push(f);
    }
  }

  async finish(): Promise<string[]> {
    return this.written;
  }

  async abort(): Promise<void> {
    // Frames already in place are complete files; they are left for inspection.
  }
}
