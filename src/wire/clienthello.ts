// TLS ClientHello peeker for the dev cluster's ALPN router: read SNI and ALPN from the first
// flight of a TLS connection without terminating TLS, so the router can pick a destination and
// then hand over (or forward) the untouched bytes. Written from RFC 5246 §6.2 (record layer),
// RFC 8446 §4.1.2 (ClientHello), RFC 6066 §3 (server_name) and RFC 7301 §3.1 (ALPN).
import type { Socket } from 'node:net';
import { TshError } from '../util/errors.js';

export class ClientHelloError extends TshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-tls', 1, options);
    this.name = 'ClientHelloError';
  }
}

export type ClientHelloResult =
  | {
      complete: true;
      serverName?: string;
      alpn: string[];
      /** Bytes of the TLS record(s) holding the whole ClientHello. */
      length: number;
    }
  /** `need` is a lower bound on how many more bytes must arrive. */
  | { complete: false; need?: number };

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RECORD_HEADER = 5; // type(1) legacy_record_version(2) length(2)
const HANDSHAKE_HEADER = 4; // msg_type(1) length(3)
const MAX_RECORD = 1 << 14; // TLSPlaintext.length limit
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const NAME_TYPE_HOST = 0;

const malformed = (what: string) => new ClientHelloError(`malformed ClientHello: ${what}`);
const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

/** Bounds-checked reader, so truncated input becomes a ClientHelloError, never a RangeError. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }
  bytes(n: number, field: string): Buffer {
    if (n > this.left) throw malformed(`${field} truncated (${n} bytes declared, ${this.left} left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(field: string): number {
    return this.bytes(1, field).readUInt8(0);
  }
  u16(field: string): number {
    return this.bytes(2, field).readUInt16BE(0);
  }
  /** A TLS vector with a 1- or 2-byte length prefix. */
  vec8(field: string): Buffer {
    return this.bytes(this.u8(`${field} length`), field);
  }
  vec16(field: string): Buffer {
    return this.bytes(this.u16(`${field} length`), field);
  }
  end(field: string): void {
    if (this.left > 0) throw malformed(`${this.left} unexpected bytes after ${field}`);
  }
}

/**
 * Parses the ClientHello at the start of `buf`, reassembling it if the client fragmented it
 * over several handshake records. Returns `complete: false` while more bytes are needed and
 * throws ClientHelloError as soon as the bytes cannot be a TLS ClientHello.
 */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  const fragments: Buffer[] = [];
  let collected = 0; // handshake bytes reassembled so far
  let off = 0; // start of the current record
  for (;;) {
    // Check header bytes as soon as they arrive, so non-TLS input (SSH, HTTP) fails fast.
    if (off < buf.length && buf[off] !== CONTENT_HANDSHAKE) {
      if (off === 0) {
        throw new ClientHelloError(`not a TLS handshake (first byte 0x16 expected, got ${hex(buf[0], 2)})`);
      }
      // RFC 8446 §5.1: handshake fragments must not be interleaved with other record types.
      throw malformed(`record of content type ${buf[off]} before the ClientHello was complete`);
    }
    if (off + 3 <= buf.length) {
      const version = buf.readUInt16BE(off + 1);
      if (version < 0x0301 || version > 0x0304) {
        throw new ClientHelloError(
          `not a TLS handshake (record version 0x0301..0x0304 expected, got ${hex(version, 4)})`,
        );
      }
    }
    // The first handshake byte tells a ClientHello from anything else.
    if (collected === 0 && off + RECORD_HEADER < buf.length) {
      const type = buf[off + RECORD_HEADER];
      if (type !== HANDSHAKE_CLIENT_HELLO)
        throw malformed(`handshake type ${type}, expected 1 (client_hello)`);
    }
    if (buf.length < off + RECORD_HEADER) return { complete: false, need: off + RECORD_HEADER - buf.length };

    const recordLength = buf.readUInt16BE(off + 3);
    // Zero-length handshake fragments are forbidden (RFC 8446 §5.1).
    if (recordLength === 0 || recordLength > MAX_RECORD) throw malformed(`record length ${recordLength}`);
    const end = off + RECORD_HEADER + recordLength;
    if (buf.length < end) return { complete: false, need: end - buf.length };

    fragments.push(buf.subarray(off + RECORD_HEADER, end));
    collected += recordLength;
    off = end;
    if (collected < HANDSHAKE_HEADER) continue;

    const handshake = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments);
    const bodyLength = handshake.readUIntBE(1, 3);
    if (collected < HANDSHAKE_HEADER + bodyLength) continue;
    const body = handshake.subarray(HANDSHAKE_HEADER, HANDSHAKE_HEADER + bodyLength);
    return { complete: true, ...parseBody(body), length: off };
  }
}

