// tshjs clusters: the root cluster (named by the proxy's certificate) and leaf clusters.
import type { ClientContext } from '../client/context.js';
import { withClusterClient } from '../client/session.js';
import type { Format } from '../output/output.js';
import { status } from '@grpc/grpc-js';
import type { ClusterClient } from '../client/cluster.js';
import { sortedLabels } from '../output/labels.js';
import type { RemoteClusterV3 } from '../gen/teleport/legacy/types/types.js';
import { printListing } from '../output/listing.js';

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

/** Leaf clusters via PresenceService.ListRemoteClusters, page by page; none on servers without it. */
async function leafClusters(cc: ClusterClient): Promise<RemoteClusterV3[]> {
  const out: RemoteClusterV3[] = [];
  let pageToken = '';
  for (;;) {
    try {
      const res = await cc.call(
        cc.presence,
        cc.presence.listRemoteClusters,
        { pageSize: 0, pageToken },
        'list leaf clusters',
      );
      out.push(...res.remoteClusters);
      if (!res.nextPageToken) return out;
      pageToken = res.nextPageToken;
    } catch (err) {
      // Older clusters (and ones without the RPC) have no leaf listing here.
      if ((err as { cause?: { code?: number } }).cause?.code === status.UNIMPLEMENTED) return out;
      throw err;
    }
  }
}

export async function runClusters(ctx: ClientContext, o: ClustersOptions): Promise<number> {
  const { root, selected, leaves } = await withClusterClient(ctx, async (cc) => {
    // Any proxy call completes the handshake that tells us the proxy's cluster name.
    await cc.call(cc.transport, cc.transport.getClusterDetails, {}, 'cluster details');
    return {
      root: cc.proxyClusterName ?? cc.identity.rootCluster,
      selected: cc.identity.cluster,
      leaves: await leafClusters(cc),
    };
  });
  const clusters: ClusterInfo[] = [
    { cluster_name: root, status: 'online', cluster_type: 'root', labels: null, selected: root === selected },
    ...leaves.map((l) => ({
      cluster_name: l.Metadata?.Name ?? '',
      status: l.Status?.Connection ?? '',
      cluster_type: 'leaf',
      labels: l.Metadata?.Labels && Object.keys(l.Metadata.Labels).length ? l.Metadata.Labels : null,
      selected: (l.Metadata?.Name ?? '') === selected,
    })),
  ];
  printListing(
    ctx,
    o.format,
    clusters,
    {
      // Upstream's quiet table has 4 columns, so the Selected cell is dropped there.
      titles: o.quiet ? ['', '', '', ''] : ['Cluster Name', 'Status', 'Cluster Type', 'Labels', 'Selected'],
      row: (c) => [
        c.cluster_name,
        c.status,
        c.cluster_type,
        sortedLabels(c.labels ?? {}),
        c.selected ? '*' : '',
      ],
      quiet: o.quiet,
    },
    (c) => c,
  );
  return 0;
}
