// What `db connect` runs: upstream's psql / mariadb / mysql argument lists (dbcmd.go, connstring.go).
import { describe, expect, it } from 'vitest';
import {
  dbConnectCommand,
  formatDbCommand,
  goQueryEscape,
  postgresConnString,
  unsupportedProtocolError,
  type DbCommandInput,
} from '../../../src/client/dbcmd.js';

const files = { cert: '/k/alice-db/root/pg.crt', key: '/k/alice-db/root/pg.key', ca: '/k/cas/root.pem' };

function input(o: Partial<DbCommandInput> & { bins?: string[] } = {}): DbCommandInput {
  const bins = o.bins ?? ['psql', 'mariadb', 'mysql'];
  return {
    protocol: 'postgres',
    serviceName: 'pg',
    cluster: 'root',
    username: 'alice',
    database: 'app',
    host: 'proxy.example.com',
    port: 3080,
    localProxy: false,
    noTLS: false,
    insecure: false,
    files,
    lookPath: (b) => (bins.includes(b) ? `/usr/bin/${b}` : undefined),
    ...o,
  };
}

describe('postgres', () => {
  it('connection string with TLS parameters, verify-full', () => {
    expect(postgresConnString(input())).toBe(
      'postgres://alice@proxy.example.com:3080/app?sslrootcert=/k/cas/root.pem&sslcert=/k/alice-db/root/pg.crt&sslkey=/k/alice-db/root/pg.key&sslmode=verify-full',
    );
  });
  it('--insecure is verify-ca; tunnel drops every TLS parameter', () => {
    expect(postgresConnString(input({ insecure: true }))).toMatch(/&sslmode=verify-ca$/);
    expect(postgresConnString(input({ host: 'localhost', port: 5000, localProxy: true, noTLS: true }))).toBe(
      'postgres://alice@localhost:5000/app',
    );
  });
  it('query-escapes the user; no user or database leaves them out; IPv6 in brackets', () => {
    expect(goQueryEscape('name@project-id.iam')).toBe('name%40project-id.iam');
    expect(goQueryEscape('a b+c/é')).toBe('a+b%2Bc%2F%C3%A9');
    expect(postgresConnString(input({ username: '', database: '', noTLS: true, host: '::1', port: 5 }))).toBe(
      'postgres://[::1]:5',
    );
  });
  it('print format quotes the TLS form only', () => {
    expect(postgresConnString(input({ printFormat: true }))).toMatch(/^"postgres:\/\/.*verify-full"$/);
    expect(postgresConnString(input({ printFormat: true, noTLS: true }))).toBe(
      'postgres://alice@proxy.example.com:3080/app',
    );
  });
  it('psql with one argument; cockroach sql --url when installed, else psql', () => {
    const c = dbConnectCommand(input());
    expect(c.bin).toBe('psql');
    expect(c.path).toBe('/usr/bin/psql');
    expect(c.args).toEqual([postgresConnString(input())]);
    expect(dbConnectCommand(input({ protocol: 'cockroachdb' })).bin).toBe('psql');
    const cr = dbConnectCommand(input({ protocol: 'cockroachdb', bins: ['cockroach'] }));
    expect(cr.args.slice(0, 2)).toEqual(['sql', '--url']);
  });
  it('db config --format=cmd: env, path and args joined as fmt.Println does', () => {
    expect(formatDbCommand(dbConnectCommand(input({ printFormat: true })))).toBe(
      ` /usr/bin/psql ${postgresConnString(input({ printFormat: true }))}`,
    );
    expect(formatDbCommand(dbConnectCommand(input({ bins: [], printFormat: true })))).toMatch(/^ psql "/);
  });
});

describe('mysql', () => {
  const local = { host: 'localhost', port: 6000, localProxy: true };
  const m = (o: Partial<DbCommandInput> & { bins?: string[] }) =>
    dbConnectCommand(input({ protocol: 'mysql', serviceName: 'maria', database: '', ...o }));

  it('mariadb is preferred, with TLS options and the local proxy forced to TCP', () => {
    const c = m(local);
    expect(c.bin).toBe('mariadb');
    expect(c.args).toEqual([
      '--user',
      'alice',
      '--port',
      '6000',
      '--host',
      'localhost',
      '--protocol',
      'TCP',
      '--ssl-key',
      files.key,
      '--ssl-ca',
      files.ca,
      '--ssl-cert',
      files.cert,
      '--ssl-verify-server-cert',
    ]);
  });
  it('mariadb without a local proxy names the proxy MySQL address; tunnel has no TLS options', () => {
    expect(m({ port: 3036, database: 'app' }).args).toEqual([
      '--user',
      'alice',
      '--database',
      'app',
      '--port',
      '3036',
      '--host',
      'proxy.example.com',
      '--ssl-key',
      files.key,
      '--ssl-ca',
      files.ca,
      '--ssl-cert',
      files.cert,
      '--ssl-verify-server-cert',
    ]);
    expect(m({ ...local, noTLS: true, host: '127.0.0.1' }).args).toEqual([
      '--user',
      'alice',
      '--port',
      '6000',
      '--host',
      '127.0.0.1',
    ]);
    expect(m({ ...local, insecure: true }).args).not.toContain('--ssl-verify-server-cert');
  });
  it("mysql: MariaDB's client gets MariaDB options, Oracle's the option-file group", () => {
    const maria = m({
      ...local,
      bins: ['mysql'],
      mysqlVersion: () => 'mysql  Ver 15.1 Distrib 10.11.6-MariaDB',
    });
    expect(maria.bin).toBe('mysql');
    expect(maria.args).toContain('--ssl-verify-server-cert');
    const oracle = m({ ...local, bins: ['mysql'], mysqlVersion: () => 'mysql  Ver 8.0.27 for Linux' });
    expect(oracle.args).toEqual([
      '--defaults-group-suffix=_root-maria',
      '--user',
      'alice',
      '--port',
      '6000',
      '--host',
      'localhost',
      '--protocol',
      'TCP',
    ]);
    const insecure = m({ ...local, bins: ['mysql'], insecure: true, mysqlVersion: () => undefined });
    expect(insecure.args.at(-1)).toBe('--ssl-mode=VERIFY_CA');
    expect(m({ ...local, bins: ['mysql'], noTLS: true }).args[0]).toBe('--user');
  });
  it('no client installed: one line, unless only printing', () => {
    expect(() => m({ bins: [] })).toThrow(
      'neither "mysql" nor "mariadb" CLI clients were found, please make sure an appropriate CLI client is available in $PATH',
    );
    expect(dbConnectCommand(input({ protocol: 'mysql', bins: [] }), { tolerateMissing: true }).bin).toBe(
      'mysql',
    );
  });
});

it('other protocols: one line naming the supported ones', () => {
  expect(() => dbConnectCommand(input({ protocol: 'mongodb', serviceName: 'mongo' }))).toThrow(
    'database "mongo" uses protocol "mongodb", which tshjs does not support (supported protocols: postgres, mysql)',
  );
  expect(unsupportedProtocolError('r', 'redis').message.split('\n')).toHaveLength(1);
});
