// Paged listing over the Auth service, as tsh's GetResourcePage / ListUnifiedResources loops:
// pages of `limit`, start key = previous NextKey, until it is empty. Yields page by page so
// callers can stream 100k resources without holding them all.
import { status } from '@grpc/grpc-js';
import type {
  ListResourcesRequest,
  ListUnifiedResourcesRequest,
  PaginatedResource,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { ClusterClient } from './cluster.js';

/** defaults.DefaultChunkSize */
export const DEFAULT_PAGE_SIZE = 1000;

export interface ResourceFilter {
  labels?: Record<string, string>;
  search?: string[];
  predicate?: string;
  includeLogins?: boolean;
}

function isTooLarge(err: unknown): boolean {
  const cause = (err as { cause?: { code?: number } }).cause;
  return cause?.code === status.RESOURCE_EXHAUSTED;
}

/** ListResources for one resource type (apps, dbs, kube, desktops). */
export async function* listResources(
  cc: ClusterClient,
  resourceType: string,
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<PaginatedResource[]> {
  let startKey = '';
  let limit = pageSize;
  for (;;) {
    const req: ListResourcesRequest = {
      ResourceType: resourceType,
      Namespace: 'default',
      Limit: limit,
      StartKey: startKey,
      Labels: filter.labels ?? {},
      PredicateExpression: filter.predicate ?? '',
      SearchKeywords: filter.search ?? [],
      SortBy: undefined,
      NeedTotalCount: false,
      WindowsDesktopFilter: undefined,
      UseSearchAsRoles: false,
      UsePreviewAsRoles: false,
      IncludeLogins: !!filter.includeLogins,
    };
    let res;
    try {
      res = await cc.call(cc.auth, cc.auth.listResources, req, `list ${resourceType}`);
    } catch (err) {
      // Upstream halves the page when a page exceeds the message size limit.
      if (isTooLarge(err) && limit > 1) {
        limit = Math.floor(limit / 2);
        continue;
      }
      throw err;
    }
    yield res.Resources;
    if (!res.NextKey) return;
    startKey = res.NextKey;
  }
}

/** ListUnifiedResources (tsh ls): kinds, sorted by kind then name. */
export async function* listUnified(
  cc: ClusterClient,
  kinds: string[],
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<PaginatedResource[]> {
  let startKey = '';
  let limit = pageSize;
  for (;;) {
    const req: ListUnifiedResourcesRequest = {
      Kinds: kinds,
      Limit: limit,
      StartKey: startKey,
      Labels: filter.labels ?? {},
      PredicateExpression: filter.predicate ?? '',
      SearchKeywords: filter.search ?? [],
      SortBy: { IsDesc: false, Field: 'kind' },
      WindowsDesktopFilter: undefined,
      UseSearchAsRoles: false,
      UsePreviewAsRoles: false,
      PinnedOnly: false,
      IncludeLogins: !!filter.includeLogins,
      IncludeRequestable: false,
    };
    let res;
    try {
      res = await cc.call(cc.auth, cc.auth.listUnifiedResources, req, 'list resources');
    } catch (err) {
      if (isTooLarge(err) && limit > 1) {
        limit = Math.floor(limit / 2);
        continue;
      }
      throw err;
    }
    yield res.Resources;
    if (!res.NextKey) return;
    startKey = res.NextKey;
  }
}
