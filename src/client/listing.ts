// Paged listing over the Auth service, as tsh's GetResourcePage / ListUnifiedResources loops:
// pages of `limit`, start key = previous NextKey, until it is empty. Yields page by page so
// callers can stream 100k resources without holding them all.
import { status } from '@grpc/grpc-js';
import { grpcCode } from './grpc/errors.js';
import type {
  ListResourcesRequest,
  ListUnifiedResourcesRequest,
  PaginatedResource,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { ClusterClient } from './cluster.js';
import type { ResourceFilter } from './filter.js';

/** defaults.DefaultChunkSize */
export const DEFAULT_PAGE_SIZE = 1000;

function isTooLarge(err: unknown): boolean {
  return grpcCode(err) === status.RESOURCE_EXHAUSTED;
}

/**
 * Pages until NextKey is empty; upstream halves the page when a page exceeds the message size
 * limit (RESOURCE_EXHAUSTED).
 */
async function* paged(
  pageSize: number,
  fetch: (limit: number, startKey: string) => Promise<{ Resources: PaginatedResource[]; NextKey: string }>,
): AsyncGenerator<PaginatedResource[]> {
  let startKey = '';
  let limit = pageSize;
  for (;;) {
    let res;
    try {
      res = await fetch(limit, startKey);
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

/** ListResources for one resource type (apps, dbs, kube, desktops). */
export function listResources(
  cc: ClusterClient,
  resourceType: string,
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<PaginatedResource[]> {
  return paged(pageSize, (limit, startKey) => {
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
    return cc.call(cc.auth, cc.auth.listResources, req, `list ${resourceType}`);
  });
}

/** ListUnifiedResources (tsh ls): kinds, sorted by kind then name. */
export function listUnified(
  cc: ClusterClient,
  kinds: string[],
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<PaginatedResource[]> {
  return paged(pageSize, (limit, startKey) => {
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
    return cc.call(cc.auth, cc.auth.listUnifiedResources, req, 'list resources');
  });
}

/** Every resource of one ListResources type, mapped by `pick` (undefined = skip). */
export async function collectResources<T>(
  cc: ClusterClient,
  resourceType: string,
  filter: ResourceFilter,
  pick: (r: PaginatedResource) => T | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of listResources(cc, resourceType, filter)) {
    for (const r of page) {
      const t = pick(r);
      if (t !== undefined) out.push(t);
    }
  }
  return out;
}
