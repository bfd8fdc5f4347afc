// ListUnifiedResources (lib/teleterm/services/unifiedresources): one page of the cluster's
// ListUnifiedResources per call, each resource mapped to Connect's message with its URI.
import type { ClusterClient } from '../client/cluster.js';
import { parseSearchKeywords } from '../client/filter.js';
import type {
  ListUnifiedResourcesRequest as AuthListRequest,
  PaginatedResource as AuthResource,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { CommandLabelV2, Metadata } from '../gen/teleport/legacy/types/types.js';
import type { Label } from '../gen/teleport/lib/teleterm/v1/label.js';
import type {
  ListUnifiedResourcesRequest,
  PaginatedResource,
  TerminalServiceServer,
} from '../gen/teleport/lib/teleterm/v1/service.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';
import { unary } from './handler.js';
import { resourceUri } from './uri.js';

/** The kinds an empty `kinds` stands for. */
export const UNIFIED_KINDS = ['node', 'db', 'kube_cluster', 'app', 'windows_desktop'] as const;

/** The default page when the app asks for no limit. */
const DEFAULT_LIMIT = 100;

function labels(md: Metadata | undefined, dynamic: Record<string, CommandLabelV2> = {}): Label[] {
  const all: Record<string, string> = { ...(md?.Labels ?? {}) };
  for (const [k, v] of Object.entries(dynamic)) all[k] = v.Result;
  return Object.keys(all)
    .sort()
    .map((name) => ({ name, value: all[name] }));
}

export function authRequest(req: ListUnifiedResourcesRequest): AuthListRequest {
  for (const k of req.kinds) {
    if (!(UNIFIED_KINDS as readonly string[]).includes(k))
      throw daemonError('bad-parameter', `unsupported resource kind: ${k}`);
  }
  return {
    Kinds: req.kinds.length ? req.kinds : [...UNIFIED_KINDS],
    Limit: req.limit > 0 ? req.limit : DEFAULT_LIMIT,
    StartKey: req.startKey,
    Labels: {},
    PredicateExpression: req.query,
    SearchKeywords: parseSearchKeywords(req.search),
    SortBy: req.sortBy ? { IsDesc: req.sortBy.isDesc, Field: req.sortBy.field } : undefined,
    WindowsDesktopFilter: undefined,
    UseSearchAsRoles: req.searchAsRoles,
    UsePreviewAsRoles: false,
    PinnedOnly: req.pinnedOnly,
    IncludeLogins: true,
    IncludeRequestable: req.includeRequestable,
  };
}

/** One auth-server resource as Connect's PaginatedResource (undefined for kinds Connect does not show). */
export function toTeletermResource(
  clusterUri: string,
  proxyHost: string,
  r: AuthResource,
): PaginatedResource | undefined {
  const requiresRequest = r.RequiresRequest;
  const res = r.resource;
  switch (res?.$case) {
    case 'Node': {
      const s = res.value;
      const name = s.Metadata?.Name ?? '';
      return {
        resource: {
          $case: 'server',
          value: {
            uri: resourceUri(clusterUri, 'servers', name),
            tunnel: !!s.Spec?.UseTunnel,
            name,
            hostname: s.Spec?.Hostname ?? '',
            addr: s.Spec?.Addr ?? '',
            labels: labels(s.Metadata, s.Spec?.CmdLabels),
          },
        },
        requiresRequest,
      };
    }
    case 'DatabaseServer': {
      const db = res.value.Spec?.Database;
      const name = db?.Metadata?.Name ?? res.value.Metadata?.Name ?? '';
      return {
        resource: {
          $case: 'database',
          value: {
            uri: resourceUri(clusterUri, 'dbs', name),
            name,
            desc: db?.Metadata?.Description ?? '',
            protocol: db?.Spec?.Protocol ?? '',
            type: 'self-hosted',
            hostname: res.value.Spec?.Hostname ?? '',
            addr: db?.Spec?.URI ?? '',
            labels: labels(db?.Metadata, db?.Spec?.DynamicLabels),
            gcpProjectId: '',
          },
        },
        requiresRequest,
      };
    }
    case 'KubernetesServer':
    case 'KubeCluster': {
      const kc = res.$case === 'KubeCluster' ? res.value : res.value.Spec?.Cluster;
      const name = kc?.Metadata?.Name ?? '';
      return {
        resource: {
          $case: 'kube',
          value: {
            uri: resourceUri(clusterUri, 'kubes', name),
            name,
            labels: labels(kc?.Metadata, kc?.Spec?.DynamicLabels),
          },
        },
        requiresRequest,
      };
    }
    case 'AppServer': {
      const app = res.value.Spec?.App;
      const name = app?.Metadata?.Name ?? '';
      const publicAddr = app?.Spec?.PublicAddr ?? '';
      const uri = app?.Spec?.URI ?? '';
      return {
        resource: {
          $case: 'app',
          value: {
            uri: resourceUri(clusterUri, 'apps', name),
            name,
            endpointUri: uri,
            desc: app?.Metadata?.Description ?? '',
            awsConsole: uri.startsWith('https://console.aws.amazon.com'),
            publicAddr,
            friendlyName: app?.Metadata?.Labels?.['teleport.dev/friendly-name'] ?? '',
            samlApp: false,
            labels: labels(app?.Metadata, app?.Spec?.DynamicLabels),
            fqdn: (publicAddr || `${name}.${proxyHost}`).replace(/:\d+$/, ''),
            awsRoles: [],
          },
        },
        requiresRequest,
      };
    }
    case 'SAMLIdPServiceProvider': {
      const md = res.value.Header?.Metadata;
      const name = md?.Name ?? '';
      return {
        resource: {
          $case: 'app',
          value: {
            uri: resourceUri(clusterUri, 'apps', name),
            name,
            endpointUri: '',
            desc: md?.Description ?? '',
            awsConsole: false,
            publicAddr: '',
            friendlyName: '',
            samlApp: true,
            labels: labels(md),
            fqdn: '',
            awsRoles: [],
          },
        },
        requiresRequest,
      };
    }
    case 'WindowsDesktop': {
      const md = res.value.Header?.Metadata;
      const name = md?.Name ?? '';
      return {
        resource: {
          $case: 'windowsDesktop',
          value: {
            uri: resourceUri(clusterUri, 'windows_desktops', name),
            name,
            addr: (res.value.Spec?.Addr ?? '').replace(/:3389$/, ''),
            logins: r.Logins,
            labels: labels(md),
          },
        },
        requiresRequest,
      };
    }
    default:
      return undefined;
  }
}

export function resourceHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  return {
    listUnifiedResources: unary(async (req) => {
      const uri = deps.resolve(req.clusterUri);
      const authReq = authRequest(req);
      const tc = await deps.clientFor(uri.clusterUri);
      const cc: ClusterClient = await tc.cluster();
      const page = await cc.call(cc.auth, cc.auth.listUnifiedResources, authReq, 'list resources');
      const proxyHost = uri.profile;
      const resources = page.Resources.flatMap((r) => {
        const m = toTeletermResource(uri.clusterUri, proxyHost, r);
        return m ? [m] : [];
      });
      return { resources, nextKey: page.NextKey };
    }),
  };
}
