// TPKT (T.123 §8) and the X.224 class 0 TPDUs RDP uses (X.224 §13; MS-RDPBCGR 2.2.1.1, 2.2.1.2):
// Connection Request/Confirm carrying RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE, Data and
// Disconnect Request. TPKT and X.224 fields are big-endian; the RDP negotiation structures are
// little-endian.
import { Reader, Writer, hex } from './bytes.js';
import { malformed } from './errors.js';

export const TPKT_VERSION = 3;
export const TPKT_HEADER = 4;

// X.224 TPDU codes (high nibble of the second byte).
export const X224_CR = 0xe0; // Connection Request
export const X224_CC = 0xd0; // Connection Confirm
export const X224_DR = 0x80; // Disconnect Request
export const X224_DT = 0xf0; // Data
const X224_EOT = 0x80;

// requestedProtocols / selectedProtocol (MS-RDPBCGR 2.2.1.1.1).
export const PROTOCOL_RDP = 0;
export const PROTOCOL_SSL = 0x1;
export const PROTOCOL_HYBRID = 0x2;
export const PROTOCOL_RDSTLS = 0x4;
export const PROTOCOL_HYBRID_EX = 0x8;

const TYPE_RDP_NEG_REQ = 1;
const TYPE_RDP_NEG_RSP = 2;
const TYPE_RDP_NEG_FAILURE = 3;
const NEG_LENGTH = 8;

// RDP_NEG_FAILURE failureCode (MS-RDPBCGR 2.2.1.2.2).
export const SSL_REQUIRED_BY_SERVER = 1;
export const SSL_NOT_ALLOWED_BY_SERVER = 2;
export const SSL_CERT_NOT_ON_SERVER = 3;
export const INCONSISTENT_FLAGS = 4;
export const HYBRID_REQUIRED_BY_SERVER = 5;
export const SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER = 6;

/** Wraps an X.224 TPDU (or anything) in a TPKT header. */
export function encodeTpkt(payload: Buffer): Buffer {
  const len = TPKT_HEADER + payload.length;
  if (len > 0xffff) throw new RangeError(`TPKT payload of ${payload.length} bytes is too long`);
  const head = Buffer.from([TPKT_VERSION, 0, len >> 8, len & 0xff]);
  return Buffer.concat([head, payload]);
}

export interface ConnectionRequest {
  /** Sent as "Cookie: mstshash=<cookie>\r\n" (MS-RDPBCGR 2.2.1.1); load balancers route on it. */
  cookie?: string;
  requestedProtocols: number;
  /** RDP_NEG_REQ flags (RESTRICTED_ADMIN_MODE_REQUIRED, …); 0 for us. */
  flags?: number;
}

/** X.224 Connection Request TPDU in a TPKT, with an RDP_NEG_REQ. */
export function encodeConnectionRequest(req: ConnectionRequest): Buffer {
  const w = new Writer();
  if (req.cookie !== undefined) w.bytes(Buffer.from(`Cookie: mstshash=${req.cookie}\r\n`, 'latin1'));
  w.u8(TYPE_RDP_NEG_REQ)
    .u8(req.flags ?? 0)
    .u16(NEG_LENGTH)
    .u32(req.requestedProtocols);
  const variable = w.toBuffer();
  // LI counts the header bytes after itself: code, DST-REF(2), SRC-REF(2), class, variable part.
  const head = Buffer.from([6 + variable.length, X224_CR, 0, 0, 0, 0, 0]);
  return encodeTpkt(Buffer.concat([head, variable]));
}

/** Parses a Connection Request TPDU (the TPKT payload): the server side, for tests and peers. */
export function decodeConnectionRequest(tpdu: Buffer): ConnectionRequest {
  const what = 'X.224 Connection Request';
  const r = new Reader(tpdu, what);
  const li = r.u8('length indicator');
  if (li + 1 !== tpdu.length) throw malformed(what, `length indicator ${li} for ${tpdu.length} bytes`);
  const code = r.u8('TPDU code');
  if ((code & 0xf0) !== X224_CR) throw malformed(what, `TPDU code ${hex(code)}`);
  r.skip(5, 'references and class');
  let rest = r.rest();
  const out: ConnectionRequest = { requestedProtocols: PROTOCOL_RDP };
  const crlf = rest.indexOf('\r\n');
  if (rest.subarray(0, 8).toString('latin1') === 'Cookie: ' && crlf >= 0) {
    const line = rest.subarray(0, crlf).toString('latin1');
    out.cookie = line.startsWith('Cookie: mstshash=') ? line.slice(17) : line.slice(8);
    rest = rest.subarray(crlf + 2);
  }
  if (rest.length === 0) return out;
  const n = new Reader(rest, 'RDP_NEG_REQ');
  const type = n.u8('type');
  if (type !== TYPE_RDP_NEG_REQ) throw malformed('RDP_NEG_REQ', `type ${type}`);
  out.flags = n.u8('flags');
  const length = n.u16('length');
  if (length !== NEG_LENGTH) throw malformed('RDP_NEG_REQ', `length ${length}`);
  out.requestedProtocols = n.u32('requestedProtocols');
  n.done('requestedProtocols');
  return out;
}

