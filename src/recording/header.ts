// Part header of Teleport's "proto stream" V1 session recording format.
//
// A recording is a concatenation of parts. Each part is:
//   offset 0   uint64 BE  version      (1 = ProtoStreamV1)
//   offset 8   uint64 BE  partSize     (bytes of gzip data that follow the header)
//   offset 16  uint64 BE  paddingSize  (zero bytes after the gzip data)
//   offset 24  partSize bytes: one gzip member holding records
//   then       paddingSize bytes of padding
// Each record inside the decompressed data is a uint32 BE length followed by that many
// bytes of a protobuf-encoded events.OneOf. See docs/recordings-format.md.

/** Protocol version of the only recording format tshjs reads and writes. */
export const PROTO_STREAM_V1 = 1;
/** Size of the part header: three uint64 values. */
export const PART_HEADER_SIZE = 24;
/** Size of the record length prefix inside the gzip data. */
export const RECORD_HEADER_SIZE = 4;
/** Largest protobuf message a record may hold (upstream MaxProtoMessageSizeBytes). */
export const MAX_RECORD_SIZE = 64 * 1024;
/** S3's minimum multipart part size; upstream pads non-final parts up to it. */
export const MIN_UPLOAD_PART_SIZE = 5 * 1024 * 1024;

/** A recording that cannot be read (or written): one clear line for the user. */
export class RecordingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordingError';
  }
}

export interface PartHeader {
  version: number;
  /** Length of the gzip data following the header. */
  partSize: number;
  /** Length of the zero padding following the gzip data. */
  paddingSize: number;
}

function toSafeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RecordingError(`${what} ${v} is too large`);
  return Number(v);
}

/** Reads the version word (the first 8 bytes of a part). */
export function decodeVersion(bytes: Uint8Array): number {
  if (bytes.length < 8) throw new RecordingError(`part header truncated: ${bytes.length} of 8 bytes`);
  const v = Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64BE(0);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Whether bytes (a file's beginning) look like a POSIX tar archive ("ustar" at offset 257). */
export function looksLikeTar(bytes: Uint8Array): boolean {
  return bytes.length >= 262 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar';
}

/** Message for a part whose version word is not 1. */
export function unsupportedVersionMessage(version: number | bigint): string {
  return `unsupported protocol version ${version}`;
}

/** Decodes a 24-byte V1 part header; throws RecordingError for anything but version 1. */
export function decodePartHeader(bytes: Uint8Array): PartHeader {
  if (bytes.length < PART_HEADER_SIZE) {
    throw new RecordingError(`part header truncated: ${bytes.length} of ${PART_HEADER_SIZE} bytes`);
  }
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, PART_HEADER_SIZE);
  const version = decodeVersion(b);
  if (version !== PROTO_STREAM_V1) throw new RecordingError(unsupportedVersionMessage(version));
  return {
    version,
    partSize: toSafeNumber(b.readBigUInt64BE(8), 'part size'),
    paddingSize: toSafeNumber(b.readBigUInt64BE(16), 'padding size'),
  };
}

/** Encodes a V1 part header (24 bytes, big-endian). */
export function encodePartHeader(h: { partSize: number; paddingSize?: number }): Buffer {
  for (const [name, v] of [
    ['partSize', h.partSize],
    ['paddingSize', h.paddingSize ?? 0],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RecordingError(`invalid ${name} ${v}`);
  }
  const b = Buffer.alloc(PART_HEADER_SIZE);
  b.writeBigUInt64BE(BigInt(PROTO_STREAM_V1), 0);
  b.writeBigUInt64BE(BigInt(h.partSize), 8);
  b.writeBigUInt64BE(BigInt(h.paddingSize ?? 0), 16);
  return b;
}
