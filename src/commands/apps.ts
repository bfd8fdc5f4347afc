// tshjs apps ls: applications from app servers (ListResources "app_server").
import type { AppV3 } from '../gen/teleport/legacy/types/types.js';
import type { ClientContext } from '../client/context.js';
import { collectResources } from '../client/listing.js';
import { withClusterClient } from '../client/session.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import type { Format } from '../output/output.js';
import { appJSON } from '../output/resourcejson.js';
import { dedupeByName, printListing } from '../output/listing.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';

export interface AppsLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

export async function fetchApps(ctx: ClientContext, o: FilterOptions): Promise<AppV3[]> {
  const apps = await withClusterClient(ctx, (cc) =>
    collectResources(cc, 'app_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'AppServer' ? r.resource.value.Spec?.App : undefined,
    ),
  );
  return dedupeByName(apps, (a) => a.Metadata?.Name ?? '').sort((a, b) =>
    cmp(a.Metadata?.Name, b.Metadata?.Name),
  );
}

function cmp(a = '', b = ''): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function runAppsLs(ctx: ClientContext, o: AppsLsOptions): Promise<number> {
  const apps = await fetchApps(ctx, o);
  const labels = (a: AppV3) => a.Metadata?.Labels ?? {};
  printListing(
    ctx,
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
