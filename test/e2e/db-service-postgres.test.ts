// The dev cluster's database service with its Postgres engine, against a real PostgreSQL 15:
// real psql through tiny local relays that do what tsh's local proxy does (tunnel: the database
// certificate in the outer TLS; non-tunnel: outer TLS without a certificate, psql's own TLS with
// it inside; "-ping" framing), a hand-made extended-protocol client, RBAC refusals in upstream's
// words, and the session's audit events and recording (played back by tshjs play).
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteToDatabase } from '../../src/auth/x509/identity.js';
import { loadOrCreateAuthority, type Authority } from '../../src/devcluster/authority.js';
import { MSG_DB_ACCESS_DENIED } from '../../src/devcluster/db/service.js';
import { DevCluster } from '../../src/devcluster/server.js';
import { issueTlsCert } from '../../src/devcluster/tlsca.js';
import type {
  DatabaseSessionEnd,
  DatabaseSessionQuery,
  DatabaseSessionStart,
  Metadata,
  OneOf,
  PostgresBind,
} from '../../src/gen/teleport/legacy/types/events/events.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { startRelay, type Relay } from '../helpers/dbrelay.js';
import { loginArgs, tempHome, testConfig, tshjs } from '../helpers/cluster.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';

const run = promisify(execFile);
const CLUSTER = 'test.localhost';
const PSQL = POSTGRES_BIN ? path.join(POSTGRES_BIN, 'psql') : 'psql';

