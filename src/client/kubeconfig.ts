// tshjs's entries in the user's kubeconfig, as upstream v17/v18 writes them
// (lib/kube/kubeconfig/kubeconfig.go UpdateConfig / RemoveByClusterName): one cluster entry named
// after the Teleport cluster, one user per kube cluster with tsh as the exec plugin, one context
// per kube cluster carrying the `teleport.kube.name` extension, and current-context with the
// previous non-Teleport context marked `teleport-prev-selec-ctx`. Unlike upstream (which
// re-serialises the whole file through client-go), the file is edited with the yaml Document API:
// everything else in it, comments included, stays byte-for-byte. docs/kube-client.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { TshError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsutil.js';

export const EXT_KUBE_CLUSTER_NAME = 'teleport.kube.name';
export const EXT_PREV_SELECTED_CONTEXT = 'teleport-prev-selec-ctx';
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';
export const DEFAULT_CONTEXT_TEMPLATE = '{{.ClusterName}}-{{.KubeName}}';
/** api/constants KubeTeleportProxyALPNPrefix. */
export const KUBE_TLS_SERVER_NAME_PREFIX = 'kube-teleport-proxy-alpn.';

export interface KubeconfigExec {
  /** Absolute path of the program kubectl runs (tshjs's own binary). */
  command: string;
  /** Logged in with --insecure: the plugin gets --insecure too. */
  insecure?: boolean;
  /** TELEPORT_HOME when a custom home is used. */
  env?: Record<string, string>;
}

export interface KubeconfigValues {
  teleportCluster: string;
  /** https://<kube proxy host>:<port> */
  clusterAddr: string;
  /** Root cluster TLS CA PEMs, joined by newlines (base64 in the file). */
  caPem: string;
  tlsServerName?: string;
  /** --proxy=… in the exec args (the web proxy address). */
  proxyAddr?: string;
  exec: KubeconfigExec;
  kubeClusters: string[];
  /** The kube cluster whose context becomes current-context. */
  selectCluster?: string;
  impersonate?: string;
  impersonateGroups?: string[];
  namespace?: string;
  /** --set-context-name: a Go template over .ClusterName and .KubeName. */
  contextTemplate?: string;
}

/** First path of $KUBECONFIG, else ~/.kube/config (kubeconfig.PathFromEnv / finalPath). */
export function kubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  return first || path.join(env.HOME || os.homedir(), '.kube', 'config');
}

/** kubeconfig.ContextName. */
export function contextName(teleportCluster: string, kube: string): string {
  return `${teleportCluster}-${kube}`;
}

/** client.GetKubeTLSServerName: localhost, IPs and empty hosts get teleport.cluster.local. */
export function kubeTlsServerName(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (!h || h === 'localhost' || /^[\d.]+$/.test(h) || h.includes(':')) {
    return `${KUBE_TLS_SERVER_NAME_PREFIX}teleport.cluster.local`;
  }
  return `${KUBE_TLS_SERVER_NAME_PREFIX}${h}`;
}

/**
 * --set-context-name: upstream parses a text/template with .ClusterName and .KubeName. tshjs
 * understands those two fields and plain text; anything else is refused rather than guessed.
 */
export function executeContextTemplate(template: string, teleportCluster: string, kube: string): string {
  let bad = false;
  const out = template.replace(/\{\{-?\s*([^}]*?)\s*-?\}\}/g, (_m, expr: string) => {
    if (expr === '.ClusterName') return teleportCluster;
    if (expr === '.KubeName') return kube;
    bad = true;
    return '';
  });
  if (bad || out.includes('{{') || out.includes('}}')) {
    throw new TshError(
      `failed to parse context override template ${JSON.stringify(template)}: only {{.ClusterName}} and {{.KubeName}} are supported`,
      'bad-parameter',
    );
  }
  if (!out) throw new TshError('context name template produced an empty context name', 'bad-parameter');
  return out;
}

function ctxName(v: KubeconfigValues, kube: string): string {
  return v.contextTemplate && v.contextTemplate !== DEFAULT_CONTEXT_TEMPLATE
    ? executeContextTemplate(v.contextTemplate, v.teleportCluster, kube)
    : contextName(v.teleportCluster, kube);
}

