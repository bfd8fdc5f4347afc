// The Kubernetes API objects the dev cluster's Kubernetes service answers with, as a real
// kube-apiserver serializes them in JSON: version, discovery (legacy, non-aggregated), namespaces,
// pods, their Table form (meta.k8s.io/v1) and Status errors. Shapes from the Kubernetes API
// reference (k8s.io/apimachinery meta/v1, core/v1).
import { createHash } from 'node:crypto';
import type { KubeCluster, KubePod } from './config.js';

export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

export function versionInfo(): Record<string, string> {
  return {
    ...KUBE_VERSION,
    gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T17:59:15Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

/** /api/v1: the resources served here (kubectl resolves `po`, `ns` from the short names). */
export function coreResourceList(): Record<string, unknown> {
  const res = (name: string, kind: string, namespaced: boolean, verbs: string[], shortNames?: string[]) => ({
    name,
    singularName: name.includes('/') ? '' : kind.toLowerCase(),
    namespaced,
    kind,
    verbs,
    ...(shortNames ? { shortNames } : {}),
  });
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      res('namespaces', 'Namespace', false, ['get', 'list'], ['ns']),
      res('pods', 'Pod', true, ['get', 'list'], ['po']),
      res('pods/exec', 'PodExecOptions', true, ['create', 'get']),
      res('pods/log', 'Pod', true, ['get']),
    ],
  };
}

export interface StatusError {
  code: number;
  reason: string;
  message: string;
  details?: Record<string, unknown>;
}

/** metav1.Status for an error: kubectl prints `Error from server (<reason>): <message>`. */
export function statusObject(e: StatusError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    ...(e.details ? { details: e.details } : {}),
    code: e.code,
  };
}

export const forbidden = (message: string): StatusError => ({ code: 403, reason: 'Forbidden', message });
export const notFound = (message: string, details?: Record<string, unknown>): StatusError => ({
  code: 404,
  reason: 'NotFound',
  message,
  details,
});
export const badRequest = (message: string): StatusError => ({ code: 400, reason: 'BadRequest', message });

/** The apiserver's NotFound for a named object: `pods "x" not found`. */
export function objectNotFound(resource: string, name: string): StatusError {
  return notFound(`${resource} "${name}" not found`, { name, kind: resource });
}

function uid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ts = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function namespaceMeta(c: KubeCluster, ns: string): Record<string, unknown> {
  return {
    name: ns,
    uid: uid(c.name, 'ns', ns),
    resourceVersion: '1',
    creationTimestamp: ts(c.created),
    labels: { 'kubernetes.io/metadata.name': ns },
  };
}

export function namespaceObject(c: KubeCluster, ns: string): Record<string, unknown> {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: namespaceMeta(c, ns),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function namespaceList(c: KubeCluster): Record<string, unknown> {
  return {
    kind: 'NamespaceList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '1' },
    items: [...c.namespaces.keys()].map((ns) => {
      const { kind: _k, apiVersion: _a, ...rest } = namespaceObject(c, ns);
      return rest;
    }),
  };
}

function podMeta(c: KubeCluster, p: KubePod): Record<string, unknown> {
  return {
    name: p.name,
    namespace: p.namespace,
    uid: uid(c.name, 'pod', p.namespace, p.name),
    resourceVersion: '1',
    creationTimestamp: ts(p.created),
    ...(Object.keys(p.labels).length ? { labels: p.labels } : {}),
  };
}

/** The node every pod runs on: the kube cluster's one node. */
export const nodeName = (c: KubeCluster) => `${c.name}-node`;

export function podObject(c: KubeCluster, p: KubePod): Record<string, unknown> {
  const started = ts(p.created);
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: podMeta(c, p),
    spec: {
      containers: p.containers.map((k) => ({
        name: k.name,
        image: k.image,
        imagePullPolicy: 'IfNotPresent',
      })),
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      nodeName: nodeName(c),
    },
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: started,
      })),
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      startTime: started,
      containerStatuses: p.containers.map((k) => ({
        name: k.name,
        state: { running: { startedAt: started } },
        ready: true,
        restartCount: 0,
        image: k.image,
        imageID: '',
        started: true,
      })),
      qosClass: 'BestEffort',
    },
  };
}

export function podList(c: KubeCluster, pods: KubePod[]): Record<string, unknown> {
  return {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '1' },
    items: pods.map((p) => {
      const { kind: _k, apiVersion: _a, ...rest } = podObject(c, p);
      return rest;
    }),
  };
}

/** The apiserver's age column (duration.HumanDuration, short form). */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (h < 24 * 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const col = (name: string, type: string, description: string, priority = 0, format = '') => ({
  name,
  type,
  format,
  description,
  priority,
});

function table(columns: unknown[], rows: unknown[]): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '1' },
    columnDefinitions: columns,
    rows,
  };
}

function partial(meta: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
}

export function podTable(c: KubeCluster, pods: KubePod[], now = Date.now()): Record<string, unknown> {
  return table(
    [
      col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name'),
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted.'),
      col(
        'Age',
        'string',
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      ),
      col('IP', 'string', 'IP address allocated to the pod.', 1),
      col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    ],
    pods.map((p) => ({
      cells: [
        p.name,
        `${p.containers.length}/${p.containers.length}`,
        'Running',
        '0',
        humanAge(now - p.created.getTime()),
        '127.0.0.1',
        nodeName(c),
      ],
      object: partial(podMeta(c, p)),
    })),
  );
}

export function namespaceTable(c: KubeCluster, names: string[], now = Date.now()): Record<string, unknown> {
  return table(
    [
      col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name'),
      col('Status', 'string', 'The status of the namespace'),
      col(
        'Age',
        'string',
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      ),
    ],
    names.map((ns) => ({
      cells: [ns, 'Active', humanAge(now - c.created.getTime())],
      object: partial(namespaceMeta(c, ns)),
    })),
  );
}

/** Whether an Accept header asks for the meta.k8s.io Table form first (`as=Table;v=v1;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  const first = (accept ?? '').split(',')[0] ?? '';
  const params = first.split(';').map((s) => s.trim());
  return params.includes('as=Table') && params.includes('g=meta.k8s.io') && params.includes('v=v1');
}

/** What `kubectl logs` prints for a container: the configured text, else a few fixed lines. */
export function podLog(p: KubePod, container: string): string {
  if (p.log !== undefined) return p.log;
  return [
    `${p.name}/${container}: starting`,
    `${p.name}/${container}: listening on :8080`,
    `${p.name}/${container}: ready`,
    '',
  ].join('\n');
}
