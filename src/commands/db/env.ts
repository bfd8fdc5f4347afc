// tshjs db env / db config (tool/tsh/common/db.go onDatabaseEnv, onDatabaseConfig).
import { clusterFlag, defineCommand, formatFlag } from '../command.js';
import type { CommandContext } from '../context.js';
import { fastMarshalIndent, toYAML } from '../../output/printer.js';
import { dbCertFiles } from '../../client/dbcerts.js';
import { dbConnectCommand, formatDbCommand } from '../../client/dbcmd.js';
import {
  activeDatabases,
  databaseProxyHostPort,
  dbLocalProxyRequirement,
  formatDBProtocolReason,
  pickActiveDatabase,
} from '../../client/dbinfo.js';
import { connectProfileEnv, connectProfileName, connectProfileSupported } from '../../auth/dbprofile.js';
import {
  dbArg,
  labelsFlag,
  queryFlag,
  selectOptions,
  scopeOf,
  checkSupported,
  refuseWithoutProxy,
  proxySettings,
  commandInput,
  type DbEnvOptions,
  type DbConfigOptions,
} from './shared.js';

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
