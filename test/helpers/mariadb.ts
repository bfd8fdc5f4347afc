// A throwaway real MariaDB 10.11 for database access tests: TLS with the given server certificate,
// users bound to a client certificate subject (`REQUIRE SUBJECT '/CN=<user>'`, no password)
// trusting the given client CA, and root over a unix socket in its directory for setup and checks.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Authority } from '../../src/devcluster/authority.js';
import { signDatabaseServer } from '../../src/devcluster/authsign.js';
import { freePort } from './sshd.js';

const run = promisify(execFile);

function which(names: string[], dirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
  for (const n of names) for (const d of dirs) if (fs.existsSync(path.join(d, n))) return path.join(d, n);
  return undefined;
}

const MARIADBD = which(['mariadbd']);
const INSTALL_DB = which(['mariadb-install-db']);
const CLIENT = which(['mariadb']);

/** The mariadbd binary, or undefined when MariaDB is not installed (tests skip). */
export const MARIADB_BIN: string | undefined = MARIADBD && INSTALL_DB && CLIENT ? MARIADBD : undefined;
/** Why MariaDB tests skip, when they do. */
export const MARIADB_SKIP_REASON = MARIADB_BIN
  ? ''
  : 'MariaDB not installed (apt-get install -y mariadb-server): mariadbd, mariadb-install-db and mariadb needed';
/** The `mariadb` command-line client. */
export const MARIADB_CLIENT: string | undefined = CLIENT;

export interface Mariadb {
  host: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  /** Runs SQL as root over the unix socket (no TLS), returns stdout (tab-separated, no headers). */
  sql(query: string, db?: string): Promise<string>;
}

// mariadbd refuses to run as root unless told whom to run as.
const asRoot = process.getuid?.() === 0;

const quoteIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;
const quoteString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// Servers left running by a test that never called stop() (a crash) are killed on exit.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Throwaway MariaDB: TLS on with the given server cert/key, client certs from `clientCaPem`; each
 *  user is created `REQUIRE SUBJECT '/CN=<user>'` with no password and gets ALL on every listed
 *  database (default: `test`). */
export async function startMariadb(o: {
  serverCertPem: string;
  serverKeyPem: string;
  clientCaPem: string;
  users?: string[];
  databases?: string[];
}): Promise<Mariadb> {
  if (!MARIADB_BIN) throw new Error(MARIADB_SKIP_REASON);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-mariadb-'));
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 's.sock');
  const port = await freePort();
  const userArgs = asRoot ? ['--user=mysql'] : [];
  fs.writeFileSync(path.join(dir, 'server.crt'), o.serverCertPem);
  fs.writeFileSync(path.join(dir, 'server.key'), o.serverKeyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'client-ca.crt'), o.clientCaPem);
  if (asRoot) execFileSync('chown', ['-R', 'mysql:', dir]);
  const errLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'err.log'), 'utf8');
    } catch {
      return '';
    }
  };

  let child: ChildProcess | undefined;
  const sql = async (query: string, db?: string) => {
    const args = [
      '--no-defaults',
      `--socket=${socket}`,
      '-u',
      'root',
      '-N',
      '-B',
      ...(db ? [db] : []),
      '-e',
      query,
    ];
    const { stdout } = await run(CLIENT!, args);
    return stdout;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL'); // throwaway data: no clean shutdown needed
      await exited;
    }
    if (child) running.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    try {
      await run(INSTALL_DB!, [
        '--no-defaults',
        ...userArgs,
        `--datadir=${data}`,
        '--skip-test-db',
        '--skip-name-resolve',
        `--auth-root-authentication-method=${asRoot ? 'socket' : 'normal'}`,
      ]);
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`mariadb-install-db failed: ${e.stderr || e.stdout || e.message}`);
    }
    child = spawn(
      MARIADB_BIN,
      [
        '--no-defaults',
        ...userArgs,
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
        `--log-error=${path.join(dir, 'err.log')}`,
        `--ssl-ca=${path.join(dir, 'client-ca.crt')}`,
        `--ssl-cert=${path.join(dir, 'server.crt')}`,
        `--ssl-key=${path.join(dir, 'server.key')}`,
        '--skip-log-bin',
        '--skip-name-resolve',
        // Throwaway data: small and not durable.
        '--innodb-buffer-pool-size=16M',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-doublewrite=0',
      ],
      { stdio: 'ignore' },
    );
    running.add(child);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await sql('SELECT 1');
        break;
      } catch (err) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(`mariadbd did not start: ${(err as Error).message}\n${errLog()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const dbs = o.databases ?? ['test'];
    const stmts: string[] = dbs.map((d) => `CREATE DATABASE IF NOT EXISTS ${quoteIdent(d)};`);
    for (const u of o.users ?? []) {
      stmts.push(`CREATE USER ${quoteString(u)}@'%' REQUIRE SUBJECT ${quoteString(`/CN=${u}`)};`);
      for (const d of dbs) stmts.push(`GRANT ALL ON ${quoteIdent(d)}.* TO ${quoteString(u)}@'%';`);
    }
    if (stmts.length) await sql(stmts.join(' '));
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, dir, stop, sql };
}

/** For a dev cluster: server cert from the cluster's database CA (the same code as `auth sign
 *  --format=db`), trusting the cluster's database client CA. */
export async function startMariadbForCluster(
  authority: Authority,
  o: { users?: string[]; databases?: string[] } = {},
): Promise<Mariadb> {
  const files = await signDatabaseServer(authority, { hosts: ['localhost', '127.0.0.1'] });
  return startMariadb({
    serverCertPem: files.certPem,
    serverKeyPem: files.keyPem,
    clientCaPem: files.casPem,
    ...o,
  });
}
