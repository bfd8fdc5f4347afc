// Damaged recording files, byte by byte, exported as `tshjs play FILE --format json` does
// (RecordingFile -> exportRecordingJSON): every event before the damage is written, then one
// RecordingError whose single line names the file (and, for a bad record, the record and event).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { exportRecordingJSON } from '../../../src/recording/export.js';
import { RecordingFile } from '../../../src/recording/file.js';
import { RecordingError } from '../../../src/recording/header.js';
import type { IO } from '../../../src/term/io.js';
import { T0, endEvent, ld, part, printEvent, records, timestamp, vint } from './pb.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-corrupt-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes bytes to a new file and exports it: the JSON lines written and the error. */
async function exportFile(bytes: Buffer): Promise<{ file: string; lines: string[]; error: unknown }> {
  const file = path.join(dir, `rec-${files++}.tar`);
  fs.writeFileSync(file, bytes);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const io: IO = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} };
  const rec = await RecordingFile.open(file);
  let error: unknown;
  try {
    await exportRecordingJSON(io, rec.events());
  } catch (err) {
    error = err;
  } finally {
    await rec.close();
  }
  return { file, lines: out.split('\n').filter(Boolean), error };
}

/** The error is a RecordingError whose one line is exactly `<file>: <rest>`. */
function expectError(r: { file: string; error: unknown }, rest: string | RegExp): void {
  expect(r.error).toBeInstanceOf(RecordingError);
  const msg = (r.error as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg.startsWith(`${r.file}: `), msg).toBe(true);
  const tail = msg.slice(r.file.length + 2);
  if (typeof rest === 'string') expect(tail).toBe(rest);
  else expect(tail).toMatch(rest);
}

const eis = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as { ei: number }).ei);

describe('timestamps out of Go range (upstream refuses the record)', () => {
  it('seconds a Date cannot hold: a typed error naming the file and the event, not "Invalid time value"', async () => {
    const r = await exportFile(
      part(records(printEvent(0), printEvent(1, 'y', timestamp(10n ** 15n)), printEvent(2))),
    );
    expect(eis(r.lines)).toEqual([0]);
    expectError(
      r,
      'corrupt session recording: part 1 (at byte 0): record 1 (event index 1): invalid timestamp (seconds 1000000000000000, nanos 0): after 10000-01-01',
    );
  });

  it('year 10000, before year 1 and nanos out of [0, 1e9), as gogoproto checks them', async () => {
    const cases: Array<[Buffer, string]> = [
      [timestamp(253402300800), 'invalid timestamp (seconds 253402300800, nanos 0): after 10000-01-01'],
      [timestamp(-62135596801), 'invalid timestamp (seconds -62135596801, nanos 0): before 0001-01-01'],
      [
        timestamp(T0, 1_000_000_000),
        `invalid timestamp (seconds ${T0}, nanos 1000000000): nanos not in range [0, 1e9)`,
      ],
      [timestamp(T0, -1), `invalid timestamp (seconds ${T0}, nanos -1): nanos not in range [0, 1e9)`],
    ];
    for (const [time, msg] of cases) {
      const r = await exportFile(part(records(printEvent(0), printEvent(1), printEvent(2, 'z', time))));
      expect(eis(r.lines)).toEqual([0, 1]);
      expectError(r, `corrupt session recording: part 1 (at byte 0): record 2 (event index 2): ${msg}`);
    }
    // the limits themselves are valid (to the millisecond a Date holds)
    const ok = await exportFile(
      part(
        records(
          printEvent(0, 'a', timestamp(-62135596800)),
          printEvent(1, 'b', timestamp(253402300799, 999_000_000)),
        ),
      ),
    );
    expect(ok.error).toBeUndefined();
    expect(ok.lines.map((l) => (JSON.parse(l) as { time: string }).time)).toEqual([
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
    ]);
  });

  it('in SessionEnd.EndTime', async () => {
    const r = await exportFile(
      part(records(printEvent(0), endEvent(1, timestamp(T0), timestamp(-(10n ** 15n))))),
    );
    expect(eis(r.lines)).toEqual([0]);
    expectError(
      r,
      /^corrupt session recording: part 1 \(at byte 0\): record 1 \(event index 1\): invalid timestamp \(seconds -1000000000000000, nanos 0\): before 0001-01-01$/,
    );
  });
});

