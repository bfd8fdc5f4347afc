// tshjs recordings ls: the time range and limit of tsh's onRecordings (defaults.SearchSessionRange,
// TshTctlSessionDayLimit), HumanDateFormatSeconds, and the command run in-process against a fake
// TeleportClient: the exact text table and JSON of two session.end events.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { TeleportClient, type SessionSearch } from '../../../src/client/teleport.js';
import { CommandContext } from '../../../src/commands/context.js';
import {
  DAY_LIMIT,
  DEFAULT_LIMIT,
  humanDateSeconds,
  parseLimit,
  recordingsLs,
  recordingsRange,
  runRecordingsLs,
  type RecordingsLsOptions,
} from '../../../src/commands/recordings.js';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';

const NOW = new Date('2024-03-05T12:00:00Z');
const DAY = 24 * 3600 * 1000;

describe('recordingsRange', () => {
  it('defaults to the last 24 hours', () => {
    expect(recordingsRange({}, NOW)).toEqual({ from: new Date(NOW.getTime() - DAY), to: NOW });
  });

  it('--from-utc / --to-utc are dates (2006-01-02) at midnight UTC', () => {
    expect(recordingsRange({ fromUtc: '2024-03-01' }, NOW)).toEqual({
      from: new Date('2024-03-01T00:00:00Z'),
      to: NOW,
    });
    expect(recordingsRange({ fromUtc: '2024-02-01', toUtc: '2024-02-29' }, NOW)).toEqual({
      from: new Date('2024-02-01T00:00:00Z'),
      to: new Date('2024-02-29T00:00:00Z'),
    });
    // --to-utc alone: from stays 24 hours before now.
    expect(recordingsRange({ toUtc: '2024-03-05' }, NOW)).toEqual({
      from: new Date(NOW.getTime() - DAY),
      to: new Date('2024-03-05T00:00:00Z'),
    });
  });

  it('refuses dates not in the 2006-01-02 layout, or that do not exist', () => {
    for (const v of [
      '2024-3-01',
      '01-03-2024',
      '2024/03/01',
      '2024-03-01T00:00:00Z',
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
    ]) {
      expect(() => recordingsRange({ fromUtc: v }, NOW), v).toThrow(
        `parsing time "${v}" as "2006-01-02": cannot parse --from-utc (expected YYYY-MM-DD)`,
      );
    }
    expect(() => recordingsRange({ toUtc: 'today' }, NOW)).toThrow(
      'parsing time "today" as "2006-01-02": cannot parse --to-utc (expected YYYY-MM-DD)',
    );
  });

  it('--last is a Go duration back from now', () => {
    expect(recordingsRange({ last: '5h30m40s' }, NOW)).toEqual({
      from: new Date(NOW.getTime() - (5 * 3600 + 30 * 60 + 40) * 1000),
      to: NOW,
    });
    expect(recordingsRange({ last: '1.5h' }, NOW).from).toEqual(new Date(NOW.getTime() - 90 * 60 * 1000));
    expect(() => recordingsRange({ last: '2 days' }, NOW)).toThrow('time: invalid duration "2 days"');
  });

  it('--last with --from-utc or --to-utc is refused', () => {
    const msg = "use of 'since' is mutually exclusive with 'from-utc' and 'to-utc' flags";
    expect(() => recordingsRange({ last: '1h', fromUtc: '2024-03-01' }, NOW)).toThrow(msg);
    expect(() => recordingsRange({ last: '1h', toUtc: '2024-03-01' }, NOW)).toThrow(msg);
  });

  it(`a range of more than ${DAY_LIMIT} days is refused`, () => {
    expect(DAY_LIMIT).toBe(365);
    // 2023-01-01 .. 2024-01-01: 365 days, the limit itself.
    expect(recordingsRange({ fromUtc: '2023-01-01', toUtc: '2024-01-01' }, NOW).from).toEqual(
      new Date('2023-01-01T00:00:00Z'),
    );
    expect(() => recordingsRange({ fromUtc: '2023-01-01', toUtc: '2024-01-02' }, NOW)).toThrow(
      'date range for recording listing too large: 366 days specified: limit 365 days',
    );
  });
});

describe('parseLimit', () => {
  it(`${DEFAULT_LIMIT} by default; a whole number, 0 meaning no limit`, () => {
    expect(parseLimit(undefined)).toBe(50);
    expect(parseLimit('50')).toBe(50);
    expect(parseLimit('0')).toBe(0);
    expect(parseLimit(7)).toBe(7);
  });

  it('refuses negative and fractional numbers and words', () => {
    for (const v of ['-1', '1.5', 'ten']) {
      expect(() => parseLimit(v), v).toThrow(`--limit must be a non-negative integer, got "${v}"`);
    }
  });
});

describe('humanDateSeconds', () => {
  it('formats as Go "Jan _2 15:04:05 UTC": the day padded with a space, in UTC', () => {
    expect(humanDateSeconds(new Date('2024-03-05T07:08:09Z'))).toBe('Mar  5 07:08:09 UTC');
    expect(humanDateSeconds(new Date('2023-12-25T23:59:59.999Z'))).toBe('Dec 25 23:59:59 UTC');
    expect(humanDateSeconds(new Date('2024-01-31T00:00:00Z'))).toBe('Jan 31 00:00:00 UTC');
    expect(humanDateSeconds(new Date('2024-03-05T23:30:00-05:00'))).toBe('Mar  6 04:30:00 UTC');
  });
});

