// Choosing the database a `db` command acts on and the route its certificate carries, as upstream's
// tool/tsh/common/db.go does: active databases (saved certificates), selection by name, --labels and
// --query, defaulting --db-user/--db-name from the roles, when a local proxy (or a tunnel) is
// required, and the texts of those decisions. Used by `tshjs db …` and `tshjs proxy db`.
// docs/database-client.md.
import type { RouteToDatabase } from '../auth/x509/identity.js';
import type { DatabaseV3, RoleV6, UserV2 } from '../gen/teleport/legacy/types/types.js';
import { TshError } from '../util/errors.js';
import {
  accessChecker,
  applyValueTraits,
  databaseUsers,
  type AccessChecker,
  type DatabaseUsers,
} from './access.js';
import { listDbCerts } from './dbcerts.js';
import { parseLabelSpec } from './filter.js';
import type { TeleportClient } from './teleport.js';

export type DbRoute = RouteToDatabase;

/** The name / --labels / --query a command was given (resourceSelectors, kind "database"). */
export interface DbSelectors {
  name: string;
  labels: string;
  query: string;
}

/** --db-user, --db-name, --db-roles as given. */
export interface DbRouteFlags {
  dbUser?: string;
  dbName?: string;
  /** comma-separated */
  dbRoles?: string;
}

/** The name commands print in hints (upstream hard-codes "tsh"). */
export const TSH = 'tsh';

/** types.DiscoveredNameLabel */
const DISCOVERED_NAME_LABEL = 'teleport.dev/discovered-name';

export function selectorsEmpty(s: DbSelectors): boolean {
  return !s.name && !s.labels && !s.query;
}

/** resourceSelectors.String: `database "foo" with labels "k=v" with query (q)`. */
export function selectorsString(s: DbSelectors): string {
  let out = 'database';
  if (s.name) out = `${out} ${JSON.stringify(s.name)}`;
  if (s.labels) out = `${out} with labels ${JSON.stringify(s.labels)}`;
  if (s.query) out = `${out} with query (${s.query})`;
  return out.trim();
}

export function requestedDatabaseRoles(f: DbRouteFlags): string[] {
  return f.dbRoles ? f.dbRoles.split(',') : [];
}

// ---- texts ------------------------------------------------------------------------------------

export function formatTSHCommand(cmd: string, clusterFlag: string): string {
  return clusterFlag ? `${cmd} --cluster=${clusterFlag}` : cmd;
}

export const formatDatabaseLoginCommand = (c: string) => formatTSHCommand(`${TSH} db login`, c);
export const formatDatabaseListCommand = (c: string) => formatTSHCommand(`${TSH} db ls`, c);
export const formatDatabaseLogoutCommand = (c: string) => formatTSHCommand(`${TSH} db logout`, c);

/** role.RequireDatabaseUserMatcher: every protocol. */
export function isDatabaseUserRequired(_protocol: string): boolean {
  return true;
}

/** RequireDatabaseNameMatcher (Postgres, CockroachDB, MongoDB, Spanner) or Oracle. */
export function isDatabaseNameRequired(protocol: string): boolean {
  return ['postgres', 'cockroachdb', 'mongodb', 'spanner', 'oracle'].includes(protocol);
}

/** formatDatabaseConnectArgs */
export function formatDatabaseConnectArgs(clusterFlag: string, r: DbRoute): string[] {
  const flags: string[] = [];
  if (clusterFlag) flags.push(`--cluster=${clusterFlag}`);
  if (!r.username && isDatabaseUserRequired(r.protocol)) flags.push('--db-user=<user>');
  if (!r.database && isDatabaseNameRequired(r.protocol)) flags.push('--db-name=<name>');
  flags.push(r.serviceName);
  return flags;
}

export function formatDatabaseConnectCommand(clusterFlag: string, r: DbRoute): string {
  return [TSH, 'db', 'connect', ...formatDatabaseConnectArgs(clusterFlag, r)].join(' ');
}

