// The hand decoder of SessionPrint records and the JSON fast path (src/recording/decode.ts,
// events.ts) against the generated decoder and the generic JSON: the same event and the same bytes
// for usual records, odd encodings and thousands of damaged ones.
import { describe, expect, it } from 'vitest';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { decodeRecord, findBadTimestamp, TimestampRangeError } from '../../../src/recording/decode.js';
import { eventToJSON, eventToJSONGeneric } from '../../../src/recording/events.js';
import { T0, endEvent, ld, metadata, printEvent, timestamp, varint, vint } from './pb.js';

/** What the generated decoder makes of a record (with the timestamp check), or its error. */
function generic(bytes: Uint8Array): { ev?: OneOf; err?: string } {
  try {
    const ev = OneOf.decode(bytes);
    const bad = findBadTimestamp(bytes);
    return bad ? { err: bad.message } : { ev };
  } catch (err) {
    return { err: (err as Error).message };
  }
}

function fast(bytes: Uint8Array): { ev?: OneOf; err?: string } {
  try {
    return { ev: decodeRecord(bytes) };
  } catch (err) {
    return { err: (err as Error).message };
  }
}

/** Both decoders agree on the record, and so do both JSON writers. */
function expectSame(bytes: Buffer): OneOf | undefined {
  const g = generic(bytes);
  const f = fast(bytes);
  expect(f.err).toBe(g.err);
  expect(f.ev).toStrictEqual(g.ev);
  if (f.ev && g.ev) expect(eventToJSON(f.ev)).toBe(eventToJSONGeneric(g.ev));
  return f.ev;
}

const printWith = (...fields: Buffer[]): Buffer => ld(7, ...fields);

describe('SessionPrint decoded by hand', () => {
  it('gives the generated decoder’s event for usual records, Data a view of the record bytes', () => {
    for (const bytes of [
      printEvent(0),
      printEvent(1, 'hello <world>\r\n'),
      printEvent(12345, 'y'.repeat(4096)),
      printEvent(7, '', timestamp(T0, 5_000_000)),
      printEvent(8, 'é', timestamp(T0, 999_999_999)),
      printWith(), // an empty SessionPrint
      printWith(ld(1)), // empty Metadata
      printWith(ld(3, 'data only')),
      printWith(ld(1, vint(1, 2 ** 48), ld(2, 'print'), ld(3, 'uid-1'), ld(4, 'T2009I'), ld(5), ld(6, ''))),
      printWith(vint(2, 2 ** 49 - 1), vint(4, 1), vint(5, 2 ** 40), vint(6, 123456789)),
    ]) {
      const ev = expectSame(bytes);
      if (ev?.Event?.$case !== 'SessionPrint') throw new Error('not a print');
      // the hand decoder's (the generated one copies)
      const data = ev.Event.value.Data;
      if (data.length > 0) {
        expect(data.buffer).toBe(bytes.buffer);
        expect(data.byteOffset - bytes.byteOffset).toBeGreaterThan(0);
        expect(data.byteOffset - bytes.byteOffset).toBeLessThan(bytes.length);
      }
    }
  });

  it('leaves odd encodings to the generated decoder, with the same result', () => {
    for (const bytes of [
      printWith(ld(1, metadata(1, 'print')), ld(1, metadata(2, 'print2'))), // Metadata twice: the last wins
      printWith(vint(2, 1), vint(2, 2)), // a scalar twice
      printWith(ld(1, metadata(1, 'prïnt'))), // non-ASCII type
      printWith(ld(1, metadata(1, 'print')), vint(9, 5)), // an unknown field
      printWith(ld(1, Buffer.concat([metadata(1, 'print'), vint(15, 1)]))), // an unknown Metadata field
      printWith(ld(1, metadata(1, 'print', Buffer.concat([timestamp(T0), vint(3, 1)])))), // and in Timestamp
      printWith(vint(2, -1)), // a negative int64 (ten bytes)
      printWith(vint(2, 2 ** 49)), // eight bytes
      printWith(ld(1, metadata(1, 'print', timestamp(-86400, 5)))), // before 1970
      printWith(ld(1, metadata(1, 'print', timestamp(-62135596800)))), // Go's zero time
      printWith(ld(2, 'x')), // a known field with another wire type
      Buffer.concat([printEvent(1), vint(1, 1)]), // a field after the event
      Buffer.concat([printEvent(1), printEvent(2)]), // two events: the last wins
      Buffer.concat([Buffer.from([0xba, 0x00]), varint(3), printWith()]), // field 7 as a two-byte tag
      ld(10, ld(1, metadata(4, 'session.end'))), // another event type
      endEvent(5, timestamp(T0), timestamp(T0 + 60)),
    ]) {
      expectSame(bytes);
    }
  });

  it('agrees with the generated decoder on thousands of damaged records', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const samples = [
      printEvent(1, 'hello'),
      printEvent(300, 'x'.repeat(200), timestamp(T0, 123_000_000)),
      printWith(
        ld(1, vint(1, 9), ld(2, 'print'), ld(3, 'uid'), ld(4, 'c'), ld(5, timestamp(T0)), ld(6, 'cl')),
      ),
      endEvent(5, timestamp(T0), timestamp(T0 + 60)),
    ];
    let decoded = 0;
    for (let i = 0; i < 4000; i++) {
      const b = Buffer.from(samples[rand(samples.length)]);
      const edits = 1 + rand(3);
      let bytes = b;
      for (let e = 0; e < edits; e++) {
        const at = rand(bytes.length);
        switch (rand(4)) {
          case 0:
            bytes[at] = rand(256);
            break;
          case 1:
            bytes[at] ^= 1 << rand(8);
            break;
          case 2:
            bytes = bytes.subarray(0, at);
            break;
          default:
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([rand(256)]), bytes.subarray(at)]);
        }
      }
      if (bytes.length === 0) continue;
      if (expectSame(bytes)) decoded++;
    }
    expect(decoded).toBeGreaterThan(1000);
  });

  it('throws TimestampRangeError for a time out of Go’s range, on both paths', () => {
    const print = printEvent(1, 'x', timestamp(253402300800));
    const end = endEvent(2, timestamp(T0), timestamp(T0, 1_000_000_000));
    expect(() => decodeRecord(print)).toThrow(TimestampRangeError);
    expect(() => decodeRecord(print)).toThrow(
      'invalid timestamp (seconds 253402300800, nanos 0): after 10000-01-01',
    );
    expect(() => decodeRecord(end)).toThrow(
      `invalid timestamp (seconds ${T0}, nanos 1000000000): nanos not in range [0, 1e9)`,
    );
  });
});

