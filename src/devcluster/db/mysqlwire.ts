// MySQL/MariaDB client/server protocol codec for the dev cluster's MySQL engine (mysql.ts), which
// is the server to the user's client and a client to the real database. Written from the MySQL
// client/server protocol documentation (packet framing, connection phase, command phase) and
// MariaDB's protocol pages; only what a proxy that authenticates by certificate needs.
import { TshError } from '../../util/errors.js';

export class MysqlWireError extends TshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-parameter', 1, options);
    this.name = 'MysqlWireError';
  }
}

const malformed = (what: string) => new MysqlWireError(`malformed MySQL packet: ${what}`);

// ---------------------------------------------------------------------------------------------
// Constants

/** Capability flags (the low 32 bits; MariaDB's extended flags live in the handshake filler). */
export const CLIENT = {
  LONG_PASSWORD: 0x1, // MariaDB reads this bit as CLIENT_MYSQL
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x1_0000,
  MULTI_RESULTS: 0x2_0000,
  PS_MULTI_RESULTS: 0x4_0000,
  PLUGIN_AUTH: 0x8_0000,
  CONNECT_ATTRS: 0x10_0000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x20_0000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x40_0000,
  SESSION_TRACK: 0x80_0000,
  DEPRECATE_EOF: 0x100_0000,
} as const;

export const SERVER_STATUS_AUTOCOMMIT = 0x0002;

/** Command bytes (first payload byte of a command-phase packet with sequence id 0). */
export const COM = {
  SLEEP: 0x00,
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
  /** MariaDB only. */
  STMT_BULK_EXECUTE: 0xfa,
} as const;

export const OK_HEADER = 0x00;
export const AUTH_MORE_DATA_HEADER = 0x01;
export const EOF_HEADER = 0xfe; // also AuthSwitchRequest during the connection phase
export const ERR_HEADER = 0xff;

/** Error codes used by the engine. */
export const ER = {
  ACCESS_DENIED: 1045,
  UNKNOWN_ERROR: 1105,
} as const;

export const MAX_PAYLOAD = 0xff_ffff;
const HEADER = 4;

// ---------------------------------------------------------------------------------------------
// Packet framing: 3-byte little-endian payload length, 1-byte sequence id. A payload of 16 MB - 1
// or more is split into MAX_PAYLOAD-sized frames (each with the next sequence id) and ends with a
// shorter frame, empty if need be.

/** Frames one logical payload. Returns the bytes and the sequence id for the next packet. */
export function encodePacket(payload: Buffer, seq: number): { bytes: Buffer; nextSeq: number } {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const n = Math.min(MAX_PAYLOAD, payload.length - off);
    const h = Buffer.alloc(HEADER);
    h.writeUIntLE(n, 0, 3);
    h[3] = seq & 0xff;
    parts.push(h, payload.subarray(off, off + n));
    seq = (seq + 1) & 0xff;
    off += n;
    if (n < MAX_PAYLOAD) break;
  }
  return { bytes: Buffer.concat(parts), nextSeq: seq };
}

export interface Packet {
  /** Sequence id of the first frame. */
  seq: number;
  /** Sequence id the peer's next packet must carry. */
  nextSeq: number;
  /** The reassembled payload. */
  payload: Buffer;
  /** Every frame as received (headers included), to relay unchanged. */
  raw: Buffer;
}

/** Incremental packet reader: push bytes, take whole (reassembled) packets. */
export class PacketDecoder {
  // Chunks are joined only once a whole packet is there, so a 16 MB packet arriving in small
  // chunks costs one copy, not one per chunk.
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes needed before the next packet can be complete. */
  private need = HEADER;
  private readonly maxPacket: number;

  constructor(o: { maxPacket?: number } = {}) {
    this.maxPacket = o.maxPacket ?? 1 << 30;
  }

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Bytes received but not yet returned as a packet. */
  get buffered(): number {
    return this.length;
  }