export function formatDatabaseProxyCommand(clusterFlag: string, r: DbRoute): string {
  return [TSH, 'proxy', 'db', '--tunnel', ...formatDatabaseConnectArgs(clusterFlag, r)].join(' ');
}

export function formatDatabaseConfigCommand(clusterFlag: string, r: DbRoute): string {
  return clusterFlag
    ? `${TSH} db config --cluster=${clusterFlag} --format=cmd ${r.serviceName}`
    : `${TSH} db config --format=cmd ${r.serviceName}`;
}

export function formatDBNotLoggedIn(clusterFlag: string, s: DbSelectors): string {
  if (selectorsEmpty(s)) {
    return `please login using '${formatDatabaseLoginCommand(clusterFlag)}' first (use '${formatDatabaseListCommand(clusterFlag)}' to see registered databases)`;
  }
  return `not logged into ${selectorsString(s)}`;
}

export function formatChooseActiveDB(routes: DbRoute[]): string {
  return `multiple databases are available (${routes.map((r) => r.serviceName).join(', ')}), please specify one by name, --labels, or --query`;
}

export function formatStaleDBCert(clusterFlag: string, name: string): string {
  return `you are logged into a database that no longer exists in the cluster (remove it with '${formatDatabaseLogoutCommand(clusterFlag)} ${name}')`;
}

/** defaults.ReadableDatabaseProtocol */
export function readableDatabaseProtocol(p: string): string {
  const names: Record<string, string> = {
    postgres: 'PostgreSQL',
    mysql: 'MySQL',
    mongodb: 'MongoDB',
    oracle: 'Oracle',
    cockroachdb: 'CockroachDB',
    redis: 'Redis',
    snowflake: 'Snowflake',
    elasticsearch: 'Elasticsearch',
    opensearch: 'OpenSearch',
    sqlserver: 'Microsoft SQL Server',
    cassandra: 'Cassandra',
    dynamodb: 'DynamoDB',
    clickhouse: 'Clickhouse',
    'clickhouse-http': 'Clickhouse (HTTP)',
    spanner: 'GCloud Spanner',
  };
  return names[p] ?? p;
}

export function formatDBProtocolReason(protocol: string): string {
  return `database protocol is ${readableDatabaseProtocol(protocol)}`;
}

export function formatTLSRoutingReason(cluster: string): string {
  return `cluster ${cluster} proxy is using TLS routing`;
}

/** protocolSupportsInteractiveMode */
export function protocolSupportsInteractiveMode(protocol: string): boolean {
  return protocol !== 'dynamodb' && protocol !== 'clickhouse-http';
}

/**
 * dbCmdUnsupportedTemplate: why `command` cannot run and what to use instead (several lines; the
 * CLI prints them as one).
 */
export function formatDbCmdUnsupported(
  command: string,
  clusterFlag: string,
  r: DbRoute,
  reasons: string[],
): string {
  let out = `"${command}" is not supported`;
  out += reasons.length ? ` when:${reasons.map((x) => `\n  - ${x}.`).join('')}` : '.';
  const alts: string[] = [];
  if (protocolSupportsInteractiveMode(r.protocol)) alts.push(formatDatabaseConnectCommand(clusterFlag, r));
  alts.push(formatDatabaseProxyCommand(clusterFlag, r));
  if (alts.length === 1) {
    out += `\n\nPlease use the following command to connect to the database:\n    ${alts[0]}`;
  } else {
    out += `\n\nPlease use one of the following commands to connect to the database:`;
    for (const a of alts) out += `\n    ${a}`;
  }
  return out;
}

/**
 * ambiguityErrTemplate, with the matching names where upstream prints a table of them (tshjs
 * reports errors on one line).
 */
