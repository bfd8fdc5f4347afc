// tshjs play <file.tar>: real processes against recordings written by src/recording/writer.ts
// (JSON export, real-time text playback, bad inputs), plus the playback clock in-process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IO } from '../../src/term/io.js';
import { runPlay } from '../../src/commands/play.js';
import { CommandContext } from '../../src/commands/context.js';
import { OneOf, type Metadata } from '../../src/gen/teleport/legacy/types/events/events.js';
import { PART_HEADER_SIZE, decodePartHeader } from '../../src/recording/header.js';
import { RecordingWriter } from '../../src/recording/writer.js';
import { tempHome, tshjsProcess } from '../helpers/cluster.js';
import { ld, metadata, timestamp } from '../unit/recording/pb.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const md = (i: number, type: string): Metadata => ({
  Index: BigInt(i),
  Type: type,
  ID: '',
  Code: '',
  ClusterName: 'dev.localhost',
  Time: new Date(T0 + i * 100),
});

function print(i: number, text: string, ms: number): OneOf {
  const Data = Buffer.from(text);
  return OneOf.fromPartial({
    Event: {
      $case: 'SessionPrint',
      value: {
        Metadata: md(i, 'print'),
        ChunkIndex: BigInt(i),
        Data,
        Bytes: BigInt(Data.length),
        DelayMilliseconds: BigInt(ms),
      },
    },
  });
}

const SID = '5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c';
const session: OneOf[] = [
  OneOf.fromPartial({
    Event: {
      $case: 'SessionStart',
      value: {
        Metadata: md(0, 'session.start'),
        User: { User: 'alice', Login: 'root' },
        Session: { SessionID: SID },
        Server: { ServerID: 'node-1', ServerHostname: 'node-1' },
        TerminalSize: '80:25',
      },
    },
  }),
  print(1, 'hello\r\n', 0),
  OneOf.fromPartial({
    Event: { $case: 'Resize', value: { Metadata: md(2, 'resize'), TerminalSize: '100:30' } },
  }),
  print(3, 'world <&>\r\n', 200),
  print(4, 'bye\r\n', 400),
  OneOf.fromPartial({
    Event: {
      $case: 'SessionEnd',
      value: {
        Metadata: md(5, 'session.end'),
        Session: { SessionID: SID },
        Interactive: true,
        Participants: ['alice'],
      },
    },
  }),
];
const OUTPUT = 'hello\r\nworld <&>\r\nbye\r\n';