/** Parses a kubeconfig; a file that does not parse is one clear error line, and nothing is written. */
export function parseKubeconfig(text: string, file: string): Document {
  if (!text.trim()) return emptyDoc();
  const doc = parseDocument(text, { logLevel: 'error', uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const where = err.linePos?.[0] ? ` (line ${err.linePos[0].line})` : '';
    throw new TshError(
      `failed to parse existing kubeconfig "${file}"${where}: ${err.message.split('\n')[0]}`,
      'bad-parameter',
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new TshError(`failed to parse existing kubeconfig "${file}": not a YAML mapping`, 'bad-parameter');
  }
  return doc;
}

/** A new kubeconfig, with client-go's top-level keys in clientcmd.Write's order. */
function emptyDoc(): Document {
  const doc = new Document({
    apiVersion: 'v1',
    clusters: [],
    contexts: [],
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: [],
  });
  return doc;
}

function rootMap(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  return doc.contents as YAMLMap;
}

/** The named list (clusters/users/contexts), created at the end when missing or null. */
function namedList(doc: Document, key: string): YAMLSeq {
  const root = rootMap(doc);
  const cur = root.get(key, true);
  if (isSeq(cur)) return cur;
  if (cur !== undefined && !(isScalar(cur) && cur.value === null)) {
    throw new TshError(`kubeconfig: "${key}" is not a list`, 'bad-parameter');
  }
  const seq = doc.createNode([]) as YAMLSeq;
  root.set(key, seq);
  return seq;
}

function itemName(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const n = item.get('name');
  return typeof n === 'string' ? n : undefined;
}

function findNamed(seq: YAMLSeq, name: string): YAMLMap | undefined {
  return seq.items.find((i) => itemName(i) === name) as YAMLMap | undefined;
}

/** Replaces the inner map of a named entry (kept where it was), or appends a new entry. */
function upsert(
  doc: Document,
  key: string,
  inner: 'cluster' | 'user' | 'context',
  name: string,
  value: Node,
): void {
  const seq = namedList(doc, key);
  const found = findNamed(seq, name);
  if (found) {
    found.set(inner, value);
    return;
  }
  const entry = doc.createNode({}) as YAMLMap;
  // client-go sorts keys: cluster/context before name, name before user.
  if (inner === 'user') {
    entry.set('name', name);
    entry.set(inner, value);
  } else {
    entry.set(inner, value);
    entry.set('name', name);
  }
  seq.items.push(entry);
}

function removeNamed(doc: Document, key: string, name: string): boolean {
  const seq = rootMap(doc).get(key, true);
  if (!isSeq(seq)) return false;
  const i = seq.items.findIndex((x) => itemName(x) === name);
  if (i < 0) return false;
  seq.items.splice(i, 1);
  return true;
}

function contextsOf(doc: Document): Array<{ name: string; map: YAMLMap; inner?: YAMLMap }> {
  const seq = rootMap(doc).get('contexts', true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((i) => {
    const name = itemName(i);
    if (name === undefined || !isMap(i)) return [];
    const inner = i.get('context', true);
    return [{ name, map: i, inner: isMap(inner) ? inner : undefined }];
  });
}

function extensionsOf(ctx: YAMLMap | undefined): YAMLSeq | undefined {
  const e = ctx?.get('extensions', true);
  return isSeq(e) ? e : undefined;
}

function hasExtension(ctx: YAMLMap | undefined, name: string): boolean {
  return !!extensionsOf(ctx)?.items.some((i) => itemName(i) === name);
}

function deleteExtension(ctx: YAMLMap | undefined, name: string): void {
  const seq = extensionsOf(ctx);
  if (!seq) return;
  seq.items = seq.items.filter((i) => itemName(i) !== name);
  if (seq.items.length === 0) ctx!.delete('extensions');
}

/** Extensions are a list of {extension, name}, sorted by name as client-go writes them. */
function setExtension(doc: Document, ctx: YAMLMap, name: string, value: string | null): void {
  let seq = extensionsOf(ctx);
  if (!seq) {
    seq = doc.createNode([]) as YAMLSeq;
    ctx.set('extensions', seq);
  }
  const node = doc.createNode({ extension: value, name }) as YAMLMap;
  const i = seq.items.findIndex((x) => itemName(x) === name);
  if (i >= 0) seq.items[i] = node;
  else {
    const at = seq.items.findIndex((x) => (itemName(x) ?? '') > name);
    seq.items.splice(at < 0 ? seq.items.length : at, 0, node);
  }
}

function currentContext(doc: Document): string {
  const c = rootMap(doc).get('current-context');
  return typeof c === 'string' ? c : '';
}

/**
 * setSelectedExtension: before switching away from a context that tsh did not write, mark it so
 * logout can switch back; only one context carries the mark.
 */
function markPreviousContext(doc: Document, teleportCluster: string): void {
  const prev = currentContext(doc);
  const ctxs = contextsOf(doc);
  const selected = ctxs.find((c) => c.name === prev);
  if (!selected || !prev || prev.startsWith(`${teleportCluster}-`)) return;
  for (const c of ctxs) deleteExtension(c.inner, EXT_PREV_SELECTED_CONTEXT);
  let inner = selected.inner;
  if (!inner) {
    inner = doc.createNode({}) as YAMLMap;
    selected.map.set('context', inner);
  }
  setExtension(doc, inner, EXT_PREV_SELECTED_CONTEXT, null);
}

/** Adds (or replaces) tshjs's entries; the pure core of updateKubeconfig. */
export function applyKubeconfigValues(doc: Document, v: KubeconfigValues): void {
  if (!v.caPem) throw new TshError('TLS trusted CAs missing in provided credentials', 'bad-parameter');
  const cluster: Record<string, unknown> = {
    'certificate-authority-data': Buffer.from(v.caPem).toString('base64'),
    server: v.clusterAddr,
  };
  if (v.tlsServerName) cluster['tls-server-name'] = v.tlsServerName;
  upsert(doc, 'clusters', 'cluster', v.teleportCluster, doc.createNode(cluster));

  for (const kube of v.kubeClusters) {
    const name = ctxName(v, kube);
    // Upstream names the user after the default context name, whatever the template says.
    const authName = contextName(v.teleportCluster, kube);
    const args = ['kube', 'credentials', `--kube-cluster=${kube}`, `--teleport-cluster=${v.teleportCluster}`];
    if (v.proxyAddr) args.push(`--proxy=${v.proxyAddr}`);
    if (v.exec.insecure) args.push('--insecure');
    const env =
      v.exec.env && Object.keys(v.exec.env).length
        ? Object.entries(v.exec.env).map(([k, val]) => ({ name: k, value: val }))
        : null;
    const user: Record<string, unknown> = {};
    if (v.impersonate) user.as = v.impersonate;
    if (v.impersonateGroups?.length) user['as-groups'] = v.impersonateGroups;
    user.exec = {
      apiVersion: EXEC_API_VERSION,
      args,
      command: v.exec.command,
      env,
      provideClusterInfo: false,
    };
    upsert(doc, 'users', 'user', authName, doc.createNode(user));

    // setContext: a context that exists keeps its namespace and extensions.
    const old = contextsOf(doc).find((c) => c.name === name)?.inner;
    const ctx = doc.createNode({ cluster: v.teleportCluster }) as YAMLMap;
    const oldExt = extensionsOf(old);
    if (oldExt) ctx.set('extensions', oldExt);
    setExtension(doc, ctx, EXT_KUBE_CLUSTER_NAME, kube);
    const ns = v.namespace || (old?.get('namespace') as string | undefined);
    if (ns) ctx.set('namespace', ns);
    ctx.set('user', authName);
    upsert(doc, 'contexts', 'context', name, ctx);
  }

  if (v.selectCluster) {
    const name = ctxName(v, v.selectCluster);
    if (!contextsOf(doc).some((c) => c.name === name)) {
      throw new TshError(
        `can't switch kubeconfig context to cluster "${v.selectCluster}", run 'tsh kube ls' to see available clusters`,
        'bad-parameter',
      );
    }
    markPreviousContext(doc, v.teleportCluster);
    rootMap(doc).set('current-context', name);
  }
}

/** searchForSelectedCluster: the one context marked as previously selected (unmarked), else ''. */
function takePreviousContext(doc: Document): string {
  const marked = contextsOf(doc).filter((c) => hasExtension(c.inner, EXT_PREV_SELECTED_CONTEXT));
  for (const c of marked) deleteExtension(c.inner, EXT_PREV_SELECTED_CONTEXT);
  return marked.length === 1 ? marked[0]!.name : '';
}

/**
 * removeByClusterName: contexts named `<cluster>…` or pointing at the cluster entry go, with the
 * users and clusters they name; current-context returns to the previously selected one.
 */
export function removeTeleportCluster(doc: Document, teleportCluster: string): boolean {
  let changed = false;
  for (const c of contextsOf(doc)) {
    const clusterRef = c.inner?.get('cluster');
    if (!c.name.startsWith(teleportCluster) && clusterRef !== teleportCluster) continue;
    const userRef = c.inner?.get('user');
    if (typeof userRef === 'string') removeNamed(doc, 'users', userRef);
    if (typeof clusterRef === 'string') removeNamed(doc, 'clusters', clusterRef);
    removeNamed(doc, 'contexts', c.name);
    changed = true;
  }
  const cur = currentContext(doc);
  const hadMark = contextsOf(doc).some((c) => hasExtension(c.inner, EXT_PREV_SELECTED_CONTEXT));
  const prev = takePreviousContext(doc);
  if (cur.startsWith(teleportCluster)) {
    rootMap(doc).set('current-context', prev);
    changed = true;
  }
  return changed || hadMark;
}

/** Names of the clusters whose server is `server` (removeByServerAddr). */
export function clustersWithServer(doc: Document, server: string): string[] {
  const seq = rootMap(doc).get('clusters', true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((i) => {
    const name = itemName(i);
    const c = isMap(i) ? i.get('cluster', true) : undefined;
    return name !== undefined && isMap(c) && c.get('server') === server ? [name] : [];
  });
}

/** The Teleport kube cluster of the current context (kubeconfig.SelectedKubeCluster). */
export function selectedKubeClusterOf(doc: Document, teleportCluster: string): string {
  const cur = currentContext(doc);
  if (!cur) return '';
  const prefix = `${teleportCluster}-`;
  if (cur.startsWith(prefix)) return cur.slice(prefix.length);
  const ctx = contextsOf(doc).find((c) => c.name === cur)?.inner;
  if (ctx?.get('cluster') !== teleportCluster) return '';
  const ext = extensionsOf(ctx)?.items.find((i) => itemName(i) === EXT_KUBE_CLUSTER_NAME);
  const val = isMap(ext) ? ext.get('extension') : undefined;
  return typeof val === 'string' && val ? val : cur;
}

function readDoc(file: string): { doc: Document; existed: boolean; mode?: number } {
  let text: string;
  let mode: number | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode & 0o777;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { doc: emptyDoc(), existed: false };
    throw new TshError(
      `failed to load existing kubeconfig "${file}": ${(err as Error).message}`,
      'bad-parameter',
    );
  }
  if (!text.trim()) return { doc: emptyDoc(), existed: true, mode };
  return { doc: parseKubeconfig(text, file), existed: true, mode };
}

/** Writes atomically (a symlinked kubeconfig is replaced at its target), keeping an existing file's mode. */
function writeDoc(file: string, doc: Document, mode = 0o600): void {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    // new file
  }
  const text = doc.toString({ lineWidth: 0, indentSeq: false });
  try {
    writeFileAtomic(target, text, mode);
  } catch (err) {
    throw new TshError(`failed to write kubeconfig "${file}": ${(err as Error).message}`, 'access-denied');
  }
}

/** UpdateConfig on a file: parse, merge, atomic write. */
export function updateKubeconfigFile(file: string, v: KubeconfigValues): void {
  const { doc, mode } = readDoc(file);
  applyKubeconfigValues(doc, v);
  writeDoc(file, doc, mode);
}

/**
 * Removes a Teleport cluster's entries (and, given, every cluster entry whose server is
 * `server`) from a kubeconfig file; a missing file or nothing to remove writes nothing.
 */
export function removeFromKubeconfigFile(file: string, teleportCluster: string, server?: string): boolean {
  if (!fs.existsSync(file)) return false;
  const { doc, mode } = readDoc(file);
  let changed = removeTeleportCluster(doc, teleportCluster);
  for (const c of server ? clustersWithServer(doc, server) : []) {
    if (removeTeleportCluster(doc, c)) changed = true;
    if (removeNamed(doc, 'clusters', c)) changed = true;
  }
  if (changed) writeDoc(file, doc, mode);
  return changed;
}

/** The selected kube cluster of a kubeconfig file, '' when none or unreadable. */
export function selectedKubeCluster(file: string, teleportCluster: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(teleportCluster)) return '';
    return selectedKubeClusterOf(parseKubeconfig(text, file), teleportCluster);
  } catch {
    return '';
  }
}

/**
 * The namespace of the current context ('' when none or unreadable): what kubectl's
 * ToRawKubeConfigLoader().Namespace() gives `tsh kube exec` before its own -n.
 */
export function currentNamespace(file: string): string {
  try {
    const doc = parseKubeconfig(fs.readFileSync(file, 'utf8'), file);
    const cur = currentContext(doc);
    const ns = cur
      ? contextsOf(doc)
          .find((c) => c.name === cur)
          ?.inner?.get('namespace')
      : undefined;
    return typeof ns === 'string' ? ns : '';
  } catch {
    return '';
  }
}