export function formatAmbiguousDB(
  command: string,
  clusterFlag: string,
  s: DbSelectors,
  matched: DatabaseV3[],
): string {
  const list = formatDatabaseListCommand(clusterFlag);
  const names = matched.map((d) => d.Metadata?.Name ?? '');
  const head = selectorsEmpty(s)
    ? 'multiple databases are available:'
    : `${selectorsString(s)} matches multiple databases:`;
  return (
    `${head} ${names.join(', ')}\n` +
    `Hint: use '${list} -v' or '${list} --format=[json|yaml]' to list all databases with full details.\n` +
    `Hint: try selecting the database with a more specific name (ex: ${command} ${names[0]}).\n` +
    'Hint: try selecting the database with additional --labels or --query predicate.'
  );
}

// ---- local proxy requirements -------------------------------------------------------------------

/** dbLocalProxyRequirement */
export interface DbLocalProxyRequirement {
  localProxy: boolean;
  localProxyReasons: string[];
  tunnel: boolean;
  tunnelReasons: string[];
}

/** What the requirement rules read of the profile. */
export interface DbProxySettings {
  cluster: string;
  tlsRouting: boolean;
  connUpgradeRequired: boolean;
  privateKeyPolicy: string;
  webProxyAddr: string;
  postgresProxyAddr?: string;
  mysqlProxyAddr?: string;
}

function requirement(): DbLocalProxyRequirement {
  return { localProxy: false, localProxyReasons: [], tunnel: false, tunnelReasons: [] };
}

function addLocalProxy(r: DbLocalProxyRequirement, ...reasons: string[]): void {
  r.localProxy = true;
  r.localProxyReasons.push(...reasons);
}

function addLocalProxyWithTunnel(r: DbLocalProxyRequirement, ...reasons: string[]): void {
  addLocalProxy(r, ...reasons);
  r.tunnel = true;
  r.tunnelReasons.push(...reasons);
}

/** The default port of each proxy database listener (defaults.MySQLListenPort). */
const MYSQL_LISTEN_PORT = 3036;

function hostPort(addr: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr) ?? /^([^:]*)(?::(\d+))?$/.exec(addr);
  if (!m) return { host: addr, port: defaultPort };
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

/** Config.DatabaseProxyHostPort: where a database client reaches the proxy without a local proxy. */
export function databaseProxyHostPort(s: DbProxySettings, protocol: string): { host: string; port: number } {
  const web = hostPort(s.webProxyAddr, 3080);
  switch (protocol) {
    case 'postgres':
    case 'cockroachdb':
      return s.postgresProxyAddr ? hostPort(s.postgresProxyAddr, web.port) : web;
    case 'mysql':
      return s.mysqlProxyAddr
        ? hostPort(s.mysqlProxyAddr, MYSQL_LISTEN_PORT)
        : { host: web.host, port: MYSQL_LISTEN_PORT };
  }
  return web;
}

/**
 * DoesDatabaseUseWebProxyHostPort. tshjs profiles leave mysql_proxy_addr empty when the proxy
 * only multiplexes on the web port (TLS routing), which is where MySQL then is.
 */
export function databaseUsesWebPort(s: DbProxySettings, protocol: string): boolean {
  if (protocol === 'mysql' && s.tlsRouting && !s.mysqlProxyAddr) return true;
  const db = databaseProxyHostPort(s, protocol);
  const web = hostPort(s.webProxyAddr, 3080);
  return db.host === web.host && db.port === web.port;
}

const TUNNEL_ONLY = ['snowflake', 'dynamodb', 'sqlserver', 'cassandra', 'oracle', 'clickhouse', 'spanner'];

