// T.124 GCC Conference Create Request/Response as RDP wraps its settings (MS-RDPBCGR 2.2.1.3.1 –
// 2.2.1.4.6): the PER-encoded ConnectData/ConnectGCCPDU envelope with the H.221 non-standard keys
// "Duca" (client) and "McDn" (server), around concatenated user data blocks (TS_UD_HEADER type
// and length, little-endian).
import { Reader, Writer, hex } from './bytes.js';
import { malformed } from './errors.js';

// T.124 object identifier {itu-t(0) recommendation(0) t(20) t124(124) version(0) 1}, PER-encoded:
// key choice "object", length 5, then the packed arcs.
const T124_IDENTIFIER = Buffer.from([0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01]);
const H221_CLIENT_KEY = Buffer.from('Duca', 'latin1');
const H221_SERVER_KEY = Buffer.from('McDn', 'latin1');
/** ConnectGCCPDU choice conferenceCreateRequest with the userData option, conferenceName "1",
 * lockedConference/listedConference/conducibleConference FALSE, terminationMethod automatic, one
 * userData set member whose key is h221NonStandard of length 4. */
const CREATE_REQUEST_HEADER = Buffer.from([0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x00]);
/** conferenceCreateResponse choice, nodeID (0x79f3 - 1001), tag 1, result success, one set
 * member keyed h221NonStandard of length 4. */
const CREATE_RESPONSE_HEADER = Buffer.from([0x14, 0x76, 0x0a, 0x01, 0x01, 0x00, 0x01, 0xc0, 0x00]);

// User data block types (MS-RDPBCGR 2.2.1.3.1, 2.2.1.4.1).
export const CS_CORE = 0xc001;
export const CS_SECURITY = 0xc002;
export const CS_NET = 0xc003;
export const CS_CLUSTER = 0xc004;
export const SC_CORE = 0x0c01;
export const SC_SECURITY = 0x0c02;
export const SC_NET = 0x0c03;
export const SC_MCS_MSGCHANNEL = 0x0c04;
export const SC_MULTITRANSPORT = 0x0c08;

function perLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  return Buffer.from([0x80 | (n >> 8), n & 0xff]);
}

function readPerLength(r: Reader, field: string): number {
  const b = r.u8(`${field} length`);
  return b & 0x80 ? ((b & 0x7f) << 8) | r.u8(`${field} length`) : b;
}

/** ConnectData carrying a Conference Create Request around the client's user data blocks. */
export function encodeConferenceCreateRequest(userData: Buffer): Buffer {
  const udLength = perLength(userData.length);
  const pduLength = CREATE_REQUEST_HEADER.length + H221_CLIENT_KEY.length + udLength.length + userData.length;
  return Buffer.concat([
    T124_IDENTIFIER,
    perLength(pduLength),
    CREATE_REQUEST_HEADER,
    H221_CLIENT_KEY,
    udLength,
    userData,
  ]);
}

function readIdentifier(r: Reader): void {
  const id = r.bytes(T124_IDENTIFIER.length, 'T.124 identifier');
  if (!id.equals(T124_IDENTIFIER)) throw malformed(r.what, `T.124 identifier ${id.toString('hex')}`);
  // The connectPDU length: some servers put a wrong value here (MS-RDPBCGR 4.1.4), so it is
  // read and ignored.
  readPerLength(r, 'connectPDU');
}

/** The user data blocks of a Conference Create Request (the server side, for tests and peers). */
export function decodeConferenceCreateRequest(buf: Buffer): Buffer {
  const r = new Reader(buf, 'GCC Conference Create Request');
  readIdentifier(r);
  const head = r.bytes(CREATE_REQUEST_HEADER.length, 'ConferenceCreateRequest');
  if (!head.equals(CREATE_REQUEST_HEADER)) throw malformed(r.what, `header ${head.toString('hex')}`);
  const key = r.bytes(4, 'H.221 key');
  if (!key.equals(H221_CLIENT_KEY)) throw malformed(r.what, `H.221 key ${key.toString('hex')}`);
  return r.bytes(readPerLength(r, 'userData'), 'userData');
}

