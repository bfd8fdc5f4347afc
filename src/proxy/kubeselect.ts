// Which kube clusters `proxy kube NAME…` / --labels / --query select (tool/tsh/common/kube.go
// matchClustersByNameOrDiscoveredName, checkClusterSelection, formatKubeNotFound): each name must
// match exactly one cluster, by name or else by discovered name; with no names, the
// labels/query selection must match at least one.
import type { KubernetesClusterV3 } from '../gen/teleport/legacy/types/types.js';
import { TshError } from '../util/errors.js';

/** types.DiscoveredNameLabel */
const DISCOVERED_NAME_LABEL = 'teleport.internal/discovered-name';

export interface KubeSelectors {
  /** --cluster, for the `tsh kube ls --cluster=…` hint */
  cluster: string;
  labels: string;
  query: string;
}

function selectorsString(name: string, s: KubeSelectors): string {
  let out = 'kubernetes cluster';
  if (name) out += ` ${JSON.stringify(name)}`;
  if (s.labels) out += ` with labels ${JSON.stringify(s.labels)}`;
  if (s.query) out += ` with query (${s.query})`;
  return out;
}

function listCommand(cluster: string): string {
  return cluster ? `tsh kube ls --cluster=${cluster}` : 'tsh kube ls';
}

/** matchClustersByNameOrDiscoveredName: the exact name, else every cluster discovered under it. */
export function matchClustersByNameOrDiscoveredName(
  name: string,
  clusters: KubernetesClusterV3[],
): KubernetesClusterV3[] {
  if (!name) return clusters;
  const exact = clusters.filter((k) => k.Metadata?.Name === name);
  if (exact.length) return exact.slice(0, 1);
  return clusters.filter((k) => k.Metadata?.Labels?.[DISCOVERED_NAME_LABEL] === name);
}

function check(matched: KubernetesClusterV3[], name: string, s: KubeSelectors): void {
  if (name && matched.length === 1) return;
  if (!name && matched.length > 0) return;
  const noSelectors = !name && !s.labels && !s.query;
  if (!matched.length) {
    throw new TshError(
      noSelectors
        ? `no kubernetes clusters found, check '${listCommand(s.cluster)}' for a list of known clusters`
        : `${selectorsString(name, s)} not found, check '${listCommand(s.cluster)}' for a list of known clusters`,
      'not-found',
    );
  }
  const names = matched.map((k) => k.Metadata?.Name ?? '').sort();
  throw new TshError(
    `${selectorsString(name, s)} matches multiple kubernetes clusters (${names.join(', ')}); use the full name, for example "${names[0]}"`,
    'bad-parameter',
  );
}

/** The selected kube cluster names, deduplicated, in the order found. */
export function kubeClusterNames(found: KubernetesClusterV3[], names: string[], s: KubeSelectors): string[] {
  const seen = new Map<string, KubernetesClusterV3>();
  for (const k of found) if (k.Metadata?.Name && !seen.has(k.Metadata.Name)) seen.set(k.Metadata.Name, k);
  const all = [...seen.values()];
  if (!names.length) {
    check(all, '', s);
    return all.map((k) => k.Metadata!.Name);
  }
  const out = new Set<string>();
  for (const name of names) {
    const m = matchClustersByNameOrDiscoveredName(name, all);
    check(m, name, s);
    for (const k of m) out.add(k.Metadata!.Name);
  }
  return [...out];
}
