// T.125 MCS as RDP uses it (MS-RDPBCGR 2.2.1.3–2.2.1.9, 2.2.8.1.1.1.1): Connect-Initial and
// Connect-Response in BER (T.125 §7 part 2, X.690), the domain PDUs in aligned PER (T.125 §7
// parts 6–10, X.691): Erect Domain, Attach User, Channel Join, Send Data, Disconnect Provider
// Ultimatum. User ids travel as offsets from 1001 (UserId ::= DynamicChannelId (1001..65535)).
import { Reader, Writer, hex } from './bytes.js';
import { malformed } from './errors.js';

// ---------------- BER (X.690) ----------------

const BER_BOOLEAN = 0x01;
const BER_INTEGER = 0x02;
const BER_OCTET_STRING = 0x04;
const BER_ENUMERATED = 0x0a;
const BER_SEQUENCE = 0x30;
/** [APPLICATION 101] Connect-Initial and [APPLICATION 102] Connect-Response, high-tag-number form. */
const TAG_CONNECT_INITIAL = [0x7f, 0x65];
const TAG_CONNECT_RESPONSE = [0x7f, 0x66];

function berLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function berTlv(tag: number[], content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(tag), berLength(content.length), content]);
}

/** A non-negative INTEGER in the fewest two's-complement bytes. */
function berInteger(v: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return berTlv([BER_INTEGER], Buffer.from(bytes));
}

function readBerLength(r: Reader, field: string): number {
  const b = r.u8(`${field} length`);
  if (b < 0x80) return b;
  const n = b & 0x7f;
  if (n === 0 || n > 2) throw malformed(r.what, `${field} length of ${n} bytes`);
  return n === 1 ? r.u8(`${field} length`) : r.u16be(`${field} length`);
}

function readBerTlv(r: Reader, tag: number[], field: string): Reader {
  for (const t of tag) {
    const got = r.u8(`${field} tag`);
    if (got !== t) throw malformed(r.what, `${field} tag ${hex(got)}, expected ${hex(t)}`);
  }
  return r.sub(readBerLength(r, field), field);
}

function readBerUnsigned(r: Reader, tag: number, field: string): number {
  const v = readBerTlv(r, [tag], field);
  if (v.left === 0 || v.left > 5) throw malformed(r.what, `${field} of ${v.left} bytes`);
  let n = 0;
  while (v.left > 0) n = n * 256 + v.u8(field);
  return n;
}

// ---------------- Connect-Initial / Connect-Response ----------------

/** DomainParameters (T.125 §7 part 2). */
export interface DomainParameters {
  maxChannelIds: number;
  maxUserIds: number;
  maxTokenIds: number;
  numPriorities: number;
  minThroughput: number;
  maxHeight: number;
  maxMCSPDUsize: number;
  protocolVersion: number;
}

const PARAM_FIELDS = [
  'maxChannelIds',
  'maxUserIds',
  'maxTokenIds',
  'numPriorities',
  'minThroughput',
  'maxHeight',
  'maxMCSPDUsize',
  'protocolVersion',
] as const;

// The values MS-RDPBCGR 2.2.1.3 shows a client sending (protocol version 2 = MCS protocol).
export const TARGET_PARAMETERS: DomainParameters = {
  maxChannelIds: 34,
  maxUserIds: 2,
  maxTokenIds: 0,
  numPriorities: 1,
  minThroughput: 0,
  maxHeight: 1,
  maxMCSPDUsize: 65535,
  protocolVersion: 2,
};
export const MINIMUM_PARAMETERS: DomainParameters = {
  maxChannelIds: 1,
  maxUserIds: 1,
  maxTokenIds: 1,
  numPriorities: 1,
  minThroughput: 0,
  maxHeight: 1,
  maxMCSPDUsize: 1056,
  protocolVersion: 2,
};
export const MAXIMUM_PARAMETERS: DomainParameters = {
  maxChannelIds: 65535,
  maxUserIds: 64535,
  maxTokenIds: 65535,
  numPriorities: 1,
  minThroughput: 0,
  maxHeight: 1,
  maxMCSPDUsize: 65535,
  protocolVersion: 2,
};

