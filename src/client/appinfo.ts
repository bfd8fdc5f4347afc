// What the app commands know about an application (tool/tsh/common/app.go getAppInfo, getApp,
// pickActiveApp; app_local_proxy.go validateTargetPort): the app looked up by name, the route a
// certificate is issued for, the apps the profile is logged into, and the --port LOCAL:TARGET
// mapping of `proxy app`. docs/apps.md.
import type { AppV3 } from '../gen/teleport/legacy/types/types.js';
import type { ListResourcesRequest } from '../gen/teleport/legacy/client/proto/authservice.js';
import { TshError } from '../util/errors.js';
import type { TeleportClient } from './teleport.js';

/** The name hints print (upstream hard-codes "tsh", as src/client/dbinfo.ts TSH). */
export const TSH = 'tsh';

/** What a certificate is issued for (proto.RouteToApp without the server-made session ID). */
export interface AppRoute {
  name: string;
  publicAddr: string;
  /** The site (cluster) the app is in. */
  clusterName: string;
  uri: string;
  targetPort?: number;
  awsRoleArn?: string;
  azureIdentity?: string;
  gcpServiceAccount?: string;
}

/** getApp's NotFound, word for word. */
export function appNotFoundError(name: string): TshError {
  return new TshError(
    `app ${JSON.stringify(name)} not found, use \`${TSH} apps ls\` to see registered apps`,
    'not-found',
  );
}

/**
 * getApp: ListResources of app_server with `name == "<app>"`, sorted by name, one item. An app the
 * roles do not allow is not listed, so it is "not found" too (upstream has no other text).
 */
export async function getApp(tc: TeleportClient, name: string): Promise<AppV3> {
  const cc = await tc.cluster();
  const req: ListResourcesRequest = {
    ResourceType: 'app_server',
    Namespace: 'default',
    Limit: 1,
    StartKey: '',
    Labels: {},
    PredicateExpression: `name == ${JSON.stringify(name)}`,
    SearchKeywords: [],
    SortBy: { Field: 'name', IsDesc: false },
    NeedTotalCount: false,
    WindowsDesktopFilter: undefined,
    UseSearchAsRoles: false,
    UsePreviewAsRoles: false,
    IncludeLogins: true,
  };
  const res = await cc.call(cc.auth, cc.auth.listResources, req, 'find the app');
  const r = res.Resources[0]?.resource;
  const app = r?.$case === 'AppServer' ? r.value.Spec?.App : undefined;
  // The predicate is the server's business; a server that ignores it must not hand us another app.
  if (!app || app.Metadata?.Name !== name) throw appNotFoundError(name);
  return app;
}

/** types.Application IsTCP: a tcp:// URI. */
export function isTcpApp(app: AppV3): boolean {
  return (app.Spec?.URI ?? '').startsWith('tcp://');
}

/** types.Application IsMCP: an mcp+<transport>:// URI. */
export function isMcpApp(app: AppV3): boolean {
  return (app.Spec?.URI ?? '').startsWith('mcp+');
}

/** types.Application IsAWSConsole / IsAzureCloud / IsGCP: which cloud identity flag applies. */
export function appCloud(app: AppV3): 'aws' | 'azure' | 'gcp' | undefined {
  if (
    /^https:\/\/(console\.aws\.amazon\.com|console\.amazonaws-us-gov\.com|console\.amazonaws\.cn)/.test(
      app.Spec?.URI ?? '',
    )
  ) {
    return 'aws';
  }
  const cloud = app.Spec?.Cloud ?? '';
  return cloud === 'Azure' ? 'azure' : cloud === 'GCP' ? 'gcp' : undefined;
}

export function isMultiPortApp(app: AppV3): boolean {
  return (app.Spec?.TCPPorts ?? []).length > 0;
}

/** types.PortRanges String: "port" or "port-end", joined by ", ". */
export function formatPortRanges(app: AppV3): string {
  return (app.Spec?.TCPPorts ?? [])
    .map((p) => (p.EndPort ? `${p.Port}-${p.EndPort}` : `${p.Port}`))
    .join(', ');
}

