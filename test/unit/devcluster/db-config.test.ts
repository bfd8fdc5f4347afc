// Database config entries and the database RBAC check of the dev cluster's database service.
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type RoleConfig } from '../../../src/devcluster/config.js';
import { servedDatabases } from '../../../src/devcluster/db/config.js';
import { databaseAccessAllowed, mysqlVersionFromAlpn } from '../../../src/devcluster/db/service.js';

const base = { users: [], roles: [] };

describe('databases config', () => {
  it('accepts postgres and mysql entries, protocol defaulting to postgres', () => {
    const cfg = normalizeConfig({
      ...base,
      databases: [
        { name: 'pg', uri: 'db.example.com:5432', labels: { env: 'dev' } },
        { name: 'my', protocol: 'mysql', uri: '[::1]:3306', mysql_server_version: '10.11.6-MariaDB' },
      ],
    });
    const dbs = servedDatabases(cfg);
    expect(dbs.get('pg')).toMatchObject({
      protocol: 'postgres',
      host: 'db.example.com',
      port: 5432,
      labels: { env: 'dev' },
    });
    expect(dbs.get('my')).toMatchObject({
      protocol: 'mysql',
      host: '::1',
      port: 3306,
      mysqlServerVersion: '10.11.6-MariaDB',
    });
  });

  it('names the supported protocols when refusing another', () => {
    expect(() =>
      normalizeConfig({ ...base, databases: [{ name: 'r', protocol: 'redis', uri: 'h:6379' }] }),
    ).toThrow(
      'config: databases[0] (r): unsupported database "r" protocol "redis", supported are: postgres, mysql',
    );
  });

  it('wants a host:port uri and a readable ca_cert_file', () => {
    expect(() => normalizeConfig({ ...base, databases: [{ name: 'pg' }] })).toThrow('URI is empty');
    expect(() => normalizeConfig({ ...base, databases: [{ name: 'pg', uri: 'postgres://h' }] })).toThrow(
      'invalid database "pg" address "postgres://h": expected host:port',
    );
    const cfg = normalizeConfig({
      ...base,
      databases: [{ name: 'pg', uri: 'h:1', ca_cert_file: '/nonexistent/ca.pem' }],
    });
    expect(() => servedDatabases(cfg)).toThrow('cannot read ca_cert_file /nonexistent/ca.pem: ENOENT');
  });
});

describe('databaseAccessAllowed', () => {
  const role = (r: Partial<RoleConfig> & { deny?: object }): RoleConfig =>
    ({ name: 'r', logins: [], node_labels: {}, ...r }) as RoleConfig;
  const dev = { protocol: 'postgres', labels: { env: 'dev' } };
  const access = role({
    db_labels: { env: 'dev' },
    db_users: ['alice', '{{internal.db_users}}'],
    db_names: ['app'],
  });
  const traits = { db_users: ['svc'] };

  it('needs labels, user and database name to match one role', () => {
    expect(databaseAccessAllowed([access], traits, dev, 'alice', 'app')).toBe(true);
    expect(databaseAccessAllowed([access], traits, dev, 'svc', 'app')).toBe(true);
    expect(databaseAccessAllowed([access], traits, dev, 'mallory', 'app')).toBe(false);
    expect(databaseAccessAllowed([access], traits, dev, 'alice', 'other')).toBe(false);
    expect(databaseAccessAllowed([access], traits, { ...dev, labels: { env: 'prod' } }, 'alice', 'app')).toBe(
      false,
    );
  });

  it('does not check database names for MySQL', () => {
    expect(databaseAccessAllowed([access], traits, { ...dev, protocol: 'mysql' }, 'alice', 'other')).toBe(
      true,
    );
  });

  it('lets any matching deny rule win', () => {
    const deny = role({ name: 'd', deny: { db_users: ['alice'] } });
    expect(databaseAccessAllowed([access, deny], traits, dev, 'alice', 'app')).toBe(false);
    expect(databaseAccessAllowed([access, deny], traits, dev, 'svc', 'app')).toBe(true);
    const denyAll = role({ name: 'd', deny: { db_labels: { '*': '*' } } });
    expect(databaseAccessAllowed([access, denyAll], traits, dev, 'svc', 'app')).toBe(false);
  });

  it('reads the MySQL version tsh offers as teleport-mysql-<base64>', () => {
    const v = Buffer.from('10.11.6-MariaDB').toString('base64');
    expect(mysqlVersionFromAlpn(['teleport-mysql-ping', 'teleport-mysql', `teleport-mysql-${v}`])).toBe(
      '10.11.6-MariaDB',
    );
    expect(mysqlVersionFromAlpn(['teleport-mysql'])).toBeUndefined();
  });
});
