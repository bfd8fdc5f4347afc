// `tshjs db connect` end to end with the real clients: psql and mariadb started by tshjs against its
// own local proxy, through the dev cluster's database service, to a real PostgreSQL 15 and MariaDB
// 10.11 that trust the cluster's database client CA. The query is piped on stdin, as a script would.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { MARIADB_BIN, startMariadbForCluster, type Mariadb } from '../helpers/mariadb.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';

describe.skipIf(!POSTGRES_BIN)('tshjs db connect with the real clients', () => {
  let cluster: DevCluster;
  let pg: Postgres;
  let maria: Mariadb | undefined;
  const dirs: string[] = [];
  let tsh: string;
  let home: string;

  beforeAll(async () => {
    // The databases need the cluster's CAs before the cluster (whose config names their ports) starts.
    const dataDir = tempHome('tshjs-dbconnect-data-');
    dirs.push(dataDir);
    const authority = await loadOrCreateAuthority(dataDir, 'test.localhost', 'balanced-v1');
    pg = await startPostgresForCluster(authority, { users: ['alice'] });
    if (MARIADB_BIN) maria = await startMariadbForCluster(authority, { users: ['alice'] });
    cluster = await startCluster(
      {
        users: [{ name: 'alice', password: 'alice-pw', roles: ['db'] }],
        roles: [
          { name: 'db', logins: ['alice'], db_labels: { '*': '*' }, db_users: ['alice'], db_names: ['*'] },
        ],
        databases: [
          { name: 'pg', protocol: 'postgres', uri: `127.0.0.1:${pg.port}` },
          ...(maria ? [{ name: 'maria', protocol: 'mysql', uri: `127.0.0.1:${maria.port}` }] : []),
        ],
      },
      dataDir,
    );
    tsh = tempHome();
    home = tempHome('tshjs-dbconnect-home-');
    dirs.push(tsh, home);
    const r = await tshjs(loginArgs(cluster, 'alice'), {
      home: tsh,
      stdin: 'alice-pw\n',
      env: { HOME: home },
    });
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await pg?.stop();
    await maria?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const connect = (args: string[], sql: string) =>
    tshjs(['--insecure', 'db', 'connect', ...args], {
      home: tsh,
      stdin: sql,
      env: { HOME: home, PATH: process.env.PATH ?? '' },
    });

  it('psql through the local proxy: the database user is the one the certificate names', async () => {
    const r = await connect(['pg', '--db-name', 'postgres'], 'select current_user;\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/current_user\s*\n-+\s*\n alice\s*\n\(1 row\)/);
  });

  it('psql through the authenticated tunnel (--tunnel), exit status passed through', async () => {
    const ok = await connect(['pg', '--db-name', 'postgres', '--tunnel'], 'select current_user;\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(' alice');
    // psql -v ON_ERROR_STOP is not set by tsh: a failing statement alone still exits 0; a client
    // that cannot connect exits non-zero and tshjs returns that status.
    const bad = await connect(['pg', '--db-name', 'nope', '--tunnel'], 'select 1;\n');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/nope/);
  });

  it.skipIf(!MARIADB_BIN)('mariadb through the local proxy', async () => {
    const r = await connect(['maria', '--db-name', 'test'], 'select current_user();\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alice@%');
  });
});