function encodeDomainParameters(p: DomainParameters): Buffer {
  return berTlv([BER_SEQUENCE], Buffer.concat(PARAM_FIELDS.map((f) => berInteger(p[f]))));
}

function readDomainParameters(r: Reader, field: string): DomainParameters {
  const s = readBerTlv(r, [BER_SEQUENCE], field);
  const out = {} as DomainParameters;
  for (const f of PARAM_FIELDS) out[f] = readBerUnsigned(s, BER_INTEGER, `${field}.${f}`);
  return out;
}

export interface ConnectInitial {
  /** The GCC Conference Create Request (see gcc.ts). */
  userData: Buffer;
  target?: DomainParameters;
  minimum?: DomainParameters;
  maximum?: DomainParameters;
}

/** MCS Connect-Initial (the payload of an X.224 Data TPDU). */
export function encodeConnectInitial(ci: ConnectInitial): Buffer {
  const selector = berTlv([BER_OCTET_STRING], Buffer.from([1]));
  return berTlv(
    TAG_CONNECT_INITIAL,
    Buffer.concat([
      selector, // callingDomainSelector
      selector, // calledDomainSelector
      berTlv([BER_BOOLEAN], Buffer.from([0xff])), // upwardFlag TRUE
      encodeDomainParameters(ci.target ?? TARGET_PARAMETERS),
      encodeDomainParameters(ci.minimum ?? MINIMUM_PARAMETERS),
      encodeDomainParameters(ci.maximum ?? MAXIMUM_PARAMETERS),
      berTlv([BER_OCTET_STRING], ci.userData),
    ]),
  );
}

export function decodeConnectInitial(buf: Buffer): Required<ConnectInitial> {
  const top = new Reader(buf, 'MCS Connect-Initial');
  const r = readBerTlv(top, TAG_CONNECT_INITIAL, 'Connect-Initial');
  top.done('Connect-Initial');
  readBerTlv(r, [BER_OCTET_STRING], 'callingDomainSelector');
  readBerTlv(r, [BER_OCTET_STRING], 'calledDomainSelector');
  readBerTlv(r, [BER_BOOLEAN], 'upwardFlag');
  const target = readDomainParameters(r, 'targetParameters');
  const minimum = readDomainParameters(r, 'minimumParameters');
  const maximum = readDomainParameters(r, 'maximumParameters');
  const userData = readBerTlv(r, [BER_OCTET_STRING], 'userData').rest();
  return { userData, target, minimum, maximum };
}

export interface ConnectResponse {
  /** MCS Result: 0 is rt-successful. */
  result: number;
  calledConnectId: number;
  domainParameters: DomainParameters;
  /** The GCC Conference Create Response (see gcc.ts); empty when the server refused. */
  userData: Buffer;
}

export function encodeConnectResponse(cr: ConnectResponse): Buffer {
  return berTlv(
    TAG_CONNECT_RESPONSE,
    Buffer.concat([
      berTlv([BER_ENUMERATED], Buffer.from([cr.result])),
      berInteger(cr.calledConnectId),
      encodeDomainParameters(cr.domainParameters),
      berTlv([BER_OCTET_STRING], cr.userData),
    ]),
  );
}

export function decodeConnectResponse(buf: Buffer): ConnectResponse {
  const top = new Reader(buf, 'MCS Connect-Response');
  const r = readBerTlv(top, TAG_CONNECT_RESPONSE, 'Connect-Response');
  const result = readBerUnsigned(r, BER_ENUMERATED, 'result');
  // MS-RDPBCGR 3.3.5.3.3.1: a refusing server may send the result alone.
  if (result !== 0 && r.left === 0) {
    return { result, calledConnectId: 0, domainParameters: TARGET_PARAMETERS, userData: Buffer.alloc(0) };
  }
  const calledConnectId = readBerUnsigned(r, BER_INTEGER, 'calledConnectId');
  const domainParameters = readDomainParameters(r, 'domainParameters');
  const userData = readBerTlv(r, [BER_OCTET_STRING], 'userData').rest();
  return { result, calledConnectId, domainParameters, userData };
}

