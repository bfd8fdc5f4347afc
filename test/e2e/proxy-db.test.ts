// The database local proxy over real sockets. First against a small TLS server standing in for
// the proxy's TLS-routing port (below the socket level of our own cluster: it records the offered
// and negotiated ALPN, the SNI, the client certificate, and speaks the "-ping" framing), with a
// real login and a real db certificate from the dev cluster.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, createPublicKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { issueDbCert, type DbCert } from '../../src/client/dbcerts.js';
import { TeleportClient } from '../../src/client/teleport.js';
import { loadOrCreateAuthority, type Authority } from '../../src/devcluster/authority.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { createTlsCa, issueServerCert } from '../../src/devcluster/tlsca.js';
import { startDbLocalProxy, type DbLocalProxy, type DbLocalProxyOptions } from '../../src/proxy/db.js';
import { encodeFrame, PING_FRAME, pingDuplex } from '../../src/wire/pingconn.js';
import {
  TSHJS_BIN,
  loginArgs,
  runProcess,
  startCluster,
  tempHome,
  testConfig,
  tshjs,
} from '../helpers/cluster.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';
import { MARIADB_BIN, startMariadbForCluster, type Mariadb } from '../helpers/mariadb.js';
import { freePort } from '../helpers/sshd.js';

interface Seen {
  servername: string | false;
  offered: string[];
  alpn: string;
  peer?: X509Certificate;
  /** What arrived on the TLS connection, before any unframing. */
  raw: Buffer[];
}

/** The stand-in for the proxy: picks an ALPN value, then echoes upper-cased, ping-framed when "-ping". */
class FakeRoutingPort {
  readonly seen: Seen[] = [];
  choose: (offered: string[]) => string | undefined = (p) => p[0];
  private constructor(
    readonly server: tls.Server,
    readonly port: number,
  ) {}

