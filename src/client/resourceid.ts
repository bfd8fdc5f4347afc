// The ResourceID string codec of upstream api/types/resource_ids.go (v18 line): `/<cluster>/<kind>/<name>`
// with an optional `/<sub-resource>` for Kubernetes kinds, the JSON list form the request table and
// `request show` print, and CheckAndSetDefaults' checks with their exact messages. See
// docs/access-requests.md for the upstream facts.
import { TshError } from '../util/errors.js';

export interface ResourceIDFields {
  ClusterName: string;
  Kind: string;
  Name: string;
  SubResourceName: string;
}

/** types.KindKubeNamespace. */
const KIND_KUBE_NAMESPACE = 'namespace';
/** types.AccessRequestPrefixKindKube and its namespaced / cluster-wide forms ("kube:ns:pods"). */
const PREFIX_KUBE = 'kube:';
const PREFIX_KUBE_NAMESPACED = 'kube:ns:';
const PREFIX_KUBE_CLUSTER_WIDE = 'kube:cw:';

/** types.RequestableResourceKinds (the non-Kubernetes ones; Kubernetes kinds use the kube: prefix). */
export const REQUESTABLE_RESOURCE_KINDS: readonly string[] = [
  'node',
  'kube_cluster',
  'db',
  'app',
  'windows_desktop',
  'user_group',
  'saml_idp_service_provider',
  'aws_ic_account_assignment',
  'git_server',
];

/**
 * Legacy (pre-v18) Kubernetes kinds still accepted and rewritten to their `kube:` form, with their
 * plural and API group (types.KubernetesResourcesKindsPlurals / KubernetesResourcesV7KindGroups).
 */
const LEGACY_KUBE_KINDS: Record<string, { plural: string; group: string; clusterWide: boolean }> = {
  pod: { plural: 'pods', group: '', clusterWide: false },
  secret: { plural: 'secrets', group: '', clusterWide: false },
  configmap: { plural: 'configmaps', group: '', clusterWide: false },
  service: { plural: 'services', group: '', clusterWide: false },
  serviceaccount: { plural: 'serviceaccounts', group: '', clusterWide: false },
  kube_node: { plural: 'nodes', group: '', clusterWide: true },
  persistentvolume: { plural: 'persistentvolumes', group: '', clusterWide: true },
  persistentvolumeclaim: { plural: 'persistentvolumeclaims', group: '', clusterWide: false },
  deployment: { plural: 'deployments', group: 'apps', clusterWide: false },
  replicaset: { plural: 'replicasets', group: 'apps', clusterWide: false },
  statefulset: { plural: 'statefulsets', group: 'apps', clusterWide: false },
  daemonset: { plural: 'daemonsets', group: 'apps', clusterWide: false },
  clusterrole: { plural: 'clusterroles', group: 'rbac.authorization.k8s.io', clusterWide: true },
  kube_role: { plural: 'roles', group: 'rbac.authorization.k8s.io', clusterWide: false },
  clusterrolebinding: {
    plural: 'clusterrolebindings',
    group: 'rbac.authorization.k8s.io',
    clusterWide: true,
  },
  rolebinding: { plural: 'rolebindings', group: 'rbac.authorization.k8s.io', clusterWide: false },
  cronjob: { plural: 'cronjobs', group: 'batch', clusterWide: false },
  job: { plural: 'jobs', group: 'batch', clusterWide: false },
  certificatesigningrequest: {
    plural: 'certificatesigningrequests',
    group: 'certificates.k8s.io',
    clusterWide: true,
  },
  ingress: { plural: 'ingresses', group: 'networking.k8s.io', clusterWide: false },
};

function bad(msg: string): TshError {
  return new TshError(msg, 'bad-parameter');
}

