// `request search` for kinds other than Kubernetes resources: ListResources with UseSearchAsRoles
// (the roles the user may request are searched as well), as upstream's
// accessrequest.GetResourcesByKind does; each hit becomes a row with its resource ID.
import type { PaginatedResource } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { ClusterClient } from './cluster.js';
import type { ResourceFilter } from './filter.js';
import { requestError } from './accessrequests.js';
import { listResources } from './listing.js';

/** One requestable resource: what the search table prints. */
export interface RequestableResource {
  /** The resource's kind in its ID (node, db, app, kube_cluster, windows_desktop). */
  kind: string;
  name: string;
  hostname: string;
  labels: Record<string, string>;
}

/** The ListResources type for a requestable kind (GetResourcesByKind). */
const RESOURCE_TYPE: Record<string, string> = {
  node: 'node',
  db: 'db_server',
  app: 'app_server',
  kube_cluster: 'kube_server',
  windows_desktop: 'windows_desktop',
};

function combine(
  labels: Record<string, string> | undefined,
  dynamic?: Record<string, { Result: string }>,
): Record<string, string> {
  const out = { ...labels };
  for (const [k, v] of Object.entries(dynamic ?? {})) out[k] = v.Result;
  return out;
}

function pick(r: PaginatedResource): RequestableResource | undefined {
  const res = r.resource;
  switch (res?.$case) {
    case 'Node': {
      const s = res.value;
      return {
        kind: 'node',
        name: s.Metadata?.Name ?? '',
        hostname: s.Spec?.Hostname ?? '',
        labels: combine(s.Metadata?.Labels, s.Spec?.CmdLabels),
      };
    }
    case 'DatabaseServer': {
      const d = res.value.Spec?.Database;
      return { kind: 'db', name: d?.Metadata?.Name ?? '', hostname: '', labels: { ...d?.Metadata?.Labels } };
    }
    case 'AppServer': {
      const a = res.value.Spec?.App;
      return { kind: 'app', name: a?.Metadata?.Name ?? '', hostname: '', labels: { ...a?.Metadata?.Labels } };
    }
    case 'KubernetesServer': {
      const k = res.value.Spec?.Cluster;
      return {
        kind: 'kube_cluster',
        name: k?.Metadata?.Name ?? '',
        hostname: '',
        labels: { ...k?.Metadata?.Labels },
      };
    }
    case 'WindowsDesktop': {
      const w = res.value;
      return {
        kind: 'windows_desktop',
        name: w.Header?.Metadata?.Name ?? '',
        hostname: '',
        labels: { ...w.Header?.Metadata?.Labels },
      };
    }
    default:
      return undefined;
  }
}

/** Every resource of the kind the user can see or request, page by page. */
export async function searchRequestable(
  cc: ClusterClient,
  kind: string,
  filter: ResourceFilter,
): Promise<RequestableResource[]> {
  const out: RequestableResource[] = [];
  const what = `search ${kind}`;
  const type = RESOURCE_TYPE[kind] ?? kind;
  try {
    for await (const page of listResources(cc, type, { ...filter, useSearchAsRoles: true }, 1000, what)) {
      for (const r of page) {
        const p = pick(r);
        if (p) out.push(p);
      }
    }
  } catch (err) {
    throw requestError(err, what);
  }
  return out;
}
