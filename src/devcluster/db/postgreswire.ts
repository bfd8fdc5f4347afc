// The bits of the PostgreSQL v3 wire protocol the dev cluster's database service reads and writes
// itself (protocol-message-formats in the PostgreSQL docs): start-up packets (SSLRequest,
// GSSENCRequest, CancelRequest, StartupMessage) with pgproto3's limits, a framer that splits a
// byte stream into typed messages without copying the ones nobody looks at, the client messages
// the audit log records (Query, Parse, Bind, Execute, Close, FunctionCall), and ErrorResponse.
// Server messages are decoded with pg-protocol (postgres.ts).

/** Start-up request codes (the int32 after the length). */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
export const PROTOCOL_V3 = 196608;
/** pgproto3's maxStartupPacketLen (the server's MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET = 10000;

export class PostgresWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresWireError';
  }
}

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number; raw: Buffer }
  | { kind: 'startup'; parameters: Record<string, string>; raw: Buffer };

/**
 * One start-up packet from the front of `buf`, with how many bytes it took; undefined when more
 * bytes are needed. Wording of the errors as pgproto3's Backend.ReceiveStartupMessage.
 */
export function readStartupPacket(buf: Buffer): { packet: StartupPacket; length: number } | undefined {
  if (buf.length < 4) return undefined;
  const len = buf.readUInt32BE(0);
  if (len < 8 || len > MAX_STARTUP_PACKET) {
    throw new PostgresWireError(`invalid length of startup packet: ${len}`);
  }
  if (buf.length < len) return undefined;
  const body = buf.subarray(4, len);
  const code = body.readUInt32BE(0);
  switch (code) {
    case SSL_REQUEST_CODE:
      return { packet: { kind: 'ssl' }, length: len };
    case GSSENC_REQUEST_CODE:
      return { packet: { kind: 'gssenc' }, length: len };
    case CANCEL_REQUEST_CODE:
      if (body.length !== 12) throw new PostgresWireError('bad cancel request size');
      return {
        packet: {
          kind: 'cancel',
          processId: body.readUInt32BE(4),
          secretKey: body.readUInt32BE(8),
          raw: Buffer.from(buf.subarray(0, len)),
        },
        length: len,
      };
    case PROTOCOL_V3:
      return {
        packet: {
          kind: 'startup',
          parameters: startupParameters(body.subarray(4)),
          raw: Buffer.from(buf.subarray(0, len)),
        },
        length: len,
      };
    default:
      throw new PostgresWireError(`unknown startup message code: ${code}`);
  }
}

/** key\0value\0 … \0 */
function startupParameters(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  for (;;) {
    const k = cstring(b, off, 'StartupMessage');
    off = k.next;
    if (!k.value) break;
    const v = cstring(b, off, 'StartupMessage');
    off = v.next;
    out[k.value] = v.value;
  }
  return out;
}

function cstring(b: Buffer, off: number, what: string): { value: string; next: number } {
  const end = b.indexOf(0, off);
  if (end < 0) throw new PostgresWireError(`invalid ${what}: missing string terminator`);
  return { value: b.toString('utf8', off, end), next: end + 1 };
}

/** A StartupMessage (protocol 3.0) with these parameters. */
export function encodeStartupMessage(parameters: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(parameters)) parts.push(Buffer.from(`${k}\0${v}\0`));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.writeUInt32BE(PROTOCOL_V3, 4);
  return Buffer.concat([head, body]);
}

export interface ErrorFields {
  severity?: string;
  code?: string;
  message: string;
  detail?: string;
}

/**
 * ErrorResponse ('E'): like pgproto3's encoder, only the fields that are set. Teleport answers its
 * own refusals with the message alone (lib/srv/db/postgres toErrorResponse), psql prints it as is.
 */
export function encodeErrorResponse(e: ErrorFields): Buffer {
  const fields: Buffer[] = [];
  const add = (tag: string, v: string | undefined) => {
    if (v) fields.push(Buffer.from(`${tag}${v}\0`));
  };
  add('S', e.severity);
  add('V', e.severity);
  add('C', e.code);
  add('M', e.message);
  add('D', e.detail);
  fields.push(Buffer.from([0]));
  const body = Buffer.concat(fields);
  const head = Buffer.alloc(5);
  head[0] = 0x45; // 'E'
  head.writeUInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * Splits a stream of typed messages (type byte, int32 length including itself, body). Messages
 * whose type `want` accepts are handed over whole (one copy when they span chunks); the others are
 * only counted past, so bulk data (DataRow, CopyData) costs no allocation.
 */
export class MessageFramer {
  private type = -1;
  /** Body bytes still to come of the current message. */
  private left = 0;
  private header = Buffer.alloc(5);
  private headerLen = 0;
  private parts: Buffer[] | undefined;
  private bodyLen = 0;

  constructor(
    private readonly want: (type: number) => boolean,
    private readonly onMessage: (type: number, body: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.type < 0) {
        const n = Math.min(5 - this.headerLen, chunk.length - off);
        chunk.copy(this.header, this.headerLen, off, off + n);
        this.headerLen += n;
        off += n;
        if (this.headerLen < 5) return;
        this.headerLen = 0;
        const len = this.header.readUInt32BE(1);
        if (len < 4) throw new PostgresWireError(`invalid message length ${len}`);
        this.type = this.header[0]!;
        this.left = len - 4;
        this.bodyLen = this.left;
        this.parts = this.want(this.type) ? [] : undefined;
        if (this.left === 0) this.finish(Buffer.alloc(0));
        continue;
      }
      const n = Math.min(this.left, chunk.length - off);
      if (this.parts) this.parts.push(chunk.subarray(off, off + n));
      this.left -= n;
      off += n;
      if (this.left === 0) {
        const parts = this.parts;
        this.finish(
          parts ? (parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.bodyLen)) : Buffer.alloc(0),
        );
      }
    }
  }

  private finish(body: Buffer): void {
    const type = this.type;
    const wanted = !!this.parts;
    this.type = -1;
    this.parts = undefined;
    if (wanted) this.onMessage(type, body);
  }
}

