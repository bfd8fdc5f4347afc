// The playback engine (src/recording/player.ts) and the exports (export.ts), in memory: tsh play's
// target rules (play.go), --speed, the lib/player pacing and the refusals of non-terminal sessions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OneOf, type Metadata } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { exportSessionJSON, exportSessionYAML, withoutId } from '../../../src/recording/export.js';
import { RecordingFile } from '../../../src/recording/file.js';
import {
  DESKTOP_NOT_PLAYABLE,
  MAX_IDLE_MS,
  NOT_INTERACTIVE,
  isLocalRecording,
  isSessionId,
  parseSpeed,
  playText,
  type PlayTextOptions,
} from '../../../src/recording/player.js';
import type { IO } from '../../../src/term/io.js';

const md = (i: number, type: string, id = ''): Metadata => ({
  Index: BigInt(i),
  Type: type,
  ID: id,
  Code: '',
  ClusterName: 'dev.localhost',
  Time: new Date(Date.UTC(2024, 4, 1, 12, 0, 0) + i * 100),
});

const print = (i: number, text: string, ms: number): OneOf =>
  OneOf.fromPartial({
    Event: {
      $case: 'SessionPrint',
      value: { Metadata: md(i, 'print'), Data: Buffer.from(text), DelayMilliseconds: BigInt(ms) },
    },
  });

async function* from(events: OneOf[]): AsyncGenerator<OneOf> {
  yield* events;
}

function fakeIO(tty = false): { io: IO; out: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('latin1')));
  return { io: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} }, out: () => out };
}

/** Plays events with a clock that records its waits (as "<ms>" in the output, too). */
async function play(events: OneOf[], o: Partial<PlayTextOptions> = {}, tty = false) {
  const { io, out } = fakeIO(tty);
  const sleeps: number[] = [];
  const clock = {
    sleep: async (ms: number) => {
      sleeps.push(ms);
      io.stdout.write(`<${ms}>`);
    },
  };
  await playText(io, from(events), { speed: 1, skipIdleTime: false, clock, ...o });
  return { out: out(), sleeps };
}

describe('parseSpeed', () => {
  it('1 when not given; a number or "Nx" from 0.5 to 8', () => {
    expect(parseSpeed(undefined)).toBe(1);
    expect(parseSpeed('2x')).toBe(2);
    expect(parseSpeed('2X')).toBe(2);
    expect(parseSpeed(' 4x ')).toBe(4);
    expect(parseSpeed('0.5')).toBe(0.5);
    expect(parseSpeed('0.5x')).toBe(0.5);
    expect(parseSpeed('8')).toBe(8);
    expect(parseSpeed(1.5)).toBe(1.5);
  });

  it('refuses anything outside 0.5..8 with one bad-parameter line', () => {
    for (const v of ['0.25', '9', '8.5x', '0', '-1', 'fast', 'x', 'NaN', 'Infinity']) {
      expect(() => parseSpeed(v), v).toThrow(`--speed must be a number between 0.5 and 8, got "${v}"`);
    }
    expect(() => parseSpeed(10)).toThrow('--speed must be a number between 0.5 and 8, got "10"');
  });
});

