// tshjs clusters: the root cluster (named by the proxy's certificate) and leaf clusters.
import { formatLabels } from '../output/labels.js';
import { printListing, sortedRecord, type Format } from '../output/printer.js';
import { defineCommand, formatFlag } from './command.js';
import type { CommandContext } from './context.js';

export interface ClustersOptions {
  format: Format;
  quiet?: boolean;
  verbose?: boolean;
}

interface ClusterInfo {
  cluster_name: string;
  status: string;
  cluster_type: string;
  labels: Record<string, string> | null;
  selected: boolean;
}

export const clusters = defineCommand<ClustersOptions>({
  path: ['clusters'],
  description: 'List available Teleport clusters',
  flags: [
    formatFlag(),
    { flags: '-q, --quiet', description: 'Quiet mode' },
    { flags: '-v, --verbose', description: 'Verbose table output, shows full label output' },
  ],
  options: (_args, f) => ({
    format: f.format as Format,
    quiet: f.quiet === true,
    verbose: f.verbose === true,
  }),
  run: runClusters,
});

export const commands = [clusters];

export async function runClusters(o: ClustersOptions, ctx: CommandContext): Promise<number> {
  const tc = ctx.client();
  const { root, selected } = await tc.clusterNames();
  const leaves = await tc.remoteClusters();
  const clusters: ClusterInfo[] = [
    { cluster_name: root, status: 'online', cluster_type: 'root', labels: null, selected: root === selected },
    ...leaves.map((l) => ({
      cluster_name: l.Metadata?.Name ?? '',
      status: l.Status?.Connection ?? '',
      cluster_type: 'leaf',
      // Go marshals the map with its keys sorted; a cluster without labels has a nil map (null).
      labels:
        l.Metadata?.Labels && Object.keys(l.Metadata.Labels).length ? sortedRecord(l.Metadata.Labels) : null,
      selected: (l.Metadata?.Name ?? '') === selected,
    })),
  ];
  // onListClusters (tool/tsh/common/tsh.go): FormatLabels(labels, -v); -q is a 4-column headless
  // table (the Selected cell dropped), -v a plain table, otherwise Labels is truncated.
  printListing(
    ctx.io,
    o.format,
    clusters,
    {
      titles: o.quiet ? ['', '', '', ''] : ['Cluster Name', 'Status', 'Cluster Type', 'Labels', 'Selected'],
      row: (c) => [
        c.cluster_name,
        c.status,
        c.cluster_type,
        formatLabels(c.labels ?? {}, !!o.verbose),
        c.selected ? '*' : '',
      ],
      quiet: o.quiet,
      truncate: o.verbose ? undefined : 'Labels',
    },
    (c) => c,
  );
  return 0;
}
