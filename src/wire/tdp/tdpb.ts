// TDPB framing: every message is a uint32 big-endian length followed by that many bytes of a
// protobuf teleport.desktop.v1.Envelope (proto/teleport/desktop/v1/tdpb.proto). Lengths of
// 2^24 - 1 and more are refused, so a TDPB frame always starts with a zero byte while every
// legacy TDP message starts with a non-zero type byte.
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Envelope } from '../../gen/teleport/desktop/v1/tdpb.js';
import {
  cannotEncode,
  malformed,
  MessageTooLargeError,
  TruncatedMessageError,
  UnknownMessageTypeError,
} from './errors.js';

/** ALPN protocol id a client offers (inner TLS) to get TDPB from a Windows Desktop Service. */
export const TDPB_PROTOCOL = 'teleport-tdpb-1.0';
export const TDPB_HEADER_SIZE = 4;
/** Largest Envelope length a TDPB decoder accepts (upstream refuses length >= (1 << 24) - 1). */
export const TDPB_MAX_LENGTH = (1 << 24) - 2;

/** One TDPB message: the Envelope's payload oneof ({ $case, value }). */
export type TdpbMessage = NonNullable<Envelope['payload']>;
export type TdpbCase = TdpbMessage['$case'];
/** The payload of one case, e.g. TdpbMessageOf<'serverHello'> is ServerHello. */
export type TdpbMessageOf<C extends TdpbCase> = Extract<TdpbMessage, { $case: C }>['value'];

/** Envelope field number of each payload case (tdpb.proto, 2026 revision). */
export const TdpbField: Record<TdpbCase, number> = {
  clientHello: 1,
  serverHello: 2,
  pngFrame: 3,
  fastPathPdu: 4,
  rdpResponsePdu: 5,
  syncKeys: 6,
  mouseMove: 7,
  mouseButton: 8,
  keyboardButton: 9,
  clientScreenSpec: 10,
  alert: 11,
  mouseWheel: 12,
  clipboardData: 13,
  mfa: 14,
  sharedDirectoryAnnounce: 15,
  sharedDirectoryAcknowledge: 16,
  sharedDirectoryRequest: 17,
  sharedDirectoryResponse: 18,
  latencyStats: 19,
  ping: 20,
  sharedDirectoryRemove: 21,
  sessionSelection: 22,
};

/** Builds a TDPB message from its case and (partial) value; ts-proto fills defaults on encode. */
export function tdpb<C extends TdpbCase>(c: C, value: TdpbMessageOf<C>): TdpbMessage {
  return { $case: c, value } as TdpbMessage;
}

/** Encodes one TDPB frame: length prefix + Envelope. */
export function encodeTdpb(msg: TdpbMessage): Buffer {
  let body: Uint8Array;
  try {
    body = Envelope.encode({ payload: msg }).finish();
  } catch (e) {
    throw cannotEncode(`TDPB ${msg.$case}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (body.length > TDPB_MAX_LENGTH) {
    throw cannotEncode(`TDPB ${msg.$case}: ${body.length} bytes (limit ${TDPB_MAX_LENGTH})`);
  }
  const out = Buffer.allocUnsafe(TDPB_HEADER_SIZE + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, TDPB_HEADER_SIZE);
  return out;
}

function checkLength(length: number, firstByte: number): void {
  if (length > TDPB_MAX_LENGTH) {
    const hint = firstByte !== 0 ? ` (first byte ${firstByte}: a legacy TDP message?)` : '';
    throw new MessageTooLargeError('TDPB message', length, TDPB_MAX_LENGTH, false, hint);
  }
}

/** The first top-level field number in an Envelope body (undefined if it has none). */
function firstField(body: Uint8Array): number | undefined {
  try {
    const r = new BinaryReader(body);
    if (r.pos >= r.len) return undefined;
    return r.tag()[0];
  } catch {
    return undefined;
  }
}

/** Decodes an Envelope body. An Envelope without a known payload throws UnknownMessageTypeError. */
function decodeBody(body: Uint8Array): TdpbMessage {
  let env: Envelope;
  try {
    env = Envelope.decode(body);
  } catch (e) {
    throw malformed(`TDPB envelope: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!env.payload) throw new UnknownMessageTypeError('TDPB', firstField(body));
  return env.payload;
}

/** Decodes exactly one whole TDPB frame (header included). */
export function decodeTdpb(frame: Buffer): TdpbMessage {
  if (frame.length < TDPB_HEADER_SIZE) {
    throw new TruncatedMessageError('TDPB header', frame.length, TDPB_HEADER_SIZE);
  }
  const length = frame.readUInt32BE(0);
  checkLength(length, frame[0]!);
  if (frame.length < TDPB_HEADER_SIZE + length) {
    throw new TruncatedMessageError('TDPB message', frame.length, TDPB_HEADER_SIZE + length);
  }
  if (frame.length > TDPB_HEADER_SIZE + length) {
    throw malformed(`TDPB frame: ${frame.length - TDPB_HEADER_SIZE - length} trailing bytes`);
  }
  return decodeBody(frame.subarray(TDPB_HEADER_SIZE));
}

export interface TdpbParserOptions {
  /**
   * Skip envelopes whose payload this codec does not know (a newer peer's message), as
   * upstream's DecodePermissive does; `onUnknown` hears about each. Default: throw.
   */
  permissive?: boolean;
  onUnknown?: (err: UnknownMessageTypeError) => void;
}

/** Incremental TDPB parser: feed arbitrary chunks, get whole messages. */
export class TdpbParser {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private buffered = 0;
  private need = TDPB_HEADER_SIZE;

  constructor(private readonly options: TdpbParserOptions = {}) {}

  parse(chunk: Buffer): TdpbMessage[] {
    const out: TdpbMessage[] = [];
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.buffered += chunk.length;
    }
    // Check the length as soon as the first header byte arrives: only 0 can start a frame.
    if (this.buffered > 0 && this.buf.length === 0 && this.pending.length > 0) {
      const first = this.pending[0]![0]!;
      if (first !== 0) checkLength(first * 0x1000000, first);
    }
    while (this.buffered >= this.need) {
      if (this.pending.length > 0) {
        this.buf =
          this.buf.length === 0 && this.pending.length === 1
            ? this.pending[0]!
            : Buffer.concat([this.buf, ...this.pending]);
        this.pending = [];
      }
      const length = this.buf.readUInt32BE(0);
      checkLength(length, this.buf[0]!);
      const total = TDPB_HEADER_SIZE + length;
      if (this.buf.length < total) {
        this.need = total;
        break;
      }
      const body = this.buf.subarray(TDPB_HEADER_SIZE, total);
      this.buf = this.buf.subarray(total);
      this.buffered -= total;
      this.need = TDPB_HEADER_SIZE;
      try {
        out.push(decodeBody(body));
      } catch (e) {
        if (!(e instanceof UnknownMessageTypeError) || !this.options.permissive) throw e;
        this.options.onUnknown?.(e);
      }
      if (this.buffered > 0 && this.buf[0] !== 0) checkLength(this.buf[0]! * 0x1000000, this.buf[0]!);
    }
    return out;
  }

  /** Throws TruncatedMessageError if the stream ended inside a frame. */
  end(): void {
    if (this.buffered > 0) {
      throw new TruncatedMessageError(
        this.buffered < TDPB_HEADER_SIZE ? 'TDPB header' : 'TDPB message',
        this.buffered,
        this.need,
      );
    }
  }

  get bufferedBytes(): number {
    return this.buffered;
  }
}