describe('SessionPrint JSON fast path', () => {
  const print = (md: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): OneOf =>
    ({
      Event: {
        $case: 'SessionPrint',
        value: {
          Metadata: md,
          ChunkIndex: 1n,
          Data: Buffer.from('x'),
          Bytes: 1n,
          DelayMilliseconds: 10n,
          Offset: 0n,
          ...extra,
        },
      },
    }) as OneOf;
  const md = (time: Date | undefined, over: Record<string, unknown> = {}) => ({
    Index: 5n,
    Type: 'print',
    ID: '',
    Code: '',
    Time: time,
    ClusterName: 'c1',
    ...over,
  });

  it('writes the generic bytes for any metadata', () => {
    const t = new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 250));
    for (const ev of [
      print(undefined),
      print(md(undefined)),
      print(md(t, { ID: 'uid', Code: 'T2009I' })),
      print(md(t, { Type: '', ClusterName: '' })),
      print(md(t, { Type: 'pr"int\b', ClusterName: 'clüster <&>' })),
      print(md(t, { Index: 0n }), { ChunkIndex: 0n, Bytes: 0n, DelayMilliseconds: 0n }),
      print(md(new Date(Date.UTC(-271000, 0, 1)))), // six-digit years: not the fast path's
      print(md(new Date(Date.UTC(20000, 0, 1, 0, 0, 0, 7)))),
    ]) {
      expect(eventToJSON(ev)).toBe(eventToJSONGeneric(ev));
    }
  });

  it('writes every millisecond of a second, and the seconds around it, as goTimeJSON', () => {
    const base = Date.UTC(2026, 0, 1, 23, 59, 58);
    for (let ms = -1500; ms < 2500; ms += 1) {
      const ev = print(md(new Date(base + ms)));
      expect(eventToJSON(ev)).toBe(eventToJSONGeneric(ev));
    }
    for (const t of [-62135596800000, -1, 0, 1, 253402300799999, Date.UTC(1969, 11, 31, 23, 59, 59, 990)]) {
      const ev = print(md(new Date(t)));
      expect(eventToJSON(ev)).toBe(eventToJSONGeneric(ev));
    }
  });
});
