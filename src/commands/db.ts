// tshjs db ls: databases from database servers (ListResources "db_server"), with tsh's columns
// (tool/tsh/common/db_print.go printDatabaseTable, tsh.go getDatabaseRow) and the Allowed Users tsh
// computes from the user's roles (tsh.go formatUsersForDB over the access checker, client/access.ts).
import type { DatabaseV3 } from '../gen/teleport/legacy/types/types.js';
import { allLabels, formatLabels, formatResourceName } from '../output/labels.js';
import { dedupeByName, printListing, type Format } from '../output/printer.js';
import { databaseJSON, databaseWithUsersJSON } from '../output/resourcejson.js';
import {
  accessChecker,
  databaseUsers,
  formatAllowedUsers,
  type AccessChecker,
  type DatabaseUsers,
} from '../client/access.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import {
  clusterFlag,
  defineCommand,
  formatFlag,
  labelsArg,
  listingFlags,
  listingOptions,
} from './command.js';
import type { CommandContext } from './context.js';
import type { FlagSpec } from './command.js';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { UserCertsRequest_Requester } from '../gen/teleport/legacy/client/proto/authservice.js';
import { TshError } from '../util/errors.js';
import { fastMarshalIndent, toYAML } from '../output/printer.js';
import type { TeleportClient } from '../client/teleport.js';
import { dbCertFiles, deleteDbCert, issueDbCert, readDbCert, type DbCert } from '../client/dbcerts.js';
import {
  dbConnectCommand,
  formatDbCommand,
  isSupportedDbProtocol,
  lookPathIn,
  unsupportedProtocolError,
  type DbCommandInput,
} from '../client/dbcmd.js';
import {
  activeDatabases,
  databaseProxyHostPort,
  dbConnectLocalProxyRequirement,
  dbInfoHasChanged,
  dbLocalProxyRequirement,
  formatDatabaseConfigCommand,
  formatDatabaseConnectCommand,
  formatDatabaseProxyCommand,
  formatDBProtocolReason,
  formatDbCmdUnsupported,
  getDatabaseInfo,
  isMfaDatabaseAccessRequired,
  mysqlServerVersion,
  pickActiveDatabase,
  protocolSupportsInteractiveMode,
  selectorsEmpty,
  selectorsString,
  TSH,
  type DbCommandScope,
  type DbInfo,
  type DbProxySettings,
  type DbRoute,
  type DbRouteFlags,
  type DbSelectors,
} from '../client/dbinfo.js';
import {
  connectProfileEnv,
  connectProfileName,
  connectProfileSupported,
  deleteConnectProfile,
  upsertConnectProfile,
} from '../auth/dbprofile.js';
import type { DbLocalProxy } from '../proxy/db.js';

export interface DbLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

/** constants.DefaultImplicitRole: not one of the user's roles (RoleSet.RoleNames drops it). */
const DEFAULT_IMPLICIT_ROLE = 'default-implicit-role';

/** db_print.go minNumRowsToShowListDatabasesHint and listDatabaseHint. */
const HINT_MIN_ROWS = 20;
export const LIST_DATABASES_HINT =
  "hint: use 'tsh db ls --search foo,bar' to search keywords\n" +
  "      use 'tsh db ls key1=value1,key2=value2' to filter databases by labels\n\n";

/** Database type for the Type column: cloud kinds are not decoded by our proto subset. */
function dbType(_d: DatabaseV3): string {
  return 'self-hosted';
}

/** types.Database GetAllLabels: static labels and the results of dynamic labels. */
export function databaseLabels(d: DatabaseV3): Record<string, string> {
  return allLabels(d.Metadata?.Labels, d.Spec?.DynamicLabels);
}

/**
 * formatDatabaseRolesForDB: only databases with automatic user provisioning (an admin user) have
 * database roles; "(unknown)" when the user's roles are unknown. The role option that turns
 * provisioning on (create_db_user_mode) is not decoded by tshjs, so the cell is otherwise empty.
 */
function databaseRolesCell(d: DatabaseV3, checker: AccessChecker | undefined): string {
  if (!d.Spec?.AdminUser?.Name) return '';
  return checker ? '' : '(unknown)';
}

