// Teleport Connect's resource URIs (lib/teleterm/api/uri): /clusters/<profile>[/leaves/<leaf>]
// [/<kind>/<name>], gateways as /gateways/<id>. The profile is the proxy host, not the cluster name.
import { daemonError } from './errors.js';

/** The resource kinds that sit under a cluster URI. */
export const RESOURCE_KINDS = [
  'servers',
  'dbs',
  'kubes',
  'apps',
  'windows_desktops',
  'access_requests',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ParsedUri {
  /** The profile name (proxy host) of the root cluster. */
  profile: string;
  /** The leaf cluster's name, for URIs under /leaves/<leaf>. */
  leaf?: string;
  /** /clusters/<profile> */
  rootClusterUri: string;
  /** The root or leaf cluster the URI is under. */
  clusterUri: string;
  kind?: ResourceKind;
  /** The resource's name (node UUID, db name, …) when kind is set. */
  name?: string;
}

const seg = (s: string) => encodeURIComponent(s);

export const rootClusterUri = (profile: string) => `/clusters/${seg(profile)}`;
export const leafClusterUri = (profile: string, leaf: string) =>
  `${rootClusterUri(profile)}/leaves/${seg(leaf)}`;
export const resourceUri = (clusterUri: string, kind: ResourceKind, name: string) =>
  `${clusterUri}/${kind}/${seg(name)}`;
export const gatewayUri = (id: string) => `/gateways/${seg(id)}`;

/** Parses a cluster or resource URI; BadParameter "missing root cluster name" as upstream's Parse. */
export function parseUri(uri: string): ParsedUri {
  const parts = uri.split('/');
  // ['', 'clusters', profile, ...]
  if (parts[0] !== '' || parts[1] !== 'clusters' || !parts[2]) {
    throw daemonError('bad-parameter', 'missing root cluster name');
  }
  const profile = decodeURIComponent(parts[2]);
  const root = rootClusterUri(profile);
  let i = 3;
  let leaf: string | undefined;
  if (parts[i] === 'leaves') {
    if (!parts[i + 1]) throw daemonError('bad-parameter', 'missing leaf cluster name');
    leaf = decodeURIComponent(parts[i + 1]);
    i += 2;
  }
  const clusterUri = leaf === undefined ? root : leafClusterUri(profile, leaf);
  const out: ParsedUri = { profile, leaf, rootClusterUri: root, clusterUri };
  if (parts.length > i) {
    const kind = parts[i] as ResourceKind;
    if (!RESOURCE_KINDS.includes(kind) || !parts[i + 1] || parts.length > i + 2) {
      throw daemonError('bad-parameter', `unsupported URI ${JSON.stringify(uri)}`);
    }
    out.kind = kind;
    out.name = decodeURIComponent(parts[i + 1]);
  }
  return out;
}

/** The id of a /gateways/<id> URI, or undefined for anything else. */
export function parseGatewayUri(uri: string): string | undefined {
  const m = /^\/gateways\/([^/]+)$/.exec(uri);
  return m ? decodeURIComponent(m[1]) : undefined;
}
