// Rendered list items to print in key order without holding them in memory: tsh sorts `tsh ls` nodes
// by hostname before printing any format (tool/tsh/common/tsh.go onListNodes), which a listing of 100k
// nodes can only do at the end. Items are rendered straight into a block buffer, each after the
// separator that goes between items, and full blocks go to a private temporary file (in memory when
// the file cannot be made). Only the keys' bytes and the items' file offsets stay in memory, in typed
// arrays (no object per item: the heap, and so each garbage collection, stays small). At the end the
// items come back in key order, where runs of items that arrived in order are read as one range: when
// all arrived sorted (the cluster pages by name, which is often hostname order too) the file is the
// output, read back in large blocks while the previous block is being written.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonBytes } from './jsonbytes.js';

/** Block size: what is written to the file at once, and the size of the chunks drain() yields. */
const BLOCK = 1 << 20;

/** Where full blocks go: the temporary file, or memory. */
interface Store {
  write(src: Buffer, len: number, pos: number): void;
  read(dst: Buffer, at: number, len: number, pos: number): void;
  close(): void;
}

class FileStore implements Store {
  constructor(
    private fd: number | undefined,
    private file: string | undefined,
  ) {}

  write(src: Buffer, len: number, pos: number): void {
    for (let done = 0; done < len;) done += fs.writeSync(this.fd!, src, done, len - done, pos + done);
  }

  read(dst: Buffer, at: number, len: number, pos: number): void {
    for (let got = 0; got < len;) {
      const n = fs.readSync(this.fd!, dst, at + got, len - got, pos + got);
      if (n === 0) throw new Error('temporary listing file truncated');
      got += n;
    }
  }

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

class MemoryStore implements Store {
  private readonly blocks: Buffer[] = [];
  private readonly starts: number[] = [];

  write(src: Buffer, len: number, pos: number): void {
    this.blocks.push(Buffer.from(src.subarray(0, len)));
    this.starts.push(pos);
  }

  read(dst: Buffer, at: number, len: number, pos: number): void {
    // The last block that starts at or before pos.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; len > 0; i++) {
      const b = this.blocks[i];
      const from = pos - this.starts[i];
      const n = Math.min(len, b.length - from);
      b.copy(dst, at, from, from + n);
      at += n;
      pos += n;
      len -= n;
    }
  }

  close(): void {
    this.blocks.length = 0;
  }
}