  private flat(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0]!;
  }

  /** Takes the buffered bytes (e.g. what follows an SSLRequest, before TLS starts). */
  drain(): Buffer {
    const b = this.length ? this.flat() : Buffer.alloc(0);
    this.chunks = [];
    this.length = 0;
    this.need = HEADER;
    return b;
  }

  next(): Packet | undefined {
    if (this.length < this.need) return undefined;
    const buf = this.flat();
    let off = 0;
    let total = 0;
    let frames = 0;
    for (;;) {
      if (buf.length - off < HEADER) {
        this.need = off + HEADER;
        return undefined;
      }
      const n = buf.readUIntLE(off, 3);
      total += n;
      if (total > this.maxPacket) throw malformed(`packet larger than ${this.maxPacket} bytes`);
      if (buf.length - off - HEADER < n) {
        this.need = off + HEADER + n;
        return undefined;
      }
      off += HEADER + n;
      frames++;
      if (n < MAX_PAYLOAD) break;
    }
    const raw = buf.subarray(0, off);
    this.chunks = off < buf.length ? [buf.subarray(off)] : [];
    this.length = buf.length - off;
    this.need = HEADER;
    const seq = raw[3]!;
    const payload =
      frames === 1
        ? raw.subarray(HEADER)
        : Buffer.concat(
            Array.from({ length: frames }, (_, i) => {
              const start = i * (HEADER + MAX_PAYLOAD);
              return raw.subarray(start + HEADER, start + HEADER + raw.readUIntLE(start, 3));
            }),
          );
    return { seq, nextSeq: (seq + frames) & 0xff, payload, raw };
  }
}

// ---------------------------------------------------------------------------------------------
// Primitive readers/writers