export function encodeConferenceCreateResponse(userData: Buffer): Buffer {
  const udLength = perLength(userData.length);
  const pduLength =
    CREATE_RESPONSE_HEADER.length + H221_SERVER_KEY.length + udLength.length + userData.length;
  return Buffer.concat([
    T124_IDENTIFIER,
    perLength(pduLength),
    CREATE_RESPONSE_HEADER,
    H221_SERVER_KEY,
    udLength,
    userData,
  ]);
}

/** The user data blocks of a Conference Create Response. */
export function decodeConferenceCreateResponse(buf: Buffer): Buffer {
  const r = new Reader(buf, 'GCC Conference Create Response');
  readIdentifier(r);
  const choice = r.u8('ConnectGCCPDU choice');
  if (choice !== 0x14) throw malformed(r.what, `choice ${hex(choice)}, expected conferenceCreateResponse`);
  r.u16be('nodeID');
  const tagLength = r.u8('tag length');
  r.skip(tagLength, 'tag');
  const result = r.u8('result');
  if (result !== 0) throw malformed(r.what, `result ${result}`);
  const sets = r.u8('userData count');
  if (sets !== 1) throw malformed(r.what, `${sets} userData set members`);
  const keyChoice = r.u8('userData key choice');
  if (keyChoice !== 0xc0) throw malformed(r.what, `userData key choice ${hex(keyChoice)}`);
  const key = r.bytes(r.u8('H.221 key length') + 4, 'H.221 key');
  if (!key.equals(H221_SERVER_KEY)) throw malformed(r.what, `H.221 key ${key.toString('hex')}`);
  return r.bytes(readPerLength(r, 'userData'), 'userData');
}

// ---------------- user data blocks ----------------

export interface UserDataBlock {
  type: number;
  data: Buffer;
}

export function encodeUserDataBlocks(blocks: UserDataBlock[]): Buffer {
  return Buffer.concat(
    blocks.map((b) =>
      Buffer.concat([
        new Writer()
          .u16(b.type)
          .u16(b.data.length + 4)
          .toBuffer(),
        b.data,
      ]),
    ),
  );
}

export function decodeUserDataBlocks(buf: Buffer, what: string): UserDataBlock[] {
  const r = new Reader(buf, what);
  const out: UserDataBlock[] = [];
  while (r.left > 0) {
    const type = r.u16('block type');
    const length = r.u16('block length');
    if (length < 4) throw malformed(what, `block ${hex(type, 4)} length ${length}`);
    out.push({ type, data: r.bytes(length - 4, `block ${hex(type, 4)}`) });
  }
  return out;
}

// TS_UD_CS_CORE constants.
export const RDP_VERSION_5_PLUS = 0x00080004;
export const RDP_VERSION_10_7 = 0x0008000c;
export const RNS_UD_COLOR_8BPP = 0xca01;
export const RNS_UD_SAS_DEL = 0xaa03;
export const RNS_UD_24BPP_SUPPORT = 0x0001;
export const RNS_UD_16BPP_SUPPORT = 0x0002;
export const RNS_UD_15BPP_SUPPORT = 0x0004;
export const RNS_UD_32BPP_SUPPORT = 0x0008;
export const RNS_UD_CS_SUPPORT_ERRINFO_PDU = 0x0001;
export const RNS_UD_CS_WANT_32BPP_SESSION = 0x0002;
export const RNS_UD_CS_STRONG_ASYMMETRIC_KEYS = 0x0008;
export const RNS_UD_CS_VALID_CONNECTION_TYPE = 0x0020;
export const RNS_UD_CS_SUPPORT_DYNVC_GFX_PROTOCOL = 0x0100;
export const CONNECTION_TYPE_LAN = 6;
export const KEYBOARD_TYPE_IBM_ENHANCED = 4;

export interface ClientCoreData {
  version: number;
  desktopWidth: number;
  desktopHeight: number;
  keyboardLayout: number;
  clientBuild: number;
  clientName: string;
  keyboardType: number;
  keyboardSubType: number;
  keyboardFunctionKey: number;
  highColorDepth: number;
  supportedColorDepths: number;
  earlyCapabilityFlags: number;
  connectionType: number;
  serverSelectedProtocol: number;
}

