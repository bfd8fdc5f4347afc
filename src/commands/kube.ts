// tshjs kube ls: Kubernetes clusters from kube servers (ListResources "kube_server").
import type { KubernetesClusterV3 } from '../gen/teleport/legacy/types/types.js';
import type { ClientContext } from '../client/context.js';
import { collectResources } from '../client/listing.js';
import { withClusterClient } from '../client/session.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import { sortedRecord, type Format } from '../output/output.js';
import { dedupeByName, printListing } from '../output/listing.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';

export interface KubeLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
  quiet?: boolean;
}

export async function runKubeLs(ctx: ClientContext, o: KubeLsOptions): Promise<number> {
  const found = await withClusterClient(ctx, (cc) =>
    collectResources(cc, 'kube_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined,
    ),
  );
  const clusters = dedupeByName(found, (k) => k.Metadata?.Name ?? '').sort((a, b) =>
    (a.Metadata?.Name ?? '') < (b.Metadata?.Name ?? '') ? -1 : 1,
  );
  // The kubeconfig-selected cluster; tshjs does not write kubeconfig yet, so none is selected.
  const selected = (_k: KubernetesClusterV3) => false;
  const labels = (k: KubernetesClusterV3) => k.Metadata?.Labels ?? {};
  printListing(
    ctx,
    o.format,
    clusters,
    o.quiet
      ? { titles: ['', ''], row: (k) => [k.Metadata?.Name ?? '', sortedLabels(labels(k))], quiet: true }
      : {
          titles: ['Kube Cluster Name', 'Labels', 'Selected'],
          row: (k) => [
            k.Metadata?.Name ?? '',
            o.verbose ? labelsString(labels(k)) : sortedLabels(labels(k)),
            selected(k) ? '*' : '',
          ],
          truncate: o.verbose ? undefined : 'Labels',
        },
    (k) => {
      const l = labels(k);
      return {
        kube_cluster_name: k.Metadata?.Name ?? '',
        labels: Object.keys(l).length ? sortedRecord(l) : null,
        selected: selected(k),
      };
    },
  );
  return 0;
}
