// tshjs kube ls: Kubernetes clusters from kube servers (ListResources "kube_server").
import type { KubernetesClusterV3 } from '../gen/teleport/legacy/types/types.js';
import { allLabels, formatLabels, formatResourceName } from '../output/labels.js';
import { dedupeByName, printListing, sortedRecord, type Format } from '../output/printer.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export interface KubeLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
  quiet?: boolean;
}

export const kubeLs = defineCommand<KubeLsOptions>({
  path: ['kube', 'ls'],
  description: 'Get a list of Kubernetes clusters',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags, { flags: '-q, --quiet', description: 'Quiet mode' }],
  options: (args, f) => ({ ...listingOptions(args, f), quiet: f.quiet === true }),
  run: runKubeLs,
});

export const group = { name: 'kube', description: 'Manage available Kubernetes clusters' };
export const commands = [kubeLs];

/** types.KubeCluster GetAllLabels: static labels and the results of dynamic labels. */
export function kubeLabels(k: KubernetesClusterV3): Record<string, string> {
  return allLabels(k.Metadata?.Labels, k.Spec?.DynamicLabels);
}

export async function runKubeLs(o: KubeLsOptions, ctx: CommandContext): Promise<number> {
  const found = await ctx
    .client()
    .collect('kube_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined,
    );
  const clusters = dedupeByName(found, (k) => k.Metadata?.Name ?? '').sort((a, b) =>
    (a.Metadata?.Name ?? '') < (b.Metadata?.Name ?? '') ? -1 : 1,
  );
  // The kubeconfig-selected cluster; tshjs does not write kubeconfig yet, so none is selected.
  const selected = (_k: KubernetesClusterV3) => false;
  const verbose = !!o.verbose;
  // formatKubeClustersAsText (tool/tsh/common/kube.go): name (discovered name without -v), labels
  // (common.FormatLabels), then rows stably sorted by the name shown (SortRowsBy([0], true)); -q is a
  // headless table of the first two cells.
  const row = (k: KubernetesClusterV3) => [
    formatResourceName(k.Metadata?.Name ?? '', kubeLabels(k), verbose),
    formatLabels(kubeLabels(k), verbose),
    selected(k) ? '*' : '',
  ];
  printListing(
    ctx.io,
    o.format,
    clusters,
    o.quiet
      ? { titles: ['', ''], row, quiet: true, sortByFirstColumn: true }
      : {
          titles: ['Kube Cluster Name', 'Labels', 'Selected'],
          row,
          truncate: verbose ? undefined : 'Labels',
          sortByFirstColumn: true,
        },
    // serializeKubeClusters: GetAllLabels, nil when empty.
    (k) => {
      const l = kubeLabels(k);
      return {
        kube_cluster_name: k.Metadata?.Name ?? '',
        labels: Object.keys(l).length ? sortedRecord(l) : null,
        selected: selected(k),
      };
    },
  );
  return 0;
}