describe('runRecordingsLs with a fake client', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-recordings-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  const SID1 = 'b0a1d9d8-4b8f-4a7e-9d62-1f0c6f3b2a11';
  const SID2 = '5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c';
  const END1: OneOf = OneOf.fromPartial({
    Event: {
      $case: 'SessionEnd',
      value: {
        Metadata: {
          Index: 12n,
          Type: 'session.end',
          ID: 'e1',
          Code: 'T2004I',
          Time: new Date('2024-03-05T07:08:09Z'),
          ClusterName: 'dev.localhost',
        },
        User: { User: 'alice', Login: 'root' },
        Session: { SessionID: SID1 },
        Connection: { Protocol: 'ssh' },
        Server: { ServerID: 'node-1-id', ServerHostname: 'node-1' },
        Interactive: true,
        Participants: ['alice', 'bob'],
        StartTime: new Date('2024-03-05T07:07:00Z'),
        EndTime: new Date('2024-03-05T07:08:09Z'),
      },
    },
  });
  const END2: OneOf = OneOf.fromPartial({
    Event: {
      $case: 'SessionEnd',
      value: {
        Metadata: {
          Index: 3n,
          Type: 'session.end',
          ID: 'e2',
          Code: 'T2004I',
          Time: new Date('2024-03-04T23:59:59Z'),
          ClusterName: 'dev.localhost',
        },
        User: { User: 'alice', Login: 'ubuntu' },
        Session: { SessionID: SID2 },
        Connection: { Protocol: 'kube' },
        Server: { ServerID: 'dev-2-id', ServerHostname: 'dev-2' },
        KubernetesCluster: { KubernetesCluster: 'kind-dev' },
        Participants: ['alice'],
        StartTime: new Date('2024-03-04T23:00:00Z'),
        EndTime: new Date('2024-03-04T23:59:59Z'),
      },
    },
  });

  class FakeClient extends TeleportClient {
    readonly searches: SessionSearch[] = [];
    override async sessionEnds(q: SessionSearch): Promise<OneOf[]> {
      this.searches.push(q);
      return [END1, END2];
    }
  }

  async function ls(o: RecordingsLsOptions) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const clients: FakeClient[] = [];
    const ctx = new CommandContext(
      { stdin: new PassThrough(), stdout, stderr, env: { TELEPORT_HOME: home } },
      {},
      undefined,
      {
        client: (config) => {
          const c = new FakeClient(config);
          clients.push(c);
          return c;
        },
        clock: { now: () => NOW, sleep: async () => undefined },
      },
    );
    try {
      const code = await runRecordingsLs(o, ctx);
      return { code, out, err, searches: clients.flatMap((c) => c.searches) };
    } finally {
      ctx.close();
    }
  }

  it('text: the ShowSessions table, one row per session.end, newest first as the client returns them', async () => {
    const r = await ls(recordingsLs.options([], { format: 'text', limit: '50' }));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      'ID                                   Type Participants Target   Timestamp           \n' +
        '------------------------------------ ---- ------------ -------- ------------------- \n' +
        `${SID1} ssh  alice, bob   node-1   Mar  5 07:08:09 UTC \n` +
        `${SID2} kube alice        kind-dev Mar  4 23:59:59 UTC \n`,
    );
    // The last 24 hours by the context's clock, --limit's default.
    expect(r.searches).toEqual([{ from: new Date(NOW.getTime() - DAY), to: NOW, limit: 50 }]);
  });

  it('json: MarshalIndent with four-space indents of the full events', async () => {
    const r = await ls({ format: 'json', last: '2h', limit: '0' });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      `[
    {
        "ei": 12,
        "event": "session.end",
        "uid": "e1",
        "code": "T2004I",
        "time": "2024-03-05T07:08:09Z",
        "cluster_name": "dev.localhost",
        "user": "alice",
        "login": "root",
        "sid": "${SID1}",
        "proto": "ssh",
        "server_id": "node-1-id",
        "server_hostname": "node-1",
        "enhanced_recording": false,
        "interactive": true,
        "participants": [
            "alice",
            "bob"
        ],
        "session_start": "2024-03-05T07:07:00Z",
        "session_stop": "2024-03-05T07:08:09Z"
    },
    {
        "ei": 3,
        "event": "session.end",
        "uid": "e2",
        "code": "T2004I",
        "time": "2024-03-04T23:59:59Z",
        "cluster_name": "dev.localhost",
        "user": "alice",
        "login": "ubuntu",
        "sid": "${SID2}",
        "proto": "kube",
        "server_id": "dev-2-id",
        "server_hostname": "dev-2",
        "enhanced_recording": false,
        "interactive": false,
        "participants": [
            "alice"
        ],
        "session_start": "2024-03-04T23:00:00Z",
        "session_stop": "2024-03-04T23:59:59Z",
        "kubernetes_cluster": "kind-dev"
    }
]
`,
    );
    expect(r.searches).toEqual([{ from: new Date(NOW.getTime() - 2 * 3600 * 1000), to: NOW, limit: 0 }]);
  });

  it('a bad range or limit is one error', async () => {
    await expect(ls({ last: '1h', fromUtc: '2024-03-01' })).rejects.toThrow(/mutually exclusive/);
    await expect(ls({ limit: '-1' })).rejects.toThrow('--limit must be a non-negative integer, got "-1"');
  });
});
