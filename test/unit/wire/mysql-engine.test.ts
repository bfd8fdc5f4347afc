// The MySQL engine's pure parts: the server version a client announces in ALPN, and the audit
// event of each client command (types, codes and fields as upstream's lib/srv/db/mysql/events.go).
import { describe, expect, it } from 'vitest';
import {
  commandEvent,
  DEFAULT_SERVER_VERSION,
  mysqlVersionFromAlpn,
} from '../../../src/devcluster/db/mysql.js';
import { decodeCommand, encodeCommand } from '../../../src/devcluster/db/mysqlwire.js';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('mysqlVersionFromAlpn (alpnproxy ExtractMySQLEngineVersion)', () => {
  it.each([
    [['teleport-mysql-' + b64('8.0.12')], '8.0.12'],
    [
      ['teleport-mysql-ping', 'teleport-mysql', 'teleport-mysql-' + b64('10.11.6-MariaDB')],
      '10.11.6-MariaDB',
    ],
    [['teleport-mysql'], undefined],
    [['teleport-mysql' + b64('8.0.1')], undefined], // no '-' after the protocol
    [['teleport-mysql-'], undefined], // no version
    [['teleport-mysql-***'], undefined], // not base64
    [['teleport-mysql-' + b64('8.0.12') + '-ping'], undefined],
  ] as Array<[string[], string | undefined]>)('%j -> %s', (alpn, version) => {
    expect(mysqlVersionFromAlpn(alpn)).toBe(version);
  });

  it('has upstream’s default', () => {
    expect(DEFAULT_SERVER_VERSION).toBe('8.0.0-Teleport');
  });
});

describe('commandEvent', () => {
  const cases: Array<[Parameters<typeof encodeCommand>[0], string, string, string, Record<string, unknown>]> =
    [
      [
        { kind: 'query', query: 'select 1' },
        'DatabaseSessionQuery',
        'db.session.query',
        'TDB02I',
        { DatabaseQuery: 'select 1' },
      ],
      [
        { kind: 'stmt-prepare', query: 'select ?' },
        'MySQLStatementPrepare',
        'db.session.mysql.statements.prepare',
        'TMY00I',
        { Query: 'select ?' },
      ],
      [
        { kind: 'stmt-execute', statementId: 3, flags: 0, iterationCount: 1 },
        'MySQLStatementExecute',
        'db.session.mysql.statements.execute',
        'TMY01I',
        { StatementID: 3, Parameters: [] },
      ],
      [
        { kind: 'stmt-send-long-data', statementId: 3, parameterId: 1, dataSize: 5 },
        'MySQLStatementSendLongData',
        'db.session.mysql.statements.send_long_data',
        'TMY02I',
        { StatementID: 3, ParameterID: 1, DataSize: 5 },
      ],
      [
        { kind: 'stmt-close', statementId: 3 },
        'MySQLStatementClose',
        'db.session.mysql.statements.close',
        'TMY03I',
        { StatementID: 3 },
      ],
      [
        { kind: 'stmt-reset', statementId: 3 },
        'MySQLStatementReset',
        'db.session.mysql.statements.reset',
        'TMY04I',
        { StatementID: 3 },
      ],
      [
        { kind: 'stmt-fetch', statementId: 3, rowsCount: 9 },
        'MySQLStatementFetch',
        'db.session.mysql.statements.fetch',
        'TMY05I',
        { StatementID: 3, RowsCount: 9 },
      ],
      [
        { kind: 'stmt-bulk-execute', statementId: 3, flags: 0 },
        'MySQLStatementBulkExecute',
        'db.session.mysql.statements.bulk_execute',
        'TMY06I',
        { StatementID: 3 },
      ],
      [
        { kind: 'init-db', schema: 's' },
        'MySQLInitDB',
        'db.session.mysql.init_db',
        'TMY07I',
        { SchemaName: 's' },
      ],
      [
        { kind: 'create-db', schema: 's' },
        'MySQLCreateDB',
        'db.session.mysql.create_db',
        'TMY08I',
        { SchemaName: 's' },
      ],
      [
        { kind: 'drop-db', schema: 's' },
        'MySQLDropDB',
        'db.session.mysql.drop_db',
        'TMY09I',
        { SchemaName: 's' },
      ],
      [{ kind: 'shutdown' }, 'MySQLShutDown', 'db.session.mysql.shut_down', 'TMY10I', {}],
      [
        { kind: 'process-kill', processId: 12 },
        'MySQLProcessKill',
        'db.session.mysql.process_kill',
        'TMY11I',
        { ProcessID: 12 },
      ],
      [{ kind: 'debug' }, 'MySQLDebug', 'db.session.mysql.debug', 'TMY12I', {}],
      [
        { kind: 'refresh', subcommand: 'REFRESH_LOG' },
        'MySQLRefresh',
        'db.session.mysql.refresh',
        'TMY13I',
        { Subcommand: 'REFRESH_LOG' },
      ],
    ];

  it.each(cases)('%j', (cmd, $case, type, code, fields) => {
    const ev = commandEvent(decodeCommand(encodeCommand(cmd)))!;
    expect(ev.$case).toBe($case);
    expect(ev.value).toMatchObject({ Metadata: { Type: type, Code: code }, ...fields });
    // It encodes into the recording's OneOf and back.
    const back = OneOf.decode(OneOf.encode({ Event: ev }).finish());
    expect(back.Event?.$case).toBe($case);
    expect(back.Event?.value).toMatchObject(fields);
  });

  it('has no event for quit, ping and the like', () => {
    expect(commandEvent({ kind: 'quit' })).toBeUndefined();
    expect(commandEvent({ kind: 'other', command: 0x0e })).toBeUndefined();
  });
});
