// tshjs db ls: databases from database servers (ListResources "db_server"), with tsh's columns
// (tool/tsh/common/db_print.go printDatabaseTable, tsh.go getDatabaseRow) and the Allowed Users tsh
// computes from the user's roles (tsh.go formatUsersForDB over the access checker, client/access.ts);
// the databases the user is logged into marked as getDatabaseRow marks them.
import type { DatabaseV3 } from '../../gen/teleport/legacy/types/types.js';
import { allLabels, formatLabels, formatResourceName } from '../../output/labels.js';
import { dedupeByName, printListing, type Format } from '../../output/printer.js';
import { databaseJSON, databaseWithUsersJSON } from '../../output/resourcejson.js';
import {
  accessChecker,
  databaseUsers,
  formatAllowedUsers,
  type AccessChecker,
  type DatabaseUsers,
} from '../../client/access.js';
import { resourceFilter, type FilterOptions } from '../../client/filter.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from '../command.js';
import type { CommandContext } from '../context.js';
import {
  activeDatabases,
  formatDatabaseConnectCommand,
  formatDatabaseProxyCommand,
  type DbRoute,
} from '../../client/dbinfo.js';

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

/**
 * formatActiveDB (tsh.go): the display name after "> ", then the route's user, database and roles
 * (Go's %v of a slice: "[a b]") in parentheses when any is set.
 */
export function formatActiveDb(r: DbRoute, displayName: string): string {
  const details: string[] = [];
  if (r.username) details.push(`user: ${r.username}`);
  if (r.database) details.push(`db: ${r.database}`);
  if (r.roles.length) details.push(`roles: [${r.roles.join(' ')}]`);
  return details.length ? `> ${displayName} (${details.join(', ')})` : `> ${displayName}`;
}

export const dbLs = defineCommand<DbLsOptions>({
  path: ['db', 'ls'],
  description: 'List all available databases',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags],
  options: listingOptions,
  run: runDbLs,
});

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
  // getDatabaseRow: a database the user is logged into (a saved certificate routes to it) shows
  // as "> name (user: …, db: …, roles: …)" with the command that connects to it.
  const active =
    o.format === 'text'
      ? await activeDatabases(tc).catch((err: unknown) => {
          ctx.log('Failed to read the active databases', { error: (err as Error).message });
          return [];
        })
      : [];
  const clusterFlag = ctx.globals.cluster ?? '';
  const activeOf = (d: DatabaseV3) => active.find((a) => a.serviceName === (d.Metadata?.Name ?? ''));
  const nameCell = (d: DatabaseV3) => {
    const name = formatResourceName(d.Metadata?.Name ?? '', databaseLabels(d), verbose);
    const a = activeOf(d);
    return a ? formatActiveDb(a, name) : name;
  };
  const connectCell = (d: DatabaseV3) => {
    const a = activeOf(d);
    if (!a) return '';
    // DynamoDB has no `tsh db connect`: the proxy command instead.
    return a.protocol === 'dynamodb'
      ? formatDatabaseProxyCommand(clusterFlag, a)
      : formatDatabaseConnectCommand(clusterFlag, a);
  };
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
            nameCell(d),
            d.Metadata?.Description ?? '',
            d.Spec?.Protocol ?? '',
            dbType(d),
            d.Spec?.URI ?? '',
            formatAllowedUsers(users(d)),
            databaseRolesCell(d, checker),
            formatLabels(databaseLabels(d), true),
            connectCell(d),
          ],
        }
      : {
          titles: ['Name', 'Description', 'Allowed Users', 'Labels', 'Connect'],
          row: (d) => [
            nameCell(d),
            d.Metadata?.Description ?? '',
            formatAllowedUsers(users(d)),
            formatLabels(databaseLabels(d), false),
            connectCell(d),
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
