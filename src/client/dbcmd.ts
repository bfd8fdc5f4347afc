// What `tshjs db connect` runs and `tshjs db config --format=cmd` prints: the database CLI client
// and its arguments, as upstream builds them (lib/client/db/dbcmd/dbcmd.go, postgres/connstring.go).
// Pure: which binaries exist and what `mysql --version` says are passed in. docs/database-client.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TshError } from '../util/errors.js';

/** The protocols tshjs speaks end to end (local proxy, dev cluster, clients). */
export const SUPPORTED_DB_PROTOCOLS = ['postgres', 'mysql'] as const;

export function isSupportedDbProtocol(protocol: string): boolean {
  return (SUPPORTED_DB_PROTOCOLS as readonly string[]).includes(protocol);
}

/** The one line for a database whose protocol tshjs has no client support for. */
export function unsupportedProtocolError(db: string, protocol: string): TshError {
  return new TshError(
    `database "${db}" uses protocol "${protocol}", which tshjs does not support (supported protocols: ${SUPPORTED_DB_PROTOCOLS.join(', ')})`,
    'bad-parameter',
  );
}

export interface DbCommandInput {
  protocol: string;
  /** The database's resource name (RouteToDatabase.ServiceName). */
  serviceName: string;
  /** The target Teleport cluster (tc.SiteName). */
  cluster: string;
  username: string;
  database: string;
  /** Where the client connects: the local proxy, or the proxy's database address. */
  host: string;
  port: number;
  /** host/port are a local proxy's (dbcmd.WithLocalProxy). */
  localProxy: boolean;
  /** Tunnel: the local proxy authenticates, the client speaks plain protocol (dbcmd.WithNoTLS). */
  noTLS: boolean;
  /** --insecure: verify the CA but not the host name. */
  insecure: boolean;
  /** The database cert, its key and the root cluster's CA file. */
  files: { cert: string; key: string; ca: string };
  /** For printing: quote what a shell would split (dbcmd.WithPrintFormat). */
  printFormat?: boolean;
  /** Absolute path of a binary on PATH, or undefined (exec.LookPath). */
  lookPath: (bin: string) => string | undefined;
  /** Output of `mysql --version`, or undefined when it cannot run. */
  mysqlVersion?: () => string | undefined;
  /** The MySQL option file (~/.my.cnf): named on Windows only, as upstream. */
  mysqlOptionFile?: string;
  platform?: NodeJS.Platform;
}

export interface DbCommand {
  /** The binary's name, as spawned (PATH lookup). */
  bin: string;
  /** exec.Cmd.Path: the absolute path when found on PATH, else the name. */
  path: string;
  args: string[];
  /** Extra environment, KEY=value. */
  env: string[];
}

/** Go's url.QueryEscape. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** net.JoinHostPort: IPv6 literals in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's %q of a plain string (connection strings hold printable ASCII). */
function goQuoted(s: string): string {
  return JSON.stringify(s);
}

/** postgres.GetConnString: postgres://user@host:port/db, plus the TLS parameters unless tunnel. */
export function postgresConnString(i: DbCommandInput): string {
  let s = 'postgres://';
  if (i.username) s += `${goQueryEscape(i.username)}@`;
  s += joinHostPort(i.host, i.port);
  if (i.database) s += `/${i.database}`;
  if (i.noTLS) return s;
  const params = [
    `sslrootcert=${i.files.ca}`,
    `sslcert=${i.files.cert}`,
    `sslkey=${i.files.key}`,
    `sslmode=${i.insecure ? 'verify-ca' : 'verify-full'}`,
  ];
  s = `${s}?${params.join('&')}`;
  return i.printFormat ? goQuoted(s) : s;
}

function command(bin: string, args: string[], i: DbCommandInput, env: string[] = []): DbCommand {
  return { bin, path: i.lookPath(bin) ?? bin, args, env };
}

