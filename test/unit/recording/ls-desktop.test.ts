// tshjs recordings ls, text format, with desktop and database sessions: as upstream's v17+
// SessionsCollection.WriteText (tool/common/common.go) a windows.desktop.session.end is
// Session.SessionID, "windows", Participants joined by ", ", DesktopName, Metadata.Time; a
// db.session.end is SessionID, DatabaseProtocol, the user, DatabaseName, time; other events are
// skipped with a warning.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionSearch } from '../../../src/client/teleport.js';
import { recordingsLs, runRecordingsLs } from '../../../src/commands/recordings.js';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { TeleportClient, fakeContext } from '../commands/fake.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-lsdesk-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const SSH = OneOf.fromPartial({
  Event: {
    $case: 'SessionEnd',
    value: {
      Metadata: { Index: 9n, Type: 'session.end', Time: new Date('2024-03-05T07:08:09Z') },
      Session: { SessionID: 'b0a1d9d8-4b8f-4a7e-9d62-1f0c6f3b2a11' },
      Connection: { Protocol: 'ssh' },
      Server: { ServerHostname: 'node-1' },
      Participants: ['alice'],
    },
  },
});
const DESKTOP = OneOf.fromPartial({
  Event: {
    $case: 'WindowsDesktopSessionEnd',
    value: {
      Metadata: { Index: 120n, Type: 'windows.desktop.session.end', Time: new Date('2024-03-04T09:10:11Z') },
      Session: { SessionID: '5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c' },
      Connection: { Protocol: 'tdp' },
      DesktopName: 'win-shadow',
      DesktopAddr: '10.0.0.5:3389',
      Participants: ['alice', 'bob'],
    },
  },
});
const DB = OneOf.fromPartial({
  Event: {
    $case: 'DatabaseSessionEnd',
    value: {
      Metadata: { Index: 1n, Type: 'db.session.end', Time: new Date('2024-03-04T00:00:00Z') },
      Session: { SessionID: '0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e' },
      User: { User: 'alice' },
      Database: { DatabaseService: 'pg', DatabaseProtocol: 'postgres', DatabaseName: 'orders' },
    },
  },
});
const OTHER = OneOf.fromPartial({
  Event: {
    $case: 'SessionStart',
    value: { Metadata: { Index: 2n, Type: 'session.start', Time: new Date('2024-03-04T00:00:00Z') } },
  },
});

describe('recordings ls: desktop sessions', () => {
  it('text: windows rows with the desktop name, db rows with the database name; other events warned about', async () => {
    class Fake extends TeleportClient {
      override async sessionEnds(_q: SessionSearch): Promise<OneOf[]> {
        return [SSH, DESKTOP, DB, OTHER];
      }
    }
    const c = fakeContext((config) => new Fake(config), {}, { TELEPORT_HOME: home });
    try {
      const code = await runRecordingsLs(recordingsLs.options([], { format: 'text', limit: '50' }), c.ctx);
      expect(code).toBe(0);
      expect(c.stdout()).toBe(
        'ID                                   Type     Participants Target     Timestamp           \n' +
          '------------------------------------ -------- ------------ ---------- ------------------- \n' +
          'b0a1d9d8-4b8f-4a7e-9d62-1f0c6f3b2a11 ssh      alice        node-1     Mar  5 07:08:09 UTC \n' +
          '5b4a8c2e-7d7b-4d3c-9f6b-3c2a1f0e9d8c windows  alice, bob   win-shadow Mar  4 09:10:11 UTC \n' +
          '0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e postgres alice        orders     Mar  4 00:00:00 UTC \n',
      );
      expect(c.stderr()).toBe(
        'WARNING: unsupported event type: expected SessionEnd, WindowsDesktopSessionEnd or DatabaseSessionEnd: got: SessionStart\n',
      );
    } finally {
      c.ctx.close();
    }
  });
});
