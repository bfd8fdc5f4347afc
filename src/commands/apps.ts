// tshjs apps ls: applications from app servers (ListResources "app_server").
import type { AppV3 } from '../gen/teleport/legacy/types/types.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import { dedupeByName, printListing, type Format } from '../output/printer.js';
import { appJSON } from '../output/resourcejson.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export interface AppsLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

async function fetchApps(ctx: CommandContext, o: FilterOptions): Promise<AppV3[]> {
  const apps = await ctx
    .client()
    .collect('app_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'AppServer' ? r.resource.value.Spec?.App : undefined,
    );
  return dedupeByName(apps, (a) => a.Metadata?.Name ?? '').sort((a, b) =>
    cmp(a.Metadata?.Name, b.Metadata?.Name),
  );
}

function cmp(a = '', b = ''): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const appsLs = defineCommand<AppsLsOptions>({
  path: ['apps', 'ls'],
  description: 'List available applications',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags],
  options: listingOptions,
  run: runAppsLs,
});

export const group = { name: 'apps', description: 'View and control proxied applications' };
export const commands = [appsLs];

export async function runAppsLs(o: AppsLsOptions, ctx: CommandContext): Promise<number> {
  const apps = await fetchApps(ctx, o);
  const labels = (a: AppV3) => a.Metadata?.Labels ?? {};
  printListing(
    ctx.io.stdout,
    o.format,
    apps,
    o.verbose
      ? {
          titles: ['Application', 'Description', 'Public Address', 'URI', 'Labels'],
          row: (a) => [
            a.Metadata?.Name ?? '',
            a.Metadata?.Description ?? '',
            a.Spec?.PublicAddr ?? '',
            a.Spec?.URI ?? '',
            labelsString(labels(a)),
          ],
        }
      : {
          titles: ['Application', 'Description', 'Public Address', 'Labels'],
          row: (a) => [
            a.Metadata?.Name ?? '',
            a.Metadata?.Description ?? '',
            a.Spec?.PublicAddr ?? '',
            sortedLabels(labels(a)),
          ],
          truncate: 'Labels',
        },
    appJSON,
  );
  return 0;
}
