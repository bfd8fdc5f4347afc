// What the db subcommands share (tool/tsh/common/db.go): their flags and options, the selection
// scope, the proxy settings, the database login itself and the client command input.
import type { CommandContext } from '../context.js';
import type { FlagSpec } from '../command.js';
import { TshError } from '../../util/errors.js';
import type { TeleportClient } from '../../client/teleport.js';
import { dbCertFiles, issueDbCert, type DbCert } from '../../client/dbcerts.js';
import {
  isSupportedDbProtocol,
  lookPathIn,
  unsupportedProtocolError,
  type DbCommandInput,
} from '../../client/dbcmd.js';
import {
  databaseProxyHostPort,
  formatDbCmdUnsupported,
  TSH,
  type DbCommandScope,
  type DbInfo,
  type DbProxySettings,
  type DbRoute,
  type DbRouteFlags,
  type DbSelectors,
} from '../../client/dbinfo.js';
import { connectProfileName, connectProfileSupported, upsertConnectProfile } from '../../auth/dbprofile.js';

export const dbArg = (description: string) => ({ name: '[db]', description });
export const labelsFlag: FlagSpec = {
  flags: '--labels <labels>',
  description: 'List of labels to filter node list (e.g. env=prod,team=a)',
};
export const queryFlag: FlagSpec = {
  flags: '--query <predicate>',
  description: 'Query by predicate language enclosed in single quotes',
};
export const routeFlags = (what: { user: string; name: string }): FlagSpec[] => [
  { flags: '-u, --db-user <user>', description: what.user },
  { flags: '-n, --db-name <name>', description: what.name },
  {
    flags: '-r, --db-roles <roles>',
    description: 'List of comma separate database roles to use for auto-provisioned user',
  },
];
export const accessRequestFlags: FlagSpec[] = [
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

export function selectOptions(args: unknown[], f: Record<string, unknown>): DbSelectOptions {
  return {
    db: (args[0] as string | undefined) ?? (f.db as string | undefined),
    labels: f.labels as string | undefined,
    query: f.query as string | undefined,
  };
}

export function loginOptions(args: unknown[], f: Record<string, unknown>): DbLoginOptions {
  return {
    ...selectOptions(args, f),
    dbUser: f.dbUser as string | undefined,
    dbName: f.dbName as string | undefined,
    dbRoles: f.dbRoles as string | undefined,
    requestReason: f.requestReason as string | undefined,
    disableAccessRequest: f.disableAccessRequest === true,
  };
}

export function scopeOf(ctx: CommandContext, o: DbSelectOptions, command: string): DbCommandScope {
  const selectors: DbSelectors = { name: o.db ?? '', labels: o.labels ?? '', query: o.query ?? '' };
  return {
    tc: ctx.client(),
    selectors,
    clusterFlag: ctx.globals.cluster ?? '',
    command: `${TSH} ${command}`,
  };
}

/** What the local proxy requirement rules read: the profile's proxy settings. */
export async function proxySettings(tc: TeleportClient): Promise<DbProxySettings> {
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

export function checkSupported(r: DbRoute): void {
  if (!isSupportedDbProtocol(r.protocol)) throw unsupportedProtocolError(r.serviceName, r.protocol);
}

/** utils.Color(Yellow, …), on a terminal only. */
export function yellow(ctx: CommandContext, s: string): string {
  return ctx.io.stdout.isTTY ? `\x1b[33m${s}\x1b[0m` : s;
}

/** databaseLogin: a certificate for the route, saved, and the connection profile file updated. */
export function refuseWithoutProxy(scope: DbCommandScope, r: DbRoute, reasons: string[]): never {
  throw new TshError(formatDbCmdUnsupported(scope.command, scope.clusterFlag, r, reasons), 'bad-parameter');
}

export async function commandInput(
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
export function mysqlVersion(pathEnv: string | undefined): string | undefined {
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync('mysql', ['--version'], {
    env: { ...process.env, PATH: pathEnv ?? '' },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? r.stdout : undefined;
}

export async function databaseLogin(
  ctx: CommandContext,
  scope: DbCommandScope,
  info: DbInfo,
): Promise<DbCert> {
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
