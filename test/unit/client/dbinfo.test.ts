// Choosing the database and its route as tool/tsh/common/db.go does: defaulting --db-user/--db-name
// from the roles (getDefaultDBUser/getDefaultDBName), selection (chooseOneDatabase,
// maybePickActiveDatabase), the re-login rule (dbInfoHasChanged), the local proxy requirements and
// the texts they print.
import { describe, expect, it } from 'vitest';
import { accessChecker, databaseUsers } from '../../../src/client/access.js';
import {
  chooseOneDatabase,
  databaseNames,
  databaseProxyHostPort,
  dbConnectLocalProxyRequirement,
  dbInfoHasChanged,
  dbLocalProxyRequirement,
  defaultDbName,
  defaultDbUser,
  formatDatabaseConnectCommand,
  formatDbCmdUnsupported,
  makeDiscoveredNameOrNamePredicate,
  maybePickActiveDatabase,
  predicateAnd,
  selectorsString,
  type DbProxySettings,
  type DbRoute,
} from '../../../src/client/dbinfo.js';
import { DatabaseV3, RoleV6, UserV2 } from '../../../src/gen/teleport/legacy/types/types.js';

type Side = { db_users?: string[]; db_names?: string[]; db_labels?: Record<string, string[]> };

function role(name: string, allow: Side, deny: Side = {}): RoleV6 {
  const cond = (s: Side) => ({
    Namespaces: ['default'],
    DatabaseUsers: s.db_users ?? [],
    DatabaseNames: s.db_names ?? [],
    DatabaseLabels: s.db_labels
      ? { Values: Object.fromEntries(Object.entries(s.db_labels).map(([k, v]) => [k, { Values: v }])) }
      : undefined,
  });
  return RoleV6.fromPartial({ Metadata: { Name: name }, Spec: { Allow: cond(allow), Deny: cond(deny) } });
}

const alice = UserV2.fromPartial({
  Metadata: { Name: 'alice' },
  Spec: { Traits: { Values: { db_users: { Values: ['trait-user'] } } } },
});
const all = { '*': ['*'] };

const users = (roles: RoleV6[], labels: Record<string, string> = {}) =>
  databaseUsers(accessChecker(alice, roles), labels);

describe('defaulting the database user and name', () => {
  it('the single allowed user (traits applied) is the default', () => {
    expect(
      defaultDbUser('pg', users([role('r', { db_labels: all, db_users: ['{{internal.db_users}}'] })])),
    ).toBe('trait-user');
  });
  it('several users, or the wildcard: name them (denied ones after "except" with a wildcard)', () => {
    expect(() => defaultDbUser('pg', users([role('r', { db_labels: all, db_users: ['a', 'b'] })]))).toThrow(
      'please provide the database user using the --db-user flag, allowed database users for pg: [a b]',
    );
    expect(() =>
      defaultDbUser(
        'pg',
        users([role('r', { db_labels: all, db_users: ['*', 'a', 'b'] }, { db_users: ['root'] })]),
      ),
    ).toThrow('allowed database users for pg: [* a b] except [root]');
    // A wildcard plus one named user: the named one is the default (Allowed() leaves "*" out).
    expect(defaultDbUser('pg', users([role('r', { db_labels: all, db_users: ['*', 'a'] })]))).toBe('a');
  });
  it('no user at all: access denied with the administrator hint', () => {
    expect(() =>
      defaultDbUser(
        'pg',
        users([role('r', { db_labels: { env: ['prod'] }, db_users: ['a'] })], {
          env: 'dev',
        }),
      ),
    ).toThrow(
      'you are not allowed access to any database user for pg, ask a cluster administrator to ensure your Teleport user has appropriate db_users set',
    );
  });
  it('database names the same way, from db_names', () => {
    const r = [
      role('r', { db_labels: all, db_names: ['postgres'] }),
      role('s', { db_labels: { x: ['y'] }, db_names: ['other'] }),
    ];
    expect(defaultDbName('pg', databaseNames(alice, r, {}))).toBe('postgres');
    expect(() =>
      defaultDbName('pg', databaseNames(alice, [role('r', { db_labels: all, db_names: ['*'] })], {})),
    ).toThrow(
      'please provide the database name using the --db-name flag, allowed database names for pg: [*]',
    );
    expect(() => defaultDbName('pg', databaseNames(alice, [], {}))).toThrow(
      'you are not allowed access to any database name for pg, ask a cluster administrator to ensure your Teleport user has appropriate db_names set',
    );
  });
});

