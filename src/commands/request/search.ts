// `tshjs request search` (onRequestSearch).
import { TshError } from '../../util/errors.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';

export interface RequestSearchOptions {
  kind: string;
  search?: string;
  query?: string;
  labels?: string;
  verbose?: boolean;
  kubeCluster?: string;
  kubeNamespace?: string;
  allKubeNamespaces?: boolean;
}

/** Kinds `request search` lists in tshjs (types.RequestableResourceKinds without Kubernetes kinds). */
export const SEARCH_KINDS = ['node', 'kube_cluster', 'db', 'app', 'windows_desktop'] as const;

export const requestSearch = defineCommand<RequestSearchOptions>({
  path: ['request', 'search'],
  description: 'Search for resources to request access to',
  flags: [
    {
      flags: '--kind <kind>',
      description: `Resource kind to search for (${SEARCH_KINDS.join(', ')})`,
    },
    {
      flags: '--search <keywords>',
      description: 'List of comma separated search keywords or phrases enclosed in quotations',
    },
    { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
    {
      flags: '--labels <labels>',
      description: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)',
    },
    { flags: '--kube-cluster <name>', description: 'Kubernetes Cluster to search for Pods' },
    {
      flags: '--kube-namespace <namespace>',
      description: 'Kubernetes Namespace to search for Pods',
      default: 'default',
    },
    { flags: '--all-kube-namespaces', description: 'Search Pods in every namespace' },
    { flags: '-v, --verbose', description: 'Verbose table output, shows full label output' },
  ],
  options: (_a, f) => ({
    kind: (f.kind as string | undefined) ?? '',
    search: f.search as string | undefined,
    query: f.query as string | undefined,
    labels: f.labels as string | undefined,
    verbose: f.verbose === true,
    kubeCluster: f.kubeCluster as string | undefined,
    kubeNamespace: f.kubeNamespace as string | undefined,
    allKubeNamespaces: f.allKubeNamespaces === true,
  }),
  run: runRequestSearch,
});

export async function runRequestSearch(o: RequestSearchOptions, ctx: CommandContext): Promise<number> {
  if (!o.kind) throw new TshError('required flag --kind not provided', 'bad-parameter');
  if (!(SEARCH_KINDS as readonly string[]).includes(o.kind)) {
    if (o.kind === 'pod' || o.kind.startsWith('kube:') || o.kind === 'namespace') {
      throw new TshError(
        `searching for Kubernetes resources (--kind=${o.kind}) is not supported by tshjs yet`,
        'bad-parameter',
      );
    }
    throw new TshError(
      `enum value must be one of ${SEARCH_KINDS.join(',')}, got '${o.kind}'`,
      'bad-parameter',
    );
  }
  const { resourceFilter } = await import('../../client/filter.js');
  const filter = resourceFilter({ labels: o.labels ? [o.labels] : [], search: o.search, query: o.query });
  const tc = ctx.client();
  const cc = await tc.cluster();
  const { searchRequestable } = await import('../../client/accesssearch.js');
  const found = await searchRequestable(cc, o.kind, filter);
  const { searchTable } = await import('../../output/requestformat.js');
  const { stdinTerminalWidth } = await import('../../term/io.js');
  ctx.io.stdout.write(
    searchTable(o.kind, cc.identity.cluster, found, !!o.verbose, stdinTerminalWidth(ctx.io)),
  );
  return 0;
}
