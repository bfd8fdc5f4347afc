// Resource filters as tsh builds them from the command line: positional labels, --search and
// --query (lib/client ParseLabelSpec / ParseSearchKeywords).
import { TshError } from '../util/errors.js';

/** What a listing asks the Auth service to match (ListResources/ListUnifiedResources fields). */
export interface ResourceFilter {
  labels?: Record<string, string>;
  search?: string[];
  predicate?: string;
  includeLogins?: boolean;
  /** ListResources' UseSearchAsRoles: also what the user's search_as_roles reach (request search). */
  useSearchAsRoles?: boolean;
}

/** The filter flags every listing shares. */
export interface FilterOptions {
  /** positional "k=v,k2=v2" arguments */
  labels?: string[];
  search?: string;
  query?: string;
}

export function resourceFilter(o: FilterOptions): ResourceFilter {
  return {
    labels: parseLabelSpec((o.labels ?? []).join(',')),
    search: parseSearchKeywords(o.search),
    predicate: o.query?.trim() ?? '',
  };
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
    // A plain assignment to "__proto__" would be dropped, not stored as a label.
    Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return labels;
}

/** lib/client ParseSearchKeywords with ",": quotes stripped, empty tokens dropped. */
export function parseSearchKeywords(spec: string | undefined): string[] {
  if (!spec) return [];
  return splitOutsideQuotes(spec, ',').filter((t) => t !== '');
}