export const dbLs = defineCommand<DbLsOptions>({
  path: ['db', 'ls'],
  description: 'List all available databases',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags],
  options: listingOptions,
  run: runDbLs,
});

export const group = { name: 'db', description: 'View and control proxied databases' };

export async function runDbLs(o: DbLsOptions, ctx: CommandContext): Promise<number> {
  const tc = ctx.client();
  const found = await tc.collect('db_server', resourceFilter(o), (r) =>
    r.resource?.$case === 'DatabaseServer' ? r.resource.value.Spec?.Database : undefined,
  );
  // sort.Sort(types.Databases(databases)): by name.
  const dbs = dedupeByName(found, (d) => d.Metadata?.Name ?? '').sort((a, b) =>
    Buffer.compare(Buffer.from(a.Metadata?.Name ?? ''), Buffer.from(b.Metadata?.Name ?? '')),
  );
  // services.NewAccessCheckerForRemoteCluster; on failure tsh logs and shows "(unknown)".
  let checker: AccessChecker | undefined;
  try {
    const { user, roles } = await tc.currentUserRoles();
    checker = accessChecker(user, roles);
  } catch (err) {
    ctx.log('Failed to fetch user roles', { error: (err as Error).message });
  }
  const usersOf = new Map<DatabaseV3, DatabaseUsers | undefined>();
  const users = (d: DatabaseV3) => {
    if (!usersOf.has(d)) usersOf.set(d, checker && databaseUsers(checker, databaseLabels(d)));
    return usersOf.get(d);
  };
  const verbose = !!o.verbose;
  // getDatabasePrintObject: the users only when the roles are known and there is a database.
  const withUsers =
    !!checker && checker.roles.some((r) => r.name !== DEFAULT_IMPLICIT_ROLE) && dbs.length > 0;
  // printDatabaseTable: all columns of databaseTableRow but Proxy and Cluster; without -v also not
  // Protocol, Type, URI and Database Roles.
  printListing(
    ctx.io,
    o.format,
    dbs,
    verbose
      ? {
          titles: [
            'Name',
            'Description',
            'Protocol',
            'Type',
            'URI',
            'Allowed Users',
            'Database Roles',
            'Labels',
            'Connect',
          ],
          row: (d) => [
            formatResourceName(d.Metadata?.Name ?? '', databaseLabels(d), true),
            d.Metadata?.Description ?? '',
            d.Spec?.Protocol ?? '',
            dbType(d),
            d.Spec?.URI ?? '',
            formatAllowedUsers(users(d)),
            databaseRolesCell(d, checker),
            formatLabels(databaseLabels(d), true),
            '',
          ],
        }
      : {
          titles: ['Name', 'Description', 'Allowed Users', 'Labels', 'Connect'],
          row: (d) => [
            formatResourceName(d.Metadata?.Name ?? '', databaseLabels(d), false),
            d.Metadata?.Description ?? '',
            formatAllowedUsers(users(d)),
            formatLabels(databaseLabels(d), false),
            '',
          ],
          truncate: 'Labels',
        },
    (d) => (withUsers ? databaseWithUsersJSON(d, users(d) ?? {}) : databaseJSON(d)),
  );
  // maybeShowListDatabasesHint: many rows and no selector or search.
  if (
    o.format === 'text' &&
    dbs.length >= HINT_MIN_ROWS &&
    !o.search &&
    !o.query &&
    !(o.labels ?? []).some((l) => l !== '')
  ) {
    ctx.io.stdout.write(LIST_DATABASES_HINT);
  }
  return 0;
}

// ---- db login / logout / env / config / connect (tool/tsh/common/db.go) ----------------------------

const dbArg = (description: string) => ({ name: '[db]', description });
const labelsFlag: FlagSpec = {
  flags: '--labels <labels>',
  description: 'List of labels to filter node list (e.g. env=prod,team=a)',
};
const queryFlag: FlagSpec = {
  flags: '--query <predicate>',
  description: 'Query by predicate language enclosed in single quotes',
};
const routeFlags = (what: { user: string; name: string }): FlagSpec[] => [
  { flags: '-u, --db-user <user>', description: what.user },
  { flags: '-n, --db-name <name>', description: what.name },
  {
    flags: '-r, --db-roles <roles>',
    description: 'List of comma separate database roles to use for auto-provisioned user',
  },
];
const accessRequestFlags: FlagSpec[] = [
  { flags: '--request-reason <reason>', description: 'Reason for requesting access' },
  { flags: '--disable-access-request', description: 'Disable automatic resource access requests' },
];

