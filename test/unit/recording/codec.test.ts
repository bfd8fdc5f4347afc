// Session recording codec (src/recording): part header vectors, record bytes, writer ->
// reader round trips, gzip member boundaries, upstream tolerance rules, damaged input, and
// streaming a 50 MB recording in bounded memory.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PassThrough } from 'node:stream';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OneOf, type Metadata } from '../../../src/gen/teleport/legacy/types/events/events.js';
import {
  eventDelayMs,
  eventIndex,
  eventTime,
  eventToJSON,
  eventType,
  parseTerminalSize,
  printData,
} from '../../../src/recording/events.js';
import { goTimeJSON } from '../../../src/format/gotime.js';
import {
  MAX_RECORD_SIZE,
  PART_HEADER_SIZE,
  RecordingError,
  decodePartHeader,
  encodePartHeader,
} from '../../../src/recording/header.js';
import { RecordingReader, type UnknownEvent } from '../../../src/recording/reader.js';
import { RecordingWriter, type WriterOptions } from '../../../src/recording/writer.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');
const T0 = Date.UTC(2021, 10, 18, 15, 33, 59, 792);

function md(index: number, type: string, extra: Partial<Metadata> = {}): Metadata {
  return {
    Index: BigInt(index),
    Type: type,
    ID: '',
    Code: '',
    ClusterName: 'c1',
    Time: new Date(T0 + index),
    ...extra,
  };
}

function print(index: number, data: string | Buffer, ms = index * 10): OneOf {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return OneOf.fromPartial({
    Event: {
      $case: 'SessionPrint',
      value: {
        Metadata: md(index, 'print'),
        ChunkIndex: BigInt(index),
        Data: bytes,
        Bytes: BigInt(bytes.length),
        DelayMilliseconds: BigInt(ms),
        Offset: 0n,
      },
    },
  });
}

function sampleSession(): OneOf[] {
  return [
    OneOf.fromPartial({
      Event: {
        $case: 'SessionStart',
        value: {
          Metadata: md(0, 'session.start', { ID: 'c06685ff', Code: 'T2000I' }),
          User: { User: 'joe', Login: 'root' },
          Session: { SessionID: '9b6ec731' },
          Server: {
            ServerNamespace: 'default',
            ServerID: 'ade010d6',
            ServerHostname: 'localhost',
            ServerAddr: '173.230.128.45:45350',
          },
          Connection: { RemoteAddr: '173.160.69.53:56544' },
          TerminalSize: '80:25',
          SessionRecording: 'node',
        },
      },
    }),
    OneOf.fromPartial({
      Event: {
        $case: 'Resize',
        value: {
          Metadata: md(1, 'resize', { ID: 'c13d7ba5', Code: 'T2002I' }),
          User: { User: 'joe', Login: 'root' },
          Session: { SessionID: '9b6ec731' },
          Server: { ServerNamespace: 'default', ServerID: 'ade010d6', ServerHostname: 'localhost' },
          TerminalSize: '168:44',
        },
      },
    }),
    print(2, 'hello <world>\r\n', 0),
    print(3, 'x', 700),
    OneOf.fromPartial({
      Event: {
        $case: 'SessionEnd',
        value: {
          Metadata: md(4, 'session.end', { Code: 'T2004I' }),
          User: { User: 'joe' },
          Session: { SessionID: '9b6ec731' },
          Server: { ServerID: 'ade010d6' },
          Interactive: true,
          Participants: ['joe'],
          StartTime: new Date(T0),
        },
      },
    }),
  ];
}

async function writeAll(events: OneOf[], opts?: WriterOptions, flushAfter: number[] = []): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new RecordingWriter(out, opts);
  for (const [i, e] of events.entries()) {
    await w.write(e);
    if (flushAfter.includes(i)) await w.flush();
  }
  await w.close();
  out.end();
  return Buffer.concat(chunks);
}