function grown<T extends Float64Array | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class SortedSpill {
  /**
   * Where the current item is written: between begin() and commit()/abort(), append the item's
   * bytes to it (it grows as needed).
   */
  readonly out = new JsonBytes(BLOCK + (BLOCK >> 2));
  private readonly store: Store;
  /** Bytes of the items before `out`'s, in the store. */
  private stored = 0;
  private n = 0;
  /** Where each item's bytes start (the separator before them excluded), as an output offset. */
  private offsets = new Float64Array(1024);
  /** The keys' bytes, one after another; key i ends at keyEnds[i]. */
  private keys = Buffer.allocUnsafe(16 << 10);
  private keyEnds = new Int32Array(1024);
  private keyBytes = 0;
  private sorted = true;
  /** out.len before the current item's separator (abort() goes back there). */
  private mark = 0;
  private readonly sepBuf: Buffer;

  /** `sep` goes between two items of the output; `dir` holds the temporary file. */
  constructor(
    private readonly sep = '',
    dir = os.tmpdir(),
  ) {
    this.sepBuf = Buffer.from(sep);
    let store: Store;
    try {
      const file = path.join(dir, `tshjs-list-${process.pid}-${randomBytes(6).toString('hex')}`);
      store = new FileStore(fs.openSync(file, 'wx+', 0o600), file);
    } catch {
      store = new MemoryStore();
    }
    this.store = store;
  }

  get count(): number {
    return this.n;
  }

  /** Starts an item: its bytes go to `out` next. */
  begin(): void {
    this.mark = this.out.len;
    if (this.n > 0) this.out.bytes(this.sepBuf);
    this.offsets = grown(this.offsets, this.n + 1);
    this.offsets[this.n] = this.stored + this.out.len;
  }

  /** Drops what was written since begin(). */
  abort(): void {
    this.out.len = this.mark;
  }

  /**
   * Ends the item under the key src[start, end) (compared as Go compares strings: by their UTF-8
   * bytes; equal keys keep their arrival order).
   */
  commit(src: Buffer, start: number, end: number): void {
    const len = end - start;
    const at = this.keyBytes;
    if (at + len > this.keys.length) {
      const k = Buffer.allocUnsafe(Math.max(at + len, this.keys.length * 2));
      this.keys.copy(k, 0, 0, at);
      this.keys = k;
    }
    // Keys are short: byte loops beat Buffer copy/compare calls.
    const k = this.keys;
    for (let i = 0; i < len; i++) k[at + i] = src[start + i];
    this.keyBytes = at + len;
    this.keyEnds = grown(this.keyEnds, this.n + 1);
    this.keyEnds[this.n] = this.keyBytes;
    if (this.sorted && this.n > 0) {
      // Still in order unless this key sorts before the previous one.
      let i = this.n > 1 ? this.keyEnds[this.n - 2] : 0;
      let j = at;
      while (i < at && j < at + len && k[i] === k[j]) {
        i++;
        j++;
      }
      if (j === at + len ? i < at : i < at && k[i] > k[j]) this.sorted = false;
    }
    this.n++;
    if (this.out.len >= BLOCK) this.flush();
  }

  /** Adds an item's text under a sort key. */
  add(key: string, text: string): void {
    this.begin();
    const n = Buffer.byteLength(text);
    this.out.room(n);
    this.out.len += this.out.buf.write(text, this.out.len);
    const k = Buffer.from(key);
    this.commit(k, 0, k.length);
  }

  private flush(): void {
    if (this.out.len === 0) return;
    this.store.write(this.out.buf, this.out.len, this.stored);
    this.stored += this.out.len;
    this.out.len = 0;
  }

  /** Item indexes in key order (equal keys in arrival order); undefined when they arrived in order. */
  private order(): Int32Array | undefined {
    if (this.sorted) return undefined;
    // Byte strings (one char per byte) compare as their bytes do.
    const k: string[] = new Array<string>(this.n);
    for (let i = 0; i < this.n; i++)
      k[i] = this.keys.toString('latin1', i > 0 ? this.keyEnds[i - 1] : 0, this.keyEnds[i]);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    return order.sort((a, b) => (k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : a - b));
  }

  /**
   * The output: `first`, then the items in key order with the separator between them, as chunks of
   * about 1 MB. Chunks alternate between two buffers: a chunk stays valid until the one after next
   * is asked for, so one chunk can be written while the next is read.
   */
  *drain(first = ''): Generator<Buffer> {
    const n = this.n;
    const order = this.order();
    this.flush();
    const size = this.stored;
    const sep = this.sepBuf;
    const head = Buffer.from(first);
    // Every buffer holds a block, or the head and the separators that come with it.
    const cap = Math.max(BLOCK, head.length + sep.length);
    const bufs = [
      this.out.buf.length >= cap ? this.out.buf : Buffer.allocUnsafe(cap),
      Buffer.allocUnsafe(cap),
    ];
    let out = bufs[0];
    let used = head.copy(out, 0);
    let firstRun = true;
    for (let k = 0; k < n;) {
      // A run of items that arrived one after another: one range of the store, separators included.
      const i = order ? order[k] : k;
      let j = order ? i : n - 1;
      k = order ? k + 1 : n;
      while (order && k < n && order[k] === j + 1) j = order[k++];
      let pos = this.offsets[i];
      const end = j + 1 < n ? this.offsets[j + 1] - sep.length : size;
      if (i > 0 && !firstRun)
        pos -= sep.length; // the stored separator before it
      else if (!firstRun) {
        // Item 0 has no separator before it in the store.
        if (used + sep.length > out.length) {
          yield out.subarray(0, used);
          out = out === bufs[0] ? bufs[1] : bufs[0];
          used = 0;
        }
        used += sep.copy(out, used);
      }
      firstRun = false;
      while (pos < end) {
        if (used === out.length) {
          yield out;
          out = out === bufs[0] ? bufs[1] : bufs[0];
          used = 0;
        }
        const len = Math.min(end - pos, out.length - used);
        this.store.read(out, used, len, pos);
        used += len;
        pos += len;
      }
    }
    if (used) yield out.subarray(0, used);
  }

  /** Removes the temporary file; safe to call more than once. */
  close(): void {
    this.store.close();
  }
}