export interface DbSelectOptions {
  db?: string;
  labels?: string;
  query?: string;
}

export interface DbLoginOptions extends DbSelectOptions, DbRouteFlags {
  requestReason?: string;
  disableAccessRequest?: boolean;
}

export interface DbConnectOptions extends DbLoginOptions {
  tunnel?: boolean;
}

export interface DbEnvOptions extends DbSelectOptions {
  format: 'text' | 'json' | 'yaml';
}

export interface DbConfigOptions extends DbSelectOptions {
  format: 'text' | 'cmd' | 'json' | 'yaml';
}

function selectOptions(args: unknown[], f: Record<string, unknown>): DbSelectOptions {
  return {
    db: (args[0] as string | undefined) ?? (f.db as string | undefined),
    labels: f.labels as string | undefined,
    query: f.query as string | undefined,
  };
}

function loginOptions(args: unknown[], f: Record<string, unknown>): DbLoginOptions {
  return {
    ...selectOptions(args, f),
    dbUser: f.dbUser as string | undefined,
    dbName: f.dbName as string | undefined,
    dbRoles: f.dbRoles as string | undefined,
    requestReason: f.requestReason as string | undefined,
    disableAccessRequest: f.disableAccessRequest === true,
  };
}

export const dbLogin = defineCommand<DbLoginOptions>({
  path: ['db', 'login'],
  description: 'Retrieve credentials for a database',
  args: [dbArg("Database to retrieve credentials for. Can be obtained from 'tsh db ls' output")],
  flags: [
    clusterFlag,
    labelsFlag,
    queryFlag,
    ...routeFlags({
      user: 'Database user to configure as default',
      name: 'Database name to configure as default',
    }),
    ...accessRequestFlags,
  ],
  options: loginOptions,
  run: runDbLogin,
});

export const dbLogout = defineCommand<DbSelectOptions>({
  path: ['db', 'logout'],
  description: 'Remove database credentials',
  args: [dbArg('Database to remove credentials for')],
  flags: [clusterFlag, labelsFlag, queryFlag],
  options: selectOptions,
  run: runDbLogout,
});

export const dbEnv = defineCommand<DbEnvOptions>({
  path: ['db', 'env'],
  description: 'Print environment variables for the configured database',
  args: [dbArg('Print environment for the specified database')],
  flags: [clusterFlag, formatFlag(), labelsFlag, queryFlag],
  options: (args, f) => ({ ...selectOptions(args, f), format: f.format as DbEnvOptions['format'] }),
  run: runDbEnv,
});

export const dbConfig = defineCommand<DbConfigOptions>({
  path: ['db', 'config'],
  description: 'Print database connection information. Useful when configuring GUI clients',
  args: [dbArg('Print information for the specified database')],
  flags: [
    clusterFlag,
    labelsFlag,
    queryFlag,
    {
      flags: '-f, --format <format>',
      description:
        'Print format: "text" to print in table format (default), "cmd" to print connect command, "json" or "yaml" to print in JSON or YAML',
      choices: ['text', 'cmd', 'json', 'yaml'],
      default: 'text',
    },
  ],
  options: (args, f) => ({ ...selectOptions(args, f), format: f.format as DbConfigOptions['format'] }),
  run: runDbConfig,
});

export const dbConnect = defineCommand<DbConnectOptions>({
  path: ['db', 'connect'],
  description: 'Connect to a database',
  args: [dbArg('Database service name to connect to')],
  flags: [
    clusterFlag,
    ...routeFlags({ user: 'Database user to log in as', name: 'Database name to log in to' }),
    labelsFlag,
    queryFlag,
    ...accessRequestFlags,
    {
      flags: '--tunnel',
      description:
        "Open authenticated tunnel using database's client certificate so clients don't need to authenticate",
    },
  ],
  options: (args, f) => ({ ...loginOptions(args, f), tunnel: f.tunnel === true }),
  run: runDbConnect,
});