const db = (name: string, labels: Record<string, string> = {}) =>
  DatabaseV3.fromPartial({ Metadata: { Name: name, Labels: labels }, Spec: { Protocol: 'postgres' } });
const sel = (name = '', labels = '', query = '') => ({ name, labels, query });

describe('selection', () => {
  it('exact name, then a unique discovered name, then the only one', () => {
    const dbs = [db('pg-a', { 'teleport.dev/discovered-name': 'pg' }), db('pg')];
    expect(chooseOneDatabase('tsh db login', '', sel('pg'), dbs).Metadata?.Name).toBe('pg');
    expect(chooseOneDatabase('tsh db login', '', sel('x'), [db('only')]).Metadata?.Name).toBe('only');
    expect(() => chooseOneDatabase('tsh db login', 'leaf', sel('nosuch'), [])).toThrow(
      `database "nosuch" not found, use 'tsh db ls --cluster=leaf' to see registered databases`,
    );
    expect(() => chooseOneDatabase('tsh db login', '', sel('', 'env=dev'), [db('a'), db('b')])).toThrow(
      /^database with labels "env=dev" matches multiple databases: a, b\nHint: .*\(ex: tsh db login a\)/s,
    );
  });
  it('active databases: the only one, by name, or a list to choose from', () => {
    const r = (serviceName: string): DbRoute => ({
      serviceName,
      protocol: 'postgres',
      username: 'u',
      database: 'd',
      roles: [],
    });
    expect(maybePickActiveDatabase('', sel(), [r('a')])?.serviceName).toBe('a');
    expect(maybePickActiveDatabase('', sel('b'), [r('a'), r('b')])?.serviceName).toBe('b');
    expect(maybePickActiveDatabase('', sel('a', 'env=x'), [r('a')])).toBeUndefined();
    expect(() => maybePickActiveDatabase('', sel(), [r('a'), r('b')])).toThrow(
      'multiple databases are available (a, b), please specify one by name, --labels, or --query',
    );
    expect(() => maybePickActiveDatabase('', sel(), [])).toThrow(
      "please login using 'tsh db login' first (use 'tsh db ls' to see registered databases)",
    );
  });
  it('predicates and selector text', () => {
    expect(makeDiscoveredNameOrNamePredicate('pg')).toBe(
      '(name == "pg") || (labels["teleport.dev/discovered-name"] == "pg")',
    );
    expect(predicateAnd('a', '')).toBe('a');
    expect(predicateAnd('a', 'b')).toBe('(a) && (b)');
    expect(selectorsString(sel('foo', 'k1=v1', 'labels["k2"]=="v2"'))).toBe(
      'database "foo" with labels "k1=v1" with query (labels["k2"]=="v2")',
    );
  });
});

describe('re-login when the flags ask for another route (dbInfoHasChanged)', () => {
  const cert: DbRoute = {
    serviceName: 'pg',
    protocol: 'postgres',
    username: 'alice',
    database: 'app',
    roles: [],
  };
  it('no flags: no change; another user/name: change', () => {
    expect(dbInfoHasChanged({}, cert)).toBe(false);
    expect(dbInfoHasChanged({ dbUser: 'alice' }, cert)).toBe(false);
    expect(dbInfoHasChanged({ dbUser: 'bob' }, cert)).toBe(true);
    expect(dbInfoHasChanged({ dbName: 'other' }, cert)).toBe(true);
  });
  it('roles compare as sets, even when only --db-user was given', () => {
    expect(dbInfoHasChanged({ dbRoles: 'a,b' }, { ...cert, roles: ['b', 'a'] })).toBe(false);
    expect(dbInfoHasChanged({ dbRoles: 'a' }, cert)).toBe(true);
    expect(dbInfoHasChanged({ dbUser: 'alice' }, { ...cert, roles: ['r'] })).toBe(true);
  });
});

