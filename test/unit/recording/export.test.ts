// exportRecordingJSON writes exactly eventToJSON's lines, UTF-8 encoded, whatever their size or
// characters, from a RecordingReader (in batches) or any other source of events.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { eventToJSON } from '../../../src/recording/events.js';
import { exportRecordingJSON, exportSessionJSON } from '../../../src/recording/export.js';
import { RecordingError } from '../../../src/recording/header.js';
import { RecordingReader } from '../../../src/recording/reader.js';
import { RecordingWriter } from '../../../src/recording/writer.js';
import type { IO } from '../../../src/term/io.js';

const md = (i: number, type: string) => ({
  Index: BigInt(i),
  Type: type,
  ID: '',
  Code: '',
  Time: new Date(Date.UTC(2026, 0, 1) + i * 7),
  ClusterName: 'clüster',
});

function events(): OneOf[] {
  const out: OneOf[] = [];
  for (let i = 0; i < 3000; i++) {
    if (i % 500 === 7) {
      out.push(
        OneOf.fromPartial({
          Event: {
            $case: 'SessionStart',
            value: {
              Metadata: md(i, 'session.start'),
              // a line whose worst-case size is beyond the 64 KiB batch, with 2-, 3- and 4-byte characters
              InitialCommand: ['é€😀', 'x'.repeat(30_000 + i)],
              TerminalSize: '80:25',
            },
          },
        }),
      );
    } else {
      const Data = Buffer.from(`line ${i}\r\n`);
      out.push(
        OneOf.fromPartial({
          Event: {
            $case: 'SessionPrint',
            value: { Metadata: md(i, i % 3 ? 'print' : 'prïnt'), Data, Bytes: BigInt(Data.length) },
          },
        }),
      );
    }
  }
  return out;
}

async function exportBytes(source: AsyncIterable<OneOf>): Promise<Buffer> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: IO = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} };
  await exportRecordingJSON(io, source);
  return Buffer.concat(chunks);
}

describe('exportRecordingJSON', () => {
  it('writes eventToJSON of every event, a line each, as UTF-8', async () => {
    const evs = events();
    const rec = new PassThrough();
    const parts: Buffer[] = [];
    rec.on('data', (c: Buffer) => parts.push(c));
    const w = new RecordingWriter(rec, { partSize: 64 * 1024 });
    for (const e of evs) await w.write(e);
    await w.close();

    const decoded = evs.map((e) => OneOf.decode(OneOf.encode(e).finish()));
    const expected = Buffer.from(decoded.map((e) => `${eventToJSON(e)}\n`).join(''));

    const fromReader = await exportBytes(new RecordingReader([Buffer.concat(parts)]));
    expect(fromReader.equals(expected)).toBe(true);
    async function* one(): AsyncGenerator<OneOf> {
      yield* decoded;
    }
    expect((await exportBytes(one())).equals(expected)).toBe(true);
  });

  it('names the event it cannot write (a time no Date holds, from a source other than a file)', async () => {
    async function* bad(): AsyncGenerator<OneOf> {
      yield OneOf.fromPartial({ Event: { $case: 'SessionPrint', value: { Metadata: md(1, 'print') } } });
      yield OneOf.fromPartial({
        Event: { $case: 'SessionPrint', value: { Metadata: { ...md(2, 'print'), Time: new Date(NaN) } } },
      });
    }
    for (const exp of [exportRecordingJSON, exportSessionJSON]) {
      const err = await exp(
        { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} },
        bad(),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RecordingError);
      expect((err as Error).message).toMatch(/^event index 2 \(print\): \S/);
    }
  });
});