/** getDBLocalProxyRequirement */
export function dbLocalProxyRequirement(s: DbProxySettings, r: DbRoute): DbLocalProxyRequirement {
  const out = requirement();
  if (s.privateKeyPolicy.startsWith('hardware_key')) {
    addLocalProxyWithTunnel(out, `private key policy is ${s.privateKeyPolicy}`);
  }
  if (s.connUpgradeRequired && databaseUsesWebPort(s, r.protocol)) {
    addLocalProxy(out, 'Teleport Proxy is behind a layer 7 load balancer or reverse proxy');
  }
  if (TUNNEL_ONLY.includes(r.protocol)) {
    addLocalProxyWithTunnel(out, formatDBProtocolReason(r.protocol));
  } else if (r.protocol === 'mysql' && s.tlsRouting && databaseUsesWebPort(s, r.protocol)) {
    addLocalProxy(out, `${formatDBProtocolReason(r.protocol)} and ${formatTLSRoutingReason(s.cluster)}`);
  }
  return out;
}

/** dbConnectRequireReasonTunnelFlag */
export const TUNNEL_FLAG_REASON = '--tunnel flag is specified';

/** getDBConnectLocalProxyRequirement: `mfaRequired` is asked only when a tunnel is not already needed. */
export async function dbConnectLocalProxyRequirement(
  s: DbProxySettings,
  r: DbRoute,
  tunnelFlag: boolean,
  mfaRequired: () => Promise<boolean>,
): Promise<DbLocalProxyRequirement> {
  const out = dbLocalProxyRequirement(s, r);
  if (!out.tunnel && tunnelFlag) addLocalProxyWithTunnel(out, TUNNEL_FLAG_REASON);
  if (!out.localProxy && s.tlsRouting) addLocalProxy(out, formatTLSRoutingReason(s.cluster));
  if (r.protocol === 'elasticsearch' || r.protocol === 'opensearch') {
    addLocalProxyWithTunnel(out, formatDBProtocolReason(r.protocol));
  }
  if (out.localProxy && out.tunnel) return out;
  // Upstream logs a failed check and goes on without a tunnel.
  if (await mfaRequired().catch(() => false)) {
    addLocalProxyWithTunnel(out, 'MFA is required to connect to the database');
  }
  return out;
}

// ---- defaulting the db user and db name ------------------------------------------------------------

function goList(xs: string[]): string {
  return `[${xs.join(' ')}]`;
}

/** EnumerateDatabaseNames: db_names as EnumerateDatabaseUsers treats db_users. */
export function databaseNames(user: UserV2, roles: RoleV6[], labels: Record<string, string>): DatabaseUsers {
  const checker = accessChecker(user, roles);
  const names = (list: string[] | undefined) => [
    ...new Set((list ?? []).flatMap((v) => applyValueTraits(v, checker.traits))),
  ];
  const asNames: AccessChecker = {
    ...checker,
    roles: checker.roles.map((r, i) => ({
      ...r,
      allow: { ...r.allow, dbUsers: names(roles[i].Spec?.Allow?.DatabaseNames) },
      deny: { ...r.deny, dbUsers: names(roles[i].Spec?.Deny?.DatabaseNames) },
    })),
  };
  return databaseUsers(asNames, labels);
}

function defaultEntity(kind: 'user' | 'name', db: string, e: DatabaseUsers): string {
  const wildcard = e.allowed?.[0] === '*';
  const named = (e.allowed ?? []).filter((x) => x !== '*');
  if (named.length === 1) return named[0];
  const allowed = wildcard ? ['*', ...named] : named;
  const what = `database ${kind}`;
  if (allowed.length === 0) {
    throw new TshError(
      `you are not allowed access to any ${what} for ${db}, ask a cluster administrator to ensure your Teleport user has appropriate db_${kind}s set`,
      'access-denied',
    );
  }
  let msg = `please provide the ${what} using the --db-${kind} flag, allowed ${what}s for ${db}: ${goList(allowed)}`;
  if (wildcard && e.denied?.length) msg += ` except ${goList(e.denied)}`;
  throw new TshError(msg, 'bad-parameter');
}

/** getDefaultDBUser: the one allowed database user, else an error naming the allowed ones. */
export function defaultDbUser(db: string, users: DatabaseUsers): string {
  return defaultEntity('user', db, users);
}

