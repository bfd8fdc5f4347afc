// tshjs desktop ls (tsh has no equivalent): Windows desktops via ListResources "windows_desktop".
import type { WindowsDesktopV3 } from '../gen/teleport/legacy/types/types.js';
import type { ClientContext } from '../client/context.js';
import { collectResources } from '../client/listing.js';
import { withClusterClient } from '../client/session.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import type { Format } from '../output/output.js';
import { windowsDesktopJSON } from '../output/resourcejson.js';
import { dedupeByName, printListing } from '../output/listing.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';

export interface DesktopLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

export async function runDesktopLs(ctx: ClientContext, o: DesktopLsOptions): Promise<number> {
  const found = await withClusterClient(ctx, (cc) =>
    collectResources(cc, 'windows_desktop', resourceFilter(o), (r) =>
      r.resource?.$case === 'WindowsDesktop' ? r.resource.value : undefined,
    ),
  );
  const desktops = dedupeByName(found, (d) => d.Header?.Metadata?.Name ?? '');
  const name = (d: WindowsDesktopV3) => d.Header?.Metadata?.Name ?? '';
  const labels = (d: WindowsDesktopV3) => d.Header?.Metadata?.Labels ?? {};
  printListing(
    ctx,
    o.format,
    desktops,
    o.verbose
      ? {
          titles: ['Name', 'Address', 'Domain', 'Host ID', 'Labels'],
          row: (d) => [
            name(d),
            d.Spec?.Addr ?? '',
            d.Spec?.Domain ?? '',
            d.Spec?.HostID ?? '',
            labelsString(labels(d)),
          ],
        }
      : {
          titles: ['Name', 'Address', 'Labels'],
          row: (d) => [name(d), d.Spec?.Addr ?? '', sortedLabels(labels(d))],
          truncate: 'Labels',
        },
    windowsDesktopJSON,
  );
  return 0;
}
