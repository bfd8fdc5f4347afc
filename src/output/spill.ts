// Rendered list items to print in key order without holding them in memory: tsh sorts `tsh ls` nodes
// by hostname before printing any format (tool/tsh/common/tsh.go onListNodes), which a listing of 100k
// nodes can only do at the end. Items go to a private temporary file as they arrive (only the keys and
// file offsets stay in memory) and come back in key order; when the file cannot be made they stay in
// memory instead. Each item is written after the separator that goes between items, so when the items
// arrived in key order already (the usual case: the cluster pages by name) the file is the output and
// is read back in large blocks.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { byteString } from './table.js';

const BLOCK = 1 << 20;

export class SortedSpill {
  private fd?: number;
  private file?: string;
  private memory?: Buffer[];
  /** Bytes not yet written to the file (one buffer, reused; drain() reuses it too). */
  private pending: Buffer = Buffer.allocUnsafe(BLOCK);
  private pendingBytes = 0;
  private size = 0;
  private readonly keys: string[] = [];
  /** Where each item's text starts in the file, and its length (the separator before it excluded). */
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly sepBytes: number;

  /** `sep` goes between two items of the output; `dir` holds the temporary file. */
  constructor(
    private readonly sep = '',
    dir = os.tmpdir(),
  ) {
    this.sepBytes = Buffer.byteLength(sep);
    try {
      const file = path.join(dir, `tshjs-list-${process.pid}-${randomBytes(6).toString('hex')}`);
      this.fd = fs.openSync(file, 'wx+', 0o600);
      this.file = file;
    } catch {
      this.memory = [];
    }
  }

  get count(): number {
    return this.keys.length;
  }

  /** Adds an item's text under a sort key (compared as Go compares strings: UTF-8 bytes). */
  add(key: string, text: string): void {
    this.addItem(byteString(key), text, undefined, Buffer.byteLength(text));
  }

  /** Adds an item's bytes src[0, len) under a key that is already a byte string (one char per byte). */
  addBytes(byteKey: string, src: Buffer, len: number): void {
    this.addItem(byteKey, undefined, src, len);
  }

  private addItem(key: string, text: string | undefined, src: Buffer | undefined, len: number): void {
    const first = this.keys.length === 0;
    this.keys.push(key);
    if (this.memory) {
      this.memory.push(src ? Buffer.from(src.subarray(0, len)) : Buffer.from(text!));
      return;
    }
    const n = len + (first ? 0 : this.sepBytes);
    if (this.pendingBytes + n > this.pending.length) {
      this.flush();
      if (n > this.pending.length) this.pending = Buffer.allocUnsafe(n);
    }
    if (!first) this.pendingBytes += this.pending.write(this.sep, this.pendingBytes);
    this.offsets.push(this.size + this.pendingBytes);
    if (src) src.copy(this.pending, this.pendingBytes, 0, len);
    else this.pending.write(text!, this.pendingBytes);
    this.lengths.push(len);
    this.pendingBytes += len;
  }

  private flush(): void {
    if (this.fd === undefined || this.pendingBytes === 0) return;
    let done = 0;
    while (done < this.pendingBytes) {
      done += fs.writeSync(this.fd, this.pending, done, this.pendingBytes - done, this.size + done);
    }
    this.size += this.pendingBytes;
    this.pendingBytes = 0;
  }

  /** Item indexes in key order (equal keys in arrival order); undefined when they arrived in order. */
  private order(): number[] | undefined {
    const k = this.keys;
    let sorted = true;
    for (let i = 1; i < k.length && sorted; i++) sorted = k[i - 1] <= k[i];
    if (sorted) return undefined;
    return k.map((_, i) => i).sort((a, b) => (k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : a - b));
  }

  /**
   * The output: `first`, then the items in key order with the separator between them, as chunks of
   * about 1 MB. From the file every chunk is the same buffer, refilled: write each one out completely
   * before asking for the next.
   */
  *drain(first = ''): Generator<Buffer> {
    const order = this.order();
    if (this.memory) {
      const sep = Buffer.from(this.sep);
      const parts: Buffer[] = [Buffer.from(first)];
      let bytes = parts[0].length;
      for (let i = 0; i < this.memory.length; i++) {
        if (i > 0) parts.push(sep);
        const item = this.memory[order ? order[i] : i];
        parts.push(item);
        bytes += item.length + (i > 0 ? sep.length : 0);
        if (bytes >= BLOCK) {
          yield Buffer.concat(parts);
          parts.length = 0;
          bytes = 0;
        }
      }
      if (parts.length) yield Buffer.concat(parts);
      return;
    }
    this.flush();
    const fd = this.fd!;
    let out = this.pending;
    let used = out.write(first, 0);
    const read = (pos: number, len: number) => {
      if (used + len > out.length) out = grow(out, used, used + len);
      let got = 0;
      while (got < len) got += fs.readSync(fd, out, used + got, len - got, pos + got);
      used += len;
    };
    if (!order) {
      // In order already: the file is the output.
      for (let pos = 0; pos < this.size;) {
        const len = Math.min(BLOCK, this.size - pos);
        read(pos, len);
        pos += len;
        yield out.subarray(0, used);
        used = 0;
      }
      if (used) yield out.subarray(0, used);
      return;
    }
    for (let i = 0; i < order.length; i++) {
      if (i > 0) {
        if (used + this.sepBytes > out.length) out = grow(out, used, used + this.sepBytes);
        used += out.write(this.sep, used);
      }
      read(this.offsets[order[i]], this.lengths[order[i]]);
      if (used >= BLOCK) {
        yield out.subarray(0, used);
        used = 0;
      }
    }
    if (used) yield out.subarray(0, used);
  }

  /** Removes the temporary file; safe to call more than once. */
  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (this.file) {
      fs.rmSync(this.file, { force: true });
      this.file = undefined;
    }
  }
}

function grow(buf: Buffer, used: number, need: number): Buffer {
  const b = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(b, 0, 0, used);
  return b;
}
