// Minimal DER reader: just enough of X.690 to walk an X.509 certificate's names and validity.
// Kept dependency-free so the client can read its identity without loading @peculiar/x509.
import { TshError } from '../../util/errors.js';

export class DerError extends TshError {
  constructor(message: string) {
    super(`DER: ${message}`, 'bad-tls');
    this.name = 'DerError';
  }
}

/** Universal tag numbers used by the readers here. */
export const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  NUMERIC_STRING: 18,
  PRINTABLE_STRING: 19,
  T61_STRING: 20,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  VISIBLE_STRING: 26,
  BMP_STRING: 30,
} as const;

export type TagClass = 'universal' | 'application' | 'context' | 'private';
const CLASSES: TagClass[] = ['universal', 'application', 'context', 'private'];

export interface Tlv {
  cls: TagClass;
  /** Tag number (e.g. 16 for SEQUENCE, 0 for [0]). */
  tag: number;
  constructed: boolean;
  /** Offset of the identifier octet in the buffer the TLV was read from. */
  start: number;
  /** Offset just past the value. */
  end: number;
  /** Contents octets. */
  value: Buffer;
  /** The whole encoding, identifier and length included (e.g. a Name to copy byte for byte). */
  raw: Buffer;
}

/** Reads one TLV at `offset`. Only definite lengths (DER); lengths up to 2^32-1. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  let pos = offset;
  const need = (n: number, what: string) => {
    if (pos + n > buf.length) throw new DerError(`truncated ${what} at offset ${pos}`);
  };
  need(1, 'identifier');
  const id = buf[pos++]!;
  const cls = CLASSES[id >> 6]!;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    // High tag number form: base-128, continuation bit set on all but the last byte.
    tag = 0;
    for (;;) {
      need(1, 'tag number');
      const b = buf[pos++]!;
      tag = tag * 128 + (b & 0x7f);
      if (tag > Number.MAX_SAFE_INTEGER / 128) throw new DerError('tag number too large');
      if ((b & 0x80) === 0) break;
    }
  }
  need(1, 'length');
  let len = buf[pos++]!;
  if (len === 0x80) throw new DerError(`indefinite length at offset ${pos - 1} (not DER)`);
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new DerError(`length of ${n} octets at offset ${pos - 1} is too large`);
    need(n, 'long-form length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  if (pos + len > buf.length) {
    throw new DerError(`truncated value at offset ${offset}: need ${len} bytes, have ${buf.length - pos}`);
  }
  const end = pos + len;
  return {
    cls,
    tag,
    constructed,
    start: offset,
    end,
    value: buf.subarray(pos, end),
    raw: buf.subarray(offset, end),
  };
}

/** All TLVs inside a constructed value, in order. */
export function readChildren(parent: Tlv): Tlv[] {
  if (!parent.constructed)
    throw new DerError(`expected a constructed value, got primitive tag ${parent.tag}`);
  const out: Tlv[] = [];
  for (let pos = 0; pos < parent.value.length;) {
    const child = readTlv(parent.value, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Throws unless `t` is the expected universal tag; returns it for chaining. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new DerError(`missing ${what}`);
  if (t.cls !== 'universal' || t.tag !== tag)
    throw new DerError(`${what}: expected tag ${tag}, got ${t.cls} ${t.tag}`);
  return t;
}

/** OBJECT IDENTIFIER contents to dotted form ("2.5.4.3"). */
export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const arcs: bigint[] = [];
  let acc = 0n;
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    acc = (acc << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0n;
    } else if (i === value.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  // The first subidentifier packs two arcs: 40*X + Y, with X capped at 2.
  const first = arcs[0]!;
  const x = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [x, first - 40n * x, ...arcs.slice(1)].join('.');
}

/** Decodes the string types that appear in names. Other tags are an error. */
export function decodeString(t: Tlv): string {
  if (t.cls !== 'universal') throw new DerError(`not a string: ${t.cls} tag ${t.tag}`);
  switch (t.tag) {
    case Tag.UTF8_STRING:
      return t.value.toString('utf8');
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.NUMERIC_STRING:
    case Tag.VISIBLE_STRING:
      return t.value.toString('ascii');
    case Tag.T61_STRING:
      // Real-world T61 is nearly always Latin-1.
      return t.value.toString('latin1');
    case Tag.BMP_STRING: {
      if (t.value.length % 2 !== 0) throw new DerError('BMPString has an odd length');
      const le = Buffer.from(t.value);
      le.swap16(); // UTF-16BE on the wire, Node decodes UTF-16LE
      return le.toString('utf16le');
    }
    default:
      throw new DerError(`not a string: universal tag ${t.tag}`);
  }
}

/** UTCTime or GeneralizedTime to a Date (seconds required; GeneralizedTime may carry a fraction). */
export function decodeTime(t: Tlv): Date {
  const s = t.value.toString('ascii');
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.cls === 'universal' && t.tag === Tag.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})()(Z|[+-]\d{4})$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (t.cls === 'universal' && t.tag === Tag.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?(Z|[+-]\d{4})$/.exec(s);
    if (!m) throw new DerError(`bad GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new DerError(`not a time: ${t.cls} tag ${t.tag}`);
  }
  const [, , mo, d, h, mi, sec, frac, zone] = m;
  // Not Date.UTC(year, ...): it reads years 0..99 as 1900..1999.
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(sec), 0);
  let ms = date.getTime();
  if (frac) ms += Math.floor(Number(frac) * 1000);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  return new Date(ms);
}

/** INTEGER contents as lowercase hex without sign-padding zeros ("8ba6..."). */
export function integerHex(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty INTEGER');
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  return value.subarray(i).toString('hex');
}
