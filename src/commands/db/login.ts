// tshjs db login / db logout (tool/tsh/common/db.go onDatabaseLogin, onDatabaseLogout).
import { clusterFlag, defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { TshError } from '../../util/errors.js';
import { deleteDbCert } from '../../client/dbcerts.js';
import {
  activeDatabases,
  dbLocalProxyRequirement,
  formatDatabaseConfigCommand,
  formatDatabaseConnectCommand,
  formatDatabaseProxyCommand,
  getDatabaseInfo,
  pickActiveDatabase,
  protocolSupportsInteractiveMode,
  selectorsEmpty,
  selectorsString,
} from '../../client/dbinfo.js';
import { connectProfileName, connectProfileSupported, deleteConnectProfile } from '../../auth/dbprofile.js';
import {
  dbArg,
  labelsFlag,
  queryFlag,
  routeFlags,
  accessRequestFlags,
  selectOptions,
  loginOptions,
  scopeOf,
  checkSupported,
  yellow,
  proxySettings,
  databaseLogin,
  type DbSelectOptions,
  type DbLoginOptions,
} from './shared.js';

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