async function readAll(
  input: Buffer | Buffer[],
  onUnknown?: (u: UnknownEvent) => void,
): Promise<{ events: OneOf[]; error?: unknown; reader: RecordingReader }> {
  const reader = new RecordingReader(Array.isArray(input) ? input : [input], { onUnknown });
  const events: OneOf[] = [];
  try {
    for await (const e of reader) events.push(e);
    return { events, reader };
  } catch (error) {
    return { events, error, reader };
  }
}

/** One part with the given gzip bytes (and optional bytes inside the window after them). */
function part(gz: Buffer, opts: { dangling?: Buffer; padding?: number } = {}): Buffer {
  const window = Buffer.concat([gz, opts.dangling ?? Buffer.alloc(0)]);
  return Buffer.concat([
    encodePartHeader({ partSize: window.length, paddingSize: opts.padding ?? 0 }),
    window,
    Buffer.alloc(opts.padding ?? 0),
  ]);
}

function records(events: OneOf[]): Buffer {
  return Buffer.concat(
    events.map((e) => {
      const m = OneOf.encode(e).finish();
      const len = Buffer.alloc(4);
      len.writeUInt32BE(m.length);
      return Buffer.concat([len, m]);
    }),
  );
}

/** Walks the parts of a file: [offset, header] for each. */
function walkParts(file: Buffer): Array<{ offset: number; partSize: number; paddingSize: number }> {
  const out: Array<{ offset: number; partSize: number; paddingSize: number }> = [];
  let off = 0;
  while (off < file.length) {
    const hd = decodePartHeader(file.subarray(off, off + PART_HEADER_SIZE));
    out.push({ offset: off, ...hd });
    off += PART_HEADER_SIZE + hd.partSize + hd.paddingSize;
  }
  expect(off).toBe(file.length);
  return out;
}

const indices = (events: OneOf[]): number[] => events.map((e) => Number(eventIndex(e)));

describe('part header', () => {
  it('encodes version 1, partSize and paddingSize as big-endian uint64', () => {
    expect(encodePartHeader({ partSize: 0x1234, paddingSize: 5 }).toString('hex')).toBe(
      h('0000000000000001 | 0000000000001234 | 0000000000000005').toString('hex'),
    );
    expect(encodePartHeader({ partSize: 2 ** 40 + 1 }).toString('hex')).toBe(
      h('0000000000000001 | 0000010000000001 | 0000000000000000').toString('hex'),
    );
  });

  it('decodes the same bytes', () => {
    expect(decodePartHeader(h('0000000000000001 0000000000001234 0000000000000005'))).toEqual({
      version: 1,
      partSize: 0x1234,
      paddingSize: 5,
    });
    expect(decodePartHeader(h('0000000000000001 00000000004c4b40 0000000000000000'))).toEqual({
      version: 1,
      partSize: 5_000_000,
      paddingSize: 0,
    });
  });

  it('rejects other versions, short headers and unsafe sizes', () => {
    expect(() => decodePartHeader(h('0000000000000002 0000000000000001 0000000000000000'))).toThrow(
      'unsupported protocol version 2',
    );
    expect(() => decodePartHeader(h('0000000000000001 00'))).toThrow(RecordingError);
    expect(() => decodePartHeader(h('0000000000000001 ffffffffffffffff 0000000000000000'))).toThrow(
      /too large/,
    );
    expect(() => encodePartHeader({ partSize: -1 })).toThrow(RecordingError);
  });
});