function scopeOf(ctx: CommandContext, o: DbSelectOptions, command: string): DbCommandScope {
  const selectors: DbSelectors = { name: o.db ?? '', labels: o.labels ?? '', query: o.query ?? '' };
  return {
    tc: ctx.client(),
    selectors,
    clusterFlag: ctx.globals.cluster ?? '',
    command: `${TSH} ${command}`,
  };
}

/** What the local proxy requirement rules read: the profile's proxy settings. */
async function proxySettings(tc: TeleportClient): Promise<DbProxySettings> {
  const id = await tc.identity();
  const p = tc.config.identityFile ? undefined : tc.selectedProfile();
  return {
    cluster: id.cluster,
    tlsRouting: id.tlsRouting,
    connUpgradeRequired: !!p?.tlsRoutingConnUpgradeRequired,
    privateKeyPolicy: p?.privateKeyPolicy ?? 'none',
    webProxyAddr: id.webProxyAddr,
    postgresProxyAddr: p?.postgresProxyAddr,
    mysqlProxyAddr: p?.mysqlProxyAddr,
  };
}

function checkSupported(r: DbRoute): void {
  if (!isSupportedDbProtocol(r.protocol)) throw unsupportedProtocolError(r.serviceName, r.protocol);
}

/** utils.Color(Yellow, …), on a terminal only. */
function yellow(ctx: CommandContext, s: string): string {
  return ctx.io.stdout.isTTY ? `\x1b[33m${s}\x1b[0m` : s;
}

/** databaseLogin: a certificate for the route, saved, and the connection profile file updated. */
async function databaseLogin(ctx: CommandContext, scope: DbCommandScope, info: DbInfo): Promise<DbCert> {
  const { tc } = scope;
  if (tc.config.identityFile) {
    throw new TshError(
      'database certificates are kept in a profile; log in with "tshjs login" instead of using an identity file',
      'bad-parameter',
    );
  }
  const r = info.route;
  ctx.log('Fetching database access certificate', { database: r.serviceName });
  const cert = await issueDbCert(tc, {
    db: info.database ?? r.serviceName,
    protocol: r.protocol,
    username: r.username,
    database: r.database,
    roles: r.roles,
    prompter: ctx.prompter(),
    warn: (t) => ctx.io.stderr.write(t),
    saveMfaVerified: true,
  });
  if (r.roles.length && !cert.identity.routeToDatabase?.roles.length) {
    ctx.io.stdout.write(
      `Warning. Selected db roles [${r.roles.join(' ')}] are not issued by the Teleport Cluster and all assigned database roles will be used instead. This is likely due to your Teleport Cluster running an older version that doesn't support this feature.\n\n`,
    );
  }
  if (connectProfileSupported(r.protocol)) {
    const id = await tc.identity();
    const files = await dbCertFiles(tc, id.cluster, r.serviceName);
    const { host, port } = databaseProxyHostPort(await proxySettings(tc), r.protocol);
    upsertConnectProfile(
      r.protocol,
      {
        name: connectProfileName(id.cluster, r.serviceName),
        host,
        port,
        user: r.username,
        database: r.database,
        insecure: !!tc.config.insecure,
        caPath: files.ca,
        certPath: files.cert,
        keyPath: files.key,
      },
      ctx.env,
    );
  }
  return cert;
}

export async function runDbLogin(o: DbLoginOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db login');
  const info = await getDatabaseInfo(scope, await activeDatabases(scope.tc), o);
  checkSupported(info.route);
  await databaseLogin(ctx, scope, info);
  const r = info.route;
  // dbConnectTemplate
  let out = `Connection information for database "${r.serviceName}" has been saved.\n\n`;
  if (protocolSupportsInteractiveMode(r.protocol)) {
    out += `You can now connect to it using the following command:\n\n  ${yellow(ctx, formatDatabaseConnectCommand(scope.clusterFlag, r))}\n\n`;
  }
  if (dbLocalProxyRequirement(await proxySettings(scope.tc), r).localProxy) {
    out += `You can start a local proxy for database GUI clients:\n\n  ${yellow(ctx, formatDatabaseProxyCommand(scope.clusterFlag, r))}\n\n`;
  } else {
    out += `You can view the connect command for the native database CLI client:\n\n  ${yellow(ctx, formatDatabaseConfigCommand(scope.clusterFlag, r))}\n\n`;
  }
  ctx.io.stdout.write(out);
  return 0;
}