export type ConnectionConfirm =
  | { type: 'response'; flags: number; selectedProtocol: number }
  | { type: 'failure'; failureCode: number }
  /** No negotiation data: a server that only knows standard RDP security. */
  | { type: 'none' };

/** X.224 Connection Confirm TPDU in a TPKT (the server side, for tests and peers). */
export function encodeConnectionConfirm(cc: ConnectionConfirm): Buffer {
  const w = new Writer();
  if (cc.type === 'response') w.u8(TYPE_RDP_NEG_RSP).u8(cc.flags).u16(NEG_LENGTH).u32(cc.selectedProtocol);
  if (cc.type === 'failure') w.u8(TYPE_RDP_NEG_FAILURE).u8(0).u16(NEG_LENGTH).u32(cc.failureCode);
  const variable = w.toBuffer();
  const head = Buffer.from([6 + variable.length, X224_CC, 0, 0, 0x12, 0x34, 0]);
  return encodeTpkt(Buffer.concat([head, variable]));
}

/** Parses a Connection Confirm TPDU (the TPKT payload). */
export function decodeConnectionConfirm(tpdu: Buffer): ConnectionConfirm {
  const what = 'X.224 Connection Confirm';
  const r = new Reader(tpdu, what);
  const li = r.u8('length indicator');
  const code = r.u8('TPDU code');
  if ((code & 0xf0) !== X224_CC) throw malformed(what, `TPDU code ${hex(code)}, expected ${hex(X224_CC)}`);
  if (li + 1 !== tpdu.length) throw malformed(what, `length indicator ${li} for ${tpdu.length} bytes`);
  r.skip(5, 'references and class');
  if (r.left === 0) return { type: 'none' };
  const type = r.u8('negotiation type');
  const flags = r.u8('negotiation flags');
  const length = r.u16('negotiation length');
  if (length !== NEG_LENGTH) throw malformed(what, `negotiation length ${length}, expected 8`);
  const value = r.u32(type === TYPE_RDP_NEG_FAILURE ? 'failureCode' : 'selectedProtocol');
  r.done('negotiation data');
  if (type === TYPE_RDP_NEG_RSP) return { type: 'response', flags, selectedProtocol: value };
  if (type === TYPE_RDP_NEG_FAILURE) return { type: 'failure', failureCode: value };
  throw malformed(what, `negotiation type ${type}`);
}

/** Why a server refused the negotiation, as one clause. */
export function negotiationFailureText(code: number): string {
  switch (code) {
    case SSL_REQUIRED_BY_SERVER:
      return 'it requires TLS security';
    case SSL_NOT_ALLOWED_BY_SERVER:
      return 'it allows only standard RDP security, not TLS';
    case SSL_CERT_NOT_ON_SERVER:
      return 'it has no TLS certificate';
    case INCONSISTENT_FLAGS:
      return 'it found the requested protocols inconsistent';
    case HYBRID_REQUIRED_BY_SERVER:
      return 'it requires Network Level Authentication (CredSSP), which is not supported';
    case SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER:
      return 'it requires TLS with client certificate authentication, which is not supported';
    default:
      return `negotiation failure code ${code}`;
  }
}

/** Names of selectedProtocol values, for messages. */
export function protocolName(p: number): string {
  const names: Record<number, string> = {
    [PROTOCOL_RDP]: 'standard RDP security',
    [PROTOCOL_SSL]: 'TLS',
    [PROTOCOL_HYBRID]: 'CredSSP (NLA)',
    [PROTOCOL_RDSTLS]: 'RDSTLS',
    [PROTOCOL_HYBRID_EX]: 'CredSSP with early user authorization (NLA)',
  };
  return names[p] ?? `protocol ${hex(p, 8)}`;
}

/** X.224 Data TPDU header: LI=2, DT with EOT. */
const DT_HEADER = Buffer.from([2, X224_DT, X224_EOT]);

/** An X.224 Data TPDU in a TPKT carrying `payload` (an MCS PDU). */
export function encodeX224Data(payload: Buffer): Buffer {
  return encodeTpkt(Buffer.concat([DT_HEADER, payload]));
}

/** X.224 Disconnect Request in a TPKT (reason 0: normal). */
export function encodeX224Disconnect(reason = 0): Buffer {
  return encodeTpkt(Buffer.from([6, X224_DR, 0, 0, 0, 0, reason]));
}

export type X224Tpdu = { type: 'data'; payload: Buffer } | { type: 'disconnect'; reason: number };

/** Parses a TPDU seen after the connection was set up: Data or Disconnect Request. */
export function decodeX224(tpdu: Buffer): X224Tpdu {
  const what = 'X.224 TPDU';
  const r = new Reader(tpdu, what);
  const li = r.u8('length indicator');
  const code = r.u8('TPDU code') & 0xf0;
  if (code === X224_DT) {
    if (li !== 2) throw malformed(what, `Data TPDU length indicator ${li}, expected 2`);
    r.u8('EOT');
    return { type: 'data', payload: r.rest() };
  }
  if (code === X224_DR) {
    r.skip(4, 'references');
    return { type: 'disconnect', reason: r.left > 0 ? r.u8('reason') : 0 };
  }
  throw malformed(what, `unexpected TPDU code ${hex(code)}`);
}