/** Bounds-checked reader, so truncated input becomes a MysqlWireError, never a RangeError. */
export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }
  bytes(n: number, field: string): Buffer {
    if (n > this.left) throw malformed(`${field} truncated (${n} bytes needed, ${this.left} left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(field: string): number {
    return this.bytes(1, field)[0]!;
  }
  u16(field: string): number {
    return this.bytes(2, field).readUInt16LE(0);
  }
  u32(field: string): number {
    return this.bytes(4, field).readUInt32LE(0);
  }
  /** Length-encoded integer (as a number; values past 2^53 are not expected in what we parse). */
  lenenc(field: string): number {
    const first = this.u8(field);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16(field);
    if (first === 0xfd) return this.bytes(3, field).readUIntLE(0, 3);
    if (first === 0xfe) return Number(this.bytes(8, field).readBigUInt64LE(0));
    throw malformed(`${field}: 0x${first.toString(16)} is not a length-encoded integer`);
  }
  lenencBytes(field: string): Buffer {
    return this.bytes(this.lenenc(`${field} length`), field);
  }
  /** NUL-terminated string; without a terminator, the rest of the packet when `eofOk`. */
  nulString(field: string, eofOk = false): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) {
      if (!eofOk) throw malformed(`${field} is not NUL-terminated`);
      return this.rest().toString('utf8');
    }
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  rest(): Buffer {
    return this.bytes(this.left, 'rest');
  }
}

export function lenencInt(n: number | bigint): Buffer {
  const v = BigInt(n);
  if (v < 0xfbn) return Buffer.from([Number(v)]);
  if (v <= 0xffffn) {
    const b = Buffer.alloc(3);
    b[0] = 0xfc;
    b.writeUInt16LE(Number(v), 1);
    return b;
  }
  if (v <= 0xff_ffffn) {
    const b = Buffer.alloc(4);
    b[0] = 0xfd;
    b.writeUIntLE(Number(v), 1, 3);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(v, 1);
  return b;
}

const lenencBuf = (b: Buffer) => Buffer.concat([lenencInt(b.length), b]);
const nul = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

// ---------------------------------------------------------------------------------------------
// Connection phase

/** Protocol::HandshakeV10, the server's first packet. */
export interface InitialHandshake {
  serverVersion: string;
  connectionId: number;
  /** The scramble (20 bytes from MySQL/MariaDB). */
  authPluginData: Buffer;
  capabilities: number;
  charset: number;
  statusFlags: number;
  authPluginName: string;
  /** MariaDB extended capabilities (only when the CLIENT_MYSQL bit is clear). */
  mariadbCapabilities?: number;
}

export function encodeInitialHandshake(h: InitialHandshake): Buffer {
  const caps = h.capabilities >>> 0;
  const data = h.authPluginData;
  const part1 = Buffer.alloc(8);
  data.copy(part1, 0, 0, Math.min(8, data.length));
  // Part 2 is at least 13 bytes, the last one a NUL that mysql_native_password clients skip.
  const part2 = Buffer.alloc(Math.max(13, data.length - 8 + 1));
  if (data.length > 8) data.copy(part2, 0, 8);
  const reserved = Buffer.alloc(10);
  if (h.mariadbCapabilities !== undefined) reserved.writeUInt32LE(h.mariadbCapabilities >>> 0, 6);
  return Buffer.concat([
    Buffer.from([10]),
    nul(h.serverVersion),
    u32(h.connectionId),
    part1,
    Buffer.from([0]),
    u16(caps & 0xffff),
    Buffer.from([h.charset]),
    u16(h.statusFlags),
    u16(caps >>> 16),
    Buffer.from([caps & CLIENT.PLUGIN_AUTH ? data.length + 1 : 0]),
    reserved,
    ...(caps & CLIENT.SECURE_CONNECTION ? [part2] : []),
    ...(caps & CLIENT.PLUGIN_AUTH ? [nul(h.authPluginName)] : []),
  ]);
}

export function decodeInitialHandshake(payload: Buffer): InitialHandshake {
  const r = new Reader(payload);
  const version = r.u8('protocol version');
  if (version !== 10) throw malformed(`protocol version ${version}, expected 10`);
  const serverVersion = r.nulString('server version');
  const connectionId = r.u32('connection id');
  const part1 = r.bytes(8, 'auth-plugin-data-part-1');
  r.u8('filler');
  let capabilities = r.u16('capability flags');
  let charset = 0;
  let statusFlags = 0;
  let authDataLen = 0;
  let mariadbCapabilities: number | undefined;
  let part2: Buffer = Buffer.alloc(0);
  let authPluginName = '';
  if (r.left > 0) {
    charset = r.u8('character set');
    statusFlags = r.u16('status flags');
    capabilities = (capabilities | (r.u16('capability flags (upper)') << 16)) >>> 0;
    authDataLen = r.u8('auth-plugin-data length');
    const reserved = r.bytes(10, 'reserved');
    if (!(capabilities & CLIENT.LONG_PASSWORD)) mariadbCapabilities = reserved.readUInt32LE(6);
    if (capabilities & CLIENT.SECURE_CONNECTION) {
      const n = Math.max(13, authDataLen - 8);
      part2 = r.bytes(Math.min(n, r.left), 'auth-plugin-data-part-2');
      // The trailing NUL is not part of the scramble.
      if (part2.length && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if (capabilities & CLIENT.PLUGIN_AUTH) authPluginName = r.nulString('auth plugin name', true);
  }
  return {
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, part2]),
    capabilities,
    charset,
    statusFlags,
    authPluginName,
    ...(mariadbCapabilities !== undefined ? { mariadbCapabilities } : {}),
  };
}

/** Protocol::SSLRequest: the first 32 bytes of a HandshakeResponse41, with CLIENT_SSL set. */
export interface SslRequest {
  capabilities: number;
  maxPacketSize: number;
  charset: number;
  mariadbCapabilities?: number;
}

function responsePrefix(o: SslRequest): Buffer {
  const filler = Buffer.alloc(23);
  if (o.mariadbCapabilities !== undefined) filler.writeUInt32LE(o.mariadbCapabilities >>> 0, 19);
  return Buffer.concat([u32(o.capabilities), u32(o.maxPacketSize), Buffer.from([o.charset]), filler]);
}

export function encodeSslRequest(o: SslRequest): Buffer {
  return responsePrefix({ ...o, capabilities: (o.capabilities | CLIENT.SSL) >>> 0 });
}

/** Protocol::HandshakeResponse41. */
export interface HandshakeResponse extends SslRequest {
  username: string;
  authResponse: Buffer;
  database?: string;
  authPluginName?: string;
  attributes?: Array<[string, string]>;
}

export function encodeHandshakeResponse(o: HandshakeResponse): Buffer {
  const caps = o.capabilities >>> 0;
  let auth: Buffer;
  if (caps & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) auth = lenencBuf(o.authResponse);
  else if (caps & CLIENT.SECURE_CONNECTION) {
    if (o.authResponse.length > 255) throw new MysqlWireError('auth response longer than 255 bytes');
    auth = Buffer.concat([Buffer.from([o.authResponse.length]), o.authResponse]);
  } else auth = Buffer.concat([o.authResponse, Buffer.from([0])]);
  const attrs = o.attributes ?? [];
  return Buffer.concat([
    responsePrefix(o),
    nul(o.username),
    auth,
    ...(caps & CLIENT.CONNECT_WITH_DB ? [nul(o.database ?? '')] : []),
    ...(caps & CLIENT.PLUGIN_AUTH ? [nul(o.authPluginName ?? '')] : []),
    ...(caps & CLIENT.CONNECT_ATTRS
      ? [
          lenencBuf(
            Buffer.concat(attrs.flatMap(([k, v]) => [lenencBuf(Buffer.from(k)), lenencBuf(Buffer.from(v))])),
          ),
        ]
      : []),
  ]);
}

/**
 * Decodes what a client sends after the initial handshake: an SSLRequest (32 bytes, CLIENT_SSL
 * set) or a HandshakeResponse41. Pre-4.1 clients are refused.
 */
export function decodeHandshakeResponse(
  payload: Buffer,
): ({ kind: 'ssl-request' } & SslRequest) | ({ kind: 'response' } & HandshakeResponse) {
  const r = new Reader(payload);
  const capabilities = r.u32('capability flags');
  if (!(capabilities & CLIENT.PROTOCOL_41)) throw malformed('client does not speak protocol 4.1');
  const maxPacketSize = r.u32('max packet size');
  const charset = r.u8('character set');
  const filler = r.bytes(23, 'filler');
  const mariadbCapabilities = capabilities & CLIENT.LONG_PASSWORD ? undefined : filler.readUInt32LE(19);
  const prefix = {
    capabilities,
    maxPacketSize,
    charset,
    ...(mariadbCapabilities !== undefined && mariadbCapabilities !== 0 ? { mariadbCapabilities } : {}),
  };
  if (r.left === 0 && capabilities & CLIENT.SSL) return { kind: 'ssl-request', ...prefix };
  const username = r.nulString('username');
  let authResponse: Buffer;
  if (capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes('auth response');
  else if (capabilities & CLIENT.SECURE_CONNECTION)
    authResponse = r.bytes(r.u8('auth response length'), 'auth response');
  else authResponse = Buffer.from(r.nulString('auth response', true), 'utf8');
  const out: { kind: 'response' } & HandshakeResponse = {
    kind: 'response',
    ...prefix,
    username,
    authResponse,
  };
  if (capabilities & CLIENT.CONNECT_WITH_DB && r.left > 0) out.database = r.nulString('database', true);
  if (capabilities & CLIENT.PLUGIN_AUTH && r.left > 0)
    out.authPluginName = r.nulString('auth plugin name', true);
  if (capabilities & CLIENT.CONNECT_ATTRS && r.left > 0) {
    const attrs = new Reader(r.lenencBytes('connection attributes'));
    out.attributes = [];
    while (attrs.left > 0) {
      const k = attrs.lenencBytes('attribute name').toString('utf8');
      out.attributes.push([k, attrs.lenencBytes('attribute value').toString('utf8')]);
    }
  }
  return out;
}

/** AuthSwitchRequest (0xFE during the connection phase): use another plugin with new data. */
export interface AuthSwitchRequest {
  pluginName: string;
  pluginData: Buffer;
}

export function encodeAuthSwitchRequest(o: AuthSwitchRequest): Buffer {
  return Buffer.concat([Buffer.from([EOF_HEADER]), nul(o.pluginName), o.pluginData]);
}

export function decodeAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const r = new Reader(payload);
  if (r.u8('header') !== EOF_HEADER) throw malformed('not an AuthSwitchRequest');
  // An old-style switch to mysql_old_password is a bare 0xFE.
  if (r.left === 0) return { pluginName: 'mysql_old_password', pluginData: Buffer.alloc(0) };
  const pluginName = r.nulString('plugin name', true);
  let pluginData = r.rest();
  if (pluginData.length && pluginData[pluginData.length - 1] === 0) pluginData = pluginData.subarray(0, -1);
  return { pluginName, pluginData };
}

// ---------------------------------------------------------------------------------------------
// Generic responses

export interface OkPacket {
  affectedRows: number;
  lastInsertId: number;
  statusFlags: number;
  warnings: number;
  info?: string;
}

/** OK_Packet, protocol 4.1 form. */
export function encodeOk(o: Partial<OkPacket> = {}): Buffer {
  return Buffer.concat([
    Buffer.from([OK_HEADER]),
    lenencInt(o.affectedRows ?? 0),
    lenencInt(o.lastInsertId ?? 0),
    u16(o.statusFlags ?? 0),
    u16(o.warnings ?? 0),
    Buffer.from(o.info ?? '', 'utf8'),
  ]);
}

export function decodeOk(payload: Buffer): OkPacket {
  const r = new Reader(payload);
  const h = r.u8('header');
  if (h !== OK_HEADER && h !== EOF_HEADER) throw malformed('not an OK packet');
  const ok: OkPacket = {
    affectedRows: r.lenenc('affected rows'),
    lastInsertId: r.lenenc('last insert id'),
    statusFlags: r.left >= 2 ? r.u16('status flags') : 0,
    warnings: r.left >= 2 ? r.u16('warnings') : 0,
  };
  if (r.left > 0) ok.info = r.rest().toString('utf8');
  return ok;
}

export interface ErrPacket {
  code: number;
  /** Five characters; absent in errors sent before the client said it speaks 4.1. */
  sqlState?: string;
  message: string;
}

/** ERR_Packet; with `protocol41` (every 4.1 client) the SQL state follows a '#' marker. */
export function encodeErr(e: ErrPacket, protocol41 = true): Buffer {
  return Buffer.concat([
    Buffer.from([ERR_HEADER]),
    u16(e.code),
    ...(protocol41 ? [Buffer.from(`#${(e.sqlState ?? 'HY000').padEnd(5, '0').slice(0, 5)}`, 'latin1')] : []),
    Buffer.from(e.message, 'utf8'),
  ]);
}