/** TS_UD_CS_CORE up to serverSelectedProtocol (212 bytes of data after the block header). */
export function encodeClientCoreData(c: ClientCoreData): UserDataBlock {
  const w = new Writer()
    .u32(c.version)
    .u16(c.desktopWidth)
    .u16(c.desktopHeight)
    .u16(RNS_UD_COLOR_8BPP) // colorDepth: ignored when highColorDepth is present
    .u16(RNS_UD_SAS_DEL)
    .u32(c.keyboardLayout)
    .u32(c.clientBuild)
    .utf16Fixed(c.clientName, 32)
    .u32(c.keyboardType)
    .u32(c.keyboardSubType)
    .u32(c.keyboardFunctionKey)
    .zeros(64) // imeFileName
    .u16(RNS_UD_COLOR_8BPP) // postBeta2ColorDepth
    .u16(1) // clientProductId
    .u32(0) // serialNumber
    .u16(c.highColorDepth)
    .u16(c.supportedColorDepths)
    .u16(c.earlyCapabilityFlags)
    .zeros(64) // clientDigProductId
    .u8(c.connectionType)
    .u8(0) // pad1octet
    .u32(c.serverSelectedProtocol);
  return { type: CS_CORE, data: w.toBuffer() };
}

export function decodeClientCoreData(data: Buffer): ClientCoreData {
  const r = new Reader(data, 'TS_UD_CS_CORE');
  const version = r.u32('version');
  const desktopWidth = r.u16('desktopWidth');
  const desktopHeight = r.u16('desktopHeight');
  r.skip(4, 'colorDepth and SASSequence');
  const keyboardLayout = r.u32('keyboardLayout');
  const clientBuild = r.u32('clientBuild');
  const clientName = r.utf16z(32, 'clientName');
  const keyboardType = r.u32('keyboardType');
  const keyboardSubType = r.u32('keyboardSubType');
  const keyboardFunctionKey = r.u32('keyboardFunctionKey');
  r.skip(64, 'imeFileName');
  // Everything after imeFileName is optional; each field may be present only if all earlier ones are.
  const opt = (n: number, read: () => number) => (r.left >= n ? read() : 0);
  opt(2, () => r.u16('postBeta2ColorDepth'));
  opt(2, () => r.u16('clientProductId'));
  opt(4, () => r.u32('serialNumber'));
  const highColorDepth = opt(2, () => r.u16('highColorDepth'));
  const supportedColorDepths = opt(2, () => r.u16('supportedColorDepths'));
  const earlyCapabilityFlags = opt(2, () => r.u16('earlyCapabilityFlags'));
  if (r.left >= 64) r.skip(64, 'clientDigProductId');
  const connectionType = opt(1, () => r.u8('connectionType'));
  opt(1, () => r.u8('pad1octet'));
  const serverSelectedProtocol = opt(4, () => r.u32('serverSelectedProtocol'));
  return {
    version,
    desktopWidth,
    desktopHeight,
    keyboardLayout,
    clientBuild,
    clientName,
    keyboardType,
    keyboardSubType,
    keyboardFunctionKey,
    highColorDepth,
    supportedColorDepths,
    earlyCapabilityFlags,
    connectionType,
    serverSelectedProtocol,
  };
}

/** TS_UD_CS_SEC: no encryption methods (TLS protects the connection). */
export function encodeClientSecurityData(encryptionMethods = 0): UserDataBlock {
  return { type: CS_SECURITY, data: new Writer().u32(encryptionMethods).u32(0).toBuffer() };
}

export interface ChannelDef {
  /** At most 7 ASCII characters. */
  name: string;
  options: number;
}

// CHANNEL_DEF options (MS-RDPBCGR 2.2.1.3.4.1).
export const CHANNEL_OPTION_INITIALIZED = 0x80000000;
export const CHANNEL_OPTION_ENCRYPT_RDP = 0x40000000;
export const CHANNEL_OPTION_COMPRESS_RDP = 0x00800000;
export const CHANNEL_OPTION_SHOW_PROTOCOL = 0x00200000;

/** TS_UD_CS_NET: the static virtual channels the client asks for. */
export function encodeClientNetworkData(channels: ChannelDef[]): UserDataBlock {
  const w = new Writer().u32(channels.length);
  for (const c of channels) w.asciiFixed(c.name, 8).u32(c.options);
  return { type: CS_NET, data: w.toBuffer() };
}

export function decodeClientNetworkData(data: Buffer): ChannelDef[] {
  const r = new Reader(data, 'TS_UD_CS_NET');
  const n = r.u32('channelCount');
  const out: ChannelDef[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.bytes(8, 'channel name').toString('latin1').replace(/\0.*$/s, '');
    out.push({ name, options: r.u32('channel options') });
  }
  return out;
}

