// Splits the server's byte stream into whole PDUs. After the X.224 connection every PDU is either
// a TPKT-framed slow-path PDU (first byte 0x03, T.123 §8) or a fast-path PDU (low two bits of the
// first byte 0, MS-RDPBCGR 2.2.9.1.2: a 1- or 2-byte length that counts the whole PDU). The framer
// does not look further: fast-path output is forwarded untouched.
import { hex } from './bytes.js';
import { malformed } from './errors.js';
import { TPKT_HEADER, TPKT_VERSION } from './tpkt.js';

export type Frame =
  /** A TPKT PDU: `tpdu` is its payload (an X.224 TPDU). */
  | { kind: 'x224'; raw: Buffer; tpdu: Buffer }
  /** A whole fast-path PDU, header included. */
  | { kind: 'fastpath'; raw: Buffer };

const ACTION_FASTPATH = 0;
const ACTION_X224 = 3;
/** fpOutputHeader flags: FASTPATH_OUTPUT_ENCRYPTED (only with standard RDP security). */
const FASTPATH_OUTPUT_ENCRYPTED = 0x2;

/** The length of the PDU at the start of `head` (at least 3 bytes or all there is), or undefined. */
export function pduLength(head: Buffer): number | undefined {
  if (head.length < 2) return undefined;
  const action = head[0] & 0x3;
  if (action === ACTION_X224) {
    if (head[0] !== TPKT_VERSION) throw malformed('TPKT header', `version ${head[0]}, expected 3`);
    if (head.length < TPKT_HEADER) return undefined;
    const len = head.readUInt16BE(2);
    // The smallest TPKT PDU carries a 3-byte X.224 Data header.
    if (len < TPKT_HEADER + 3) throw malformed('TPKT header', `length ${len}`);
    return len;
  }
  if (action !== ACTION_FASTPATH)
    throw malformed('PDU header', `first byte ${hex(head[0])} is neither TPKT nor fast-path`);
  if ((head[0] >> 6) & FASTPATH_OUTPUT_ENCRYPTED) {
    throw malformed('fast-path header', 'encrypted fast-path PDU (standard RDP security is not supported)');
  }
  const len1 = head[1];
  if (!(len1 & 0x80)) {
    if (len1 < 2) throw malformed('fast-path header', `length ${len1}`);
    return len1;
  }
  if (head.length < 3) return undefined;
  const len = ((len1 & 0x7f) << 8) | head[2];
  if (len < 3) throw malformed('fast-path header', `length ${len}`);
  return len;
}

/** Incremental framer: push chunks as they arrive, take whole frames out. */
export class Framer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Bytes held that do not yet make a whole frame. */
  get pending(): number {
    return this.buffered;
  }

  /** Adds a chunk and returns the frames it completed (throws RdpPduError on a bad header). */
  push(chunk: Buffer): Frame[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      const frame = this.take();
      if (!frame) return out;
      out.push(frame);
    }
  }

  private take(): Frame | undefined {
    if (this.buffered < 2) return undefined;
    const head = this.peek(Math.min(this.buffered, TPKT_HEADER));
    const len = pduLength(head);
    if (len === undefined || this.buffered < len) return undefined;
    const raw = this.read(len);
    return raw[0] === TPKT_VERSION
      ? { kind: 'x224', raw, tpdu: raw.subarray(TPKT_HEADER) }
      : { kind: 'fastpath', raw };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  /** Removes the first n bytes (a copy when they span chunks, so frames never alias later data). */
  private read(n: number): Buffer {
    let first = this.chunks[0];
    if (first.length < n) {
      this.chunks = [Buffer.concat(this.chunks)];
      first = this.chunks[0];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
