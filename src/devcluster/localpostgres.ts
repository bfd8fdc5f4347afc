// A throwaway real PostgreSQL (15, or 16) behind a dev cluster — for tests, the demo, benches and
// users' CI: TLS with the given server certificate, client-certificate auth (CN = database user)
// trusting the given client CA, and a superuser reachable without TLS over a unix socket in its
// directory for setup and checks. The server refuses to run as root, so as root it runs as the
// postgres account (Debian's packages create it).
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as net from 'node:net';
import type { Authority } from './authority.js';
import { signDatabaseServer } from './authsign.js';

const run = promisify(execFile);

function findBin(): string | undefined {
  const env = process.env.POSTGRES_BIN;
  const candidates = env ? [env] : ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin'];
  return candidates.find(
    (d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')),
  );
}

/** Directory with initdb/pg_ctl/postgres (POSTGRES_BIN overrides), or undefined. */
export const LOCAL_POSTGRES_BIN: string | undefined = findBin();
const POSTGRES_BIN = LOCAL_POSTGRES_BIN;

/** Why no local PostgreSQL can start here, or undefined. */
export function localPostgresMissing(): string | undefined {
  return POSTGRES_BIN
    ? undefined
    : 'PostgreSQL server binaries not found (apt-get install -y postgresql, or set POSTGRES_BIN)';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LocalPostgres {
  host: string;
  port: number;
  dir: string;
  /** The postmaster's process id. */
  pid: number;
  stop(): Promise<void>;
  /** Runs SQL as the superuser over the unix socket (no TLS), returns stdout. */
  sql(query: string, db?: string): Promise<string>;
}

// The server refuses to run as root: as root (our CI) run it as the postgres account.
const asRoot = process.getuid?.() === 0;
const asServerUser = (cmd: string, args: string[]): [string, string[]] =>
  asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteConf = (s: string) => `'${s.replace(/'/g, "''")}'`;

// Servers left running by a test that never called stop() (a crash) are stopped on exit.
const running = new Set<string>();
process.once('exit', () => {
  for (const data of running) {
    try {
      const [cmd, args] = asServerUser(path.join(POSTGRES_BIN!, 'pg_ctl'), [
        '-D',
        data,
        '-m',
        'immediate',
        'stop',
      ]);
      execFileSync(cmd, args, { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
});

/** Throwaway PostgreSQL: TLS on with the given server cert/key, client-cert auth
 *  (`hostssl all all 127.0.0.1/32 cert`) trusting `clientCaPem`, the listed roles created (LOGIN). */
export async function startLocalPostgres(o: {
  serverCertPem: string;
  serverKeyPem: string;
  clientCaPem: string;
  users?: string[];
  databases?: string[];
  /** 127.0.0.1 port to listen on; default a free one. */
  port?: number;
}): Promise<LocalPostgres> {
  const missing = localPostgresMissing();
  if (missing) throw new Error(missing);
  const bin = (name: string) => path.join(POSTGRES_BIN!, name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-pg-'));
  const data = path.join(dir, 'data');
  const port = o.port ?? (await freePort());
  const exec = async (cmd: string, args: string[]) => {
    const [c, a] = asServerUser(cmd, args);
    try {
      return await run(c, a, { cwd: dir });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      let log = '';
      try {
        log = fs.readFileSync(path.join(dir, 'log'), 'utf8');
      } catch {
        // no log yet
      }
      throw new Error(`${path.basename(cmd)} failed: ${e.stderr || e.message}${log ? `\n${log}` : ''}`);
    }
  };
  try {
    fs.writeFileSync(path.join(dir, 'server.crt'), o.serverCertPem);
    fs.writeFileSync(path.join(dir, 'server.key'), o.serverKeyPem, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'client-ca.crt'), o.clientCaPem);
    if (asRoot) execFileSync('chown', ['-R', 'postgres:', dir]);
    await exec(bin('initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=reject',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    fs.appendFileSync(
      path.join(data, 'postgresql.conf'),
      [
        '',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = ${quoteConf(dir)}`,
        'ssl = on',
        `ssl_cert_file = ${quoteConf(path.join(dir, 'server.crt'))}`,
        `ssl_key_file = ${quoteConf(path.join(dir, 'server.key'))}`,
        `ssl_ca_file = ${quoteConf(path.join(dir, 'client-ca.crt'))}`,
        // Throwaway data: no durability, less disk work.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(data, 'pg_hba.conf'),
      ['local all all trust', 'hostssl all all 127.0.0.1/32 cert', ''].join('\n'),
    );
    await exec(bin('pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
    running.add(data);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const sql = async (query: string, db = 'postgres') => {
    const args = [
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
    ];
    const { stdout } = await exec(bin('psql'), [...args, '-d', db, '-c', query]);
    return stdout;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await exec(bin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      running.delete(data);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    for (const u of o.users ?? []) await sql(`CREATE ROLE ${quoteIdent(u)} WITH LOGIN`);
    for (const d of o.databases ?? []) await sql(`CREATE DATABASE ${quoteIdent(d)}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { host: '127.0.0.1', port, dir, pid, stop, sql };
}

/** For a dev cluster: server cert from the cluster's database CA (the same code as `auth sign
 *  --format=db`), trusting the cluster's database client CA. */
export async function startLocalPostgresForCluster(
  authority: Authority,
  o: { users?: string[]; databases?: string[] } = {},
): Promise<LocalPostgres> {
  const files = await signDatabaseServer(authority, { hosts: ['localhost', '127.0.0.1'] });
  return startLocalPostgres({
    serverCertPem: files.certPem,
    serverKeyPem: files.keyPem,
    clientCaPem: files.casPem,
    ...o,
  });
}