function parseBody(body: Buffer): { serverName?: string; alpn: string[] } {
  const r = new Reader(body);
  const version = r.u16('legacy_version');
  if (version >> 8 !== 3) throw malformed(`legacy_version ${hex(version, 4)}`);
  r.bytes(32, 'random');
  if (r.vec8('legacy_session_id').length > 32) throw malformed('legacy_session_id longer than 32 bytes');
  const suites = r.vec16('cipher_suites');
  if (suites.length < 2 || suites.length % 2 !== 0) throw malformed(`cipher_suites length ${suites.length}`);
  if (r.vec8('legacy_compression_methods').length < 1) throw malformed('empty legacy_compression_methods');

  const out: { serverName?: string; alpn: string[] } = { alpn: [] };
  // A pre-TLS 1.3 ClientHello may end right here, without an extensions block.
  if (r.left === 0) return out;
  const exts = new Reader(r.vec16('extensions'));
  r.end('extensions');
  const seen = new Set<number>();
  while (exts.left > 0) {
    const type = exts.u16('extension type');
    const data = new Reader(exts.vec16(`extension ${type}`));
    // RFC 8446 §4.2: at most one extension of each type.
    if (seen.has(type)) throw malformed(`duplicate extension ${type}`);
    seen.add(type);
    if (type === EXT_SERVER_NAME) out.serverName = parseServerName(data);
    else if (type === EXT_ALPN) out.alpn = parseAlpn(data);
  }
  return out;
}

function parseServerName(ext: Reader): string | undefined {
  const list = new Reader(ext.vec16('server_name_list'));
  ext.end('server_name_list');
  if (list.left === 0) throw malformed('empty server_name_list');
  let host: string | undefined;
  while (list.left > 0) {
    const type = list.u8('server name type');
    const name = list.vec16('server name');
    if (type !== NAME_TYPE_HOST) continue; // only host_name is defined; ignore others
    if (host !== undefined) throw malformed('more than one host_name');
    // host_name is an ASCII DNS name; reject anything a router should not match on.
    if (name.length === 0 || !name.every((b) => b > 0x20 && b < 0x7f)) {
      throw malformed('host_name is empty or not printable ASCII');
    }
    host = name.toString('latin1');
  }
  return host;
}

function parseAlpn(ext: Reader): string[] {
  const list = new Reader(ext.vec16('protocol_name_list'));
  ext.end('protocol_name_list');
  if (list.left === 0) throw malformed('empty protocol_name_list');
  const protocols: string[] = [];
  while (list.left > 0) {
    const name = list.vec8('protocol name');
    if (name.length === 0) throw malformed('empty ALPN protocol name');
    protocols.push(name.toString('latin1')); // byte-for-byte; names are opaque octets
  }
  return protocols;
}

export interface PeekOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Give up if the ClientHello needs more than this many bytes (default 16 KiB). */
  maxBytes?: number;
}

export interface PeekedClientHello {
  serverName?: string;
  alpn: string[];
  /** Every byte read from the socket; already pushed back with `socket.unshift`. */
  head: Buffer;
}

/**
 * Reads from `socket` until a whole ClientHello has arrived and returns its SNI and ALPN. The
 * socket is left paused with the bytes read put back, so whoever takes it next (a TLS server
 * via `emit('connection', socket)`, or a pipe to an upstream) sees the stream from byte one.
 * The bytes are also put back on a parse error or timeout, so a caller may route non-TLS input
 * elsewhere.
 */
export function peekClientHello(socket: Socket, opts: PeekOptions = {}): Promise<PeekedClientHello> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBytes = opts.maxBytes ?? 16 * 1024;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;

    const finish = (err: Error | null, hello?: { serverName?: string; alpn: string[] }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.pause();
      const head = Buffer.concat(chunks);
      // unshift after 'end' would itself be an error, and a destroyed socket has no reader.
      if (head.length > 0 && !socket.readableEnded && !socket.destroyed) socket.unshift(head);
      if (err) reject(err);
      else resolve({ serverName: hello?.serverName, alpn: hello?.alpn ?? [], head });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      let result: ClientHelloResult;
      try {
        result = parseClientHello(Buffer.concat(chunks));
      } catch (err) {
        return finish(err as Error);
      }
      // Judge the size by the records, not by how the bytes happened to arrive.
      const size = result.complete ? result.length : total + (result.need ?? 1);
      if (size > maxBytes) finish(new ClientHelloError(`ClientHello larger than ${maxBytes} bytes`));
      else if (result.complete) finish(null, { serverName: result.serverName, alpn: result.alpn });
    };
    const onClose = () =>
      finish(
        new ClientHelloError(`connection closed before the ClientHello was complete (${total} bytes read)`),
      );
    const onError = (err: Error) =>
      finish(
        new ClientHelloError(`socket error before the ClientHello was complete: ${err.message}`, {
          cause: err,
        }),
      );
    const timer = setTimeout(
      () =>
        finish(new ClientHelloError(`no complete ClientHello within ${timeoutMs} ms (${total} bytes read)`)),
      timeoutMs,
    );

    socket.on('data', onData);
    socket.on('end', onClose);
    socket.on('close', onClose);
    socket.on('error', onError);
    if (socket.readableEnded || socket.destroyed) return onClose();
    socket.resume(); // a 'data' listener alone does not restart an explicitly paused socket
  });
}
