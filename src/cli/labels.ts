// Label rendering and label/search argument parsing as tsh does them.
import { TshError } from '../util/errors.js';

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

/** Splits on `seps` outside double quotes; quotes are removed, pieces trimmed. */
function splitOutsideQuotes(spec: string, seps: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of spec) {
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && seps.includes(ch)) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** lib/client ParseLabelSpec: "k1=v1,k2=v2" (also ";"), quotes allowed. */
export function parseLabelSpec(spec: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!spec.trim()) return labels;
  const tokens = splitOutsideQuotes(spec, '=,;');
  // The tokens must alternate key, value: count '=' outside quotes to validate pairing.
  const pairs = splitOutsideQuotes(spec, ',;').filter((p) => p !== '');
  if (tokens.length % 2 !== 0 || pairs.some((p) => splitOutsideQuotes(p, '=').length !== 2)) {
    throw new TshError(`invalid label spec: '${spec}', should be 'key=value'`, 'bad-parameter');
  }
  for (const p of pairs) {
    const [k, v] = splitOutsideQuotes(p, '=');
    if (!k) throw new TshError(`invalid label spec: '${spec}', should be 'key=value'`, 'bad-parameter');
    labels[k] = v;
  }
  return labels;
}

/** lib/client ParseSearchKeywords with ",": quotes stripped, empty tokens dropped. */
export function parseSearchKeywords(spec: string | undefined): string[] {
  if (!spec) return [];
  return splitOutsideQuotes(spec, ',').filter((t) => t !== '');
}
