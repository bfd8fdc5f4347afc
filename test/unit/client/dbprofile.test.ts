// Connection profiles of `db login` (lib/client/db/postgres/servicefile.go, mysql/optionfile.go):
// the section tshjs owns is replaced or removed, everything else in the user's file stays as it was.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectProfileEnv,
  deleteConnectProfile,
  upsertConnectProfile,
  type ConnectProfile,
} from '../../../src/auth/dbprofile.js';

const dirs: string[] = [];
function home(): NodeJS.ProcessEnv {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-dbprofile-'));
  dirs.push(d);
  return { HOME: d };
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const p: ConnectProfile = {
  name: 'root-pg',
  host: 'proxy.example.com',
  port: 443,
  user: 'alice',
  database: 'app',
  insecure: false,
  caPath: '/t/cas/root.pem',
  certPath: '/t/pg.crt',
  keyPath: '/t/pg.key',
};

describe('~/.pg_service.conf', () => {
  it('writes the service as tsh does and reads it back as PG* variables', () => {
    const env = home();
    const file = upsertConnectProfile('postgres', p, env);
    expect(file).toBe(path.join(env.HOME!, '.pg_service.conf'));
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '[root-pg]\nhost=proxy.example.com\nport=443\nuser=alice\ndbname=app\nsslmode=verify-full\n' +
        'sslrootcert=/t/cas/root.pem\nsslcert=/t/pg.crt\nsslkey=/t/pg.key\ngssencmode=disable\n',
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(connectProfileEnv('postgres', 'root-pg', env)).toEqual({
      PGHOST: 'proxy.example.com',
      PGPORT: '443',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/t/cas/root.pem',
      PGSSLCERT: '/t/pg.crt',
      PGSSLKEY: '/t/pg.key',
      PGUSER: 'alice',
      PGDATABASE: 'app',
      PGGSSENCMODE: 'disable',
    });
  });
  it("keeps the user's own sections; replaces and deletes only ours", () => {
    const env = home();
    const file = path.join(env.HOME!, '.pg_service.conf');
    const mine = '# my services\n[local]\nhost=/var/run/postgresql\ndbname=dev\n';
    fs.writeFileSync(file, mine);
    upsertConnectProfile('postgres', p, env);
    upsertConnectProfile('postgres', { ...p, user: '', database: '', insecure: true }, env);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith(`${mine}\n[root-pg]\nhost=proxy.example.com\nport=443\nsslmode=verify-ca\n`)).toBe(
      true,
    );
    expect(text.match(/\[root-pg\]/g)).toHaveLength(1);
    deleteConnectProfile('postgres', 'root-pg', env);
    expect(fs.readFileSync(file, 'utf8')).toBe(mine);
    expect(() => connectProfileEnv('postgres', 'root-pg', env)).toThrow(
      'service connection profile "root-pg" not found',
    );
  });
});

describe('~/.my.cnf', () => {
  it('a client_ group, and MYSQL_GROUP_SUFFIX for env', () => {
    const env = home();
    const file = upsertConnectProfile('mysql', { ...p, name: 'root-maria', database: '' }, env);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '[client_root-maria]\nhost=proxy.example.com\nport=443\nuser=alice\nssl-mode=VERIFY_IDENTITY\n' +
        'ssl-ca=/t/cas/root.pem\nssl-cert=/t/pg.crt\nssl-key=/t/pg.key\n',
    );
    expect(connectProfileEnv('mysql', 'root-maria', env)).toEqual({ MYSQL_GROUP_SUFFIX: '_root-maria' });
    deleteConnectProfile('mysql', 'root-maria', env);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    expect(() => connectProfileEnv('mysql', 'root-maria', env)).toThrow(
      'connection profile "root-maria" not found',
    );
  });
});