/** MCS Result values (T.125 §7 part 3). */
const RESULTS = [
  'rt-successful',
  'rt-domain-merging',
  'rt-domain-not-hierarchical',
  'rt-no-such-channel',
  'rt-no-such-domain',
  'rt-no-such-user',
  'rt-not-admitted',
  'rt-other-user-id',
  'rt-parameters-unacceptable',
  'rt-token-not-available',
  'rt-token-not-possessed',
  'rt-too-many-channels',
  'rt-too-many-tokens',
  'rt-too-many-users',
  'rt-unspecified-failure',
  'rt-user-rejected',
];
export const mcsResultName = (n: number) => RESULTS[n] ?? `result ${n}`;

// ---------------- PER domain PDUs ----------------

/** DomainMCSPDU choice indexes (T.125 §7 part 10), sent in the top six bits of the first byte. */
export const MCS_ERECT_DOMAIN_REQUEST = 1;
export const MCS_DISCONNECT_PROVIDER_ULTIMATUM = 8;
export const MCS_ATTACH_USER_REQUEST = 10;
export const MCS_ATTACH_USER_CONFIRM = 11;
export const MCS_CHANNEL_JOIN_REQUEST = 14;
export const MCS_CHANNEL_JOIN_CONFIRM = 15;
export const MCS_SEND_DATA_REQUEST = 25;
export const MCS_SEND_DATA_INDICATION = 26;

const USER_ID_BASE = 1001;

/** Reasons of Disconnect Provider Ultimatum (T.125 §7 part 3). */
export const RN_DOMAIN_DISCONNECTED = 0;
export const RN_PROVIDER_INITIATED = 1;
export const RN_TOKEN_PURGED = 2;
export const RN_USER_REQUESTED = 3;
export const RN_CHANNEL_PURGED = 4;
const REASONS = [
  'domain disconnected',
  'provider initiated',
  'token purged',
  'user requested',
  'channel purged',
];
export const mcsReasonName = (n: number) => REASONS[n] ?? `reason ${n}`;

function perLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n >= 0x4000) throw new RangeError(`PER length ${n} too large`);
  return Buffer.from([0x80 | (n >> 8), n & 0xff]);
}

function readPerLength(r: Reader, field: string): number {
  const b = r.u8(`${field} length`);
  if (!(b & 0x80)) return b;
  if (b & 0x40) throw malformed(r.what, `fragmented PER length in ${field}`);
  return ((b & 0x3f) << 8) | r.u8(`${field} length`);
}

/** Erect Domain Request with subHeight 0 and subInterval 0. */
export function encodeErectDomainRequest(): Buffer {
  return Buffer.from([MCS_ERECT_DOMAIN_REQUEST << 2, 1, 0, 1, 0]);
}

export function encodeAttachUserRequest(): Buffer {
  return Buffer.from([MCS_ATTACH_USER_REQUEST << 2]);
}

export function encodeAttachUserConfirm(result: number, userId?: number): Buffer {
  const w = new Writer().u8((MCS_ATTACH_USER_CONFIRM << 2) | (userId === undefined ? 0 : 2)).u8(result);
  if (userId !== undefined) w.u16be(userId - USER_ID_BASE);
  return w.toBuffer();
}

export function encodeChannelJoinRequest(userId: number, channelId: number): Buffer {
  return new Writer()
    .u8(MCS_CHANNEL_JOIN_REQUEST << 2)
    .u16be(userId - USER_ID_BASE)
    .u16be(channelId)
    .toBuffer();
}

export function encodeChannelJoinConfirm(
  result: number,
  userId: number,
  requested: number,
  channelId?: number,
): Buffer {
  const w = new Writer()
    .u8((MCS_CHANNEL_JOIN_CONFIRM << 2) | (channelId === undefined ? 0 : 2))
    .u8(result)
    .u16be(userId - USER_ID_BASE)
    .u16be(requested);
  if (channelId !== undefined) w.u16be(channelId);
  return w.toBuffer();
}

/** The second byte of Send Data: dataPriority high, segmentation begin|end (one whole PDU). */
const PRIORITY_SEGMENTATION = 0x70;

function encodeSendData(type: number, userId: number, channelId: number, data: Buffer): Buffer {
  const head = new Writer()
    .u8(type << 2)
    .u16be(userId - USER_ID_BASE)
    .u16be(channelId)
    .u8(PRIORITY_SEGMENTATION)
    .bytes(perLength(data.length))
    .toBuffer();
  return Buffer.concat([head, data]);
}