// TS_UD_CS_CLUSTER flags.
export const REDIRECTION_SUPPORTED = 0x01;
export const REDIRECTION_VERSION4 = 0x03 << 2;

/** TS_UD_CS_CLUSTER: redirection supported (version 4), no session to reconnect to. */
export function encodeClientClusterData(flags = REDIRECTION_SUPPORTED | REDIRECTION_VERSION4): UserDataBlock {
  return { type: CS_CLUSTER, data: new Writer().u32(flags).u32(0).toBuffer() };
}

// ---------------- server blocks ----------------

export interface ServerData {
  version: number;
  clientRequestedProtocols?: number;
  earlyCapabilityFlags?: number;
  encryptionMethod: number;
  encryptionLevel: number;
  /** The I/O (global) channel: slow-path PDUs travel on it. */
  ioChannelId: number;
  /** The ids of the static channels, in the order the client asked for them (0: refused). */
  channelIds: number[];
  messageChannelId?: number;
  multitransportFlags?: number;
}

export function encodeServerData(s: ServerData): Buffer {
  const core = new Writer().u32(s.version);
  if (s.clientRequestedProtocols !== undefined) {
    core.u32(s.clientRequestedProtocols);
    if (s.earlyCapabilityFlags !== undefined) core.u32(s.earlyCapabilityFlags);
  }
  const net = new Writer().u16(s.ioChannelId).u16(s.channelIds.length);
  for (const id of s.channelIds) net.u16(id);
  if (s.channelIds.length % 2 === 1) net.u16(0); // pad to a multiple of 4 bytes
  const blocks: UserDataBlock[] = [
    { type: SC_CORE, data: core.toBuffer() },
    { type: SC_SECURITY, data: new Writer().u32(s.encryptionMethod).u32(s.encryptionLevel).toBuffer() },
    { type: SC_NET, data: net.toBuffer() },
  ];
  if (s.messageChannelId !== undefined) {
    blocks.push({ type: SC_MCS_MSGCHANNEL, data: new Writer().u16(s.messageChannelId).toBuffer() });
  }
  if (s.multitransportFlags !== undefined) {
    blocks.push({ type: SC_MULTITRANSPORT, data: new Writer().u32(s.multitransportFlags).toBuffer() });
  }
  return encodeUserDataBlocks(blocks);
}

/** Reads the server's user data blocks; core, security and network data are required. */
export function decodeServerData(buf: Buffer): ServerData {
  const what = 'server settings data';
  let core: Partial<ServerData> | undefined;
  let security: { encryptionMethod: number; encryptionLevel: number } | undefined;
  let net: { ioChannelId: number; channelIds: number[] } | undefined;
  const extra: Partial<ServerData> = {};
  for (const b of decodeUserDataBlocks(buf, what)) {
    const r = new Reader(b.data, what);
    switch (b.type) {
      case SC_CORE:
        core = { version: r.u32('SC_CORE version') };
        if (r.left >= 4) core.clientRequestedProtocols = r.u32('clientRequestedProtocols');
        if (r.left >= 4) core.earlyCapabilityFlags = r.u32('earlyCapabilityFlags');
        break;
      case SC_SECURITY:
        // With encryption the block goes on with the server random and certificate; TLS has none.
        security = { encryptionMethod: r.u32('encryptionMethod'), encryptionLevel: r.u32('encryptionLevel') };
        break;
      case SC_NET: {
        const ioChannelId = r.u16('MCSChannelId');
        const n = r.u16('channelCount');
        const channelIds: number[] = [];
        for (let i = 0; i < n; i++) channelIds.push(r.u16('channelIdArray'));
        net = { ioChannelId, channelIds };
        break;
      }
      case SC_MCS_MSGCHANNEL:
        extra.messageChannelId = r.u16('MCSChannelId');
        break;
      case SC_MULTITRANSPORT:
        extra.multitransportFlags = r.u32('flags');
        break;
      default:
        break; // blocks from newer servers are skipped
    }
  }
  if (!core) throw malformed(what, 'no SC_CORE block');
  if (!security) throw malformed(what, 'no SC_SECURITY block');
  if (!net) throw malformed(what, 'no SC_NET block');
  return { version: core.version!, ...core, ...security, ...net, ...extra };
}