/** getMySQLCommonCmdOpts: user, database, and the local proxy's address (TCP forced for "localhost"). */
function mysqlCommonArgs(i: DbCommandInput): string[] {
  const args: string[] = [];
  if (i.username) args.push('--user', i.username);
  if (i.database) args.push('--database', i.database);
  if (i.localProxy) {
    args.push('--port', String(i.port), '--host', i.host);
    // The MySQL client takes "localhost" to mean its unix socket.
    if (i.host === 'localhost') args.push('--protocol', 'TCP');
  }
  return args;
}

/** getMariaDBArgs: the options both `mariadb` and MariaDB's `mysql` understand. */
function mariadbArgs(i: DbCommandInput): string[] {
  const args = mysqlCommonArgs(i);
  if (i.noTLS) return args;
  if (!i.localProxy) args.push('--port', String(i.port), '--host', i.host);
  args.push('--ssl-key', i.files.key, '--ssl-ca', i.files.ca, '--ssl-cert', i.files.cert);
  if (!i.insecure) args.push('--ssl-verify-server-cert');
  return args;
}

/** getMySQLOracleCommand: Oracle's `mysql` reads the TLS settings from the ~/.my.cnf group. */
function mysqlOracleCommand(i: DbCommandInput): DbCommand {
  let args = mysqlCommonArgs(i);
  if (i.noTLS) return command('mysql', args, i);
  args = [`--defaults-group-suffix=_${i.cluster}-${i.serviceName}`, ...args];
  if ((i.platform ?? process.platform) === 'win32' && i.mysqlOptionFile) {
    args = [`--defaults-extra-file=${i.mysqlOptionFile}`, ...args];
  }
  if (i.insecure) args.push('--ssl-mode=VERIFY_CA');
  return command('mysql', args, i);
}

/**
 * getMySQLCommand: `mariadb` when it is on PATH (even for MySQL servers); else `mysql` with
 * MariaDB's options when `mysql --version` names MariaDB, otherwise Oracle's.
 */
function mysqlCommand(i: DbCommandInput, tolerateMissing: boolean): DbCommand {
  if (i.lookPath('mariadb')) return command('mariadb', mariadbArgs(i), i);
  if (!i.lookPath('mysql')) {
    if (tolerateMissing) return mysqlOracleCommand(i);
    throw new TshError(
      'neither "mysql" nor "mariadb" CLI clients were found, please make sure an appropriate CLI client is available in $PATH',
      'not-found',
    );
  }
  const version = i.mysqlVersion?.();
  if (version !== undefined && version.toLowerCase().includes('mariadb')) {
    return command('mysql', mariadbArgs(i), i);
  }
  return mysqlOracleCommand(i);
}

/**
 * CLICommandBuilder.GetConnectCommand for the protocols tshjs supports. `tolerateMissing`: build
 * the command even when no client is installed (printing it, as `db config --format=cmd` does).
 */
export function dbConnectCommand(i: DbCommandInput, o: { tolerateMissing?: boolean } = {}): DbCommand {
  switch (i.protocol) {
    case 'postgres':
      return command('psql', [postgresConnString(i)], i);
    case 'cockroachdb':
      // psql when the cockroach client is not installed.
      if (!i.lookPath('cockroach')) return command('psql', [postgresConnString(i)], i);
      return command('cockroach', ['sql', '--url', postgresConnString(i)], i);
    case 'mysql':
      return mysqlCommand(i, !!o.tolerateMissing);
  }
  throw unsupportedProtocolError(i.serviceName, i.protocol);
}

/** `tsh db config --format=cmd`: fmt.Println(env joined, path, args joined) — a leading space without env. */
export function formatDbCommand(c: DbCommand): string {
  return `${c.env.join(' ')} ${c.path} ${c.args.join(' ')}`;
}

/** exec.LookPath over a PATH string. */
export function lookPathIn(pathEnv: string | undefined, bin: string): string | undefined {
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.resolve(dir, bin);
    try {
      const st = fs.statSync(full);
      if (st.isFile() && st.mode & 0o111) return full;
    } catch {
      // not here
    }
  }
  return undefined;
}
