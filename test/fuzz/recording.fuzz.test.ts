// Fuzzing session recordings: the proto-stream reader (src/recording/reader.ts, header.ts) and
// what playback and export do with each event (events.ts), from recordings the project's own
// writer made, damaged byte by byte, and from records holding any bytes or any timestamp.
import { PassThrough } from 'node:stream';
import * as zlib from 'node:zlib';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe } from 'vitest';
import { OneOf } from '../../src/gen/teleport/legacy/types/events/events.js';
import {
  eventDelayMs,
  eventIndex,
  eventTime,
  eventToJSON,
  eventType,
  parseTerminalSize,
  printData,
} from '../../src/recording/events.js';
import { decodePartHeader, encodePartHeader } from '../../src/recording/header.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { RecordingWriter } from '../../src/recording/writer.js';
import { fuzz, fuzzAsync, hostileBytes, parseOrTypedError, parseOrTypedErrorAsync } from './harness.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const md = (i: number, type: string) => ({
  Index: BigInt(i),
  Type: type,
  ID: `id${i}`,
  Code: 'T2000I',
  ClusterName: 'c',
  Time: new Date(T0 + i),
});
const EVENTS = [
  OneOf.fromPartial({
    Event: {
      $case: 'SessionStart',
      value: {
        Metadata: md(0, 'session.start'),
        User: { User: 'alice', Login: 'root' },
        TerminalSize: '80:25',
        Server: { ServerHostname: 'web-1' },
      },
    },
  }),
  OneOf.fromPartial({
    Event: { $case: 'Resize', value: { Metadata: md(1, 'resize'), TerminalSize: '120:40' } },
  }),
  ...[2, 3, 4].map((i) =>
    OneOf.fromPartial({
      Event: {
        $case: 'SessionPrint',
        value: {
          Metadata: md(i, 'print'),
          Data: Buffer.from(`line ${i} <b>\r\n`),
          DelayMilliseconds: BigInt(i * 100),
          Bytes: 9n,
        },
      },
    }),
  ),
  OneOf.fromPartial({
    Event: {
      $case: 'SessionEnd',
      value: { Metadata: md(5, 'session.end'), Participants: ['alice'], StartTime: new Date(T0) },
    },
  }),
];

async function record(
  messages: Uint8Array[],
  opts: { partSize?: number; flushEvery?: number; pad?: boolean } = {},
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new RecordingWriter(out, { partSize: opts.partSize ?? 4096, pad: opts.pad });
  for (const [i, m] of messages.entries()) {
    await w.writeRecord(m);
    if (opts.flushEvery && i % opts.flushEvery === opts.flushEvery - 1) await w.flush();
  }
  await w.close();
  return Buffer.concat(chunks);
}

const encoded = EVENTS.map((e) => OneOf.encode(e).finish());
const RECORDINGS = [
  await record(encoded),
  await record(encoded, { flushEvery: 2, pad: true, partSize: 200 }),
  await record(encoded, { flushEvery: 1 }),
];

/** Reads every event and does with it what play and export do. */
async function readAll(input: Buffer | Buffer[]): Promise<void> {
  const reader = new RecordingReader(Array.isArray(input) ? input : [input]);
  for await (const ev of reader) {
    eventType(ev);
    eventIndex(ev);
    eventTime(ev).getTime();
    eventDelayMs(ev);
    printData(ev);
    eventToJSON(ev);
    const size = ev.Event && 'TerminalSize' in ev.Event.value ? ev.Event.value.TerminalSize : undefined;
    if (typeof size === 'string') parseTerminalSize(size);
  }
}

/** A one-part recording around records holding exactly these bytes (the reader's record layer). */
function rawPart(records: Uint8Array[]): Buffer {
  const body = Buffer.concat(
    records.flatMap((r) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(r.length);
      return [len, Buffer.from(r)];
    }),
  );
  const gz = zlib.gzipSync(body);
  return Buffer.concat([encodePartHeader({ partSize: gz.length }), gz]);
}

/** A SessionPrint whose Metadata.Time is any protobuf Timestamp (seconds int64, nanos int32). */
function printAt(seconds: bigint, nanos: number, delay: bigint): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(58).fork(); // OneOf.SessionPrint
  w.uint32(10).fork(); // Metadata
  w.uint32(8).int64(1n).uint32(18).string('print');
  w.uint32(42).fork().uint32(8).int64(seconds).uint32(16).int32(nanos).join(); // Time
  w.join();
  w.uint32(26).bytes(Buffer.from('x')).uint32(40).int64(delay);
  w.join();
  return w.finish();
}

describe('session recordings (src/recording/reader.ts, header.ts, events.ts)', () => {
  fuzzAsync(
    'damaged recordings',
    fc.tuple(hostileBytes(RECORDINGS, 256), fc.integer({ min: 1, max: 4096 })),
    async ([bytes, chunk]) => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
      await parseOrTypedErrorAsync(bytes, () => readAll(chunks));
    },
    { weight: 2 },
  );
  fuzzAsync(
    'records holding any bytes',
    fc.array(
      fc.oneof(
        hostileBytes(encoded, 128).filter((b) => b.length > 0),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    async (records) => {
      const bytes = rawPart(records);
      await parseOrTypedErrorAsync(bytes, () => readAll(bytes));
    },
    { weight: 2 },
  );
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  fuzzAsync(
    'any event time and delay',
    fc.tuple(
      fc.oneof(
        int64,
        fc.constantFrom(
          -62135596801n,
          -62135596800n,
          253402300799n,
          253402300800n,
          8640000000000n,
          8640000000001n,
        ),
      ),
      fc.oneof(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 999_999_999, 1_000_000_000, -1),
      ),
      int64,
    ),
    async ([seconds, nanos, delay]) => {
      const bytes = rawPart([printAt(seconds, nanos, delay)]);
      await parseOrTypedErrorAsync(
        `seconds=${seconds} nanos=${nanos} delay=${delay}; ${bytes.toString('hex')}`,
        () => readAll(bytes),
      );
    },
  );
  fuzz(
    'part headers',
    hostileBytes([encodePartHeader({ partSize: 100, paddingSize: 7 })], 32),
    (b) => void parseOrTypedError(b, () => decodePartHeader(b)),
  );
});
