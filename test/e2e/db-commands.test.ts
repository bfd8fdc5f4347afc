// tshjs db login / logout / env / config / connect and the Databases line of status, against the
// dev cluster: per-database certificates where tsh keeps them, the connection profile files, the
// texts upstream prints, and `db connect` running a fake psql against the local proxy it started.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const CLUSTER = 'test.localhost';

const CONFIG = {
  users: [
    { name: 'alice', password: 'alice-pw', roles: ['dbaccess'] },
    { name: 'bob', password: 'bob-pw', roles: ['dbmany'] },
  ],
  roles: [
    {
      name: 'dbaccess',
      logins: ['alice'],
      db_labels: { '*': '*' },
      db_users: ['alice'],
      db_names: ['postgres'],
    },
    {
      name: 'dbmany',
      logins: ['bob'],
      db_labels: { '*': '*' },
      db_users: ['*', 'alice', 'bob'],
      db_names: ['*'],
      deny: { db_users: ['root'] },
    },
  ],
  databases: [
    { name: 'pg', protocol: 'postgres', uri: '127.0.0.1:1', labels: { env: 'dev' } },
    { name: 'pg-two', protocol: 'postgres', uri: '127.0.0.1:1', labels: { env: 'dev' } },
    { name: 'maria', protocol: 'mysql', uri: '127.0.0.1:1', labels: { env: 'prod' } },
  ],
};