/** validateTargetPort: 0 is "not set"; otherwise the app must be multi-port and list the port. */
export function validateTargetPort(app: AppV3, port: number): void {
  if (!port) return;
  const name = app.Metadata?.Name ?? '';
  const ranges = app.Spec?.TCPPorts ?? [];
  if (ranges.length === 0) {
    throw new TshError(
      `cannot specify target port ${port} because app ${JSON.stringify(name)} does not provide access to multiple ports`,
      'bad-parameter',
    );
  }
  const inRange = ranges.some((r) => (r.EndPort ? port >= r.Port && port <= r.EndPort : port === r.Port));
  if (!inRange) {
    throw new TshError(
      `port ${port} is not included in target ports of app ${JSON.stringify(name)}; valid ports: ${formatPortRanges(app)}`,
      'bad-parameter',
    );
  }
}

/** The route getAppInfo builds from the server's app: Name, PublicAddr, ClusterName = site, URI. */
export function routeOf(app: AppV3, site: string, targetPort?: number): AppRoute {
  return {
    name: app.Metadata?.Name ?? '',
    publicAddr: app.Spec?.PublicAddr ?? '',
    clusterName: site,
    uri: app.Spec?.URI ?? '',
    ...(targetPort ? { targetPort } : {}),
  };
}

/**
 * pickActiveApp: without a name, the only app the profile is logged into; with one, that app's
 * route. Upstream's texts and kinds (NotFound / BadParameter).
 */
export function pickActiveApp<R extends { name: string }>(name: string | undefined, active: readonly R[]): R {
  if (!name) {
    if (active.length === 0) throw new TshError(`please login using '${TSH} apps login' first`, 'not-found');
    if (active.length === 1) return active[0];
    throw new TshError(
      `multiple apps are available (${active.map((r) => r.name).join(', ')}), please specify one via CLI argument`,
      'bad-parameter',
    );
  }
  const found = active.find((r) => r.name === name);
  if (!found) throw new TshError(`not logged into app ${JSON.stringify(name)}`, 'not-found');
  return found;
}

/** `proxy app --port`: LOCAL or LOCAL:TARGET (rfd/0182: `--port 5095:5095`); 0 = not set. */
export interface PortMapping {
  localPort: number;
  targetPort: number;
}

function portNumber(text: string, what: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new TshError(
      `invalid ${what} ${JSON.stringify(text)} in --port ${JSON.stringify(spec)}: use a port number from 0 to 65535, as LOCAL or LOCAL:TARGET`,
      'bad-parameter',
    );
  }
  return Number(text);
}

/** Parses --port; an empty value is no mapping. */
export function parsePortMapping(spec: string | undefined): PortMapping {
  if (spec === undefined || spec === '') return { localPort: 0, targetPort: 0 };
  const parts = spec.split(':');
  if (parts.length > 2) {
    throw new TshError(
      `invalid --port ${JSON.stringify(spec)}: expected LOCAL or LOCAL:TARGET (for example 8080 or 5095:5095)`,
      'bad-parameter',
    );
  }
  const localPort = parts[0] === '' ? 0 : portNumber(parts[0], 'local port', spec);
  const targetPort = parts.length === 2 ? portNumber(parts[1], 'target port', spec) : 0;
  if (parts.length === 2 && targetPort === 0) {
    throw new TshError(
      `invalid --port ${JSON.stringify(spec)}: the target port after ":" must be from 1 to 65535`,
      'bad-parameter',
    );
  }
  return { localPort, targetPort };
}

/** formatAppConfig's URI: https://<public_addr>, with the web proxy port unless it is 443. */
export function appURI(publicAddr: string, webProxyPort: number): string {
  return webProxyPort === 443 ? `https://${publicAddr}` : `https://${publicAddr}:${webProxyPort}`;
}
