// The filter flags every listing shares: positional labels, --search, --query.
import { parseLabelSpec, parseSearchKeywords } from '../cli/labels.js';
import type { ResourceFilter } from '../client/listing.js';

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

/** Terminal width for truncated columns; tsh uses 80 when it cannot tell. */
export function terminalWidth(out: { isTTY?: boolean; columns?: number }): number {
  return out.isTTY && out.columns ? out.columns : 80;
}