describe('play targets (play.go)', () => {
  it('a ".tar" name is a local recording, whatever the directory', () => {
    expect(isLocalRecording('session.tar')).toBe(true);
    expect(isLocalRecording('./recordings/5b4a8c2e.tar')).toBe(true);
    expect(isLocalRecording('/var/lib/teleport/log/upload/streaming/default/x.tar')).toBe(true);
  });

  it('other names are not (the extension is case-sensitive, as Go path.Ext)', () => {
    expect(isLocalRecording('5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c')).toBe(false);
    expect(isLocalRecording('session.TAR')).toBe(false);
    expect(isLocalRecording('session.tar.gz')).toBe(false);
    expect(isLocalRecording('session.tarx')).toBe(false);
    expect(isLocalRecording('session')).toBe(false);
  });

  it('a session ID is a UUID in its canonical 8-4-4-4-12 form, in either case', () => {
    expect(isSessionId('5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c')).toBe(true);
    expect(isSessionId('5B4A8C2E-7D7B-4D3C-9F6B-3C2A1F0E9D8C')).toBe(true);
    expect(isSessionId('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('anything else is not a session ID', () => {
    expect(isSessionId('')).toBe(false);
    expect(isSessionId('session.tar')).toBe(false);
    expect(isSessionId('not-a-session')).toBe(false);
    expect(isSessionId('5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8')).toBe(false); // one digit short
    expect(isSessionId('5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8cc')).toBe(false);
    expect(isSessionId('5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8g')).toBe(false);
    expect(isSessionId(' 5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c')).toBe(false);
  });
});

describe('playText', () => {
  const events = [print(0, 'a', 0), print(1, 'b', 1000), print(2, 'c', 1500), print(3, 'd', 61_500)];

  it('writes each output after the DelayMilliseconds difference, divided by the speed', async () => {
    expect(await play(events)).toEqual({ out: 'a<1000>b<500>c<60000>d', sleeps: [1000, 500, 60000] });
    expect((await play(events, { speed: 2 })).sleeps).toEqual([500, 250, 30000]);
    expect((await play(events, { speed: 0.5 })).sleeps).toEqual([2000, 1000, 120000]);
  });

  it('--skip-idle-time caps each pause at MAX_IDLE_MS', async () => {
    expect(MAX_IDLE_MS).toBe(500);
    expect((await play(events, { skipIdleTime: true })).sleeps).toEqual([500, 500, 500]);
    // After the speed: 1000 ms at 4x is 250 ms, under the cap.
    expect((await play(events, { skipIdleTime: true, speed: 4 })).sleeps).toEqual([250, 125, 500]);
  });

  it('an output earlier than the previous one costs no pause; the next pause counts from it', async () => {
    const r = await play([print(0, 'a', 1000), print(1, 'b', 900), print(2, '', 1200), print(3, 'c', 1200)]);
    // The empty output waits (and writes nothing); "c" at the same time follows at once.
    expect(r).toEqual({ out: '<1000>ab<300>c', sleeps: [1000, 300] });
  });

  it('on a terminal: clears the screen and resizes it from the session start and resizes', async () => {
    const start = OneOf.fromPartial({
      Event: { $case: 'SessionStart', value: { Metadata: md(0, 'session.start'), TerminalSize: '80:25' } },
    });
    const resize = OneOf.fromPartial({
      Event: { $case: 'Resize', value: { Metadata: md(2, 'resize'), TerminalSize: '100:30' } },
    });
    const bad = OneOf.fromPartial({
      Event: { $case: 'Resize', value: { Metadata: md(3, 'resize'), TerminalSize: 'wide' } },
    });
    const seq = [start, print(1, 'x', 0), resize, bad, print(4, 'y', 10)];
    expect((await play(seq, {}, true)).out).toBe('\x1b[2J\x1b[1;1H\x1b[8;25;80tx\x1b[8;30;100t<10>y');
    // Not a terminal: the output only.
    expect((await play(seq)).out).toBe('x<10>y');
  });

  it('refuses desktop sessions', async () => {
    const desktop = OneOf.fromPartial({
      Event: {
        $case: 'WindowsDesktopSessionStart',
        value: { Metadata: md(0, 'windows.desktop.session.start') },
      },
    });
    await expect(play([desktop])).rejects.toThrow(DESKTOP_NOT_PLAYABLE);
    const frame = OneOf.fromPartial({
      Event: { $case: 'DesktopRecording', value: { Metadata: md(0, 'desktop.recording') } },
    });
    await expect(play([frame])).rejects.toThrow(DESKTOP_NOT_PLAYABLE);
  });

  it('refuses database sessions other than Postgres, and app sessions among the undecodable events', async () => {
    const mysql = OneOf.fromPartial({
      Event: {
        $case: 'DatabaseSessionStart',
        value: { Metadata: md(0, 'db.session.start'), Database: { DatabaseProtocol: 'mysql' } },
      },
    });
    await expect(play([mysql])).rejects.toThrow(NOT_INTERACTIVE);
    await expect(play([print(0, 'a', 0)], { unknown: [{ field: 37 }] })).rejects.toThrow(NOT_INTERACTIVE);
    // Other undecodable events are not a reason to refuse.
    expect((await play([print(0, 'a', 0)], { unknown: [{ field: 99 }] })).out).toBe('a');
  });
});

describe('session exports', () => {
  const start = OneOf.fromPartial({
    Event: {
      $case: 'SessionStart',
      value: {
        Metadata: md(0, 'session.start', 'uid-0'),
        Session: { SessionID: 's1' },
        TerminalSize: '80:25',
      },
    },
  });

  it('withoutId clears the uid and leaves the event otherwise as it was', () => {
    const e = withoutId(start);
    expect(e.Event?.value.Metadata?.ID).toBe('');
    expect(start.Event?.value.Metadata?.ID).toBe('uid-0');
    expect({ ...e.Event?.value, Metadata: undefined }).toEqual({
      ...start.Event?.value,
      Metadata: undefined,
    });
  });

  it('JSON: one array, four-space indents, "}]" at the end; an empty session is "[\\n]"', async () => {
    const a = fakeIO();
    await exportSessionJSON(a.io, from([start, print(1, 'hi', 0)]));
    expect(a.out().startsWith('[\n    {\n        "ei": 0,\n        "event": "session.start",\n')).toBe(true);
    expect(a.out()).toContain('\n    },\n    {\n        "ei": 1,\n        "event": "print",\n');
    expect(a.out().endsWith('\n    }]\n')).toBe(true);
    expect(a.out()).not.toContain('uid');
    expect((JSON.parse(a.out()) as unknown[]).length).toBe(2);
    const empty = fakeIO();
    await exportSessionJSON(empty.io, from([]));
    expect(empty.out()).toBe('[\n]\n');
  });

  it('YAML: one document per event, separated by "---", keys sorted, no uid', async () => {
    const y = fakeIO();
    await exportSessionYAML(y.io, from([start, print(1, 'hi', 0)]));
    const docs = y.out().split('---\n');
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatch(/^cluster_name: dev\.localhost\n/);
    expect(docs[1]).toContain('event: print\n');
    expect(y.out()).not.toContain('uid');
  });
});

describe('RecordingFile.open', () => {
  it("reports a missing file, an empty one and a directory as tsh's one-line errors", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-player-'));
    try {
      const missing = path.join(dir, 'missing.tar');
      await expect(RecordingFile.open(missing)).rejects.toThrow(`open ${missing}: no such file or directory`);
      const empty = path.join(dir, 'empty.tar');
      fs.writeFileSync(empty, '');
      await expect(RecordingFile.open(empty)).rejects.toThrow(
        `not a Teleport session recording: ${empty} is empty`,
      );
      await expect(RecordingFile.open(dir)).rejects.toThrow(`read ${dir}: is a directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
