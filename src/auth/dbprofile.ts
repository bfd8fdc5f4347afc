// Database connection profiles that `db login` writes and `db env` reads, as upstream does
// (lib/client/db/profile.go): a `[<cluster>-<db>]` service in ~/.pg_service.conf for PostgreSQL
// (postgres/servicefile.go) and a `[client_<cluster>-<db>]` group in ~/.my.cnf for MySQL
// (mysql/optionfile.go). Other sections of those files are kept byte for byte.
import * as os from 'node:os';
import * as path from 'node:path';
import { TshError } from '../util/errors.js';
import { readFileIfExists, writeFileAtomic } from '../util/fsutil.js';

/** profile.ConnectProfile */
export interface ConnectProfile {
  /** <cluster>-<db> */
  name: string;
  host: string;
  port: number;
  user: string;
  database: string;
  insecure: boolean;
  caPath: string;
  certPath: string;
  keyPath: string;
}

/** IsSupported: only Postgres and MySQL have connection option files. */
export function connectProfileSupported(protocol: string): boolean {
  return protocol === 'postgres' || protocol === 'mysql';
}

export function connectProfileName(cluster: string, db: string): string {
  return `${cluster}-${db}`;
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** ~/.pg_service.conf or ~/.my.cnf. */
export function connectProfileFile(protocol: string, env: NodeJS.ProcessEnv): string {
  return path.join(homeDir(env), protocol === 'mysql' ? '.my.cnf' : '.pg_service.conf');
}

function sectionName(protocol: string, name: string): string {
  return protocol === 'mysql' ? `client_${name}` : name;
}

function sectionBody(protocol: string, p: ConnectProfile): Array<[string, string]> {
  const kv: Array<[string, string]> = [
    ['host', p.host],
    ['port', String(p.port)],
  ];
  if (p.user) kv.push(['user', p.user]);
  if (protocol === 'mysql') {
    if (p.database) kv.push(['database', p.database]);
    kv.push(['ssl-mode', p.insecure ? 'VERIFY_CA' : 'VERIFY_IDENTITY']);
    kv.push(['ssl-ca', p.caPath], ['ssl-cert', p.certPath], ['ssl-key', p.keyPath]);
  } else {
    if (p.database) kv.push(['dbname', p.database]);
    kv.push(['sslmode', p.insecure ? 'verify-ca' : 'verify-full']);
    kv.push(['sslrootcert', p.caPath], ['sslcert', p.certPath], ['sslkey', p.keyPath]);
    // GSS encryption is not supported through Teleport.
    kv.push(['gssencmode', 'disable']);
  }
  return kv;
}

interface Section {
  name: string | undefined;
  lines: string[];
}

/** Splits an ini file into sections, each with its header and lines as written. */
function parseSections(text: string): Section[] {
  const out: Section[] = [{ name: undefined, lines: [] }];
  for (const line of text.split('\n')) {
    const m = /^\s*\[([^\]]*)\]\s*$/.exec(line);
    if (m) out.push({ name: m[1].trim(), lines: [line] });
    else out[out.length - 1].lines.push(line);
  }
  return out;
}

/** The sections' lines as they were, without trailing blank lines, ending with one newline. */
function render(sections: Section[]): string {
  const text = sections
    .flatMap((s) => s.lines)
    .join('\n')
    .replace(/\s+$/, '');
  return text ? `${text}\n` : '';
}

function readFile(file: string): string {
  return readFileIfExists(file)?.toString('utf8') ?? '';
}

/** Upsert: replaces the profile's section (or appends it). */
export function upsertConnectProfile(protocol: string, p: ConnectProfile, env: NodeJS.ProcessEnv): string {
  const file = connectProfileFile(protocol, env);
  const name = sectionName(protocol, p.name);
  const rest = render(parseSections(readFile(file)).filter((s) => s.name !== name));
  const ours = [`[${name}]`, ...sectionBody(protocol, p).map(([k, v]) => `${k}=${v}`)].join('\n');
  writeFileAtomic(file, `${rest ? `${rest}\n` : ''}${ours}\n`, 0o600);
  return file;
}

/** Delete: removes the profile's section when the file has it. */
export function deleteConnectProfile(protocol: string, name: string, env: NodeJS.ProcessEnv): void {
  const file = connectProfileFile(protocol, env);
  const text = readFile(file);
  if (!text) return;
  const section = sectionName(protocol, name);
  const sections = parseSections(text);
  if (!sections.some((s) => s.name === section)) return;
  writeFileAtomic(file, render(sections.filter((s) => s.name !== section)), 0o600);
}

function sectionValues(s: Section): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of s.lines.slice(1)) {
    const m = /^\s*([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** Env: the variables a client reads the profile from (PG* for Postgres, MYSQL_GROUP_SUFFIX for MySQL). */
export function connectProfileEnv(
  protocol: string,
  name: string,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const section = parseSections(readFile(connectProfileFile(protocol, env))).find(
    (s) => s.name === sectionName(protocol, name),
  );
  if (protocol === 'mysql') {
    if (!section) throw new TshError(`connection profile ${JSON.stringify(name)} not found`, 'not-found');
    return { MYSQL_GROUP_SUFFIX: `_${name}` };
  }
  if (!section)
    throw new TshError(`service connection profile ${JSON.stringify(name)} not found`, 'not-found');
  const v = sectionValues(section);
  const need = (k: string) => {
    const x = v.get(k);
    if (x === undefined) {
      throw new TshError(
        `key ${JSON.stringify(k)} not exists in section ${JSON.stringify(name)}`,
        'not-found',
      );
    }
    return x;
  };
  const out: Record<string, string> = {
    PGHOST: need('host'),
    PGPORT: need('port'),
    PGSSLMODE: need('sslmode'),
    PGSSLROOTCERT: need('sslrootcert'),
    PGSSLCERT: need('sslcert'),
    PGSSLKEY: need('sslkey'),
  };
  if (v.has('user')) out.PGUSER = v.get('user')!;
  if (v.has('dbname')) out.PGDATABASE = v.get('dbname')!;
  if (v.has('gssencmode')) out.PGGSSENCMODE = v.get('gssencmode')!;
  return out;
}