/** Client (frontend) message types the audit log looks at. */
export const FE = {
  query: 0x51, // 'Q'
  parse: 0x50, // 'P'
  bind: 0x42, // 'B'
  execute: 0x45, // 'E'
  close: 0x43, // 'C'
  functionCall: 0x46, // 'F'
  terminate: 0x58, // 'X'
} as const;

const AUDITED = new Set<number>(Object.values(FE));
export const isAuditedClientMessage = (type: number): boolean => AUDITED.has(type);

export type ClientMessage =
  | { type: 'query'; query: string }
  | { type: 'parse'; name: string; query: string }
  | { type: 'bind'; portal: string; statement: string; parameters: string[] }
  | { type: 'execute'; portal: string }
  | { type: 'close'; objectType: 'S' | 'P' | string; name: string }
  | { type: 'functionCall'; oid: number; args: string[] }
  | { type: 'terminate' };

/** Bounds-checked body reader: a short body is a PostgresWireError. */
class BodyReader {
  private off = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}
  private need(n: number): void {
    if (this.off + n > this.b.length) throw new PostgresWireError(`invalid ${this.what} message: too short`);
  }
  str(): string {
    const s = cstring(this.b, this.off, this.what);
    this.off = s.next;
    return s.value;
  }
  i16(): number {
    this.need(2);
    const v = this.b.readInt16BE(this.off);
    this.off += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.b.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u8(): number {
    this.need(1);
    return this.b[this.off++]!;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
}

/** Format codes then values, as Bind and FunctionCall carry them. */
function formattedValues(r: BodyReader): string[] {
  const nFormats = r.i16();
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++) formats.push(r.i16());
  const n = r.i16();
  const values: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.i32();
    values.push(len < 0 ? Buffer.alloc(0) : r.bytes(len));
  }
  return formatParameters(values, formats);
}

/**
 * Parameters as the audit log shows them (upstream formatParameters): text as is, binary as
 * base64, nothing when the format codes do not fit the values.
 */
export function formatParameters(values: Buffer[], formats: number[]): string[] {
  if (formats.length > 1 && formats.length !== values.length) return [];
  return values.map((v, i) => {
    const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    if (f === 0) return v.toString('utf8');
    if (f === 1) return v.toString('base64');
    return '<unknown>';
  });
}

/** Decodes one audited client message body. */
export function decodeClientMessage(type: number, body: Buffer): ClientMessage | undefined {
  switch (type) {
    case FE.query:
      return { type: 'query', query: new BodyReader(body, 'Query').str() };
    case FE.parse: {
      const r = new BodyReader(body, 'Parse');
      return { type: 'parse', name: r.str(), query: r.str() };
    }
    case FE.bind: {
      const r = new BodyReader(body, 'Bind');
      const portal = r.str();
      const statement = r.str();
      return { type: 'bind', portal, statement, parameters: formattedValues(r) };
    }
    case FE.execute:
      return { type: 'execute', portal: new BodyReader(body, 'Execute').str() };
    case FE.close: {
      const r = new BodyReader(body, 'Close');
      const objectType = String.fromCharCode(r.u8());
      return { type: 'close', objectType, name: r.str() };
    }
    case FE.functionCall: {
      const r = new BodyReader(body, 'FunctionCall');
      const oid = r.u32();
      return { type: 'functionCall', oid, args: formattedValues(r) };
    }
    case FE.terminate:
      return { type: 'terminate' };
    default:
      return undefined;
  }
}

/** pgconn CommandTag.RowsAffected: the number after the tag's last space, else 0. */
export function rowsAffected(tag: string): number {
  const i = tag.lastIndexOf(' ');
  if (i < 0) return 0;
  const n = tag.slice(i + 1);
  return /^\d+$/.test(n) ? Number(n) : 0;
}