describe('db commands', () => {
  let cluster: DevCluster;
  let proxyHost: string;
  const homes: string[] = [];
  let alice: string;
  let aliceHome: string;
  let bin: string;

  const newUser = async (user: string) => {
    const tsh = tempHome();
    const home = tempHome('tshjs-userhome-');
    homes.push(tsh, home);
    const r = await tshjs(loginArgs(cluster, user), {
      home: tsh,
      stdin: `${user}-pw\n`,
      env: { HOME: home },
    });
    expect(r.code, r.stderr).toBe(0);
    return { tsh, home };
  };
  const run = (who: { tsh: string; home: string }, ...args: string[]) =>
    tshjs(['--insecure', ...args], {
      home: who.tsh,
      env: { HOME: who.home, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
  const dbDir = (tsh: string, user = 'alice') => path.join(tsh, 'keys', proxyHost, `${user}-db`, CLUSTER);

  beforeAll(async () => {
    cluster = await startCluster(CONFIG);
    proxyHost = cluster.proxyAddr.split(':')[0];
    bin = tempHome('tshjs-fakebin-');
    homes.push(bin);
    // A psql that prints its arguments, shows that the local proxy listens, and exits 7.
    fs.writeFileSync(
      path.join(bin, 'psql'),
      `#!${process.execPath}
const net = require('node:net');
const args = process.argv.slice(2);
const port = Number(new URL(args[0]).port);
const s = net.connect(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ args, proxy: 'listening' }));
  s.destroy();
  process.exit(7);
});
s.on('error', (e) => { console.log(JSON.stringify({ args, proxy: e.code })); process.exit(8); });
`,
      { mode: 0o755 },
    );
    // The same for mariadb: the port follows --port.
    fs.writeFileSync(
      path.join(bin, 'mariadb'),
      `#!${process.execPath}
const net = require('node:net');
const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]);
const s = net.connect(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ args, proxy: 'listening' }));
  s.destroy();
  process.exit(5);
});
s.on('error', (e) => { console.log(JSON.stringify({ args, proxy: e.code })); process.exit(8); });
`,
      { mode: 0o755 },
    );
    const a = await newUser('alice');
    alice = a.tsh;
    aliceHome = a.home;
  });
  afterAll(async () => {
    await cluster.stop();
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });
  const me = () => ({ tsh: alice, home: aliceHome });

  it('db login: a certificate and key per database, the route defaulted from the roles', async () => {
    const r = await run(me(), 'db', 'login', 'pg');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'Connection information for database "pg" has been saved.\n\n' +
        'You can now connect to it using the following command:\n\n  tsh db connect pg\n\n' +
        'You can view the connect command for the native database CLI client:\n\n' +
        '  tsh db config --format=cmd pg\n\n',
    );
    const crt = path.join(dbDir(alice), 'pg.crt');
    const key = path.join(dbDir(alice), 'pg.key');
    expect(fs.statSync(crt).mode & 0o777).toBe(0o600);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    const pem = fs.readFileSync(crt, 'utf8');
    expect(
      new X509Certificate(pem).checkPrivateKey(
        (await import('node:crypto')).createPrivateKey(fs.readFileSync(key, 'utf8')),
      ),
    ).toBe(true);
    const id = decodeTlsIdentity(pem);
    expect(id.routeToDatabase).toEqual({
      serviceName: 'pg',
      protocol: 'postgres',
      username: 'alice',
      database: 'postgres',
      roles: [],
    });
    expect(id.usage).toContain('usage:db');
    // The Postgres connection service file, as tsh writes it.
    const svc = fs.readFileSync(path.join(aliceHome, '.pg_service.conf'), 'utf8');
    expect(svc).toContain(`[${CLUSTER}-pg]\nhost=${proxyHost}\nport=${cluster.proxyAddr.split(':')[1]}\n`);
    // --insecure (the dev cluster's web certificate is self-signed) makes it verify-ca, as in tsh.
    expect(svc).toContain(`user=alice\ndbname=postgres\nsslmode=verify-ca\nsslrootcert=`);
    expect(svc).toContain(`sslcert=${crt}\nsslkey=${key}\ngssencmode=disable\n`);
  });

  it('db ls marks the logged-in database with its route and connect command, as getDatabaseRow', async () => {
    const r = await run(me(), 'db', 'ls');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const pg = lines.find((l) => l.startsWith('> pg '));
    // Without -v the table is 80 columns wide off a terminal: the other columns are cut at 16.
    expect(pg, r.stdout).toMatch(/^> pg \(user: alic\.\.\. +\[alice\] +env=dev +tsh db connect p\.\.\. *$/);
    // The others are not active: plain name, no connect command.
    expect(lines.find((l) => l.startsWith('pg-two '))).toMatch(/env=dev *$/);
    expect(lines[0]).toMatch(/^Name +Description +Allowed Users +Labels +Connect *$/);
    const v = await run(me(), 'db', 'ls', '-v');
    expect(v.stdout).toMatch(
      /^> pg \(user: alice, db: postgres\) +postgres +self-hosted +127\.0\.0\.1:1 +\[alice\] +env=dev +tsh db connect pg *$/m,
    );
    // JSON and YAML carry the resources as upstream's do: no active marker.
    const j = await run(me(), 'db', 'ls', '--format=json');
    expect(j.stdout).not.toContain('> pg');
  });

  it('status shows the Databases line and JSON field', async () => {
    const t = await run(me(), 'status');
    expect(t.stdout).toMatch(/\n {2}Databases: {10}pg\n/);
    const j = await run(me(), 'status', '--format', 'json');
    expect(JSON.parse(j.stdout).active.databases).toEqual(['pg']);
  });

  it('db env and db config print what the profile file and key store hold', async () => {
    const env = await run(me(), 'db', 'env');
    expect(env.code, env.stderr).toBe(0);
    const crt = path.join(dbDir(alice), 'pg.crt');
    expect(env.stdout).toContain(`export PGSSLCERT=${crt}\n`);
    expect(env.stdout).toContain('export PGUSER=alice\nexport PGDATABASE=postgres\n'.split('\n')[0]);
    expect(env.stdout).toContain(`export PGHOST=${proxyHost}\n`);
    const json = JSON.parse((await run(me(), 'db', 'env', '--format', 'json')).stdout);
    expect(json.PGDATABASE).toBe('postgres');
    expect(json.PGSSLMODE).toBe('verify-ca');

    const cfg = await run(me(), 'db', 'config', 'pg', '--format', 'json');
    expect(cfg.code, cfg.stderr).toBe(0);
    const doc = JSON.parse(cfg.stdout);
    expect(Object.keys(doc)).toEqual(['name', 'host', 'port', 'user', 'database', 'ca', 'cert', 'key']);
    expect(doc.cert).toBe(crt);
    expect(doc.key).toBe(path.join(dbDir(alice), 'pg.key'));
    expect(doc.ca).toBe(path.join(alice, 'keys', proxyHost, 'cas', `${CLUSTER}.pem`));
    const text = await run(me(), 'db', 'config');
    expect(text.stdout).toMatch(
      /^Name: {6}pg\nHost: {6}\S+\nPort: {6}\d+\nUser: {6}alice\nDatabase: {2}postgres\n/,
    );
    const cmd = await run(me(), 'db', 'config', '--format', 'cmd');
    expect(cmd.stdout).toBe(
      ` ${path.join(bin, 'psql')} "postgres://alice@${cluster.proxyAddr}/postgres?sslrootcert=${doc.ca}&sslcert=${doc.cert}&sslkey=${doc.key}&sslmode=verify-ca"\n`,
    );
  });

  it('db connect starts the local proxy and runs psql with upstream arguments', async () => {
    const r = await run(me(), 'db', 'connect', 'pg');
    expect(r.code, r.stderr).toBe(7);
    const out = JSON.parse(r.stdout.trim());
    expect(out.proxy).toBe('listening');
    const files = JSON.parse((await run(me(), 'db', 'config', 'pg', '-f', 'json')).stdout);
    expect(out.args).toHaveLength(1);
    expect(out.args[0]).toMatch(
      new RegExp(
        `^postgres://alice@localhost:\\d+/postgres\\?sslrootcert=${esc(files.ca)}&sslcert=${esc(files.cert)}&sslkey=${esc(files.key)}&sslmode=verify-ca$`,
      ),
    );
    // --tunnel: the proxy authenticates, psql gets no TLS parameters.
    const t = await run(me(), 'db', 'connect', 'pg', '--tunnel');
    expect(t.code, t.stderr).toBe(7);
    const tout = JSON.parse(t.stdout.trim());
    expect(tout.proxy).toBe('listening');
    expect(tout.args[0]).toMatch(/^postgres:\/\/alice@localhost:\d+\/postgres$/);
  });

  it('MySQL behind TLS routing: login points at the local proxy, env and config refuse', async () => {
    const r = await run(me(), 'db', 'login', 'maria');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'You can start a local proxy for database GUI clients:\n\n  tsh proxy db --tunnel maria\n',
    );
    expect(fs.readFileSync(path.join(aliceHome, '.my.cnf'), 'utf8')).toContain(`[client_${CLUSTER}-maria]\n`);
    const env = await run(me(), 'db', 'env', 'maria');
    expect(env.code).toBe(1);
    expect(env.stderr).toBe(
      `ERROR: "tsh db env" is not supported when:;   - database protocol is MySQL and cluster ${CLUSTER} proxy is using TLS routing.; ` +
        'Please use one of the following commands to connect to the database:;     tsh db connect maria;     tsh proxy db --tunnel maria\n',
    );
    const cfg = await run(me(), 'db', 'config', 'maria');
    expect(cfg.stderr).toContain('"tsh db config" is not supported when:');
    // db connect: mariadb (preferred over mysql) against the local proxy, TCP forced for localhost.
    const c = await run(me(), 'db', 'connect', 'maria');
    expect(c.code, c.stderr).toBe(5);
    const out = JSON.parse(c.stdout.trim());
    expect(out.proxy).toBe('listening');
    const dir = dbDir(alice);
    expect(out.args).toEqual([
      '--user',
      'alice',
      '--port',
      expect.stringMatching(/^\d+$/),
      '--host',
      'localhost',
      '--protocol',
      'TCP',
      '--ssl-key',
      path.join(dir, 'maria.key'),
      '--ssl-ca',
      path.join(alice, 'keys', proxyHost, 'cas', `${CLUSTER}.pem`),
      '--ssl-cert',
      path.join(dir, 'maria.crt'),
    ]);
    // Two active databases: env needs a name.
    const two = await run(me(), 'db', 'env');
    expect(two.stderr).toBe(
      'ERROR: multiple databases are available (maria, pg), please specify one by name, --labels, or --query\n',
    );
  });

  it('bad input: unknown database, ambiguous labels, no single allowed user', async () => {
    const unknown = await run(me(), 'db', 'login', 'nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `ERROR: database "nosuch" not found, use 'tsh db ls' to see registered databases\n`,
    );
    // alice is logged into pg, which --labels env=dev then prefers (as tsh does); bob is not.
    expect((await run(me(), 'db', 'login', '--labels', 'env=dev')).stdout).toContain('database "pg"');
    const bob = await newUser('bob');
    const amb = await run(bob, 'db', 'login', '--labels', 'env=dev');
    expect(amb.code).toBe(1);
    expect(amb.stderr.split('\n')).toHaveLength(2);
    expect(amb.stderr).toMatch(
      /^ERROR: database with labels "env=dev" matches multiple databases: pg, pg-two; Hint: use 'tsh db ls -v'/,
    );
    const noUser = await run(bob, 'db', 'login', 'pg-two');
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toBe(
      'ERROR: please provide the database user using the --db-user flag, allowed database users for pg-two: [* alice bob] except [root]\n',
    );
    const noName = await run(bob, 'db', 'login', 'pg-two', '--db-user', 'bob');
    expect(noName.stderr).toBe(
      'ERROR: please provide the database name using the --db-name flag, allowed database names for pg-two: [*]\n',
    );
    const ok = await run(bob, 'db', 'login', 'pg-two', '-u', 'bob', '-n', 'app');
    expect(ok.code, ok.stderr).toBe(0);
    expect(
      decodeTlsIdentity(fs.readFileSync(path.join(dbDir(bob.tsh, 'bob'), 'pg-two.crt'))).routeToDatabase,
    ).toMatchObject({ username: 'bob', database: 'app' });
    const notIn = await run(bob, 'db', 'env', 'pg');
    expect(notIn.stderr).toBe('ERROR: not logged into database "pg"\n');
  });

  it('db login again with another --db-name reissues; db logout removes cert and profile', async () => {
    const re = await run(me(), 'db', 'login', 'pg', '--db-name', 'other');
    expect(re.code, re.stderr).toBe(0);
    expect(
      decodeTlsIdentity(fs.readFileSync(path.join(dbDir(alice), 'pg.crt'))).routeToDatabase?.database,
    ).toBe('other');
    const out = await run(me(), 'db', 'logout', 'pg');
    expect(out.stdout).toBe('Logged out of database pg\n');
    expect(fs.existsSync(path.join(dbDir(alice), 'pg.crt'))).toBe(false);
    expect(fs.existsSync(path.join(dbDir(alice), 'pg.key'))).toBe(false);
    expect(fs.readFileSync(path.join(aliceHome, '.pg_service.conf'), 'utf8')).not.toContain(
      `[${CLUSTER}-pg]`,
    );
    const again = await run(me(), 'db', 'env', 'pg');
    expect(again.stderr).toBe('ERROR: not logged into database "pg"\n');
    const all = await run(me(), 'db', 'logout');
    expect(all.stdout).toBe('Logged out of database maria\n');
    const none = await run(me(), 'db', 'env');
    expect(none.stderr).toBe(
      "ERROR: please login using 'tsh db login' first (use 'tsh db ls' to see registered databases)\n",
    );
    // tsh's switch: with no active database, logout "logs out of all".
    expect((await run(me(), 'db', 'logout')).stdout).toBe('Logged out of all databases\n');
  });

  it('tshjs logout removes the database certificates and connection profiles', async () => {
    expect((await run(me(), 'db', 'login', 'pg')).code).toBe(0);
    expect(fs.existsSync(path.join(dbDir(alice), 'pg.crt'))).toBe(true);
    const r = await run(me(), 'logout');
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(alice, 'keys', proxyHost, 'alice-db'))).toBe(false);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