function psql(
  port: number,
  o: { user: string; db: string; sql: string; tls?: { cert: string; key: string; ca: string } },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const conn = [`host=127.0.0.1`, `port=${port}`, `user=${o.user}`, `dbname=${o.db}`, `connect_timeout=10`];
  if (o.tls) {
    conn.push(
      'sslmode=verify-full',
      `sslcert=${o.tls.cert}`,
      `sslkey=${o.tls.key}`,
      `sslrootcert=${o.tls.ca}`,
    );
  } else {
    conn.push('sslmode=prefer');
  }
  return run(PSQL, [conn.join(' '), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', o.sql], {
    env: { PATH: process.env.PATH ?? '', PGAPPNAME: 'psql-e2e', HOME: os.tmpdir() },
    timeout: 20_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

/** A session's events, from its recording file. */
async function readRecording(file: string): Promise<OneOf[]> {
  const out: OneOf[] = [];
  for await (const ev of new RecordingReader(fs.createReadStream(file))) out.push(ev);
  return out;
}

describe.skipIf(!POSTGRES_BIN)('database service: Postgres', () => {
  let dataDir: string;
  let authority: Authority;
  let pg: Postgres;
  let cluster: DevCluster;
  let key: KeyObject;
  let keyPem: string;
  let work: string;
  const relays: Relay[] = [];
  let pings = 0;

  /** A database certificate as GenerateUserCerts issues it (usage:db, RouteToDatabase). */
  async function dbCert(
    route: Partial<RouteToDatabase>,
    o: { usage?: string[]; user?: string; roles?: string[]; allowedResourceIds?: string } = {},
  ): Promise<{ certPem: string; keyPem: string }> {
    const certPem = await issueTlsCert({
      caCertPem: authority.userTLS.certPem,
      caKey: authority.userTLS.key,
      publicKey: createPublicKey(key),
      notAfter: new Date(Date.now() + 3600_000),
      identity: {
        username: o.user ?? 'alice',
        groups: o.roles ?? ['access'],
        usage: o.usage ?? ['usage:db'],
        teleportCluster: CLUSTER,
        routeToCluster: CLUSTER,
        traits: { db_users: ['bob_db'] },
        allowedResourceIds: o.allowedResourceIds,
        routeToDatabase: {
          serviceName: 'pg',
          protocol: 'postgres',
          username: 'alice',
          database: 'app',
          roles: [],
          ...route,
        },
      },
    });
    return { certPem, keyPem };
  }

  async function tunnel(route: Partial<RouteToDatabase>, alpn = ['teleport-postgres']): Promise<Relay> {
    const r = await startRelay(cluster.proxyAddr, { alpn, cert: await dbCert(route) });
    relays.push(r);
    return r;
  }

  /** Recording files written since `before`, once their end is on disk. */
  async function newRecordings(before: Set<string>, n: number): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const files = fs
        .readdirSync(cluster.recordingsDir)
        .filter((f) => f.endsWith('.tar') && !before.has(f))
        .map((f) => path.join(cluster.recordingsDir, f));
      const complete: string[] = [];
      for (const f of files) {
        const evs = await readRecording(f).catch(() => []);
        const last = evs.at(-1)?.Event?.$case;
        if (last === 'DatabaseSessionEnd' || (evs.length === 1 && last === 'DatabaseSessionStart'))
          complete.push(f);
      }
      if (complete.length >= n) return complete;
      if (Date.now() > deadline) throw new Error(`expected ${n} new recordings, found ${complete.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const listing = () => new Set(fs.readdirSync(cluster.recordingsDir));

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-dbsvc-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-dbsvc-files-'));
    // The database must trust the cluster's CAs before the cluster knows the database's port:
    // the authority is created first, in the data dir the cluster then loads it from.
    authority = await loadOrCreateAuthority(dataDir, CLUSTER, 'balanced-v1');
    pg = await startPostgresForCluster(authority, {
      users: ['alice', 'bob_db', 'carol_db'],
      databases: ['app', 'secret'],
    });
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = k.privateKey;
    keyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    cluster = await DevCluster.start({
      listen: '127.0.0.1:0',
      dataDir,
      // Pings on "-ping" connections every 20 ms (30 s by default).
      dbPingIntervalMs: 20,
      config: testConfig({
        users: [
          {
            name: 'alice',
            password: 'alice-pw',
            roles: ['access'],
            traits: { logins: ['alice'], db_users: ['bob_db'] },
          },
        ],
        roles: [
          {
            name: 'access',
            logins: ['{{internal.logins}}'],
            node_labels: {},
            db_labels: { env: 'dev' },
            db_users: ['alice', '{{internal.db_users}}'],
            db_names: ['app', 'postgres'],
          },
        ],
        databases: [
          {
            name: 'pg',
            protocol: 'postgres',
            uri: `127.0.0.1:${pg.port}`,
            labels: { env: 'dev' },
            description: 'PG',
          },
          { name: 'pg-prod', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'prod' } },
        ],
      }),
    });
  }, 60_000);

  afterAll(async () => {
    for (const r of relays) r.close();
    await cluster?.stop();
    await pg?.stop();
    for (const d of [dataDir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('tunnel mode: psql through a plain local relay is the certificate user', async () => {
    const r = await tunnel({});
    const out = await psql(r.port, {
      user: 'alice',
      db: 'app',
      sql: 'select current_user, current_database()',
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('alice|app');
    // A database certificate in the web TLS is the tunnel path whatever the ALPN (alpnproxy).
    const h1 = await tunnel({}, ['http/1.1']);
    const viaHttp = await psql(h1.port, { user: 'alice', db: 'app', sql: 'select current_user' });
    expect(viaHttp.stdout.trim()).toBe('alice');
  });

  it('non-tunnel mode: psql does its own TLS with the database certificate inside the outer TLS', async () => {
    const r = await startRelay(cluster.proxyAddr, { alpn: ['teleport-postgres'] });
    relays.push(r);
    const c = await dbCert({});
    const files = {
      cert: path.join(work, 'alice.crt'),
      key: path.join(work, 'alice.key'),
      ca: path.join(work, 'ca.pem'),
    };
    fs.writeFileSync(files.cert, c.certPem);
    fs.writeFileSync(files.key, c.keyPem, { mode: 0o600 });
    fs.writeFileSync(files.ca, authority.hostTLS.certPem);
    const out = await psql(r.port, {
      user: 'alice',
      db: 'app',
      sql: 'select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()',
      tls: files,
    });
    expect(out.stderr).toBe('');
    // The database service's own connection to PostgreSQL is TLS, too.
    expect(out.stdout.trim()).toBe('alice|t');
    // Without the client certificate, the inner TLS refuses it.
    const bare = await psql(r.port, {
      user: 'alice',
      db: 'app',
      sql: 'select 1',
      tls: { ...files, cert: '/dev/null', key: '/dev/null' },
    });
    expect(bare.code).not.toBe(0);
  });

  it('-ping: the framed connection works and carries pings', async () => {
    pings = 0;
    const r = await startRelay(cluster.proxyAddr, {
      alpn: ['teleport-postgres-ping', 'teleport-postgres'],
      cert: await dbCert({}),
      onPing: () => pings++,
    });
    relays.push(r);
    const out = await psql(r.port, { user: 'alice', db: 'app', sql: "select pg_sleep(0.5), 'pong'" });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('|pong');
    expect(pings).toBeGreaterThan(0);
  });

  it('the StartupMessage picks user and database, checked against the roles (traits expanded)', async () => {
    const r = await tunnel({});
    const out = await psql(r.port, {
      user: 'bob_db',
      db: 'postgres',
      sql: 'select current_user, current_database()',
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('bob_db|postgres');
  });

  it('a resource access request certificate reaches only the databases it lists', async () => {
    const tunnelWith = async (allowed: string[]) => {
      const cert = await dbCert({}, { allowedResourceIds: JSON.stringify(allowed) });
      const r = await startRelay(cluster.proxyAddr, { alpn: ['teleport-postgres'], cert });
      relays.push(r);
      return r;
    };
    const other = await tunnelWith([`/${CLUSTER}/db/pg-prod`]);
    const refused = await psql(other.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(refused.stderr).toContain(MSG_DB_ACCESS_DENIED);
    const listed = await tunnelWith([`/${CLUSTER}/node/n1`, `/${CLUSTER}/db/pg`]);
    const ok = await psql(listed.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('1');
  });

  it('refuses what the roles do not allow, in upstream words', async () => {
    const before = listing();
    const r = await tunnel({});
    const user = await psql(r.port, { user: 'carol_db', db: 'app', sql: 'select 1' });
    expect(user.code).not.toBe(0);
    expect(user.stderr).toContain(`failed: ${MSG_DB_ACCESS_DENIED}`);
    const name = await psql(r.port, { user: 'alice', db: 'secret', sql: 'select 1' });
    expect(name.stderr).toContain(MSG_DB_ACCESS_DENIED);
    const prod = await tunnel({ serviceName: 'pg-prod' });
    const labels = await psql(prod.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(labels.stderr).toContain(MSG_DB_ACCESS_DENIED);
    // Each refusal is a failed db.session.start (TDB00W) with the reason.
    const files = await newRecordings(before, 3);
    for (const f of files) {
      const evs = await readRecording(f);
      // Upstream records no db.session.end for a session that never started.
      expect(evs).toHaveLength(1);
      const [ev] = evs;
      expect(ev?.Event?.$case).toBe('DatabaseSessionStart');
      const v = ev!.Event!.value as {
        Metadata?: { Type: string; Code: string };
        Status?: { Success: boolean; Error: string };
      };
      expect(v.Metadata).toMatchObject({ Type: 'db.session.start', Code: 'TDB00W' });
      expect(v.Status).toMatchObject({ Success: false, Error: MSG_DB_ACCESS_DENIED });
    }
  });

  it('refuses unknown databases and certificates for something else', async () => {
    const nope = await tunnel({ serviceName: 'nope' });
    const out = await psql(nope.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(out.stderr).toContain(
      `database "nope" not found among registered databases in cluster "${CLUSTER}"`,
    );
    const kube = await startRelay(cluster.proxyAddr, {
      alpn: ['teleport-postgres'],
      cert: await dbCert({}, { usage: ['usage:kube'] }),
    });
    relays.push(kube);
    const k = await psql(kube.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(k.stderr).toContain('access denied: invalid client certificate');
  });

  it('records the session: start, queries, prepared statements, results, end; tshjs play renders it', async () => {
    const before = listing();
    const r = await tunnel({});
    const out = await psql(r.port, { user: 'alice', db: 'app', sql: 'select 40 + 2' });
    expect(out.stdout.trim()).toBe('42');
    await extendedQuery(r.port);
    const files = await newRecordings(before, 2);
    const sessions = await Promise.all(files.map(readRecording));
    const simple = sessions.find((s) => s.some((e) => e.Event?.$case === 'DatabaseSessionQuery'))!;
    const extended = sessions.find((s) => s.some((e) => e.Event?.$case === 'PostgresParse'))!;
    expect(simple.map((e) => e.Event?.$case)).toEqual([
      'DatabaseSessionStart',
      'DatabaseSessionQuery',
      'DatabaseSessionCommandResult',
      'DatabaseSessionEnd',
    ]);
    const start = simple[0]!.Event!.value as DatabaseSessionStart;
    const query = simple[1]!.Event!.value as DatabaseSessionQuery;
    const end = simple[3]!.Event!.value as DatabaseSessionEnd;
    expect(start.Metadata).toMatchObject({
      Type: 'db.session.start',
      Code: 'TDB00I',
      Index: 0n,
      ClusterName: CLUSTER,
    });
    expect(start.PostgresPID).toBeGreaterThan(0);
    expect(start.Client).toEqual({ UserAgent: 'psql-e2e' });
    expect(start.User).toMatchObject({ User: 'alice', UserRoles: ['access'] });
    expect(start.Database).toMatchObject({
      DatabaseService: 'pg',
      DatabaseProtocol: 'postgres',
      DatabaseURI: `127.0.0.1:${pg.port}`,
      DatabaseName: 'app',
      DatabaseUser: 'alice',
    });
    expect(query.Metadata).toMatchObject({ Type: 'db.session.query', Code: 'TDB02I' });
    expect(query.DatabaseQuery).toBe('select 40 + 2');
    expect(end.Metadata).toMatchObject({ Type: 'db.session.end', Code: 'TDB01I' });
    expect(end.Session?.SessionID).toBe(start.Session?.SessionID);
    expect(
      path.basename(
        files.find((f) => simple === sessions[files.indexOf(f)])!,
        '.tar',
      ),
    ).toBe(start.Session?.SessionID);

    const ext = extended.map((e) => [
      e.Event!.$case,
      (e.Event!.value as { Metadata?: Metadata }).Metadata?.Code,
    ]);
    expect(ext).toEqual([
      ['DatabaseSessionStart', 'TDB00I'],
      ['PostgresParse', 'TPG00I'],
      ['PostgresBind', 'TPG01I'],
      ['PostgresExecute', 'TPG02I'],
      ['PostgresClose', 'TPG03I'],
      ['DatabaseSessionCommandResult', 'TDB10I'],
      ['DatabaseSessionEnd', 'TDB01I'],
    ]);
    const bind = extended.find((e) => e.Event?.$case === 'PostgresBind')!.Event!.value as PostgresBind;
    expect(bind).toMatchObject({ StatementName: 'stmt', PortalName: '', Parameters: ['hello'] });

    // tshjs play <file>.tar shows the session as upstream's Postgres player does.
    const home = tempHome();
    try {
      const simpleFile = files[sessions.indexOf(simple)]!;
      const play = await tshjs(['play', simpleFile, '--speed', '8'], { home });
      expect(play.stderr).toBe('');
      expect(play.stdout).toContain('Session started to database "pg" at ');
      expect(play.stdout).toContain('app=> select 40 + 2');
      expect(play.stdout).toContain('SUCCESS\r\n(1 row affected)');
      expect(play.stdout).toContain('Session ended at ');
      const extFile = files[sessions.indexOf(extended)]!;
      const play2 = await tshjs(['play', extFile, '--speed', '8'], { home });
      expect(play2.stdout).toContain('app=> select $1::text ($1 = "hello")');

      // …and tshjs recordings ls lists the session by its db.session.end.
      expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
      const ls = await tshjs(['recordings', 'ls', '--format', 'json'], { home });
      expect(ls.code).toBe(0);
      expect(ls.stdout).toContain(start.Session!.SessionID);
      expect(ls.stdout).toContain('db.session.end');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('an error from the database ends only that statement; the session goes on', async () => {
    const r = await tunnel({});
    const out = await psql(r.port, { user: 'alice', db: 'app', sql: 'select * from no_such_table' });
    expect(out.stderr).toContain('relation "no_such_table" does not exist');
    const again = await psql(r.port, { user: 'alice', db: 'app', sql: 'select 1' });
    expect(again.stdout.trim()).toBe('1');
  });

  /** Parse/Bind/Execute/Close/Sync with pg-protocol, as drivers do, through the tunnel relay. */
  async function extendedQuery(port: number): Promise<void> {
    const sock = net.connect(port, '127.0.0.1');
    const msgs: BackendMessage[] = [];
    const parser = new Parser();
    let waiting: (() => void) | undefined;
    let readies = 0;
    sock.on('data', (b) =>
      parser.parse(b, (m) => {
        msgs.push(m);
        if (m.name === 'readyForQuery') {
          readies++;
          waiting?.();
        }
      }),
    );
    const ready = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (readies >= n ? resolve() : (waiting = check));
        check();
      });
    await new Promise((r) => sock.once('connect', r));
    sock.write(serialize.startup({ user: 'alice', database: 'app' }));
    await ready(1);
    sock.write(
      Buffer.concat([
        serialize.parse({ name: 'stmt', text: 'select $1::text' }),
        serialize.bind({ statement: 'stmt', values: ['hello'] }),
        serialize.execute({}),
        serialize.close({ type: 'S', name: 'stmt' }),
        serialize.sync(),
      ]),
    );
    await ready(2);
    const errors = msgs.filter((m) => m.name === 'error') as DatabaseError[];
    expect(errors.map((e) => e.message)).toEqual([]);
    const row = msgs.find((m) => m.name === 'dataRow') as unknown as { fields: string[] };
    expect(row.fields).toEqual(['hello']);
    sock.end(serialize.end());
    await new Promise((r) => sock.once('close', r));
  }
});
