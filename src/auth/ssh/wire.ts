// SSH wire encoding primitives (RFC 4251 §5): uint32/uint64 big-endian,
// length-prefixed strings and two's-complement mpints.
import { TshError } from '../../util/errors.js';

/** Malformed SSH data (wire encoding, keys, certificates, known_hosts lines): one clear line. */
export class SshFormatError extends TshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-parameter', 1, options);
    this.name = 'SshFormatError';
  }
}

/**
 * Runs `fn`, turning anything but a TshError it throws (e.g. a TypeError from node:crypto's key
 * import) into an SshFormatError whose message starts with `what`.
 */
export function sshFormatErrors<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TshError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new SshFormatError(msg.startsWith(what) ? msg : `${what}: ${msg}`, { cause: err });
  }
}

/** Append-only builder for SSH wire data. */
export class SshWriter {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }

  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt.asUintN(64, v));
    this.parts.push(b);
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  string(v: Buffer | string): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }

  /** Encodes a non-negative integer given as unsigned big-endian magnitude. */
  mpint(magnitude: Buffer): this {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    let body = magnitude.subarray(i);
    // A set high bit would read as negative, so prefix a zero byte.
    if (body.length > 0 && (body[0]! & 0x80) !== 0) body = Buffer.concat([Buffer.from([0]), body]);
    return this.string(body);
  }

  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Cursor over SSH wire data; every read is bounds-checked with a descriptive error. */
export class SshReader {
  private off = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what = 'SSH data',
  ) {}

  private take(n: number, field: string): Buffer {
    if (n > this.buf.length - this.off) {
      throw new SshFormatError(
        `${this.what}: truncated ${field} (need ${n} bytes at offset ${this.off}, have ${this.buf.length - this.off})`,
      );
    }
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }

  u8(): number {
    return this.take(1, 'byte')[0]!;
  }

  u32(): number {
    return this.take(4, 'uint32').readUInt32BE(0);
  }

  u64(): bigint {
    return this.take(8, 'uint64').readBigUInt64BE(0);
  }

  bool(): boolean {
    return this.take(1, 'boolean')[0] !== 0;
  }

  string(): Buffer {
    const len = this.take(4, 'string length').readUInt32BE(0);
    return this.take(len, 'string body');
  }

  stringUtf8(): string {
    return this.string().toString('utf8');
  }

  /** Reads a non-negative mpint and returns its minimal unsigned magnitude. */
  mpint(): Buffer {
    const b = this.string();
    if (b.length > 0 && (b[0]! & 0x80) !== 0)
      throw new SshFormatError(`${this.what}: negative mpint not supported`);
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    return b.subarray(i);
  }

  remaining(): number {
    return this.buf.length - this.off;
  }

  rest(): Buffer {
    const out = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return out;
  }

  expectEnd(): void {
    if (this.remaining() !== 0)
      throw new SshFormatError(`${this.what}: ${this.remaining()} unexpected trailing bytes`);
  }
}