export async function runDbLogout(o: DbSelectOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db logout');
  const { tc } = scope;
  const active = await activeDatabases(tc);
  const logout = selectorsEmpty(scope.selectors) ? active : [await pickActiveDatabase(scope, active)];
  const id = await tc.identity();
  for (const r of logout) {
    if (connectProfileSupported(r.protocol)) {
      deleteConnectProfile(r.protocol, connectProfileName(id.cluster, r.serviceName), ctx.env);
    }
    await deleteDbCert(tc, id.cluster, r.serviceName);
  }
  // makeLogoutMessage: Go's switch, so no active databases at all is "all databases".
  let msg: string;
  if (logout.length === 1) msg = `Logged out of database ${logout[0].serviceName}`;
  else if (logout.length === active.length) msg = 'Logged out of all databases';
  else if (logout.length === 0) {
    throw new TshError(
      selectorsEmpty(scope.selectors)
        ? 'Not logged into any databases'
        : `Not logged into ${selectorsString(scope.selectors)}`,
      'not-found',
    );
  } else {
    const names = logout.map((r) => r.serviceName).sort();
    msg = `Logged out of databases:\n${names.join('\n')}`;
  }
  ctx.io.stdout.write(`${msg}\n`);
  return 0;
}

/** The refusal of env/config when a local proxy is needed (or the protocol has no profile file). */
function refuseWithoutProxy(scope: DbCommandScope, r: DbRoute, reasons: string[]): never {
  throw new TshError(formatDbCmdUnsupported(scope.command, scope.clusterFlag, r, reasons), 'bad-parameter');
}

export async function runDbEnv(o: DbEnvOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db env');
  const r = await pickActiveDatabase(scope, await activeDatabases(scope.tc));
  if (!connectProfileSupported(r.protocol))
    refuseWithoutProxy(scope, r, [formatDBProtocolReason(r.protocol)]);
  const requires = dbLocalProxyRequirement(await proxySettings(scope.tc), r);
  if (requires.localProxy) refuseWithoutProxy(scope, r, requires.localProxyReasons);
  const id = await scope.tc.identity();
  const env = connectProfileEnv(r.protocol, connectProfileName(id.cluster, r.serviceName), ctx.env);
  const keys = Object.keys(env).sort();
  if (o.format === 'json' || o.format === 'yaml') {
    const doc = Object.fromEntries(keys.map((k) => [k, env[k]]));
    ctx.io.stdout.write(`${o.format === 'json' ? fastMarshalIndent(doc) : toYAML(doc)}\n`);
  } else {
    // Go ranges over a map (random order); tshjs sorts.
    for (const k of keys) ctx.io.stdout.write(`export ${k}=${env[k]}\n`);
  }
  return 0;
}

/** What `db config` and `db connect` pass to the command builder besides the route. */
async function commandInput(
  ctx: CommandContext,
  tc: TeleportClient,
  r: DbRoute,
  at: { host: string; port: number; localProxy: boolean; noTLS: boolean },
  printFormat: boolean,
): Promise<DbCommandInput> {
  const id = await tc.identity();
  const files = await dbCertFiles(tc, id.cluster, r.serviceName);
  const pathEnv = ctx.env.PATH;
  return {
    protocol: r.protocol,
    serviceName: r.serviceName,
    cluster: id.cluster,
    username: r.username,
    database: r.database,
    ...at,
    insecure: !!tc.config.insecure,
    files,
    printFormat,
    lookPath: (bin) => lookPathIn(pathEnv, bin),
    mysqlVersion: () => mysqlVersion(pathEnv),
  };
}

