// The ephemeral kubeconfig of `proxy kube` (lib/kube/kubeconfig/localproxy.go
// CreateLocalProxyConfig, LocalProxyClustersFromDefaultConfig), on kubeconfig documents as they
// are in the file (lists of named entries). It starts as a copy of the default kubeconfig with
// the Teleport entries (those whose server is the Teleport kube address) taken out, then gets,
// per kube cluster, a cluster, a user and a context all named after the context: the cluster
// goes through the local forward proxy (proxy-url) and trusts the local CA, with tls-server-name
// hex(kube).<Teleport cluster>; the user presents the local CA certificate with the local key.
import { kubeClusterFromContext } from '../client/status.js';
import { kubeLocalProxySNI } from './kubesni.js';

export interface LocalProxyCluster {
  teleportCluster: string;
  kubeCluster: string;
  impersonate?: string;
  impersonateGroups?: string[];
  namespace?: string;
}

export interface LocalProxyValues {
  /** tc.KubeClusterAddr(): https://<kube proxy host:port> (the web address with TLS routing). */
  teleportKubeClusterAddr: string;
  /** http://127.0.0.1:<forward proxy port> */
  localProxyURL: string;
  /** Local CA certificate PEM by Teleport cluster. */
  localProxyCAs: Map<string, string>;
  clientKeyPem: string;
  clusters: LocalProxyCluster[];
  /** The context name of a kube cluster (the default template or --set-context-name). */
  contextName: (teleportCluster: string, kubeCluster: string) => string;
}

type Doc = Record<string, unknown>;
type Named = { name?: unknown } & Doc;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const isRecord = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (d: Doc, key: string): Named[] =>
  Array.isArray(d[key]) ? (d[key] as unknown[]).filter(isRecord) : [];
const field = (e: Named, inner: string, key: string): unknown =>
  isRecord(e[inner]) ? (e[inner] as Doc)[key] : undefined;

/** kubeconfig.ContextName: "<teleport cluster>-<kube cluster>". */
export function defaultContextName(teleportCluster: string, kubeCluster: string): string {
  return `${teleportCluster}-${kubeCluster}`;
}

/** removeByServerAddr: clusters with that server, the contexts using them and their users. */
function removeByServerAddr(doc: Doc, server: string): void {
  const gone = new Set(
    list(doc, 'clusters')
      .filter((c) => field(c, 'cluster', 'server') === server)
      .map((c) => c.name),
  );
  if (!gone.size) return;
  const contexts = list(doc, 'contexts');
  const users = new Set(
    contexts.filter((c) => gone.has(field(c, 'context', 'cluster'))).map((c) => field(c, 'context', 'user')),
  );
  doc.clusters = list(doc, 'clusters').filter((c) => !gone.has(c.name));
  doc.contexts = contexts.filter((c) => !gone.has(field(c, 'context', 'cluster')));
  doc.users = list(doc, 'users').filter((u) => !users.has(u.name));
}

/** Puts an entry in place of the one of the same name, or appends it (Go keeps maps by name). */
function upsert(doc: Doc, key: string, entry: Named): void {
  const items = list(doc, key).filter((e) => e.name !== entry.name);
  items.push(entry);
  doc[key] = items;
}

/** CreateLocalProxyConfig. `original` is the parsed default kubeconfig (undefined when none). */
export function createLocalProxyConfig(original: Doc | undefined, v: LocalProxyValues): Doc {
  const prev = typeof original?.['current-context'] === 'string' ? original['current-context'] : '';
  const doc: Doc = original ? (structuredClone(original) as Doc) : {};
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  doc.preferences ??= {};
  for (const k of ['clusters', 'contexts', 'users']) doc[k] = list(doc, k);
  removeByServerAddr(doc, v.teleportKubeClusterAddr);
  let current = '';
  for (const c of v.clusters) {
    const name = v.contextName(c.teleportCluster, c.kubeCluster);
    const ca = b64(v.localProxyCAs.get(c.teleportCluster) ?? '');
    upsert(doc, 'clusters', {
      name,
      cluster: {
        'certificate-authority-data': ca,
        'proxy-url': v.localProxyURL,
        server: v.teleportKubeClusterAddr,
        'tls-server-name': kubeLocalProxySNI(c.teleportCluster, c.kubeCluster),
      },
    });
    const user: Doc = { 'client-certificate-data': ca, 'client-key-data': b64(v.clientKeyPem) };
    if (c.impersonate) user.as = c.impersonate;
    if (c.impersonateGroups?.length) user['as-groups'] = [...c.impersonateGroups];
    upsert(doc, 'users', { name, user });
    const context: Doc = { cluster: name, user: name };
    if (c.namespace) context.namespace = c.namespace;
    upsert(doc, 'contexts', { name, context });
    if (!current || prev === name) current = name;
  }
  doc['current-context'] = current;
  // clientcmd keeps entries in maps and writes them sorted by name.
  const byName = (a: Named, b: Named) =>
    String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0;
  for (const k of ['clusters', 'contexts', 'users']) doc[k] = list(doc, k).sort(byName);
  return doc;
}

