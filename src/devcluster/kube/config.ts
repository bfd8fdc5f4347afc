// The dev cluster's Kubernetes clusters and their pods, from `kube_clusters:` in the config
// (docs/kube-service.md), and a role's `kubernetes_resources` (types.KubernetesResource).
import type { DevClusterConfig, ResourceConfig, RoleConfig } from '../config.js';
import { ConfigError } from '../config.js';

export interface KubeContainer {
  name: string;
  image: string;
}

export interface KubePod {
  name: string;
  namespace: string;
  containers: KubeContainer[];
  labels: Record<string, string>;
  /** What `kubectl logs` prints; default: a few deterministic lines naming the pod. */
  log?: string;
  created: Date;
}

export interface KubeCluster {
  name: string;
  labels: Record<string, string>;
  /** Namespace name → its pods. */
  namespaces: Map<string, KubePod[]>;
  created: Date;
}

/** types.KubernetesResource as a v7 role holds it. */
export interface KubeResourceRule {
  kind: string;
  namespace: string;
  name: string;
  verbs: string[];
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function strMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where} must be a mapping`);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

function dnsName(v: unknown, where: string): string {
  const s = typeof v === 'string' ? v : '';
  if (!NAME.test(s) || s.length > 253) throw new ConfigError(`${where}: "${String(v)}" is not a valid name`);
  return s;
}

function pod(raw: unknown, namespace: string, where: string, created: Date): KubePod {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${where} must be a mapping`);
  const p = raw as Record<string, unknown>;
  const name = dnsName(p.name, `${where}.name`);
  const list = p.containers === undefined || p.containers === null ? [name] : p.containers;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(`${where}.containers must be a non-empty list`);
  }
  const containers = list.map((c, i) => {
    const cw = `${where}.containers[${i}]`;
    if (typeof c === 'string') return { name: dnsName(c, cw), image: 'busybox:latest' };
    const o = (c ?? {}) as Record<string, unknown>;
    return { name: dnsName(o.name, `${cw}.name`), image: String(o.image ?? 'busybox:latest') };
  });
  if (p.log !== undefined && typeof p.log !== 'string')
    throw new ConfigError(`${where}.log must be a string`);
  return { name, namespace, containers, labels: strMap(p.labels, `${where}.labels`), log: p.log, created };
}

/**
 * One `kube_clusters[]` entry. With no `namespaces`, the cluster has the namespace `default`
 * with one pod `web-0` (container `web`).
 */
export function kubeCluster(r: ResourceConfig, i: number, created = new Date()): KubeCluster {
  const where = `config: kube_clusters[${i}] (${r.name})`;
  const namespaces = new Map<string, KubePod[]>();
  const raw = r.namespaces;
  if (raw === undefined || raw === null) {
    namespaces.set('default', [
      {
        name: 'web-0',
        namespace: 'default',
        containers: [{ name: 'web', image: 'nginx:1.27' }],
        labels: { app: 'web' },
        created,
      },
    ]);
  } else {
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError(`${where}: namespaces must be a mapping`);
    for (const [ns, body] of Object.entries(raw as Record<string, unknown>)) {
      const nw = `${where}: namespaces.${ns}`;
      dnsName(ns, nw);
      const pods = (body as { pods?: unknown } | null)?.pods ?? [];
      if (!Array.isArray(pods)) throw new ConfigError(`${nw}.pods must be a list`);
      namespaces.set(
        ns,
        pods.map((p, j) => pod(p, ns, `${nw}.pods[${j}]`, created)),
      );
    }
  }
  return { name: r.name, labels: strMap(r.labels, `${where}: labels`), namespaces, created };
}

/** Every configured kube cluster by name; throws ConfigError on a bad entry. */
export function servedKubeClusters(cfg: DevClusterConfig): Map<string, KubeCluster> {
  const created = new Date();
  return new Map(cfg.kube_clusters.map((r, i) => [r.name, kubeCluster(r, i, created)]));
}

/**
 * A role's allow (or deny) `kubernetes_resources`. An allow side left unset on a role that has
 * kubernetes_labels means full access in role v7 (api/types/role.go CheckAndSetDefaults).
 */
export function kubeResourceRules(role: RoleConfig, side: 'allow' | 'deny'): KubeResourceRule[] {
  const src =
    side === 'allow'
      ? (role as RoleConfig & { kubernetes_resources?: unknown }).kubernetes_resources
      : (role as RoleConfig & { deny?: { kubernetes_resources?: unknown } }).deny?.kubernetes_resources;
  if (src === undefined || src === null) {
    return side === 'allow' ? [{ kind: '*', namespace: '*', name: '*', verbs: ['*'] }] : [];
  }
  if (!Array.isArray(src))
    throw new ConfigError(`config: role ${role.name}: kubernetes_resources must be a list`);
  return src.map((x: Record<string, unknown>) => ({
    kind: String(x?.kind ?? ''),
    namespace: String(x?.namespace ?? ''),
    name: String(x?.name ?? ''),
    verbs: Array.isArray(x?.verbs) ? x.verbs.map(String) : ['*'],
  }));
}

/** Glob match as upstream's KubeResourceMatchesRegex for plain globs: `*` is any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('^') && pattern.endsWith('$')) return new RegExp(pattern).test(value);
  const re = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${re}$`).test(value);
}

/** Whether a rule list allows `verb` on a resource (kind pod / namespace, v7 kinds). */
export function resourceRulesMatch(
  rules: KubeResourceRule[],
  res: { kind: string; namespace: string; name: string },
  verb: string,
): boolean {
  return rules.some(
    (r) =>
      (r.kind === '*' || r.kind === res.kind) &&
      (res.kind === 'namespace'
        ? globMatch(r.namespace || r.name, res.name)
        : globMatch(r.namespace, res.namespace)) &&
      (res.kind === 'namespace' || !res.name || globMatch(r.name, res.name)) &&
      (r.verbs.includes('*') || r.verbs.includes(verb)),
  );
}