describe('records', () => {
  it('are a uint32 BE length and an events.OneOf with SessionPrint at field 7', async () => {
    const ev = OneOf.fromPartial({
      Event: {
        $case: 'SessionPrint',
        value: { Metadata: { Index: 1n, Type: 'print' }, Data: Buffer.from('hi'), DelayMilliseconds: 5n },
      },
    });
    const expected = h(
      [
        '00000013', //                          record length 19
        '3a 11', //                             OneOf field 7 (SessionPrint), 17 bytes
        '0a 09 | 08 01 | 12 05 7072696e74', //  1 Metadata {1 Index=1, 2 Type="print"}
        '1a 02 6869', //                        3 Data "hi"
        '28 05', //                             5 DelayMilliseconds 5
      ].join(''),
    );
    expect(records([ev]).toString('hex')).toBe(expected.toString('hex'));
    const { events } = await readAll(part(zlib.gzipSync(expected)));
    expect(events).toEqual([OneOf.decode(OneOf.encode(ev).finish())]);
  });

  it('put SessionStart at 5, Resize at 9, SessionEnd at 10, DesktopRecording at 69', () => {
    const tag = (e: OneOf): number => OneOf.encode(e).finish()[0];
    const s = sampleSession();
    expect(tag(s[0])).toBe((5 << 3) | 2);
    expect(tag(s[1])).toBe((9 << 3) | 2);
    expect(tag(s[4])).toBe((10 << 3) | 2);
    const desk = OneOf.fromPartial({
      Event: { $case: 'DesktopRecording', value: { Message: Buffer.from([1]) } },
    });
    expect(Buffer.from(OneOf.encode(desk).finish().subarray(0, 2)).toString('hex')).toBe('aa04'); // 69<<3|2 varint
  });
});

