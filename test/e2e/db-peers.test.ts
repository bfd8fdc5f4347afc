// The real database peers the database tests run against: PostgreSQL 15 and MariaDB 10.11 with
// a server certificate from the dev cluster's database CA, accepting client certificates from its
// database client CA (and nothing else), driven by the real psql and mariadb clients.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { createTlsCa, issueServerCert, issueTlsCert } from '../../src/devcluster/tlsca.js';
import { runProcess, startCluster } from '../helpers/cluster.js';
import {
  MARIADB_BIN,
  MARIADB_CLIENT,
  MARIADB_SKIP_REASON,
  startMariadbForCluster,
  type Mariadb,
} from '../helpers/mariadb.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';

let cluster: DevCluster;
let dir: string;
let dbCaFile: string;

interface ClientFiles {
  cert: string;
  key: string;
}

/** A client key pair and certificate (CN = user) from the given CA, written 0600 as clients want. */
async function clientCert(
  name: string,
  ca: { certPem: string; key: import('node:crypto').KeyObject },
  user: string,
  style: 'identity' | 'plain',
): Promise<ClientFiles> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const common = {
    caCertPem: ca.certPem,
    caKey: ca.key,
    publicKey: createPublicKey(privateKey),
    notAfter: new Date(Date.now() + 3600_000),
  };
  const certPem =
    style === 'identity'
      ? await issueTlsCert({ ...common, identity: { username: user, groups: [] } })
      : await issueServerCert({ ...common, commonName: user });
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  fs.writeFileSync(files.cert, certPem);
  fs.writeFileSync(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return files;
}

/** A CA the databases do not trust. */
async function strangerCa() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: privateKey,
    certPem: await createTlsCa({ clusterName: 'stranger', key: { privateKey, publicKey } }),
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-dbpeers-'));
  cluster = await startCluster();
  dbCaFile = path.join(dir, 'db-ca.crt');
  fs.writeFileSync(dbCaFile, (await cluster.authority.databaseCAs()).db.certPem);
});

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!POSTGRES_BIN)('PostgreSQL 15 peer', () => {
  let pg: Postgres;
  const psql = (user: string, c: ClientFiles, query = 'select current_user') =>
    runProcess(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        `host=127.0.0.1 port=${pg.port} user=${user} dbname=postgres sslmode=verify-full ` +
          `sslrootcert=${dbCaFile} sslcert=${c.cert} sslkey=${c.key}`,
        '-c',
        query,
      ],
      { PGCONNECT_TIMEOUT: '10' },
    );

  beforeAll(async () => {
    pg = await startPostgresForCluster(cluster.authority, { users: ['alice', 'bob'], databases: ['app'] });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('accepts a client certificate from the database client CA, mapping its CN to the user', async () => {
    const alice = await clientCert(
      'pg-alice',
      (await cluster.authority.databaseCAs()).dbClient,
      'alice',
      'identity',
    );
    const r = await psql('alice', alice);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('alice');
  });

  it('refuses a certificate from another CA', async () => {
    const mallory = await clientCert('pg-stranger', await strangerCa(), 'alice', 'identity');
    const r = await psql('alice', mallory);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown ca|certificate verify failed|certificate/i);
  });

  it('refuses a certificate whose CN is another user', async () => {
    const bob = await clientCert('pg-bob', (await cluster.authority.databaseCAs()).dbClient, 'bob', 'plain');
    const r = await psql('alice', bob);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('certificate authentication failed for user "alice"');
  });

  it('runs superuser SQL over the unix socket and created the roles and databases', async () => {
    expect(
      (await pg.sql("select rolname from pg_roles where rolname in ('alice','bob') order by 1")).trim(),
    ).toBe('alice\nbob');
    expect((await pg.sql('select current_database()', 'app')).trim()).toBe('app');
  });
});

describe.skipIf(!MARIADB_BIN)(
  `MariaDB 10.11 peer${MARIADB_BIN ? '' : ` (skipped: ${MARIADB_SKIP_REASON})`}`,
  () => {
    let db: Mariadb;
    const mariadb = (user: string, c: ClientFiles, query = 'select current_user()') =>
      runProcess(MARIADB_CLIENT!, [
        '--no-defaults',
        '-h',
        '127.0.0.1',
        '-P',
        String(db.port),
        '-u',
        user,
        `--ssl-ca=${dbCaFile}`,
        `--ssl-cert=${c.cert}`,
        `--ssl-key=${c.key}`,
        '--ssl-verify-server-cert',
        '-N',
        '-B',
        '-e',
        query,
      ]);

    beforeAll(async () => {
      db = await startMariadbForCluster(cluster.authority, { users: ['alice', 'bob'] });
    });
    afterAll(async () => {
      await db?.stop();
    });

    it('accepts a client certificate with subject /CN=alice from the database client CA', async () => {
      const alice = await clientCert(
        'my-alice',
        (await cluster.authority.databaseCAs()).dbClient,
        'alice',
        'plain',
      );
      const r = await mariadb('alice', alice);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('alice@%');
      const t = await mariadb('alice', alice, 'create table test.t (x int); select count(*) from test.t');
      expect(t.stderr).toBe('');
      expect(t.stdout.trim()).toBe('0');
    });

    it('refuses a certificate from another CA', async () => {
      const mallory = await clientCert('my-stranger', await strangerCa(), 'alice', 'plain');
      const r = await mariadb('alice', mallory);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toBe('');
    });

    it('refuses a certificate whose subject is another user', async () => {
      const bob = await clientCert(
        'my-bob',
        (await cluster.authority.databaseCAs()).dbClient,
        'bob',
        'plain',
      );
      const r = await mariadb('alice', bob);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Access denied for user 'alice'/);
    });

    it('runs root SQL over the unix socket', async () => {
      expect(
        (await db.sql("select user from mysql.user where user in ('alice','bob') order by 1")).trim(),
      ).toBe('alice\nbob');
    });
  },
);