describe('damaged bytes: one typed error naming the file', () => {
  const good = records(printEvent(0, 'a'), printEvent(1, 'b'), printEvent(2, 'c'));

  it('a bad part header: a size beyond 2^53', async () => {
    const r = await exportFile(part(good, { partSize: 1n << 60n }));
    expect(r.lines).toEqual([]);
    expectError(
      r,
      'corrupt session recording: part 1 (at byte 0): part size 1152921504606846976 is too large',
    );
  });

  it('a bad version word (not a recording)', async () => {
    const bytes = part(good);
    bytes.writeBigUInt64BE(7n, 0);
    expectError(await exportFile(bytes), 'not a Teleport session recording: unsupported protocol version 7');
  });

  it('a truncated gzip member', async () => {
    const whole = Buffer.concat([part(records(printEvent(0))), part(good)]);
    const r = await exportFile(whole.subarray(0, whole.length - 30));
    expect(eis(r.lines)).toEqual([0]);
    expectError(
      r,
      /^corrupt session recording: part 2 \(at byte \d+\): (data truncated|record truncated|gzip: unexpected EOF)/,
    );
  });

  it('corrupt deflate data', async () => {
    const bytes = part(good);
    bytes[24 + 10] = 0xff; // the first deflate byte: reserved block type
    expectError(await exportFile(bytes), /^corrupt session recording: part 1 \(at byte 0\): gzip: /);
  });

  it('a bad gzip checksum', async () => {
    const bytes = part(good);
    bytes[bytes.length - 8] ^= 0xff;
    const r = await exportFile(bytes);
    expect(eis(r.lines)).toEqual([0, 1, 2]);
    expectError(r, 'corrupt session recording: part 1 (at byte 0): gzip: invalid checksum');
  });

  it('a bad protobuf varint (eleven bytes)', async () => {
    const bad = ld(7, ld(1, vint(1, 1)), Buffer.from([0x10, ...Array(10).fill(0xff), 0x01]));
    const r = await exportFile(part(records(printEvent(0), bad, printEvent(2))));
    expect(eis(r.lines)).toEqual([0]);
    expectError(
      r,
      'corrupt session recording: part 1 (at byte 0): record 1: invalid event record: invalid varint',
    );
  });

  it('a record cut short inside a field', async () => {
    const cut = ld(7, ld(1, vint(1, 1)), Buffer.from([0x1a, 0x40, 0x61])); // Data of 64 bytes, 1 present
    const r = await exportFile(part(records(printEvent(0), cut)));
    expect(eis(r.lines)).toEqual([0]);
    expectError(
      r,
      /^corrupt session recording: part 1 \(at byte 0\): record 1: invalid event record: premature EOF$/,
    );
  });

  it('an over-size record and a zero-size record', async () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(65537);
    const over = await exportFile(part(Buffer.concat([records(printEvent(0)), big, Buffer.alloc(100)])));
    expect(eis(over.lines)).toEqual([0]);
    expectError(
      over,
      'corrupt session recording: part 1 (at byte 0): record 1: record size 65537 exceeds the maximum of 65536 bytes',
    );
    const zero = await exportFile(
      part(Buffer.concat([records(printEvent(0), printEvent(1)), Buffer.alloc(4)])),
    );
    expect(eis(zero.lines)).toEqual([0, 1]);
    expectError(zero, 'corrupt session recording: part 1 (at byte 0): record 2: unexpected message size 0');
  });

  it('a gzip header cut short', async () => {
    const r = await exportFile(part(good).subarray(0, 24 + 5));
    expectError(r, 'corrupt session recording: part 1 (at byte 0): gzip: unexpected EOF in header');
  });
});
