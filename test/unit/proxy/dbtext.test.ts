// The texts `tshjs proxy db` prints, character for character as tsh's templates render them.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { dbProxyAuthText, dbProxyText, formatCommand } from '../../../src/proxy/dbtext.js';

const AD =
  'Teleport Connect is a desktop app that can manage database proxies for you.\n' +
  'Learn more at https://goteleport.com/docs/connect-your-client/teleport-connect/#connecting-to-a-database\n';

test('dbProxyTpl with a random port and a database name', () => {
  const got = dbProxyText({
    address: '127.0.0.1:60649',
    randomPort: true,
    database: 'pg',
    ca: '/h/keys/p/cas/root.pem',
    cert: '/h/keys/p/alice-db/root/pg.crt',
    key: '/h/keys/p/alice-db/root/pg.key',
    databaseUser: 'alice',
    databaseName: 'postgres',
  });
  assert.equal(
    got,
    'Started DB proxy on 127.0.0.1:60649\n' +
      'To avoid port randomization, you can choose the listening port using the --port flag.\n' +
      '\n' +
      AD +
      '\n' +
      'Use the following credentials to connect to the pg proxy:\n' +
      '  ca_file=/h/keys/p/cas/root.pem\n' +
      '  cert_file=/h/keys/p/alice-db/root/pg.crt\n' +
      '  key_file=/h/keys/p/alice-db/root/pg.key\n' +
      '\n' +
      'Your database user is "alice". The target database name is "postgres".\n' +
      '\n',
  );
});

test('dbProxyTpl with --port and no database name', () => {
  const got = dbProxyText({
    address: '127.0.0.1:5432',
    randomPort: false,
    database: 'my',
    ca: 'ca',
    cert: 'c',
    key: 'k',
    databaseUser: 'root',
    databaseName: '',
  });
  assert.ok(got.startsWith(`Started DB proxy on 127.0.0.1:5432\n\n${AD}\n`));
  assert.ok(got.endsWith('Your database user is "root".\n\n'));
});

test("dbProxyAuthTpl as in upstream's RFD example", () => {
  assert.equal(
    dbProxyAuthText({
      type: 'PostgreSQL',
      database: 'postgres',
      cluster: 'root.example.com',
      address: '127.0.0.1:60649',
      randomPort: true,
      command: 'psql postgres://alice@localhost:60649/postgres',
    }),
    'Started authenticated tunnel for the PostgreSQL database "postgres" in cluster "root.example.com" on 127.0.0.1:60649.\n' +
      'To avoid port randomization, you can choose the listening port using the --port flag.\n' +
      '\n' +
      AD +
      '\n' +
      'Use the following command to connect to the database or to the address above using other database GUI/CLI clients:\n' +
      '  $ psql postgres://alice@localhost:60649/postgres\n',
  );
});

test('formatCommand: env first, quotes escaped, whitespace quoted', () => {
  assert.equal(
    formatCommand({ bin: 'psql', args: ['postgres://a@localhost:1/db'], env: [] }),
    'psql postgres://a@localhost:1/db',
  );
  assert.equal(
    formatCommand({ bin: 'mysql', args: ['--user', 'a b', 'say "hi"'], env: ['A=1', 'B=2'] }),
    'A=1 B=2 mysql --user "a b" "say \\"hi\\""',
  );
});