async function writeRecording(file: string, events: OneOf[], partSize?: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const w = new RecordingWriter(out, { partSize });
  for (const e of events) await w.write(e);
  await w.close();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

describe('tshjs play (process)', () => {
  const dir = tempHome('tshjs-play-');
  const home = tempHome();
  const file = (name: string): string => path.join(dir, name);

  beforeAll(async () => {
    await writeRecording(file('session.tar'), session, 64);
    await writeRecording(file('desktop.tar'), [
      OneOf.fromPartial({
        Event: {
          $case: 'WindowsDesktopSessionStart',
          value: { Metadata: md(0, 'windows.desktop.session.start') },
        },
      }),
      OneOf.fromPartial({
        Event: {
          $case: 'DesktopRecording',
          value: { Metadata: md(1, 'desktop.recording'), Message: Buffer.from([2]) },
        },
      }),
    ]);
    // Damage the second part's deflate data: the first part's events still come out.
    const bytes = fs.readFileSync(file('session.tar'));
    const first = decodePartHeader(bytes.subarray(0, PART_HEADER_SIZE));
    bytes[PART_HEADER_SIZE + first.partSize + PART_HEADER_SIZE + 10] = 0xff;
    fs.writeFileSync(file('corrupt.tar'), bytes);
    fs.writeFileSync(file('text.tar'), 'this is not a session recording\n');
    // Event 2's time is 10^15 seconds after 1970: out of Go's range (and of a JavaScript Date's).
    const badTime = ld(9, ld(1, metadata(2, 'resize', timestamp(10n ** 15n))), ld(6, '100:30'));
    const out = fs.createWriteStream(file('badtime.tar'));
    const w = new RecordingWriter(out);
    for (const e of session.slice(0, 2)) await w.write(e);
    await w.writeRecord(badTime);
    for (const e of session.slice(3)) await w.write(e);
    await w.close();
    await new Promise<void>((resolve) => out.end(resolve));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('--format json prints one JSON object per event and line', async () => {
    const r = await tshjsProcess(['play', file('session.tar'), '--format', 'json'], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(session.length);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => o.event)).toEqual([
      'session.start',
      'print',
      'resize',
      'print',
      'print',
      'session.end',
    ]);
    expect(objs.map((o) => o.ei)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines[0]).toBe(
      `{"ei":0,"event":"session.start","time":"2024-05-01T12:00:00Z","cluster_name":"dev.localhost","user":"alice","login":"root","sid":"${SID}","server_id":"node-1","server_hostname":"node-1","size":"80:25"}`,
    );
    expect(lines[3]).toBe(
      '{"ei":3,"event":"print","time":"2024-05-01T12:00:00.3Z","cluster_name":"dev.localhost","ci":3,"bytes":11,"ms":200,"offset":0}',
    );
  });

  it('--format text replays the output in real time (--speed 8)', async () => {
    const started = Date.now();
    const r = await tshjsProcess(['play', file('session.tar'), '--speed', '8'], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(OUTPUT); // not a terminal: no resize/clear escapes
    expect(Date.now() - started).toBeGreaterThanOrEqual(400 / 8);
  });

  it.each([
    [['play', 'missing.tar'], /^ERROR: open .*missing\.tar: no such file or directory$/],
    // A session ID is fetched from the cluster, which needs a login first.
    [['play', SID], /^ERROR: Not logged in/],
    [
      ['play', 'session.tar', '--format', 'yaml'],
      /^ERROR: unsupported format "yaml", "json" is the only supported format$/,
    ],
    [['play', 'session.tar', '--speed', '20'], /^ERROR: --speed must be a number between 0.5 and 8/],
    [
      ['play', 'desktop.tar'],
      /^ERROR: Desktop sessions cannot be played with tshjs play\. .*recordings export/,
    ],
    [
      ['play', 'text.tar'],
      /^ERROR: \S+text\.tar: not a Teleport session recording: unsupported protocol version \d+$/,
    ],
    [['play', 'session.tar', '--format', 'csv'], /^ERROR: option .*csv.* is invalid/],
  ])('%j exits 1 with one ERROR line', async (args, re) => {
    const argv = args.map((a) => (a.endsWith('.tar') ? file(a) : a));
    const r = await tshjsProcess(argv, { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
  });

  it('a corrupt part: the events before the damage, then one ERROR line', async () => {
    const r = await tshjsProcess(['play', file('corrupt.tar'), '--format', 'json'], { home });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(session.length);
    expect(lines.map((l) => (JSON.parse(l) as { ei: number }).ei)).toEqual(lines.map((_, i) => i));
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^ERROR: \S+corrupt\.tar: corrupt session recording: part 2 \(at byte \d+\): gzip: /,
    );
    expect(err[0]).toContain(file('corrupt.tar'));
  });

  it.each([
    ['--format', 'json'],
    ['--speed', '8'],
  ])(
    'a time out of range (%s %s): the events before it, then one ERROR line naming the file and event',
    async (...flags) => {
      const r = await tshjsProcess(['play', file('badtime.tar'), ...flags], { home });
      expect(r.code).toBe(1);
      if (flags[0] === '--format') {
        expect(
          r.stdout
            .trimEnd()
            .split('\n')
            .map((l) => (JSON.parse(l) as { ei: number }).ei),
        ).toEqual([0, 1]);
      } else {
        expect(r.stdout).toBe('hello\r\n');
      }
      expect(r.stderr).toBe(
        `ERROR: ${file('badtime.tar')}: corrupt session recording: part 1 (at byte 0): record 2 (event index 2): invalid timestamp (seconds 1000000000000000, nanos 0): after 10000-01-01\n`,
      );
    },
  );
});

describe('text playback clock (in-process)', () => {
  const dir = tempHome('tshjs-play-clock-');
  const rec = path.join(dir, 'clock.tar');
  beforeAll(() =>
    writeRecording(rec, [
      print(0, 'a', 0),
      print(1, 'b', 1000),
      OneOf.fromPartial({
        Event: { $case: 'Resize', value: { Metadata: md(2, 'resize'), TerminalSize: '90:20' } },
      }),
      print(3, 'c', 1500),
      print(4, 'd', 1400), // earlier than the previous one: no pause
      print(5, 'e', 61_400),
    ]),
  );
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function play(opts: { speed?: string; skipIdleTime?: boolean; tty?: boolean }) {
    const stdout = Object.assign(new PassThrough(), { isTTY: opts.tty });
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString('latin1')));
    const io: IO = { stdin: new PassThrough(), stdout, stderr, env: {} };
    const sleeps: number[] = [];
    const clock = {
      now: () => new Date(),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        out += `<${ms}>`;
      },
    };
    const ctx = new CommandContext(io, {}, undefined, { clock });
    const code = await runPlay({ target: rec, speed: opts.speed, skipIdleTime: opts.skipIdleTime }, ctx);
    return { code, out, sleeps };
  }

  it('pauses by the DelayMilliseconds difference divided by the speed', async () => {
    expect(await play({})).toEqual({ code: 0, out: 'a<1000>b<500>cd<60000>e', sleeps: [1000, 500, 60000] });
    expect((await play({ speed: '2x' })).sleeps).toEqual([500, 250, 30000]);
    expect((await play({ speed: '0.5' })).sleeps).toEqual([2000, 1000, 120000]);
  });

  it('--skip-idle-time caps each pause at 500 ms', async () => {
    expect((await play({ skipIdleTime: true })).sleeps).toEqual([500, 500, 500]);
  });

  it('on a terminal: clears the screen and resizes it from "W:H"', async () => {
    const { out } = await play({ tty: true });
    expect(out).toBe('\x1b[2J\x1b[1;1Ha<1000>b\x1b[8;20;90t<500>cd<60000>e');
  });
});
