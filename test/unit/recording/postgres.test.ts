// Postgres sessions rendered as terminal output, as upstream's player does, and played by tshjs play.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { humanTime, translateDatabaseSession } from '../../../src/recording/postgres.js';
import { RecordingWriter } from '../../../src/recording/writer.js';
import { tempHome, tshjsProcess } from '../../helpers/cluster.js';

const T0 = Date.UTC(2026, 0, 5, 9, 7, 30);
const md = (i: number, ms: number, type: string) => ({
  Index: BigInt(i),
  Type: type,
  ID: '',
  Code: '',
  Time: new Date(T0 + ms),
  ClusterName: 'c',
});
const db = (name: string) =>
  ({ DatabaseService: 'pg-prod', DatabaseProtocol: 'postgres', DatabaseName: name }) as never;
const ev = (e: unknown) => ({ Event: e }) as OneOf;

const SESSION: OneOf[] = [
  ev({
    $case: 'DatabaseSessionStart',
    value: { Metadata: md(0, 0, 'db.session.start'), Database: db('shop'), PostgresPID: 1 },
  }),
  ev({
    $case: 'DatabaseSessionQuery',
    value: {
      Metadata: md(1, 1000, 'db.session.query'),
      Database: db('shop'),
      DatabaseQuery: 'select 1;',
      DatabaseQueryParameters: [],
    },
  }),
  ev({
    $case: 'DatabaseSessionCommandResult',
    value: {
      Metadata: md(2, 1100, 'db.session.result'),
      Database: db('shop'),
      Status: { Success: true, Error: '', UserMessage: '' },
      AffectedRecords: 1n,
    },
  }),
  ev({
    $case: 'PostgresParse',
    value: {
      Metadata: md(3, 2000, 'db.session.postgres.statements.parse'),
      Database: db('shop'),
      StatementName: 's1',
      Query: 'select * from t where id = $1',
    },
  }),
  ev({
    $case: 'PostgresBind',
    value: {
      Metadata: md(4, 2000, 'db.session.postgres.statements.bind'),
      Database: db('shop'),
      StatementName: 's1',
      PortalName: 'p1',
      Parameters: ['42'],
    },
  }),
  ev({
    $case: 'PostgresExecute',
    value: {
      Metadata: md(5, 2100, 'db.session.postgres.statements.execute'),
      Database: db('shop'),
      PortalName: 'p1',
    },
  }),
  ev({
    $case: 'DatabaseSessionCommandResult',
    value: {
      Metadata: md(6, 2200, 'db.session.result'),
      Database: db('shop'),
      Status: { Success: false, Error: 'ERROR: relation "t" does not exist', UserMessage: '' },
      AffectedRecords: 0n,
    },
  }),
  ev({
    $case: 'DatabaseSessionEnd',
    value: { Metadata: md(7, 3000, 'db.session.end'), Database: db('shop'), Participants: [] },
  }),
];

async function* from(list: OneOf[]) {
  yield* list;
}

describe('Postgres session playback', () => {
  it('formats times like Go "Mon Jan _2 15:04 UTC"', () => {
    expect(humanTime(new Date(T0))).toBe('Mon Jan  5 09:07 UTC');
  });

  it('turns the session into prints with upstream text and delays from the start', async () => {
    const out: Array<[number, string]> = [];
    for await (const e of translateDatabaseSession(from(SESSION))) {
      if (e.Event?.$case !== 'SessionPrint') throw new Error(`unexpected ${e.Event?.$case}`);
      out.push([Number(e.Event.value.DelayMilliseconds), e.Event.value.Data.toString()]);
    }
    expect(out).toEqual([
      [0, 'Session started to database "pg-prod" at Mon Jan  5 09:07 UTC\r\n'],
      [1000, '\r\nshop=> select 1;\r\n'],
      [1100, 'SUCCESS\r\n(1 row affected)\r\n'],
      [2100, '\r\nshop=> select * from t where id = $1 ($1 = "42")\r\n'],
      [2200, 'ERROR: relation "t" does not exist\r\n'],
      [3000, '\r\nSession ended at Mon Jan  5 09:07 UTC\r\n'],
    ]);
  });

  it('tshjs play prints a Postgres recording as a terminal session', async () => {
    const dir = tempHome('tshjs-pg-rec-');
    const file = path.join(dir, 'pg.tar');
    const stream = fs.createWriteStream(file);
    const w = new RecordingWriter(stream);
    for (const e of SESSION) await w.write(OneOf.fromPartial(e as never));
    await w.close();
    await new Promise<void>((r) => stream.end(() => r()));
    const r = await tshjsProcess(['play', file, '--speed', '8'], { home: dir });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop=> select 1;\r\nSUCCESS\r\n(1 row affected)\r\n');
    expect(r.stdout).toContain('Session ended at');
  });
});
