// tshjs apps ls: applications from app servers (ListResources "app_server").
import type { AppV3 } from '../../gen/teleport/legacy/types/types.js';
import { allLabels, formatLabels } from '../../output/labels.js';
import { dedupeByName, printListing, type Format } from '../../output/printer.js';
import { appJSON } from '../../output/resourcejson.js';
import { activeApps } from '../../client/appcerts.js';
import { resourceFilter, type FilterOptions } from '../../client/filter.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from '../command.js';
import type { CommandContext } from '../context.js';

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

/** types.Application GetAllLabels: static labels and the results of dynamic labels. */
export function appLabels(a: AppV3): Record<string, string> {
  return allLabels(a.Metadata?.Labels, a.Spec?.DynamicLabels);
}

/** AppV3.GetProtocol (api/types/app.go): "TCP" for tcp:// URIs, else "HTTP". */
export function appProtocol(a: AppV3): string {
  return (a.Spec?.URI ?? '').startsWith('tcp://') ? 'TCP' : 'HTTP';
}

/** types.PortRanges.String: "port" or "port-end_port", joined by ", ". */
export function appTargetPorts(a: AppV3): string {
  return (a.Spec?.TCPPorts ?? []).map((p) => (p.EndPort ? `${p.Port}-${p.EndPort}` : `${p.Port}`)).join(', ');
}

export async function runAppsLs(o: AppsLsOptions, ctx: CommandContext): Promise<number> {
  const apps = await fetchApps(ctx, o);
  const verbose = !!o.verbose;
  // getAppRow: an app the profile is logged into (a saved certificate routes to it) shows as "> name".
  const active =
    o.format === 'text'
      ? await activeApps(ctx.client()).catch((err: unknown) => {
          ctx.log('Failed to read the active apps', { error: (err as Error).message });
          return [];
        })
      : [];
  const nameOf = (a: AppV3) => {
    const name = a.Metadata?.Name ?? '';
    return active.some((r) => r.name === name) ? `> ${name}` : name;
  };
  // writeAppTable (tool/tsh/common/tsh.go): Target Ports only when a listed app has TCP ports (a
  // multi-port TCP app), URI only with -v; Labels truncated unless -v.
  const multiPort = apps.some((a) => (a.Spec?.TCPPorts ?? []).length > 0);
  const columns: Array<[string, (a: AppV3) => string]> = [
    ['Application', nameOf],
    ['Description', (a) => a.Metadata?.Description ?? ''],
    ['Type', appProtocol],
    ['Public Address', (a) => a.Spec?.PublicAddr ?? ''],
    ...(multiPort ? [['Target Ports', appTargetPorts] as [string, (a: AppV3) => string]] : []),
    ...(verbose ? [['URI', (a: AppV3) => a.Spec?.URI ?? ''] as [string, (a: AppV3) => string]] : []),
    ['Labels', (a) => formatLabels(appLabels(a), verbose)],
  ];
  printListing(
    ctx.io,
    o.format,
    apps,
    {
      titles: columns.map(([t]) => t),
      row: (a) => columns.map(([, get]) => get(a)),
      truncate: verbose ? undefined : 'Labels',
    },
    appJSON,
  );
  return 0;
}