describe('local proxy requirements', () => {
  const s: DbProxySettings = {
    cluster: 'root',
    tlsRouting: true,
    connUpgradeRequired: false,
    privateKeyPolicy: 'none',
    webProxyAddr: 'proxy.example.com:443',
    postgresProxyAddr: 'proxy.example.com:443',
  };
  const pg: DbRoute = {
    serviceName: 'pg',
    protocol: 'postgres',
    username: 'alice',
    database: 'app',
    roles: [],
  };
  const my: DbRoute = { ...pg, serviceName: 'my', protocol: 'mysql' };

  it('Postgres reaches the web port directly; MySQL on the web port needs a local proxy', () => {
    expect(dbLocalProxyRequirement(s, pg).localProxy).toBe(false);
    expect(dbLocalProxyRequirement(s, my)).toEqual({
      localProxy: true,
      localProxyReasons: ['database protocol is MySQL and cluster root proxy is using TLS routing'],
      tunnel: false,
      tunnelReasons: [],
    });
    expect(
      dbLocalProxyRequirement({ ...s, tlsRouting: false, mysqlProxyAddr: 'proxy.example.com:3036' }, my)
        .localProxy,
    ).toBe(false);
    expect(databaseProxyHostPort({ ...s, postgresProxyAddr: undefined }, 'postgres')).toEqual({
      host: 'proxy.example.com',
      port: 443,
    });
    expect(dbLocalProxyRequirement({ ...s, connUpgradeRequired: true }, pg).localProxyReasons).toEqual([
      'Teleport Proxy is behind a layer 7 load balancer or reverse proxy',
    ]);
    expect(
      dbLocalProxyRequirement({ ...s, privateKeyPolicy: 'hardware_key_touch' }, pg).tunnelReasons,
    ).toEqual(['private key policy is hardware_key_touch']);
  });
  it('db connect: TLS routing means a local proxy, --tunnel or MFA a tunnel', async () => {
    const no = async () => false;
    expect(await dbConnectLocalProxyRequirement(s, pg, false, no)).toMatchObject({
      localProxy: true,
      localProxyReasons: ['cluster root proxy is using TLS routing'],
      tunnel: false,
    });
    expect(await dbConnectLocalProxyRequirement(s, pg, true, no)).toMatchObject({
      tunnel: true,
      tunnelReasons: ['--tunnel flag is specified'],
    });
    const mfa = await dbConnectLocalProxyRequirement(s, pg, false, async () => true);
    expect(mfa.tunnelReasons).toEqual(['MFA is required to connect to the database']);
    let asked = false;
    await dbConnectLocalProxyRequirement(s, pg, true, async () => (asked = true));
    expect(asked).toBe(false);
    expect(
      (await dbConnectLocalProxyRequirement(s, pg, false, () => Promise.reject(new Error('x')))).tunnel,
    ).toBe(false);
  });
  it('dbCmdUnsupportedTemplate and the connect hint', () => {
    expect(
      formatDbCmdUnsupported('tsh db env', '', my, [
        'database protocol is MySQL and cluster root proxy is using TLS routing',
      ]),
    ).toBe(
      '"tsh db env" is not supported when:\n  - database protocol is MySQL and cluster root proxy is using TLS routing.\n\n' +
        'Please use one of the following commands to connect to the database:\n    tsh db connect my\n    tsh proxy db --tunnel my',
    );
    expect(formatDbCmdUnsupported('tsh db connect', 'leaf', { ...pg, protocol: 'dynamodb' }, [])).toBe(
      '"tsh db connect" is not supported.\n\nPlease use the following command to connect to the database:\n    tsh proxy db --tunnel --cluster=leaf pg',
    );
    expect(formatDatabaseConnectCommand('', { ...pg, username: '', database: '' })).toBe(
      'tsh db connect --db-user=<user> --db-name=<name> pg',
    );
    expect(formatDatabaseConnectCommand('', { ...my, username: '', database: '' })).toBe(
      'tsh db connect --db-user=<user> my',
    );
  });
});
