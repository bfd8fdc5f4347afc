// The dev cluster's resources as upstream protobuf messages (types.proto), built from the
// config, plus synthetic nodes for scale tests.
import { createHash } from 'node:crypto';
import type { PaginatedResource } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { DevClusterConfig, ResourceConfig } from './config.js';
import type { PredicateResource } from './predicate.js';
import { appDef, appResource } from './apps/config.js';

/** A resource ready to list: its paginated form, kind and the fields filters look at. */
export interface CatalogEntry {
  kind: 'node' | 'db_server' | 'app_server' | 'kube_server' | 'windows_desktop';
  /** Sort and page key (unique within a kind). */
  key: string;
  /** Name as filters see it: hostname for nodes, metadata.name otherwise. */
  name: string;
  metadataName: string;
  labels: Record<string, string>;
  /** Where the node listens (nodes and desktops); empty for tunnel nodes. */
  addr?: string;
  /** What --search and --query see (kind names as the predicate language uses them). */
  target: PredicateResource;
  resource: PaginatedResource;
}

/** Stable UUID-shaped id from a name (nodes are keyed by UUID upstream). */
export function stableId(name: string): string {
  const h = createHash('sha256').update(`tshjs-devcluster/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function labelsOf(r: ResourceConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.labels ?? {})) out[k] = String(v);
  return out;
}

function str(v: unknown, fallback = ''): string {
  return v === undefined || v === null ? fallback : String(v);
}

function meta(name: string, labels: Record<string, string>, description = '') {
  return {
    Name: name,
    Namespace: 'default',
    Description: description,
    Labels: labels,
    Expires: undefined,
    Revision: '',
  };
}

/** apidefaults.ServerKeepAliveTTL (a node heartbeats every minute) and ServerAnnounceTTL (10 min). */
export const NODE_HEARTBEAT_MS = 60_000;
export const NODE_ANNOUNCE_TTL_MS = 10 * 60_000;

/**
 * A registered node (types.ServerV2) as a Teleport SSH service heartbeats it: sub_kind "teleport"
 * (types.SubKindTeleportNode) unless the config says otherwise (e.g. "openssh"), and metadata.expires
 * one announce TTL after its last heartbeat (`expires`, shared by the catalog's nodes).
 */
export function nodeEntry(r: ResourceConfig, version: string, idx = 0, expires?: Date): CatalogEntry {
  const hostname = r.name;
  const id = str(r.id, stableId(hostname));
  const labels = labelsOf(r);
  const tunnel = r.tunnel === true;
  const addr = tunnel ? '' : str(r.addr, `127.0.0.1:${3022 + (idx % 1000)}`);
  return {
    kind: 'node',
    // The unified resource cache's sort key (lib/services/unified_resource.go makeResourceSortKey).
    key: `${hostname}/${id}`.toLowerCase(),
    name: hostname,
    metadataName: id,
    labels,
    addr,
    target: {
      kind: 'node',
      name: hostname,
      metadataName: id,
      labels,
      hostname,
      addr,
      searchExactTerms: tunnel ? ['tunnel'] : [],
    },
    resource: {
      resource: {
        $case: 'Node',
        value: {
          Kind: 'node',
          SubKind: str(r.sub_kind, 'teleport'),
          Version: 'v2',
          Metadata: { ...meta(id, labels), Expires: expires },
          Spec: {
            Addr: addr,
            Hostname: hostname,
            CmdLabels: {},
            Rotation: undefined,
            UseTunnel: tunnel,
            Version: version,
            PeerAddr: '',
            ProxyIDs: [],
            publicAddrs: [],
            CloudMetadata: undefined,
            gitHub: undefined,
          },
        },
      },
      Logins: [],
      RequiresRequest: false,
    },
  };
}

function dbEntry(r: ResourceConfig, version: string): CatalogEntry {
  const labels = labelsOf(r);
  const description = str(r.description);
  const hostId = stableId(`db-host/${r.name}`);
  return {
    kind: 'db_server',
    key: r.name,
    name: r.name,
    metadataName: r.name,
    labels,
    target: {
      kind: 'db',
      name: r.name,
      metadataName: r.name,
      labels,
      description,
      extraSearchFields: [str(r.protocol, 'postgres'), 'self-hosted'],
    },
    resource: {
      resource: {
        $case: 'DatabaseServer',
        value: {
          Kind: 'db_server',
          SubKind: '',
          Version: 'v3',
          Metadata: meta(r.name, {}),
          Spec: {
            Version: version,
            Hostname: 'devcluster',
            HostID: hostId,
            Rotation: undefined,
            ProxyIDs: [],
            Database: {
              Kind: 'db',
              SubKind: '',
              Version: 'v3',
              Metadata: meta(r.name, labels, description),
              Spec: {
                Protocol: str(r.protocol, 'postgres'),
                URI: str(r.uri, 'localhost:5432'),
                CACert: '',
                DynamicLabels: {},
                MySQL: r.mysql_server_version ? { ServerVersion: str(r.mysql_server_version) } : undefined,
                AdminUser: undefined,
              },
              Status: undefined,
            },
          },
        },
      },
      Logins: [],
      RequiresRequest: false,
    },
  };
}

function appEntry(r: ResourceConfig, version: string): CatalogEntry {
  const labels = labelsOf(r);
  const description = str(r.description);
  return {
    kind: 'app_server',
    key: r.name,
    name: r.name,
    metadataName: r.name,
    labels,
    target: {
      kind: 'app',
      name: r.name,
      metadataName: r.name,
      labels,
      description,
      fields: { 'spec.public_addr': str(r.public_addr), 'spec.uri': str(r.uri, 'http://localhost:8080') },
      extraSearchFields: r.public_addr ? [str(r.public_addr)] : [],
    },
    resource: {
      resource: {
        $case: 'AppServer',
        value: {
          Kind: 'app_server',
          SubKind: '',
          Version: 'v3',
          Metadata: meta(r.name, {}),
          Spec: {
            Version: version,
            Hostname: 'devcluster',
            HostID: stableId(`app-host/${r.name}`),
            Rotation: undefined,
            ProxyIDs: [],
            // The app as the app service serves it (src/devcluster/apps/config.ts).
            App: appResource(appDef(r)),
          },
        },
      },
      Logins: [],
      RequiresRequest: false,
    },
  };
}

function kubeEntry(r: ResourceConfig, version: string): CatalogEntry {
  const labels = labelsOf(r);
  return {
    kind: 'kube_server',
    key: r.name,
    name: r.name,
    metadataName: r.name,
    labels,
    target: { kind: 'kube_cluster', name: r.name, metadataName: r.name, labels },
    resource: {
      resource: {
        $case: 'KubernetesServer',
        value: {
          Kind: 'kube_server',
          SubKind: '',
          Version: 'v3',
          Metadata: meta(r.name, {}),
          Spec: {
            Version: version,
            Hostname: 'devcluster',
            HostID: stableId(`kube-host/${r.name}`),
            Rotation: undefined,
            ProxyIDs: [],
            Cluster: {
              Kind: 'kube_cluster',
              SubKind: '',
              Version: 'v3',
              Metadata: meta(r.name, labels),
              Spec: { DynamicLabels: {}, Kubeconfig: Buffer.alloc(0) },
            },
          },
        },
      },
      Logins: [],
      RequiresRequest: false,
    },
  };
}

function desktopEntry(r: ResourceConfig): CatalogEntry {
  const labels = labelsOf(r);
  const addr = str(r.addr, '127.0.0.1:3389');
  return {
    kind: 'windows_desktop',
    key: r.name,
    name: r.name,
    metadataName: r.name,
    labels,
    addr,
    target: { kind: 'windows_desktop', name: r.name, metadataName: r.name, labels, addr },
    resource: {
      resource: {
        $case: 'WindowsDesktop',
        value: {
          Header: { Kind: 'windows_desktop', SubKind: '', Version: 'v3', Metadata: meta(r.name, labels) },
          Spec: {
            Addr: addr,
            Domain: str(r.domain),
            HostID: stableId(`desktop-host/${r.name}`),
            NonAD: r.non_ad === true || !r.domain,
            ScreenSize: undefined,
          },
        },
      },
      Logins: [],
      RequiresRequest: false,
    },
  };
}

/** All resources by kind, each list sorted by key (the page order). */
export class Catalog {
  readonly byKind = new Map<CatalogEntry['kind'], CatalogEntry[]>();
  private readonly started = Date.now();
  /** Every node's metadata.expires (one Date object, moved on by heartbeat()). */
  private readonly nodeExpires = new Date(this.started + NODE_ANNOUNCE_TTL_MS);

  constructor(cfg: DevClusterConfig) {
    const v = cfg.server_version;
    const exp = this.nodeExpires;
    const nodes = cfg.nodes.map((n, i) => nodeEntry(n, v, i, exp));
    for (let i = 0; i < cfg.synthetic_nodes; i++) {
      const n = String(i).padStart(6, '0');
      nodes.push(
        nodeEntry(
          { name: `node-${n}`, labels: { env: i % 2 ? 'prod' : 'dev', shard: String(i % 16) } },
          v,
          i,
          exp,
        ),
      );
    }
    this.set('node', nodes);
    this.set(
      'db_server',
      cfg.databases.map((r) => dbEntry(r, v)),
    );
    this.set(
      'app_server',
      cfg.apps.map((r) => appEntry(r, v)),
    );
    this.set(
      'kube_server',
      cfg.kube_clusters.map((r) => kubeEntry(r, v)),
    );
    this.set('windows_desktop', cfg.desktops.map(desktopEntry));
  }

  /**
   * Brings the nodes' expiry up to date as if each had heartbeated on every whole minute since the
   * cluster started: the last heartbeat plus the announce TTL. Called before nodes are listed.
   */
  heartbeat(now = Date.now()): void {
    const last = this.started + Math.floor((now - this.started) / NODE_HEARTBEAT_MS) * NODE_HEARTBEAT_MS;
    this.nodeExpires.setTime(last + NODE_ANNOUNCE_TTL_MS);
  }

  private set(kind: CatalogEntry['kind'], entries: CatalogEntry[]): void {
    this.byKind.set(
      kind,
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    );
  }

  get(kind: string): CatalogEntry[] | undefined {
    return this.byKind.get(kind as CatalogEntry['kind']);
  }
}