/** getDefaultDBName */
export function defaultDbName(db: string, names: DatabaseUsers): string {
  return defaultEntity('name', db, names);
}

// ---- predicates and selection -------------------------------------------------------------------

export function makeNamePredicate(name: string): string {
  const n = name.trim();
  return n ? `name == ${JSON.stringify(n)}` : '';
}

function combine(a: string, b: string, op: string): string {
  a = a.trim();
  b = b.trim();
  if (!a) return b;
  if (!b || a === b) return a;
  return `(${a}) ${op} (${b})`;
}

export const predicateAnd = (a: string, b: string) => combine(a, b, '&&');
export const predicateOr = (a: string, b: string) => combine(a, b, '||');

export function makeDiscoveredNameOrNamePredicate(name: string): string {
  const n = name.trim();
  if (!n) return '';
  return predicateOr(
    makeNamePredicate(n),
    `labels[${JSON.stringify(DISCOVERED_NAME_LABEL)}] == ${JSON.stringify(n)}`,
  );
}

function dbNameOf(d: DatabaseV3): string {
  return d.Metadata?.Name ?? '';
}

/** chooseOneDatabase: an exact name, else one discovered-name match, else the only database. */
export function chooseOneDatabase(
  command: string,
  clusterFlag: string,
  s: DbSelectors,
  dbs: DatabaseV3[],
): DatabaseV3 {
  const exact = dbs.find((d) => dbNameOf(d) === s.name);
  if (exact) return exact;
  const discovered = dbs.filter((d) => d.Metadata?.Labels?.[DISCOVERED_NAME_LABEL] === s.name);
  const pool = discovered.length ? discovered : dbs;
  if (pool.length === 1) return pool[0];
  if (pool.length === 0) {
    throw new TshError(
      `${selectorsString(s)} not found, use '${formatDatabaseListCommand(clusterFlag)}' to see registered databases`,
      'not-found',
    );
  }
  throw new TshError(formatAmbiguousDB(command, clusterFlag, s, pool), 'bad-parameter');
}

/**
 * maybePickActiveDatabase: with neither labels nor query, the only active database (no name), or
 * the active one of that name; undefined when it cannot tell.
 */
export function maybePickActiveDatabase(
  clusterFlag: string,
  s: DbSelectors,
  routes: DbRoute[],
): DbRoute | undefined {
  if (s.query || s.labels) return undefined;
  if (!s.name) {
    if (routes.length === 0) throw new TshError(formatDBNotLoggedIn(clusterFlag, s), 'not-found');
    if (routes.length === 1) return routes[0];
    throw new TshError(formatChooseActiveDB(routes), 'bad-parameter');
  }
  return routes.find((r) => r.serviceName === s.name);
}

// ---- against the cluster ------------------------------------------------------------------------

/** A database command's view of the cluster: the client, the selectors, --cluster as given. */
export interface DbCommandScope {
  tc: TeleportClient;
  selectors: DbSelectors;
  /** cf.SiteName: the --cluster flag (or TELEPORT_CLUSTER), '' when not given. */
  clusterFlag: string;
  /** cf.CommandWithBinary(): "tsh db connect", for hints. */
  command: string;
}

/** The routes of the databases with a saved certificate in the target cluster (profile.Databases). */
export async function activeDatabases(tc: TeleportClient): Promise<Array<DbRoute & { expires: Date }>> {
  const certs = await listDbCerts(tc);
  return certs.flatMap((c) =>
    c.identity.routeToDatabase ? [{ ...c.identity.routeToDatabase, expires: c.expires }] : [],
  );
}

