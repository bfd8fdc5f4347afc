// Resource IDs of resource access requests as the dev cluster's services check them: a certificate
// with allowed resources (types.ResourceIDsToString JSON) reaches only those resources.
import type { CatalogEntry } from '../resources.js';

/** The ResourceID kind of a catalog entry (ListResources kinds → request kinds). */
export const REQUEST_KIND: Record<CatalogEntry['kind'], string> = {
  node: 'node',
  db_server: 'db',
  app_server: 'app',
  kube_server: 'kube_cluster',
  windows_desktop: 'windows_desktop',
};

/** Parses the allowed-resources JSON list; a malformed value allows nothing. */
export function parseAllowedResources(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * A certificate without allowed resources (no resource access request) is not restricted; one
 * with them reaches only the resources listed (or their sub-resources), as upstream's access
 * checker with resource IDs.
 */
export function resourceAllowed(
  json: string | undefined,
  cluster: string,
  kind: string,
  name: string,
): boolean {
  return !json || allowedResourceMatches(json, cluster, kind, name);
}

/** Whether `/<cluster>/<kind>/<name>` (or a subresource of it) is in the allowed list. */
export function allowedResourceMatches(json: string, cluster: string, kind: string, name: string): boolean {
  const id = `/${cluster}/${kind}/${name}`;
  return parseAllowedResources(json).some((x) => x === id || x.startsWith(`${id}/`));
}
