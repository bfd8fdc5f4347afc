// Recording events trimmed as upstream's TrimToMaxSize, and the recorder keeping a session with an
// oversized command complete (session.start and session.end trimmed, never lost).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SessionEnd,
  SessionStart,
  type OneOf,
} from '../../../src/gen/teleport/legacy/types/events/events.js';
import { MAX_RECORD_SIZE } from '../../../src/recording/header.js';
import { RecordingReader } from '../../../src/recording/reader.js';
import { SessionRecorder } from '../../../src/devcluster/recorder.js';
import { trimSessionEnd, trimSessionStart, trimStr } from '../../../src/devcluster/trim.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-trim-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (m: { encode(x: never): { finish(): Uint8Array } }, ev: unknown) =>
  m.encode(ev as never).finish().length;

function start(command: string[], invited: string[] = []): SessionStart {
  return {
    Metadata: {
      Index: 0n,
      Type: 'session.start',
      ID: 'id',
      Code: 'T2000I',
      Time: new Date(0),
      ClusterName: 'c',
    },
    User: undefined,
    Session: { SessionID: 'sid', WithMFA: '', PrivateKeyPolicy: '' },
    Server: undefined,
    Connection: undefined,
    TerminalSize: '80:25',
    KubernetesCluster: undefined,
    KubernetesPod: undefined,
    InitialCommand: command,
    SessionRecording: 'node',
    Invited: invited,
    Reason: '',
  };
}

describe('trimStr (upstream: 2 for the quotes, 2 per quote or backslash, 1 per other byte)', () => {
  it('keeps a string that fits and cuts one that does not before the count passes n', () => {
    expect(trimStr('hello', 10)).toBe('hello');
    expect(trimStr('hello', 5)).toBe('hel');
    expect(trimStr('hello', 2)).toBe('');
    expect(trimStr('hello', -100)).toBe('');
  });
  it('counts quotes and backslashes twice', () => {
    expect(trimStr('a"b', 5)).toBe('a"');
    expect(trimStr('a\\bc', 6)).toBe('a\\b');
  });
  it('counts UTF-8 bytes and never cuts inside a character', () => {
    expect(trimStr('aé', 5)).toBe('aé'); // 2 + 1 + 2 bytes
    expect(trimStr('aé', 4)).toBe('a');
    expect(trimStr('€€', 6)).toBe('€');
  });
});

describe('TrimToMaxSize', () => {
  const max = MAX_RECORD_SIZE;

  it('returns an event that fits unchanged', () => {
    const ev = start(['ls -l']);
    expect(trimSessionStart(ev, max)).toBe(ev);
  });

  it('session.start: each InitialCommand element gets an equal share of the room left', () => {
    const ev = start(['x'.repeat(100_000), 'y'.repeat(10)]);
    const out = trimSessionStart(ev, max);
    // room = max - (max/10 + the event's size without the trimmed fields); each element's share is
    // room / the number of elements; trimStr keeps share - 2 plain bytes.
    const rest = size(SessionStart, { ...ev, InitialCommand: [], Invited: [] });
    const room = max - (Math.trunc(max / 10) + rest);
    expect(out.InitialCommand.map((c) => c.length)).toEqual([Math.trunc(room / 2) - 2, 10]);
    expect(out.InitialCommand[0]).toBe('x'.repeat(out.InitialCommand[0].length));
    expect({ ...out, InitialCommand: [] }).toEqual({ ...ev, InitialCommand: [] });
    expect(size(SessionStart, out)).toBeLessThanOrEqual(max);
    expect(ev.InitialCommand[0]).toHaveLength(100_000); // the original is untouched
  });

  it('session.start: Invited gets its own share, computed as for InitialCommand', () => {
    const ev = start(['ls'], ['z'.repeat(70_000), '']);
    const out = trimSessionStart(ev, max);
    const rest = size(SessionStart, { ...ev, InitialCommand: [], Invited: [] });
    const room = max - (Math.trunc(max / 10) + rest);
    expect(out.InitialCommand).toEqual(['ls']);
    // nonEmptyStrsInSlice counts the empty element too.
    expect(out.Invited.map((c) => c.length)).toEqual([Math.trunc(room / 2) - 2, 0]);
  });

  it('session.end: InitialCommand', () => {
    const ev: SessionEnd = {
      Metadata: {
        Index: 9n,
        Type: 'session.end',
        ID: 'id',
        Code: 'T2004I',
        Time: new Date(0),
        ClusterName: 'c',
      },
      User: undefined,
      Session: undefined,
      Server: undefined,
      Connection: undefined,
      EnhancedRecording: false,
      Interactive: false,
      Participants: ['alice'],
      StartTime: new Date(0),
      EndTime: new Date(1000),
      KubernetesCluster: undefined,
      KubernetesPod: undefined,
      InitialCommand: ['c'.repeat(80_000)],
      SessionRecording: 'node',
    };
    const out = trimSessionEnd(ev, max);
    const room = max - (Math.trunc(max / 10) + size(SessionEnd, { ...ev, InitialCommand: [] }));
    expect(out.InitialCommand.map((c) => c.length)).toEqual([room - 2]);
    expect(out.Participants).toEqual(['alice']);
  });
});

describe('SessionRecorder with an oversized command', () => {
  it('writes a complete recording: start and end trimmed, output whole', async () => {
    const command = `echo ${'a'.repeat(200_000)}`;
    const errors: Error[] = [];
    const rec = new SessionRecorder(
      dir,
      {
        clusterName: 'c',
        user: 'alice',
        login: 'root',
        serverId: 'id',
        serverHostname: 'node-1',
        serverAddr: '127.0.0.1:1',
        remoteAddr: '127.0.0.1:2',
        terminalSize: '',
        command: [command],
        interactive: false,
      },
      { onError: (e) => errors.push(e) },
    );
    const out = Buffer.alloc(100_000, 'o');
    rec.print(out);
    await rec.end();
    expect(errors).toEqual([]);
    const events: OneOf[] = [];
    for await (const ev of new RecordingReader(fs.createReadStream(rec.file))) events.push(ev);
    const kinds = events.map((e) => e.Event?.$case);
    expect(kinds[0]).toBe('SessionStart');
    expect(kinds.at(-1)).toBe('SessionEnd');
    const printed = Buffer.concat(
      events.flatMap((e) => (e.Event?.$case === 'SessionPrint' ? [e.Event.value.Data] : [])),
    );
    expect(printed.equals(out)).toBe(true);
    for (const e of [events[0], events.at(-1)!]) {
      const cmd = (e.Event!.value as { InitialCommand: string[] }).InitialCommand[0];
      expect(cmd.length).toBeGreaterThan(50_000);
      expect(command.startsWith(cmd)).toBe(true);
    }
  });
});