/** listDatabasesWithPredicate: tc's --labels and --query ANDed with the given predicate. */
export async function listDatabasesWithPredicate(
  scope: DbCommandScope,
  predicate: string,
): Promise<DatabaseV3[]> {
  const { tc, selectors } = scope;
  const found = await tc.collect(
    'db_server',
    { labels: parseLabelSpec(selectors.labels), predicate: predicateAnd(predicate, selectors.query) },
    (r) => (r.resource?.$case === 'DatabaseServer' ? r.resource.value.Spec?.Database : undefined),
  );
  const seen = new Set<string>();
  return found.filter((d) => {
    const n = dbNameOf(d);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

/** getDatabase: by full name. */
export async function getDatabase(scope: DbCommandScope, name: string): Promise<DatabaseV3> {
  const dbs = await listDatabasesWithPredicate(scope, makeNamePredicate(name));
  if (!dbs.length) {
    const id = await scope.tc.identity();
    throw new TshError(
      `database ${JSON.stringify(name)} not found among registered databases in cluster ${id.cluster}`,
      'not-found',
    );
  }
  return dbs[0];
}

/** getDatabaseByNameOrDiscoveredName: active databases are preferred when any matches. */
export async function getDatabaseByNameOrDiscoveredName(
  scope: DbCommandScope,
  active: DbRoute[],
): Promise<DatabaseV3> {
  const dbs = await listDatabasesWithPredicate(
    scope,
    makeDiscoveredNameOrNamePredicate(scope.selectors.name),
  );
  const byName = new Map(dbs.map((d) => [dbNameOf(d), d]));
  const activeDbs = active.flatMap((r) => (byName.has(r.serviceName) ? [byName.get(r.serviceName)!] : []));
  return chooseOneDatabase(
    scope.command,
    scope.clusterFlag,
    scope.selectors,
    activeDbs.length ? activeDbs : dbs,
  );
}

/** databaseInfo: a route, its database (fetched once), and whether a certificate for it is saved. */
export interface DbInfo {
  route: DbRoute;
  database?: DatabaseV3;
  isActive: boolean;
}

/** checkAndSetDefaults: flags over the route, the protocol from the database, user/name defaulted. */
export async function checkAndSetDefaults(
  scope: DbCommandScope,
  info: DbInfo,
  flags: DbRouteFlags,
): Promise<void> {
  const r = info.route;
  if (!r.serviceName) throw new TshError('missing database service name', 'bad-parameter');
  if (flags.dbUser) r.username = flags.dbUser;
  if (flags.dbName) r.database = flags.dbName;
  const roles = requestedDatabaseRoles(flags);
  if (roles.length) r.roles = roles;
  let db = info.database;
  if (!db) {
    try {
      db = await getDatabase(scope, r.serviceName);
    } catch (err) {
      if (info.isActive && err instanceof TshError && err.kind === 'not-found') {
        throw new TshError(formatStaleDBCert(scope.clusterFlag, r.serviceName), 'not-found', 1, {
          cause: err,
        });
      }
      throw err;
    }
    info.database = db;
  }
  r.protocol = db.Spec?.Protocol ?? '';
  const needUser = !r.username && isDatabaseUserRequired(r.protocol);
  const needName = !r.database && isDatabaseNameRequired(r.protocol);
  if (!needUser && !needName) return;
  const { user, roles: userRoles } = await scope.tc.currentUserRoles();
  const labels = { ...(db.Metadata?.Labels ?? {}) };
  for (const [k, v] of Object.entries(db.Spec?.DynamicLabels ?? {})) labels[k] = v.Result;
  if (needUser) {
    r.username = defaultDbUser(r.serviceName, databaseUsers(accessChecker(user, userRoles), labels));
    scope.tc.log('Defaulting to the allowed database user', { database_user: r.username });
  }
  if (needName) {
    r.database = defaultDbName(r.serviceName, databaseNames(user, userRoles, labels));
    scope.tc.log('Defaulting to the allowed database name', { database_name: r.database });
  }
}

/** getDatabaseInfo: the active route when the selectors name one, else a lookup in the cluster. */
export async function getDatabaseInfo(
  scope: DbCommandScope,
  active: DbRoute[],
  flags: DbRouteFlags,
): Promise<DbInfo> {
  let picked: DbRoute | undefined;
  try {
    picked = maybePickActiveDatabase(scope.clusterFlag, scope.selectors, active);
  } catch (err) {
    if (err instanceof TshError && err.kind === 'not-found') {
      throw new TshError('please specify a database service by name, --labels, or --query', 'bad-parameter');
    }
    throw err;
  }
  if (picked) {
    const info: DbInfo = { route: copyRoute(picked), isActive: true };
    await checkAndSetDefaults(scope, info, flags);
    return info;
  }
  const db = await getDatabaseByNameOrDiscoveredName(scope, active);
  const name = dbNameOf(db);
  const activeRoute = active.find((r) => r.serviceName === name);
  const info: DbInfo = activeRoute
    ? { route: copyRoute(activeRoute), database: db, isActive: true }
    : {
        route: {
          serviceName: name,
          protocol: db.Spec?.Protocol ?? '',
          username: '',
          database: '',
          roles: [],
        },
        database: db,
        isActive: false,
      };
  await checkAndSetDefaults(scope, info, flags);
  return info;
}

function copyRoute(r: DbRoute): DbRoute {
  return {
    serviceName: r.serviceName,
    protocol: r.protocol,
    username: r.username,
    database: r.database,
    roles: [...r.roles],
  };
}

/** pickActiveDatabase: the active database the selectors mean (db env, db config, db logout). */
export async function pickActiveDatabase(scope: DbCommandScope, active: DbRoute[]): Promise<DbRoute> {
  const picked = maybePickActiveDatabase(scope.clusterFlag, scope.selectors, active);
  if (picked) return picked;
  const s = scope.selectors;
  if (!active.some((r) => r.serviceName.startsWith(s.name))) {
    throw new TshError(formatDBNotLoggedIn(scope.clusterFlag, s), 'not-found');
  }
  const db = await getDatabaseByNameOrDiscoveredName(scope, active);
  const route = active.find((r) => r.serviceName === dbNameOf(db));
  if (route) return route;
  throw new TshError(formatDBNotLoggedIn(scope.clusterFlag, s), 'not-found');
}

/** apiutils.ContainSameUniqueElements */
function sameUnique(a: string[], b: string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** dbInfoHasChanged: a --db-user/--db-name/--db-roles given that the saved certificate does not carry. */
export function dbInfoHasChanged(flags: DbRouteFlags, cert: DbRoute | undefined): boolean {
  const roles = requestedDatabaseRoles(flags);
  if (!flags.dbUser && !flags.dbName && roles.length === 0) return false;
  const c = cert ?? { serviceName: '', protocol: '', username: '', database: '', roles: [] };
  if (flags.dbUser && flags.dbUser !== c.username) return true;
  if (flags.dbName && flags.dbName !== c.database) return true;
  return !sameUnique(roles, c.roles);
}

/** IsMFARequired for the route (isMFADatabaseAccessRequired). */
export async function isMfaDatabaseAccessRequired(tc: TeleportClient, r: DbRoute): Promise<boolean> {
  const cc = await tc.cluster();
  const res = await cc.call(
    cc.auth,
    cc.auth.isMfaRequired,
    {
      Target: {
        $case: 'Database',
        value: {
          ServiceName: r.serviceName,
          Protocol: r.protocol,
          Username: r.username,
          Database: r.database,
          Roles: [],
        },
      },
    },
    'check whether MFA is required',
  );
  return !!res.Required;
}

/** types.Database GetMySQLServerVersion: what the database service saw, else the configured one. */
export function mysqlServerVersion(db: DatabaseV3 | undefined): string | undefined {
  return db?.Status?.MySQL?.ServerVersion || db?.Spec?.MySQL?.ServerVersion || undefined;
}