export const encodeSendDataRequest = (userId: number, channelId: number, data: Buffer) =>
  encodeSendData(MCS_SEND_DATA_REQUEST, userId, channelId, data);
export const encodeSendDataIndication = (userId: number, channelId: number, data: Buffer) =>
  encodeSendData(MCS_SEND_DATA_INDICATION, userId, channelId, data);

export function encodeDisconnectProviderUltimatum(reason = RN_USER_REQUESTED): Buffer {
  // The 3-bit reason follows the 6-bit choice: two bits in the first byte, one in the second.
  return Buffer.from([(MCS_DISCONNECT_PROVIDER_ULTIMATUM << 2) | (reason >> 1), (reason & 1) << 7]);
}

export type DomainPdu =
  | { type: 'erect-domain-request'; subHeight: number; subInterval: number }
  | { type: 'attach-user-request' }
  | { type: 'attach-user-confirm'; result: number; userId?: number }
  | { type: 'channel-join-request'; userId: number; channelId: number }
  | { type: 'channel-join-confirm'; result: number; userId: number; requested: number; channelId?: number }
  | { type: 'send-data-request' | 'send-data-indication'; userId: number; channelId: number; data: Buffer }
  | { type: 'disconnect-provider-ultimatum'; reason: number };

function readPerInteger(r: Reader, field: string): number {
  const len = readPerLength(r, field);
  if (len === 0 || len > 4) throw malformed(r.what, `${field} of ${len} bytes`);
  let n = 0;
  for (let i = 0; i < len; i++) n = n * 256 + r.u8(field);
  return n;
}

/** Parses a PER-encoded DomainMCSPDU (the payload of an X.224 Data TPDU). */
export function decodeDomainPdu(buf: Buffer): DomainPdu {
  const r = new Reader(buf, 'MCS domain PDU');
  const first = r.u8('choice');
  const choice = first >> 2;
  switch (choice) {
    case MCS_ERECT_DOMAIN_REQUEST: {
      const subHeight = readPerInteger(r, 'subHeight');
      return { type: 'erect-domain-request', subHeight, subInterval: readPerInteger(r, 'subInterval') };
    }
    case MCS_ATTACH_USER_REQUEST:
      return { type: 'attach-user-request' };
    case MCS_ATTACH_USER_CONFIRM: {
      const result = r.u8('result');
      if (!(first & 2)) return { type: 'attach-user-confirm', result };
      return { type: 'attach-user-confirm', result, userId: r.u16be('initiator') + USER_ID_BASE };
    }
    case MCS_CHANNEL_JOIN_REQUEST: {
      const userId = r.u16be('initiator') + USER_ID_BASE;
      return { type: 'channel-join-request', userId, channelId: r.u16be('channelId') };
    }
    case MCS_CHANNEL_JOIN_CONFIRM: {
      const result = r.u8('result');
      const userId = r.u16be('initiator') + USER_ID_BASE;
      const requested = r.u16be('requested');
      const out: DomainPdu = { type: 'channel-join-confirm', result, userId, requested };
      if (first & 2) out.channelId = r.u16be('channelId');
      return out;
    }
    case MCS_SEND_DATA_REQUEST:
    case MCS_SEND_DATA_INDICATION: {
      const userId = r.u16be('initiator') + USER_ID_BASE;
      const channelId = r.u16be('channelId');
      r.u8('dataPriority and segmentation');
      const len = readPerLength(r, 'userData');
      const data = r.bytes(len, 'userData');
      const type = choice === MCS_SEND_DATA_REQUEST ? 'send-data-request' : 'send-data-indication';
      return { type, userId, channelId, data };
    }
    case MCS_DISCONNECT_PROVIDER_ULTIMATUM: {
      const second = r.left > 0 ? r.u8('reason') : 0;
      return { type: 'disconnect-provider-ultimatum', reason: ((first & 3) << 1) | (second >> 7) };
    }
    default:
      throw malformed('MCS domain PDU', `unexpected choice ${choice}`);
  }
}
