// Label rendering as tsh does it.

/** types.TeleportNamespace */
const TELEPORT_NAMESPACE = 'teleport.dev';

/**
 * tsh's sortedLabels: plain keys first, then namespaced keys ("a/b"), then teleport.dev/ keys,
 * each group sorted, "k=v" joined by ",".
 */
export function sortedLabels(labels: Record<string, string>): string {
  const plain: string[] = [];
  const namespaced: string[] = [];
  const teleport: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const kv = `${k}=${v}`;
    if (k.startsWith(`${TELEPORT_NAMESPACE}/`)) teleport.push(kv);
    else if (k.includes('/')) namespaced.push(kv);
    else plain.push(kv);
  }
  const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...plain.sort(byCodeUnit), ...namespaced.sort(byCodeUnit), ...teleport.sort(byCodeUnit)].join(',');
}

/** types LabelsString (verbose): all "k=v" sorted, joined by ",". */
export function labelsString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join(',');
}