/** Go's %q for the strings these messages quote (ASCII printable as is, the rest escaped). */
function q(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function isKubeKind(kind: string): boolean {
  return kind === KIND_KUBE_NAMESPACE || kind.startsWith(PREFIX_KUBE);
}

function isClusterWide(kind: string): boolean {
  return (
    kind === KIND_KUBE_NAMESPACE ||
    kind.startsWith(PREFIX_KUBE_CLUSTER_WIDE) ||
    LEGACY_KUBE_KINDS[kind]?.clusterWide === true
  );
}

/** ResourceID.CheckAndSetDefaults: required fields, known kind, Kubernetes sub-resource shape. */
export function checkResourceID(id: ResourceIDFields): ResourceIDFields {
  if (!id.ClusterName) throw bad('ResourceID must include ClusterName');
  if (!id.Kind) throw bad('ResourceID must include Kind');
  if (!id.Name) throw bad('ResourceID must include Name');
  const out = { ...id };
  const legacy = out.Kind !== KIND_KUBE_NAMESPACE ? LEGACY_KUBE_KINDS[out.Kind] : undefined;
  if (legacy) {
    out.Kind =
      (legacy.clusterWide ? PREFIX_KUBE_CLUSTER_WIDE : PREFIX_KUBE_NAMESPACED) +
      legacy.plural +
      (legacy.group ? `.${legacy.group}` : '');
  }
  if (!isKubeKind(out.Kind) && !REQUESTABLE_RESOURCE_KINDS.includes(out.Kind)) {
    throw bad(`Resource kind ${q(out.Kind)} is invalid or unsupported`);
  }
  if (isKubeKind(out.Kind)) {
    checkKubeSubResource(out);
  } else if (out.SubResourceName) {
    throw bad(`resource kind ${q(out.Kind)} doesn't allow sub resources`);
  }
  return out;
}

function checkKubeSubResource(id: ResourceIDFields): void {
  const sub = id.SubResourceName;
  if (!sub) throw bad(`resource of kind ${q(id.Kind)} must include a subresource name`);
  const split = sub.split('/');
  if (isClusterWide(id.Kind)) {
    if (split.length !== 1) throw bad(`subresource ${q(sub)} must follow the following format: <name>`);
    if (!split[0]) throw bad(`subresource ${q(sub)} must include a non-empty name: <name>`);
    return;
  }
  if (split.length !== 2) {
    throw bad(`subresource ${q(sub)} must follow the following format: <namespace>/<name>`);
  }
  if (!split[0]) throw bad(`subresource ${q(sub)} must include a non-empty namespace: <namespace>/<name>`);
  if (!split[1]) throw bad(`subresource ${q(sub)} must include a non-empty name: <namespace>/<name>`);
}

/** ResourceIDToString. */
export function resourceIDToString(id: ResourceIDFields): string {
  const base = `/${id.ClusterName}/${id.Kind}/${id.Name}`;
  return id.SubResourceName ? `${base}/${id.SubResourceName}` : base;
}

/** ResourceIDFromString: `/<cluster>/<kind>/<name>[/<sub>]`, then CheckAndSetDefaults. */
export function resourceIDFromString(raw: string): ResourceIDFields {
  if (!raw.startsWith('/')) throw bad(`${raw} is not a valid ResourceID string`);
  const rest = raw.slice(1);
  // strings.SplitN(rest, "/", 3): the name keeps any further slashes.
  const i = rest.indexOf('/');
  const j = i < 0 ? -1 : rest.indexOf('/', i + 1);
  if (i < 0 || j < 0) throw bad(`/${rest} is not a valid ResourceID string`);
  const id: ResourceIDFields = {
    ClusterName: rest.slice(0, i),
    Kind: rest.slice(i + 1, j),
    Name: rest.slice(j + 1),
    SubResourceName: '',
  };
  if (LEGACY_KUBE_KINDS[id.Kind] || isKubeKind(id.Kind)) {
    // Kubernetes names hold no slashes: the last one or two segments are the sub-resource.
    const splits = id.Name.split('/');
    const n = isClusterWide(id.Kind) ? 1 : 2;
    if (splits.length >= n + 1) {
      id.Name = splits.slice(0, splits.length - n).join('/');
      id.SubResourceName = splits.slice(splits.length - n).join('/');
    }
  }
  return checkResourceID(id);
}

/** ResourceIDsFromStrings (the --resource flags). */
export function resourceIDsFromStrings(raws: readonly string[]): ResourceIDFields[] {
  return raws.map(resourceIDFromString);
}

/** ResourceIDsToString: a compact JSON array of the string forms, "" for none. */
export function resourceIDsToString(ids: readonly ResourceIDFields[] | undefined): string {
  if (!ids?.length) return '';
  // Go's json.Marshal escapes <, > and & in strings.
  return JSON.stringify(ids.map(resourceIDToString))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
