// A growable byte buffer for JSON rendered straight from protobuf bytes, with json-iterator's string
// quoting (lib/utils FastMarshalIndent = jsoniter SafeConfig, EscapeHTML off; json-iterator/go
// stream_str.go WriteString): bytes from 0x20 up are copied as they are (UTF-8, invalid sequences and
// U+2028 included) except `"` and `\`, which get a backslash; \n, \r and \t are written short, every
// other byte below 0x20 as \u00xx (lower-case hex).

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Bytes that need escaping in a JSON string: 0 = copy, else the escape's second byte or 'u'. */
const ESCAPE = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) ESCAPE[b] = 0x75; // 'u'
ESCAPE[0x0a] = 0x6e; // \n
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x09] = 0x74; // \t
ESCAPE[0x22] = 0x22; // \"
ESCAPE[0x5c] = 0x5c; // \\

export class JsonBytes {
  buf: Buffer;
  len = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.len = 0;
  }

  /** Makes room for n more bytes. */
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.len + n, this.buf.length * 2));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** Appends constant bytes. */
  bytes(c: Uint8Array): void {
    const n = c.length;
    this.room(n);
    // TypedArray set is a memmove: faster than a loop but for the shortest pieces.
    if (n > 8) this.buf.set(c, this.len);
    else {
      const b = this.buf;
      let p = this.len;
      for (let i = 0; i < n; i++) b[p++] = c[i];
    }
    this.len += n;
  }

  /** Appends an ASCII string as it is (keys, timestamps, numbers: nothing to escape). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.len = p;
  }

  /** Appends src[start, end) as a quoted JSON string. */
  quoted(src: Buffer, start: number, end: number): void {
    // Worst case: every byte becomes \u00xx.
    this.room((end - start) * 6 + 2);
    const b = this.buf;
    let p = this.len;
    b[p++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = src[i];
      const e = ESCAPE[c];
      if (e === 0) b[p++] = c;
      else {
        b[p++] = 0x5c;
        b[p++] = e;
        if (e === 0x75) {
          b[p++] = 0x30;
          b[p++] = 0x30;
          b[p++] = HEX[c >> 4];
          b[p++] = HEX[c & 15];
        }
      }
    }
    b[p++] = 0x22;
    this.len = p;
  }
}

/** A constant as bytes (the pieces of a rendered shape). */
export const lit = (s: string): Buffer => Buffer.from(s, 'utf8');
