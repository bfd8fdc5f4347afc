// tshjs desktop ls (tsh has no equivalent): Windows desktops via ListResources "windows_desktop".
import type { WindowsDesktopV3 } from '../gen/teleport/legacy/types/types.js';
import { formatLabels } from '../output/labels.js';
import { dedupeByName, printListing, type Format } from '../output/printer.js';
import { windowsDesktopJSON } from '../output/resourcejson.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export interface DesktopLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

export const desktopLs = defineCommand<DesktopLsOptions>({
  path: ['desktop', 'ls'],
  description: 'List Windows desktops',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags],
  options: listingOptions,
  run: runDesktopLs,
});

export const group = { name: 'desktop', description: 'Windows desktops' };
export const commands = [desktopLs];

export async function runDesktopLs(o: DesktopLsOptions, ctx: CommandContext): Promise<number> {
  const found = await ctx
    .client()
    .collect('windows_desktop', resourceFilter(o), (r) =>
      r.resource?.$case === 'WindowsDesktop' ? r.resource.value : undefined,
    );
  const desktops = dedupeByName(found, (d) => d.Header?.Metadata?.Name ?? '');
  const name = (d: WindowsDesktopV3) => d.Header?.Metadata?.Name ?? '';
  const labels = (d: WindowsDesktopV3) => d.Header?.Metadata?.Labels ?? {};
  printListing(
    ctx.io,
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
            formatLabels(labels(d), true),
          ],
        }
      : {
          titles: ['Name', 'Address', 'Labels'],
          row: (d) => [name(d), d.Spec?.Addr ?? '', formatLabels(labels(d), false)],
          truncate: 'Labels',
        },
    windowsDesktopJSON,
  );
  return 0;
}