export function decodeErr(payload: Buffer): ErrPacket {
  const r = new Reader(payload);
  if (r.u8('header') !== ERR_HEADER) throw malformed('not an ERR packet');
  const code = r.u16('error code');
  if (r.left >= 6 && r.buf[r.pos] === 0x23 /* # */) {
    r.u8('sql state marker');
    const sqlState = r.bytes(5, 'sql state').toString('latin1');
    return { code, sqlState, message: r.rest().toString('utf8') };
  }
  return { code, message: r.rest().toString('utf8') };
}

export interface EofPacket {
  warnings: number;
  statusFlags: number;
}

export function encodeEof(o: Partial<EofPacket> = {}): Buffer {
  return Buffer.concat([Buffer.from([EOF_HEADER]), u16(o.warnings ?? 0), u16(o.statusFlags ?? 0)]);
}

/** An EOF packet is 0xFE with less than 9 bytes (longer 0xFE packets are rows or OKs). */
export function isEof(payload: Buffer): boolean {
  return payload[0] === EOF_HEADER && payload.length < 9;
}

export function decodeEof(payload: Buffer): EofPacket {
  const r = new Reader(payload);
  if (r.u8('header') !== EOF_HEADER) throw malformed('not an EOF packet');
  return {
    warnings: r.left >= 2 ? r.u16('warnings') : 0,
    statusFlags: r.left >= 2 ? r.u16('status flags') : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Command phase

export const REFRESH_SUBCOMMANDS: Record<number, string> = {
  0x01: 'REFRESH_GRANT',
  0x02: 'REFRESH_LOG',
  0x04: 'REFRESH_TABLES',
  0x08: 'REFRESH_HOSTS',
  0x10: 'REFRESH_STATUS',
  0x20: 'REFRESH_THREADS',
  0x40: 'REFRESH_SLAVE',
  0x80: 'REFRESH_MASTER',
};

export type Command =
  | { kind: 'query'; query: string }
  | { kind: 'quit' }
  | { kind: 'init-db'; schema: string }
  | { kind: 'create-db'; schema: string }
  | { kind: 'drop-db'; schema: string }
  | { kind: 'refresh'; subcommand: string }
  | { kind: 'shutdown' }
  | { kind: 'process-kill'; processId: number }
  | { kind: 'debug' }
  | { kind: 'change-user'; user: string }
  | { kind: 'stmt-prepare'; query: string }
  | { kind: 'stmt-execute'; statementId: number; flags: number; iterationCount: number }
  | { kind: 'stmt-send-long-data'; statementId: number; parameterId: number; dataSize: number }
  | { kind: 'stmt-close'; statementId: number }
  | { kind: 'stmt-reset'; statementId: number }
  | { kind: 'stmt-fetch'; statementId: number; rowsCount: number }
  | { kind: 'stmt-bulk-execute'; statementId: number; flags: number }
  | { kind: 'other'; command: number };

/** Decodes a command-phase packet from the client. */
export function decodeCommand(payload: Buffer): Command {
  const r = new Reader(payload);
  const command = r.u8('command');
  const text = () => r.rest().toString('utf8');
  switch (command) {
    case COM.QUERY:
      return { kind: 'query', query: text() };
    case COM.QUIT:
      return { kind: 'quit' };
    case COM.INIT_DB:
      return { kind: 'init-db', schema: text() };
    case COM.CREATE_DB:
      return { kind: 'create-db', schema: text() };
    case COM.DROP_DB:
      return { kind: 'drop-db', schema: text() };
    case COM.REFRESH: {
      const sub = r.u8('COM_REFRESH subcommand');
      const subcommand = REFRESH_SUBCOMMANDS[sub];
      if (!subcommand) throw malformed(`COM_REFRESH subcommand 0x${sub.toString(16)}`);
      return { kind: 'refresh', subcommand };
    }
    case COM.SHUTDOWN:
      return { kind: 'shutdown' };
    case COM.PROCESS_KILL:
      return { kind: 'process-kill', processId: r.u32('COM_PROCESS_KILL process id') };
    case COM.DEBUG:
      return { kind: 'debug' };
    case COM.CHANGE_USER:
      return { kind: 'change-user', user: r.nulString('COM_CHANGE_USER user') };
    case COM.STMT_PREPARE:
      return { kind: 'stmt-prepare', query: text() };
    case COM.STMT_EXECUTE:
      return {
        kind: 'stmt-execute',
        statementId: r.u32('COM_STMT_EXECUTE statement id'),
        flags: r.u8('COM_STMT_EXECUTE flags'),
        iterationCount: r.u32('COM_STMT_EXECUTE iteration count'),
      };
    case COM.STMT_SEND_LONG_DATA:
      return {
        kind: 'stmt-send-long-data',
        statementId: r.u32('COM_STMT_SEND_LONG_DATA statement id'),
        parameterId: r.u16('COM_STMT_SEND_LONG_DATA parameter id'),
        dataSize: r.left,
      };
    case COM.STMT_CLOSE:
      return { kind: 'stmt-close', statementId: r.u32('COM_STMT_CLOSE statement id') };
    case COM.STMT_RESET:
      return { kind: 'stmt-reset', statementId: r.u32('COM_STMT_RESET statement id') };
    case COM.STMT_FETCH:
      return {
        kind: 'stmt-fetch',
        statementId: r.u32('COM_STMT_FETCH statement id'),
        rowsCount: r.u32('COM_STMT_FETCH rows'),
      };
    case COM.STMT_BULK_EXECUTE:
      return {
        kind: 'stmt-bulk-execute',
        statementId: r.u32('COM_STMT_BULK_EXECUTE statement id'),
        flags: r.u16('COM_STMT_BULK_EXECUTE flags'),
      };
    default:
      return { kind: 'other', command };
  }
}

/** Encodes the simple commands (what a client sends; used by tests and the engine's own login). */
export function encodeCommand(c: Exclude<Command, { kind: 'other' | 'change-user' }>): Buffer {
  const str = (code: number, s: string) => Buffer.concat([Buffer.from([code]), Buffer.from(s, 'utf8')]);
  switch (c.kind) {
    case 'query':
      return str(COM.QUERY, c.query);
    case 'quit':
      return Buffer.from([COM.QUIT]);
    case 'init-db':
      return str(COM.INIT_DB, c.schema);
    case 'create-db':
      return str(COM.CREATE_DB, c.schema);
    case 'drop-db':
      return str(COM.DROP_DB, c.schema);
    case 'refresh': {
      const sub = Object.entries(REFRESH_SUBCOMMANDS).find(([, v]) => v === c.subcommand);
      if (!sub) throw new MysqlWireError(`unknown COM_REFRESH subcommand ${c.subcommand}`);
      return Buffer.from([COM.REFRESH, Number(sub[0])]);
    }
    case 'shutdown':
      return Buffer.from([COM.SHUTDOWN]);
    case 'process-kill':
      return Buffer.concat([Buffer.from([COM.PROCESS_KILL]), u32(c.processId)]);
    case 'debug':
      return Buffer.from([COM.DEBUG]);
    case 'stmt-prepare':
      return str(COM.STMT_PREPARE, c.query);
    case 'stmt-execute':
      return Buffer.concat([
        Buffer.from([COM.STMT_EXECUTE]),
        u32(c.statementId),
        Buffer.from([c.flags]),
        u32(c.iterationCount),
      ]);
    case 'stmt-send-long-data':
      return Buffer.concat([
        Buffer.from([COM.STMT_SEND_LONG_DATA]),
        u32(c.statementId),
        u16(c.parameterId),
        Buffer.alloc(c.dataSize),
      ]);
    case 'stmt-close':
      return Buffer.concat([Buffer.from([COM.STMT_CLOSE]), u32(c.statementId)]);
    case 'stmt-reset':
      return Buffer.concat([Buffer.from([COM.STMT_RESET]), u32(c.statementId)]);
    case 'stmt-fetch':
      return Buffer.concat([Buffer.from([COM.STMT_FETCH]), u32(c.statementId), u32(c.rowsCount)]);
    case 'stmt-bulk-execute':
      return Buffer.concat([Buffer.from([COM.STMT_BULK_EXECUTE]), u32(c.statementId), u16(c.flags)]);
  }
}