/**
 * LocalProxyClustersFromDefaultConfig: the kube clusters `kube login` put in the default
 * kubeconfig, found as clusters whose server is the Teleport kube address, their contexts, and
 * the user named like each context.
 */
export function localProxyClustersFromDefaultConfig(
  doc: Doc | undefined,
  clusterAddr: string,
): LocalProxyCluster[] {
  if (!doc) return [];
  const out: LocalProxyCluster[] = [];
  const users = new Map(list(doc, 'users').map((u) => [u.name, isRecord(u.user) ? (u.user as Doc) : {}]));
  for (const cl of list(doc, 'clusters')) {
    if (field(cl, 'cluster', 'server') !== clusterAddr || typeof cl.name !== 'string') continue;
    const teleportCluster = cl.name;
    for (const ctx of list(doc, 'contexts')) {
      const context = isRecord(ctx.context) ? (ctx.context as Doc) : {};
      if (context.cluster !== teleportCluster || typeof ctx.name !== 'string') continue;
      const auth = users.get(ctx.name);
      if (!auth) continue;
      const groups = auth['as-groups'];
      out.push({
        teleportCluster,
        kubeCluster: kubeClusterFromContext(ctx.name, context, teleportCluster),
        namespace: typeof context.namespace === 'string' ? context.namespace : undefined,
        impersonate: typeof auth.as === 'string' ? auth.as : undefined,
        impersonateGroups: Array.isArray(groups) ? groups.map(String) : undefined,
      });
    }
  }
  return out;
}

const SUPPORTED_FUNCTIONS =
  'Supported template functions:\n' +
  '  - `{{ .KubeName }}` - the name of the Kubernetes cluster\n' +
  '  - `{{ .ClusterName }}` - the name of the Teleport cluster\n';

/** kubeconfig's context_overwrite.go: the default template. */
export const DEFAULT_CONTEXT_TEMPLATE = '{{.ClusterName}}-{{.KubeName}}';

/**
 * ContextNameFromTemplate for the two fields text/template offers here ({{ .ClusterName }},
 * {{ .KubeName }}); any other action is a parse error, as tsh reports it.
 */
export function contextNameFromTemplate(
  template: string,
  teleportCluster: string,
  kubeCluster: string,
): string {
  if (!template) return defaultContextName(teleportCluster, kubeCluster);
  const action = /\{\{(-\s)?\s*\.(ClusterName|KubeName)\s*(\s-)?\}\}/g;
  const rest = template.replace(action, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new Error(
      `failed to parse context override template.\nPlease check the template syntax and try again.\n${SUPPORTED_FUNCTIONS}`,
    );
  }
  return template.replace(action, (_m, _l, f: string) =>
    f === 'ClusterName' ? teleportCluster : kubeCluster,
  );
}

/** CheckContextOverrideTemplate: with several clusters the template must tell kube clusters apart. */
export function checkContextOverrideTemplate(template: string): void {
  if (!template) return;
  if (
    contextNameFromTemplate(template, 'cluster', 'kube1') !==
    contextNameFromTemplate(template, 'cluster', 'kube2')
  )
    return;
  throw new Error(
    'using the same context override template for different clusters is not allowed.\n' +
      'Please ensure the template syntax includes {{ .KubeName }} and try again.\n' +
      SUPPORTED_FUNCTIONS,
  );
}
