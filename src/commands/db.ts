// tshjs db ls: databases from database servers (ListResources "db_server"), tsh's columns.
import type { DatabaseV3 } from '../gen/teleport/legacy/types/types.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import { dedupeByName, printListing, type Format } from '../output/printer.js';
import { databaseJSON } from '../output/resourcejson.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { GO_ZERO_TIME, goFormatUTC } from '../format/gotime.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export interface DbLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

/** types.OriginLabel, hidden from the non-verbose table. */
const ORIGIN_LABEL = 'teleport.dev/origin';

/** constants.HumanDateFormatSeconds ("Jan _2 2006 15:04:05 UTC"); zero time when unset. */
function humanDate(d: Date | undefined): string {
  return goFormatUTC(d ?? GO_ZERO_TIME, 'Jan _2 2006 15:04:05 UTC');
}

/** Database type for the Type column: cloud kinds are not modelled by the dev cluster. */
function dbType(_d: DatabaseV3): string {
  return 'self-hosted';
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
export const commands = [dbLs];

export async function runDbLs(o: DbLsOptions, ctx: CommandContext): Promise<number> {
  const found = await ctx
    .client()
    .collect('db_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'DatabaseServer' ? r.resource.value.Spec?.Database : undefined,
    );
  const dbs = dedupeByName(found, (d) => d.Metadata?.Name ?? '').sort((a, b) =>
    (a.Metadata?.Name ?? '') < (b.Metadata?.Name ?? '') ? -1 : 1,
  );
  // tsh shows "(unknown)" when it cannot read the user's roles; tshjs does not fetch roles yet.
  const users = '(unknown)';
  const labels = (d: DatabaseV3) => d.Metadata?.Labels ?? {};
  printListing(
    ctx.io.stdout,
    o.format,
    dbs,
    o.verbose
      ? {
          titles: [
            'Name',
            'Description',
            'Protocol',
            'Type',
            'URI',
            'Allowed Users',
            'Labels',
            'Connect',
            'Expires',
          ],
          row: (d) => [
            d.Metadata?.Name ?? '',
            d.Metadata?.Description ?? '',
            d.Spec?.Protocol ?? '',
            dbType(d),
            d.Spec?.URI ?? '',
            users,
            labelsString(labels(d)),
            '',
            humanDate(d.Metadata?.Expires),
          ],
        }
      : {
          titles: ['Name', 'Description', 'Allowed Users', 'Labels', 'Connect'],
          row: (d) => {
            const l = { ...labels(d) };
            delete l[ORIGIN_LABEL];
            return [d.Metadata?.Name ?? '', d.Metadata?.Description ?? '', users, sortedLabels(l), ''];
          },
          truncate: 'Labels',
        },
    databaseJSON,
  );
  return 0;
}