  static async start(certPem: string, keyPem: string): Promise<FakeRoutingPort> {
    const ref: { self?: FakeRoutingPort } = {};
    // Node hands the offered list to ALPNCallback only, during the handshake of the socket that
    // 'secureConnection' gives next (the tests connect one at a time).
    let lastOffer: string[] = [];
    const server = tls.createServer({
      cert: certPem,
      key: keyPem,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNCallback: ({ protocols }) => {
        lastOffer = protocols;
        return ref.self!.choose(protocols);
      },
    });
    server.on('tlsClientError', () => {});
    server.on('secureConnection', (s: tls.TLSSocket) => {
      const seen: Seen = {
        servername: (s as tls.TLSSocket & { servername?: string | false }).servername ?? false,
        offered: lastOffer,
        alpn: s.alpnProtocol || '',
        peer: s.getPeerX509Certificate(),
        raw: [],
      };
      ref.self!.seen.push(seen);
      s.on('data', (c: Buffer) => seen.raw.push(Buffer.from(c)));
      s.on('error', () => {});
      const upper = (c: Buffer) => Buffer.from(c.toString('latin1').toUpperCase(), 'latin1');
      if (seen.alpn.endsWith('-ping')) {
        // Pings before and between the replies: the client must drop them.
        s.write(PING_FRAME);
        const d = pingDuplex(s);
        d.on('error', () => {});
        d.on('data', (c: Buffer) => {
          s.write(PING_FRAME);
          d.write(upper(c));
        });
        d.on('end', () => d.end());
      } else {
        s.on('data', (c: Buffer) => s.write(upper(c)));
        s.on('end', () => s.end());
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    ref.self = new FakeRoutingPort(server, (server.address() as net.AddressInfo).port);
    return ref.self;
  }

  close(): void {
    this.server.close();
  }
}

/** A server certificate for "localhost" from the cluster's host CA (what signs the proxy's web cert). */
async function localhostCert(a: Authority): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certPem = await issueServerCert({
    caCertPem: a.hostTLS.certPem,
    caKey: a.hostTLS.key,
    publicKey: createPublicKey(privateKey),
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: [],
    notAfter: new Date(Date.now() + 3600_000),
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** Connects to the local proxy, writes, and collects `want` bytes (or what came before the end). */
async function talk(port: number, data: Buffer, want: number): Promise<Buffer> {
  const s = net.connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  let n = 0;
  s.on('error', () => {});
  s.write(data);
  await new Promise<void>((resolve) => {
    s.on('data', (c: Buffer) => {
      got.push(c);
      n += c.length;
      if (n >= want) resolve();
    });
    s.on('close', () => resolve());
  });
  s.destroy();
  return Buffer.concat(got);
}

// psql's CancelRequest: length 16, code 80877102, pid, secret key.
const CANCEL = Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef]);
// A StartupMessage (protocol 3.0) for user alice.
const STARTUP = (() => {
  const body = Buffer.from('\0\x03\0\0user\0alice\0\0', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
})();

describe('database local proxy against a stand-in routing port', () => {
  let cluster: DevCluster;
  let home: string;
  let tc: TeleportClient;
  let fake: FakeRoutingPort;
  let dbCert: DbCert;
  const proxies: DbLocalProxy[] = [];
  const logs: Array<{ msg: string; f?: object }> = [];

  const start = async (o: Partial<DbLocalProxyOptions> = {}) => {
    const p = await startDbLocalProxy({
      tc,
      protocol: 'postgres',
      tunnel: false,
      cert: async () => ({ certPem: dbCert.certPem, keyPem: dbCert.keyPem }),
      proxyAddr: `localhost:${fake.port}`,
      log: (msg, f) => logs.push({ msg, f }),
      ...o,
    });
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    // Not --insecure: the stand-in's certificate must verify against the CAs the login saved.
    tc = new TeleportClient({ home });
    dbCert = await issueDbCert(tc, {
      db: 'pg',
      protocol: 'postgres',
      username: 'alice',
      database: 'postgres',
      roles: [],
    });
    const c = await localhostCert(cluster.authority);
    fake = await FakeRoutingPort.start(c.certPem, c.keyPem);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    fake?.close();
    tc?.close();
    await cluster?.stop();
  });

  test('postgres without tunnel: ping variant first, SNI the proxy host, no client cert, framed both ways', async () => {
    fake.seen.length = 0;
    const p = await start();
    expect(p.address).toBe(`127.0.0.1:${p.port}`);
    const back = await talk(p.port, STARTUP, STARTUP.length);
    expect(back).toEqual(Buffer.from(STARTUP.toString('latin1').toUpperCase(), 'latin1'));
    expect(fake.seen).toHaveLength(1);
    const s = fake.seen[0];
    expect(s.offered).toEqual(['teleport-postgres-ping', 'teleport-postgres']);
    expect(s.alpn).toBe('teleport-postgres-ping');
    expect(s.servername).toBe('localhost');
    expect(s.peer).toBeUndefined();
    // What the proxy received was one frame: 4-byte big-endian length, then the bytes.
    expect(Buffer.concat(s.raw)).toEqual(encodeFrame(STARTUP));
  });

  test('a Postgres CancelRequest is dialed with the db certificate', async () => {
    fake.seen.length = 0;
    const p = await start();
    await talk(p.port, CANCEL, CANCEL.length);
    expect(fake.seen).toHaveLength(1);
    const peer = fake.seen[0].peer;
    expect(peer).toBeDefined();
    const id = decodeTlsIdentity(peer!.raw);
    expect(id.username).toBe('alice');
    expect(id.routeToDatabase).toMatchObject({ serviceName: 'pg', protocol: 'postgres', username: 'alice' });
    expect(Buffer.concat(fake.seen[0].raw)).toEqual(encodeFrame(CANCEL));
  });

  test('tunnel: the certificate cert() gives is presented on every connection, asked anew each time', async () => {
    fake.seen.length = 0;
    let calls = 0;
    const p = await start({
      tunnel: true,
      cert: async () => {
        calls++;
        return { certPem: dbCert.certPem, keyPem: dbCert.keyPem };
      },
    });
    expect(calls).toBe(1); // the start-up check
    await talk(p.port, STARTUP, STARTUP.length);
    await talk(p.port, Buffer.from('select 1'), 8);
    expect(calls).toBe(3);
    expect(fake.seen).toHaveLength(2);
    for (const s of fake.seen) {
      expect(s.offered).toEqual(['teleport-postgres-ping', 'teleport-postgres']);
      expect(decodeTlsIdentity(s.peer!.raw).routeToDatabase?.serviceName).toBe('pg');
    }
  });

  test('without "-ping" negotiated the bytes go unframed', async () => {
    fake.seen.length = 0;
    fake.choose = (offered) => offered.find((x) => !x.endsWith('-ping'));
    try {
      const p = await start({ tunnel: true });
      const back = await talk(p.port, Buffer.from('hello'), 5);
      expect(back.toString()).toBe('HELLO');
      expect(fake.seen[0].alpn).toBe('teleport-postgres');
      expect(Buffer.concat(fake.seen[0].raw).toString()).toBe('hello');
    } finally {
      fake.choose = (offered) => offered[0];
    }
  });

  test('mysql without tunnel offers base64(server version) too; with tunnel it does not', async () => {
    fake.seen.length = 0;
    const v = '10.11.6-MariaDB';
    const a = await start({ protocol: 'mysql', mysqlServerVersion: v });
    await talk(a.port, Buffer.from('x'), 1);
    const b = await start({ protocol: 'mysql', mysqlServerVersion: v, tunnel: true });
    await talk(b.port, Buffer.from('x'), 1);
    expect(fake.seen.map((s) => s.offered)).toEqual([
      ['teleport-mysql-ping', 'teleport-mysql', `teleport-mysql-${Buffer.from(v).toString('base64')}`],
      ['teleport-mysql-ping', 'teleport-mysql'],
    ]);
    // Without tunnel, no client certificate at all (mysql does its own TLS inside).
    expect(fake.seen[0].peer).toBeUndefined();
  });

  test('one failed connection closes that connection only; the listener goes on', async () => {
    fake.seen.length = 0;
    logs.length = 0;
    let n = 0;
    const p = await start({
      tunnel: true,
      cert: async () => {
        if (++n === 2) throw new Error('reissue failed');
        return { certPem: dbCert.certPem, keyPem: dbCert.keyPem };
      },
    });
    const first = await talk(p.port, Buffer.from('a'), 1);
    expect(first.length).toBe(0);
    expect(logs.some((l) => l.msg === 'Failed to handle connection')).toBe(true);
    const second = await talk(p.port, Buffer.from('b'), 1);
    expect(second.toString()).toBe('B');
  });

  test('an unverifiable proxy certificate fails the connection; --insecure accepts it', async () => {
    // A CA the login never saw.
    const untrusted = await untrustedLocalhost();
    const bad = await FakeRoutingPort.start(untrusted.certPem, untrusted.keyPem);
    try {
      logs.length = 0;
      const p = await start({ proxyAddr: `localhost:${bad.port}` });
      expect((await talk(p.port, STARTUP, 1)).length).toBe(0);
      const failure = logs.find((l) => l.msg === 'Failed to handle connection');
      expect(JSON.stringify(failure?.f)).toMatch(/could not be verified/);
      const q = await start({ proxyAddr: `localhost:${bad.port}`, insecure: true });
      const back = await talk(q.port, STARTUP, STARTUP.length);
      expect(back).toEqual(Buffer.from(STARTUP.toString('latin1').toUpperCase(), 'latin1'));
    } finally {
      bad.close();
    }
  });

  test('--port: 127.0.0.1:<port>; a port in use is one clear line', async () => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(start({ port })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: the port is already in use; choose another one with --port`,
      );
    } finally {
      blocker.close();
    }
    const p = await start({ port });
    expect(p.address).toBe(`127.0.0.1:${port}`);
  });

  test('close() stops listening and ends open connections', async () => {
    const p = await start({ tunnel: true });
    const s = net.connect(p.port, '127.0.0.1');
    s.on('error', () => {});
    s.write('hi');
    await once(s, 'data');
    const closed = once(s, 'close');
    await p.close();
    await closed;
    await expect(
      new Promise((resolve, reject) => {
        const c = net.connect(p.port, '127.0.0.1', () => resolve(c));
        c.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** A "localhost" certificate from a CA of its own, which the profile does not trust. */
async function untrustedLocalhost(): Promise<{ certPem: string; keyPem: string }> {
  const caKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caCertPem = await createTlsCa({ clusterName: 'elsewhere', key: caKey });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certPem = await issueServerCert({
    caCertPem,
    caKey: caKey.privateKey,
    publicKey: createPublicKey(privateKey),
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: [],
    notAfter: new Date(Date.now() + 3600_000),
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

// ---- the real path: `tshjs proxy db` (the built CLI) → dev cluster → real PostgreSQL ----------------

/** A started `tshjs proxy db`: its output so far, and how to stop it (Ctrl-C). */
interface ProxyProcess {
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout text that matches. */
  waitFor: (re: RegExp) => Promise<RegExpMatchArray>;
  interrupt: () => Promise<number | null>;
}

function startProxyProcess(args: string[], home: string): ProxyProcess {
  const child = spawn(process.execPath, [TSHJS_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c) => {
    out += c;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (c) => {
    err += c;
    for (const w of waiters.splice(0)) w();
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then(() => {
    done = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    stdout: () => out,
    stderr: () => err,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) return resolve(m);
          if (done) return reject(new Error(`tshjs exited: ${err || out}`));
          waiters.push(check);
        };
        check();
      }),
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

function runTool(cmd: string, args: string[], env: Record<string, string> = {}) {
  return runProcess(cmd, args, env);
}

describe.skipIf(!POSTGRES_BIN)(
  'tshjs proxy db against the dev cluster, a real PostgreSQL (and MariaDB)',
  () => {
    let dataDir: string;
    let pg: Postgres;
    let my: Mariadb | undefined;
    let cluster: DevCluster;
    let home: string;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-proxydb-'));
      // The authority first (persisted in the data dir): the database's certificate comes from it.
      const authority = await loadOrCreateAuthority(dataDir, 'test.localhost', 'balanced-v1');
      pg = await startPostgresForCluster(authority, { users: ['alice'] });
      // pgbench -i creates tables: PostgreSQL 15 lets only the owner create in schema public.
      await pg.sql('GRANT ALL ON SCHEMA public TO alice');
      if (MARIADB_BIN) my = await startMariadbForCluster(authority, { users: ['alice'] });
      const base = testConfig();
      cluster = await startCluster(
        {
          users: [
            {
              name: 'alice',
              password: 'alice-pw',
              roles: ['access', 'dbaccess'],
              traits: { logins: ['alice'] },
            },
          ],
          roles: [
            ...base.roles,
            {
              name: 'dbaccess',
              db_labels: { '*': '*' },
              db_users: ['alice'],
              db_names: ['postgres', 'test'],
            },
          ],
          databases: [
            { name: 'pg', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'dev' } },
            ...(my
              ? [{ name: 'my', protocol: 'mysql', uri: `127.0.0.1:${my.port}`, labels: { env: 'dev' } }]
              : []),
          ],
        },
        dataDir,
      );
      home = tempHome();
      const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
      expect(r.code, r.stderr).toBe(0);
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
      await pg?.stop();
      await my?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('without --tunnel: psql does its own TLS with the printed files; its cancel request goes through', async () => {
      const port = await freePort();
      const p = startProxyProcess(
        ['proxy', 'db', 'pg', '--db-user', 'alice', '--db-name', 'postgres', '--port', String(port)],
        home,
      );
      try {
        await p.waitFor(/Your database user is "alice"\. The target database name is "postgres"\.\n\n/);
        const out = p.stdout();
        // --port: that address, and no hint about port randomization.
        expect(out.startsWith(`Started DB proxy on 127.0.0.1:${port}\n\nTeleport Connect is`), out).toBe(
          true,
        );
        const file = (k: string) => new RegExp(`\n {2}${k}=(.+)\n`).exec(out)?.[1] ?? '';
        const ca = file('ca_file');
        const cert = file('cert_file');
        const key = file('key_file');
        expect(fs.existsSync(cert) && fs.existsSync(key) && fs.existsSync(ca), out).toBe(true);
        const url =
          `postgres://alice@localhost:${port}/postgres?sslrootcert=${ca}&sslcert=${cert}&sslkey=${key}` +
          '&sslmode=verify-full';
        const who = await runTool('psql', [url, '-XAtc', 'select current_user']);
        expect(who.stderr).toBe('');
        expect(who.stdout.trim()).toBe('alice');

        // psql sends its CancelRequest without TLS: the local proxy presents the db certificate.
        const sleeper = spawn('psql', [url, '-XAtc', 'select pg_sleep(30)'], {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        });
        let serr = '';
        sleeper.stderr.on('data', (c) => (serr += c));
        const ended = new Promise<number | null>((resolve) => sleeper.on('exit', (code) => resolve(code)));
        for (;;) {
          const n = await pg.sql(
            "select count(*) from pg_stat_activity where state = 'active' and query = 'select pg_sleep(30)'",
          );
          if (/\b1\b/.test(n)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        sleeper.kill('SIGINT');
        expect(await ended).not.toBe(0);
        expect(serr).toMatch(/canceling statement due to user request/);
      } finally {
        const code = await p.interrupt();
        expect(code, p.stderr()).toBe(0);
      }
    });

    test('refusals: an unknown database and a busy port in one line; a needed tunnel as upstream words it', async () => {
      const unknown = await tshjs(['proxy', 'db', '--tunnel', 'nope'], { home });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe(
        `ERROR: database "nope" not found, use 'tsh db ls' to see registered databases\n`,
      );
      const blocker = net.createServer();
      blocker.listen(0, '127.0.0.1');
      await once(blocker, 'listening');
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const busy = await tshjs(['proxy', 'db', '--tunnel', 'pg', '-p', String(port)], { home });
        expect(busy.code).toBe(1);
        expect(busy.stderr).toBe(
          `ERROR: cannot listen on 127.0.0.1:${port}: the port is already in use; choose another one with --port\n`,
        );
        expect(busy.stdout).toBe('');
      } finally {
        blocker.close();
      }
      // A hardware-key policy needs the tunnel: without --tunnel, upstream's several-line refusal.
      const profile = fs.readdirSync(home).find((f) => f.endsWith('.yaml'))!;
      const file = path.join(home, profile);
      const saved = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, saved.replace(/^private_key_policy: .*$/m, 'private_key_policy: hardware_key'));
      try {
        const refused = await tshjs(['proxy', 'db', 'pg'], { home });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe(
          'ERROR: "tsh proxy db" is not supported when:\n' +
            '  - private key policy is hardware_key.\n' +
            '\n' +
            'Please use one of the following commands to connect to the database:\n' +
            '    tsh db connect pg\n' +
            '    tsh proxy db --tunnel pg\n',
        );
      } finally {
        fs.writeFileSync(file, saved);
      }
    });

    test('--tunnel: psql and pgbench through the authenticated tunnel; Ctrl-C ends it cleanly', async () => {
      const p = startProxyProcess(['proxy', 'db', '--tunnel', 'pg'], home);
      try {
        const m = await p.waitFor(/\n {2}\$ (psql postgres:\/\/alice@localhost:(\d+)\/postgres)\n/);
        const port = m[2];
        expect(p.stdout()).toMatch(
          new RegExp(
            `^Started authenticated tunnel for the PostgreSQL database "pg" in cluster "test.localhost" on 127\\.0\\.0\\.1:${port}\\.\n` +
              'To avoid port randomization, you can choose the listening port using the --port flag.\n',
          ),
        );
        const url = `postgres://alice@localhost:${port}/postgres`;
        const who = await runTool('psql', [url, '-XAtc', 'select current_user']);
        expect(who.stderr).toBe('');
        expect(who.stdout.trim()).toBe('alice');
        const init = await runTool('pgbench', ['-i', '-s', '1', url]);
        expect(init.code, init.stderr).toBe(0);
        const bench = await runTool('pgbench', ['-T', '3', '-c', '2', url]);
        expect(bench.code, bench.stderr).toBe(0);
        expect(bench.stdout).toMatch(/number of failed transactions: 0/);
        expect(bench.stdout).toMatch(/number of transactions actually processed: [1-9]/);
      } finally {
        const code = await p.interrupt();
        expect(code, p.stderr()).toBe(0);
      }
    });

    test.skipIf(!MARIADB_BIN)(
      '--tunnel for MySQL: the printed mariadb command works through it',
      async () => {
        const p = startProxyProcess(['proxy', 'db', '--tunnel', 'my', '--db-user', 'alice'], home);
        try {
          const m = await p.waitFor(
            /\n {2}\$ (mariadb --user alice --port (\d+) --host localhost --protocol TCP)\n/,
          );
          expect(p.stdout()).toMatch(
            /^Started authenticated tunnel for the MySQL database "my" in cluster "test.localhost"/,
          );
          const r = await runTool('mariadb', [
            ...m[1].split(' ').slice(1),
            '-N',
            '-B',
            '-e',
            'select current_user()',
          ]);
          expect(r.stderr).toBe('');
          expect(r.stdout.trim()).toMatch(/^alice@/);
        } finally {
          const code = await p.interrupt();
          expect(code, p.stderr()).toBe(0);
        }
      },
    );
  },
);
