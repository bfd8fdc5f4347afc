import { describe, it, expect } from 'vitest';
import {
  encodeDbEvent,
  encodeStaticFields,
  isFastDbEvent,
} from '../../../../src/devcluster/db/eventcodec.js';
import { OneOf, type Metadata } from '../../../../src/gen/teleport/legacy/types/events/events.js';

type DbEvent = NonNullable<OneOf['Event']>;

const user = {
  User: 'alice',
  Login: '',
  Impersonator: '',
  AWSRoleARN: '',
  AccessRequests: ['req-1'],
  AzureIdentity: '',
  GCPServiceAccount: '',
  RequiredPrivateKeyPolicy: '',
  UserKind: 1,
  BotName: '',
  BotInstanceID: '',
  UserOrigin: 0,
  UserRoles: ['db', 'access'],
  UserClusterName: 'dev.localhost',
  BeamID: '',
  BotScopeOfOrigin: '',
};
const session = { SessionID: '7f9c2a1e-0b0c-4c55-9a57-3c1f0d1b2e3f', WithMFA: '', PrivateKeyPolicy: '' };
const database = {
  DatabaseService: 'pg',
  DatabaseProtocol: 'postgres',
  DatabaseURI: '127.0.0.1:5432',
  DatabaseName: 'bench',
  DatabaseUser: 'alice',
  DatabaseLabels: { env: 'dev', tier: 'ü' },
  DatabaseAWSRegion: '',
  DatabaseAWSRedshiftClusterID: '',
  DatabaseGCPProjectID: '',
  DatabaseGCPInstanceID: '',
  DatabaseRoles: [],
  DatabaseType: 'self-hosted',
  DatabaseOrigin: 'config-file',
};
const ok = { Success: true, Error: '', UserMessage: '' };

function meta(index: number, time: Date): Metadata {
  return {
    Index: BigInt(index),
    Type: 'db.session.query',
    ID: index ? 'b1c7e3f0-1d2e-4f5a-8b9c-0a1b2c3d4e5f' : '',
    Code: 'TDB02I',
    Time: time,
    ClusterName: 'dev.localhost',
  };
}

const values: Array<DbEvent> = [
  {
    $case: 'DatabaseSessionQuery',
    value: {
      DatabaseQuery: 'SELECT abalance FROM pgbench_accounts WHERE aid = 1;',
      DatabaseQueryParameters: [],
      Status: ok,
    },
  },
  {
    $case: 'DatabaseSessionQuery',
    value: { DatabaseQuery: '', DatabaseQueryParameters: ['', 'x', 'é'.repeat(200)], Status: undefined },
  },
  { $case: 'DatabaseSessionCommandResult', value: { Status: ok, AffectedRecords: 0n } },
  {
    $case: 'DatabaseSessionCommandResult',
    value: {
      Status: { Success: false, Error: 'relation "x" does not exist (SQLSTATE 42P01)', UserMessage: '' },
      AffectedRecords: 123456789012n,
    },
  },
  { $case: 'PostgresParse', value: { StatementName: 's1', Query: 'SELECT $1' } },
  { $case: 'PostgresBind', value: { StatementName: '', PortalName: 'p', Parameters: ['1', '', 'AAEC'] } },
  { $case: 'PostgresExecute', value: { PortalName: '' } },
  { $case: 'PostgresClose', value: { StatementName: 's1', PortalName: '' } },
  { $case: 'PostgresFunctionCall', value: { FunctionOID: 1598, FunctionArgs: ['', 'a'] } },
  { $case: 'PostgresFunctionCall', value: { FunctionOID: 0, FunctionArgs: [] } },
] as DbEvent[];

describe('encodeDbEvent', () => {
  const statics = encodeStaticFields(user, session, database);
  const times = [new Date(0), new Date(1_000), new Date(1_764_675_000_123), new Date(1_764_675_000_000)];

  it('writes the bytes of the generated OneOf.encode for every per-message case', () => {
    let i = 0;
    for (const ev of values) {
      for (const [k, time] of times.entries()) {
        const index = [0, 1, 300, 2 ** 40][k]!;
        const value = { ...ev.value, Metadata: meta(index, time) };
        const fast = encodeDbEvent({ ...ev, value } as DbEvent, statics);
        const full = OneOf.encode({
          Event: { ...ev, value: { ...value, User: user, Session: session, Database: database } } as DbEvent,
        }).finish();
        expect(fast && Buffer.from(fast).toString('hex'), `${ev.$case} #${i}`).toBe(
          Buffer.from(full).toString('hex'),
        );
        i++;
      }
    }
  });

  it('leaves out-of-range values and other cases to the generated encoder', () => {
    expect(isFastDbEvent('DatabaseSessionStart')).toBe(false);
    expect(
      encodeDbEvent({ $case: 'DatabaseSessionEnd', value: {} } as unknown as DbEvent, statics),
    ).toBeUndefined();
    const huge = { Status: ok, AffectedRecords: 2n ** 63n, Metadata: meta(1, new Date()) };
    expect(
      encodeDbEvent({ $case: 'DatabaseSessionCommandResult', value: huge } as DbEvent, statics),
    ).toBeUndefined();
  });
});