/** `mysql --version`, to tell MariaDB's client from Oracle's. */
function mysqlVersion(pathEnv: string | undefined): string | undefined {
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync('mysql', ['--version'], {
    env: { ...process.env, PATH: pathEnv ?? '' },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? r.stdout : undefined;
}

export async function runDbConfig(o: DbConfigOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db config');
  const { tc } = scope;
  const r = await pickActiveDatabase(scope, await activeDatabases(tc));
  const settings = await proxySettings(tc);
  const requires = dbLocalProxyRequirement(settings, r);
  if (requires.localProxy) refuseWithoutProxy(scope, r, requires.localProxyReasons);
  const { host, port } = databaseProxyHostPort(settings, r.protocol);
  const id = await tc.identity();
  const files = await dbCertFiles(tc, id.cluster, r.serviceName);
  if (o.format === 'cmd') {
    checkSupported(r);
    const input = await commandInput(ctx, tc, r, { host, port, localProxy: false, noTLS: false }, true);
    ctx.io.stdout.write(`${formatDbCommand(dbConnectCommand(input, { tolerateMissing: true }))}\n`);
    return 0;
  }
  if (o.format === 'json' || o.format === 'yaml') {
    // dbConfigInfo: user and database omitempty.
    const doc: Record<string, unknown> = { name: r.serviceName, host, port };
    if (r.username) doc.user = r.username;
    if (r.database) doc.database = r.database;
    Object.assign(doc, { ca: files.ca, cert: files.cert, key: files.key });
    ctx.io.stdout.write(`${o.format === 'json' ? fastMarshalIndent(doc) : toYAML(doc)}\n`);
    return 0;
  }
  ctx.io.stdout.write(
    `Name:      ${r.serviceName}\nHost:      ${host}\nPort:      ${port}\nUser:      ${r.username}\n` +
      `Database:  ${r.database}\nCA:        ${files.ca}\nCert:      ${files.cert}\nKey:       ${files.key}\n`,
  );
  return 0;
}

/** needDatabaseRelogin: no saved certificate, another user/name/roles, or per-session MFA. */
async function needDatabaseRelogin(
  tc: TeleportClient,
  o: DbConnectOptions,
  info: DbInfo,
  tunnel: boolean,
): Promise<boolean> {
  // The tunnel issues its own certificates.
  if (tunnel || o.tunnel) return false;
  const id = await tc.identity();
  const saved = await readDbCert(tc, id.cluster, info.route.serviceName);
  // tshjs also logs in again when the saved certificate has expired.
  if (!saved || saved.expires.getTime() <= Date.now()) return true;
  if (dbInfoHasChanged(o, saved.identity.routeToDatabase)) return true;
  return isMfaDatabaseAccessRequired(tc, info.route);
}

/**
 * The certificate a tunnel presents (client.NewDBCertChecker): the saved one while it is valid
 * and for the route, else a fresh one (kept in memory when issued after MFA).
 */
function tunnelCertSource(ctx: CommandContext, tc: TeleportClient, r: DbRoute): () => Promise<DbCert> {
  let current: DbCert | undefined;
  const fits = (c: DbCert | undefined) =>
    !!c &&
    c.expires.getTime() > Date.now() + 60_000 &&
    c.identity.routeToDatabase?.username === r.username &&
    c.identity.routeToDatabase?.database === r.database;
  let pending: Promise<DbCert> | undefined;
  return async () => {
    if (fits(current)) return current!;
    pending ??= (async () => {
      const id = await tc.identity();
      const saved = await readDbCert(tc, id.cluster, r.serviceName);
      if (fits(saved)) return saved!;
      const ttl = ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined;
      return issueDbCert(tc, {
        db: r.serviceName,
        protocol: r.protocol,
        username: r.username,
        database: r.database,
        roles: r.roles,
        ttlMs: ttl,
        requester: UserCertsRequest_Requester.TSH_DB_LOCAL_PROXY_TUNNEL,
        prompter: ctx.prompter(),
        warn: (t) => ctx.io.stderr.write(t),
      });
    })().finally(() => (pending = undefined));
    current = await pending;
    return current;
  };
}

export async function runDbConnect(o: DbConnectOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db connect');
  const { tc } = scope;
  const info = await getDatabaseInfo(scope, await activeDatabases(tc), o);
  const r = info.route;
  if (r.protocol === 'dynamodb' || r.protocol === 'clickhouse-http') {
    refuseWithoutProxy(scope, r, [formatDBProtocolReason(r.protocol)]);
  }
  checkSupported(r);
  const requires = await dbConnectLocalProxyRequirement(await proxySettings(tc), r, !!o.tunnel, () =>
    isMfaDatabaseAccessRequired(tc, r),
  );
  if (await needDatabaseRelogin(tc, o, info, requires.localProxy && requires.tunnel)) {
    await databaseLogin(ctx, scope, info);
  }
  let proxy: DbLocalProxy | undefined;
  let at = { ...databaseProxyHostPort(await proxySettings(tc), r.protocol), localProxy: false, noTLS: false };
  try {
    if (requires.localProxy) {
      ctx.log(requires.tunnel ? 'Starting local proxy tunnel' : 'Starting local proxy', {
        reasons: requires.tunnel ? requires.tunnelReasons : requires.localProxyReasons,
      });
      const id = await tc.identity();
      const saved = async () => {
        const c = await readDbCert(tc, id.cluster, r.serviceName);
        if (!c)
          throw new TshError(
            `no certificate for database "${r.serviceName}"; run "${TSH} db login ${r.serviceName}"`,
            'not-found',
          );
        return c;
      };
      const { startDbLocalProxy } = await import('../proxy/db.js');
      proxy = await startDbLocalProxy({
        tc,
        protocol: r.protocol,
        tunnel: requires.tunnel,
        cert: requires.tunnel ? tunnelCertSource(ctx, tc, r) : saved,
        mysqlServerVersion: mysqlServerVersion(info.database),
        log: (m, f) => ctx.log(m, f as Record<string, unknown> | undefined),
      });
      // psql checks only DNS names of the server certificate: "localhost", not 127.0.0.1.
      at = { host: 'localhost', port: proxy.port, localProxy: true, noTLS: requires.tunnel };
    }
    const cmd = dbConnectCommand(await commandInput(ctx, tc, r, at, false));
    if (!lookPathIn(ctx.env.PATH, cmd.bin)) {
      throw new TshError(`exec: "${cmd.bin}": executable file not found in $PATH`, 'not-found');
    }
    ctx.log('executing command', { command: [cmd.path, ...cmd.args].join(' ') });
    return await runClient(ctx, cmd.path, cmd.args, cmd.env);
  } finally {
    await proxy?.close();
  }
}

/** Runs the database client on our stdin/stdout/stderr (the terminal itself when they are the process's). */
function runClient(ctx: CommandContext, file: string, args: string[], env: string[]): Promise<number> {
  const { io } = ctx;
  const extra = Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const own = (s: unknown, p: unknown) => s === p;
  const stdio = [
    own(io.stdin, process.stdin) ? 'inherit' : 'pipe',
    own(io.stdout, process.stdout) ? 'inherit' : 'pipe',
    own(io.stderr, process.stderr) ? 'inherit' : 'pipe',
  ] as const;
  // Ctrl-C reaches the whole process group: it is psql's (cancel the query), not ours — the local
  // proxy must outlive it, as upstream keeps its proxy off the signal-cancelled context.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: [...stdio], env: { ...io.env, ...extra } });
    if (child.stdin) {
      (io.stdin as Readable).pipe(child.stdin);
      child.stdin.on('error', () => {});
    }
    child.stdout?.pipe(io.stdout as Writable, { end: false });
    child.stderr?.pipe(io.stderr as Writable, { end: false });
    child.on('error', (err) =>
      reject(new TshError(`${file}: ${err.message}`, 'internal', 1, { cause: err })),
    );
    child.on('close', (code, signal) => {
      if (child.stdin) (io.stdin as Readable).unpipe(child.stdin);
      resolve(
        code ?? (signal ? 128 + (process.getBuiltinModule('node:os').constants.signals[signal] ?? 0) : 1),
      );
    });
  }).finally(() => process.off('SIGINT', ignore));
}

export const commands = [dbLs, dbLogin, dbLogout, dbConnect, dbEnv, dbConfig];