describe('writer -> reader', () => {
  it('round-trips a session in one part', async () => {
    const events = sampleSession();
    const file = await writeAll(events);
    expect(walkParts(file)).toHaveLength(1);
    const { events: back, error, reader } = await readAll(file);
    expect(error).toBeUndefined();
    expect(back).toEqual(events.map((e) => OneOf.decode(OneOf.encode(e).finish())));
    expect(reader.stats).toMatchObject({ parts: 1, totalEvents: 5, skippedEvents: 0, unknownEvents: 0 });
  });

  it('round-trips across many parts, each one gzip member, and any input chunking', async () => {
    const events = Array.from({ length: 300 }, (_, i) => print(i, `line ${i} `.repeat(1 + (i % 7))));
    const file = await writeAll(events, { partSize: 1024 });
    const parts = walkParts(file);
    expect(parts.length).toBeGreaterThan(5);
    let count = 0;
    for (const p of parts) {
      const win = file.subarray(p.offset + PART_HEADER_SIZE, p.offset + PART_HEADER_SIZE + p.partSize);
      expect(win.subarray(0, 3).toString('hex')).toBe('1f8b08'); // gzip magic + deflate
      expect(p.paddingSize).toBe(0);
      const raw = zlib.gunzipSync(win);
      for (let off = 0; off < raw.length; count++) off += 4 + raw.readUInt32BE(off);
    }
    expect(count).toBe(300);
    // byte-at-a-time and odd-sized chunks read the same events
    const odd: Buffer[] = [];
    for (let i = 0; i < file.length; i += 7) odd.push(file.subarray(i, i + 7));
    const whole = await readAll(file);
    const chunked = await readAll(odd);
    expect(whole.error).toBeUndefined();
    expect(chunked.error).toBeUndefined();
    expect(indices(whole.events)).toEqual(indices(events));
    expect(chunked.events).toEqual(whole.events);
    expect(whole.reader.stats.parts).toBe(parts.length);
  });

  it('pads parts cut by flush() up to partSize, never the last one; the reader skips padding', async () => {
    const events = Array.from({ length: 10 }, (_, i) => print(i, `p${i}`));
    const file = await writeAll(events, { partSize: 4096, pad: true }, [3, 6]);
    const parts = walkParts(file);
    expect(parts).toHaveLength(3);
    expect(PART_HEADER_SIZE + parts[0].partSize + parts[0].paddingSize).toBe(4096);
    expect(parts[0].paddingSize).toBeGreaterThan(0);
    expect(parts[2].paddingSize).toBe(0);
    const { events: back, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(indices(back)).toEqual(indices(events));
  });

  it('refuses empty and oversized records', async () => {
    const w = new RecordingWriter(new PassThrough());
    await expect(w.write(OneOf.fromPartial({}))).rejects.toThrow('cannot record an empty event');
    await expect(w.write(print(0, Buffer.alloc(MAX_RECORD_SIZE)))).rejects.toThrow(
      /record size \d+ exceeds max message size of 65536 bytes/,
    );
  });
});

describe('reader tolerance (as upstream)', () => {
  const ev = [print(0, 'a'), print(1, 'b'), print(2, 'c')];

  it('skips dangling bytes after the gzip member inside the part window', async () => {
    const gz = zlib.gzipSync(records(ev));
    for (const dangling of [
      Buffer.alloc(1000),
      Buffer.alloc(3 << 20),
      Buffer.from('trailing garbage'),
      zlib.gzipSync(records([print(9, 'z')])),
    ]) {
      const file = Buffer.concat([part(gz, { dangling }), part(zlib.gzipSync(records([print(3, 'd')])))]);
      const { events, error } = await readAll(file);
      expect(error).toBeUndefined();
      // a second gzip member in the same window is not read (multistream off)
      expect(indices(events)).toEqual([0, 1, 2, 3]);
    }
  });

  it('drops events whose index does not increase, counts gaps', async () => {
    const order = [0, 1, 2, 1, 2, 3, 5, 4];
    const file = await writeAll(
      order.map((i) => print(i, `#${i}`)),
      { partSize: 200 },
    );
    const { events, error, reader } = await readAll(file);
    expect(error).toBeUndefined();
    expect(indices(events)).toEqual([0, 1, 2, 3, 5]);
    expect(reader.stats).toMatchObject({ totalEvents: 8, skippedEvents: 3, outOfOrderEvents: 1 });
  });

  it('reports event types it does not declare and keeps them out of the stream', async () => {
    // OneOf field 37 (AppSessionStart) with Metadata {Index 1, Type "app.session.start"}
    const inner = Buffer.concat([h('0a 15 0801 1211'), Buffer.from('app.session.start')]);
    const unknown = Buffer.concat([h('aa02'), Buffer.from([inner.length]), inner]); // tag 37<<3|2 as a varint
    const len = Buffer.alloc(4);
    len.writeUInt32BE(unknown.length);
    const raw = Buffer.concat([
      records([print(0, 'a')]),
      len,
      unknown,
      records([print(1, 'dup'), print(2, 'b')]),
    ]);
    const seen: UnknownEvent[] = [];
    const { events, error, reader } = await readAll(part(zlib.gzipSync(raw)), (u) => seen.push(u));
    expect(error).toBeUndefined();
    expect(indices(events)).toEqual([0, 2]); // index 1 belongs to the unknown event
    expect(seen).toHaveLength(1);
    expect(seen[0].field).toBe(37);
    expect(seen[0].metadata?.Type).toBe('app.session.start');
    expect(reader.stats.unknownEvents).toBe(1);
  });

  it('treats an empty file as an empty recording', async () => {
    const { events, error } = await readAll(Buffer.alloc(0));
    expect(events).toEqual([]);
    expect(error).toBeUndefined();
  });
});

describe('damaged recordings', () => {
  async function threeParts(): Promise<{
    file: Buffer;
    events: OneOf[];
    parts: ReturnType<typeof walkParts>;
  }> {
    const events = Array.from({ length: 60 }, (_, i) => print(i, `data ${i} `.repeat(5)));
    const file = await writeAll(events, {}, [19, 39]);
    return { file, events, parts: walkParts(file) };
  }

  function expectOneLine(err: unknown, re: RegExp): void {
    expect(err).toBeInstanceOf(RecordingError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(re);
  }

  it('corrupt deflate data in part 2: part 1 events, then one error', async () => {
    const { file, parts } = await threeParts();
    expect(parts).toHaveLength(3);
    const bad = Buffer.from(file);
    bad[parts[1].offset + PART_HEADER_SIZE + 10] = 0xff; // first deflate byte: reserved block type
    const { events, error } = await readAll(bad);
    expect(indices(events)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expectOneLine(error, /^corrupt session recording: part 2 \(at byte \d+\): gzip: /);
  });

  it('bad gzip checksum: every event of the part, then the checksum error', async () => {
    const { file, parts } = await threeParts();
    const bad = Buffer.from(file);
    bad[parts[1].offset + PART_HEADER_SIZE + parts[1].partSize - 8] ^= 0xff; // CRC32 in the trailer
    const { events, error } = await readAll(bad);
    expect(indices(events)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expectOneLine(error, /part 2 .*gzip: invalid checksum$/);
  });

  it('truncated file: events before the cut, then a truncation error', async () => {
    const { file, parts } = await threeParts();
    const cut = file.subarray(0, parts[2].offset + PART_HEADER_SIZE + Math.floor(parts[2].partSize / 2));
    const { events, error } = await readAll(cut);
    expect(events.length).toBeGreaterThanOrEqual(40);
    expect(indices(events)).toEqual(Array.from({ length: events.length }, (_, i) => i));
    expectOneLine(error, /part 3 .*(truncated|unexpected EOF)/);
    const header = await readAll(file.subarray(0, parts[1].offset + 12));
    expect(header.events).toHaveLength(20);
    expectOneLine(header.error, /part 2 .*part header truncated \(12 of 24 bytes\)/);
  });

  it('short padding is an error', async () => {
    const file = part(zlib.gzipSync(records([print(0, 'a')])), { padding: 100 }).subarray(0, -10);
    const { events, error } = await readAll(file);
    expect(events).toHaveLength(1);
    expectOneLine(error, /data truncated, expected to read 100 bytes, but got 90/);
  });

  it('wrong version / magic', async () => {
    const notRecording = await readAll(Buffer.from('just some text file, not a recording at all'));
    expectOneLine(notRecording.error, /^not a Teleport session recording: unsupported protocol version \d+$/);
    const v2 = await readAll(h('0000000000000002 0000000000000000 0000000000000000'));
    expectOneLine(v2.error, /unsupported protocol version 2/);
    const tar = Buffer.alloc(1024);
    tar.write('session.events.gz', 0);
    tar.write('ustar', 257, 'latin1');
    expectOneLine((await readAll(tar)).error, /before version 4\.4, extract the tarball/);
    const gzMagic = await readAll(part(Buffer.from('this is not gzip data')));
    expectOneLine(gzMagic.error, /part 1 .*gzip: invalid header/);
    // a bad version in a later part
    const good = part(zlib.gzipSync(records([print(0, 'a')])));
    const later = await readAll(
      Buffer.concat([good, h('0000000000000009 0000000000000000 0000000000000000')]),
    );
    expect(later.events).toHaveLength(1);
    expectOneLine(later.error, /part 2 .*unsupported protocol version 9/);
  });

  it('oversized and zero-size records', async () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(MAX_RECORD_SIZE + 1);
    const over = await readAll(
      part(zlib.gzipSync(Buffer.concat([records([print(0, 'a')]), big, Buffer.alloc(100)]))),
    );
    expect(over.events).toHaveLength(1);
    expectOneLine(over.error, /record size 65537 exceeds the maximum of 65536 bytes/);
    const zero = await readAll(
      part(zlib.gzipSync(Buffer.concat([records([print(0, 'a')]), Buffer.alloc(8)]))),
    );
    expect(zero.events).toHaveLength(1);
    expectOneLine(zero.error, /unexpected message size 0/);
    const torn = await readAll(part(zlib.gzipSync(records([print(0, 'a'), print(1, 'b')]).subarray(0, -3))));
    expect(torn.events).toHaveLength(1);
    expectOneLine(torn.error, /record truncated/);
  });
});

describe('event helpers and JSON', () => {
  it('type, time, delay, print data, terminal size', () => {
    const [start, , p] = sampleSession();
    expect(eventType(start)).toBe('session.start');
    expect(eventTime(start).toISOString()).toBe('2021-11-18T15:33:59.792Z');
    expect(eventDelayMs(p)).toBe(0);
    expect(eventDelayMs(start)).toBeUndefined();
    expect(printData(p)?.toString()).toBe('hello <world>\r\n');
    expect(parseTerminalSize('168:44')).toEqual({ width: 168, height: 44 });
    expect(parseTerminalSize('168x44')).toBeUndefined();
    expect(goTimeJSON(new Date('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00Z');
    expect(goTimeJSON(new Date(T0 + 8))).toBe('2021-11-18T15:33:59.8Z');
  });

  it('marshals like the Go structs (flattened, jsontag keys, omitempty, no HTML escaping)', async () => {
    const file = await writeAll(sampleSession());
    const { events } = await readAll(file);
    expect(events.map((e) => eventToJSON(e))).toEqual([
      '{"ei":0,"event":"session.start","uid":"c06685ff","code":"T2000I","time":"2021-11-18T15:33:59.792Z","cluster_name":"c1","user":"joe","login":"root","sid":"9b6ec731","namespace":"default","server_id":"ade010d6","server_hostname":"localhost","server_addr":"173.230.128.45:45350","addr.remote":"173.160.69.53:56544","size":"80:25","session_recording":"node"}',
      '{"ei":1,"event":"resize","uid":"c13d7ba5","code":"T2002I","time":"2021-11-18T15:33:59.793Z","cluster_name":"c1","user":"joe","login":"root","sid":"9b6ec731","namespace":"default","server_id":"ade010d6","server_hostname":"localhost","size":"168:44"}',
      '{"ei":2,"event":"print","time":"2021-11-18T15:33:59.794Z","cluster_name":"c1","ci":2,"bytes":15,"ms":0,"offset":0}',
      '{"ei":3,"event":"print","time":"2021-11-18T15:33:59.795Z","cluster_name":"c1","ci":3,"bytes":1,"ms":700,"offset":0}',
      '{"ei":4,"event":"session.end","code":"T2004I","time":"2021-11-18T15:33:59.796Z","cluster_name":"c1","user":"joe","sid":"9b6ec731","server_id":"ade010d6","enhanced_recording":false,"interactive":true,"participants":["joe"],"session_start":"2021-11-18T15:33:59.792Z","session_stop":"0001-01-01T00:00:00Z"}',
    ]);
    const desk = OneOf.fromPartial({
      Event: {
        $case: 'DesktopRecording',
        value: {
          Metadata: md(7, 'desktop.recording'),
          Message: Buffer.from([1, 2, 3]),
          DelayMilliseconds: 40n,
        },
      },
    });
    expect(eventToJSON(desk)).toBe(
      '{"ei":7,"event":"desktop.recording","time":"2021-11-18T15:33:59.799Z","cluster_name":"c1","message":"AQID","ms":40,"tdpb_message":null}',
    );
  });
});

describe('streaming', () => {
  it('reads a 50 MB recording of print events in bounded memory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-rec-'));
    const file = path.join(dir, 'big.tar');
    try {
      const chunk = 1024;
      const count = (50 * 1024 * 1024) / chunk;
      const out = fs.createWriteStream(file);
      const w = new RecordingWriter(out);
      // Incompressible output, so the file is ~50 MB on disk too and spans several parts.
      const pool = crypto.randomBytes(1024 * 1024);
      for (let i = 0; i < count; i++) {
        const at = (i * 7919 * 64) % (pool.length - chunk);
        await w.write(print(i, pool.subarray(at, at + chunk), i));
      }
      await w.close();
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
      expect(fs.statSync(file).size).toBeGreaterThan(PART_HEADER_SIZE);

      // Measure live memory: collect garbage before each sample.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const mem = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const base = mem();
      let peak = base;
      let n = 0;
      let bytes = 0;
      const reader = new RecordingReader(fs.createReadStream(file));
      for await (const ev of reader) {
        bytes += printData(ev)?.length ?? 0;
        if (++n % 1024 === 0) peak = Math.max(peak, mem());
      }
      expect(n).toBe(count);
      expect(bytes).toBe(50 * 1024 * 1024);
      expect(reader.stats.parts).toBeGreaterThan(1);
      // Holding the events would need > 50 MB; streaming stays far below.
      expect(peak - base).toBeLessThan(16 * 1024 * 1024);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
