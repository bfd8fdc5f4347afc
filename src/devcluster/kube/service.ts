// The dev cluster's Kubernetes access: what Teleport's proxy and Kubernetes service
// (lib/kube/proxy/forwarder.go) do for kubectl, in one process, with no kube-apiserver behind it:
//   routing   the web port's ClientHello with SNI `kube-teleport-proxy-alpn.…` comes here,
//             whatever its ALPN (lib/srv/alpnproxy/proxy.go); TLS is terminated with a proxy host
//             certificate and a client certificate from the user CA is required;
//   auth      the certificate must be unrestricted or usage:kube, from this cluster, and name a
//             configured kube cluster (KubernetesCluster, 1.3.9999.1.3); the roles give
//             kubernetes_users/groups for that cluster's labels, deny rules and
//             kubernetes_resources are applied, and Impersonate-User/-Group must stay within them;
//   API       the subset kubectl needs (api.ts), errors as metav1.Status;
//   exec      WebSocket v5/v4.channel.k8s.io (exec.ts), recorded (recording.ts).
// docs/kube-service.md lists the upstream facts.
import { createPublicKey, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { generateKey } from '../../auth/keygen.js';
import { decodeTlsIdentity, type TlsIdentity } from '../../auth/x509/identity.js';
import { acceptKey, validKey } from '../../wire/websocket.js';
import { caAlgorithms, type Authority } from '../authority.js';
import type { DevClusterConfig, RoleConfig } from '../config.js';
import { interpolate, labelsMatch, roleDeny } from '../rbac.js';
import { issueTlsCert } from '../tlsca.js';
import {
  apiGroupList,
  apiVersions,
  badRequest,
  coreResourceList,
  forbidden,
  namespaceList,
  namespaceObject,
  namespaceTable,
  nodeName,
  notFound,
  objectNotFound,
  podList,
  podLog,
  podObject,
  podTable,
  statusObject,
  versionInfo,
  wantsTable,
  type StatusError,
} from './api.js';
import { EXEC_PROTOCOLS } from './channels.js';
import {
  kubeResourceRules,
  resourceRulesMatch,
  servedKubeClusters,
  type KubeCluster,
  type KubePod,
} from './config.js';
import { ExecSession, execRequestFromQuery } from './exec.js';
import { KubeRecorder } from './recording.js';
import { SessionTrackers } from './trackers.js';
import { resourceAllowed } from '../access/resources.js';

/** api/constants KubeTeleportProxyALPNPrefix. */
export const KUBE_SNI_PREFIX = 'kube-teleport-proxy-alpn.';
/** teleport.UsageKubeOnly */
export const USAGE_KUBE = 'usage:kube';
/** teleport.KubeSystemAuthenticated, added to every user's groups (fillDefaultKubePrincipalDetails). */
export const KUBE_SYSTEM_AUTHENTICATED = 'system:authenticated';
/** forwarder.go ImpersonationRequestDeniedMessage */
export const IMPERSONATION_DENIED = 'impersonation request has been denied';
/** forwarder.go authorize: no kubernetes_users/groups for this cluster. */
export const MSG_NO_KUBE_PRINCIPALS =
  "Your user's Teleport role does not allow Kubernetes access. Please ask cluster administrator to ensure your role has appropriate kubernetes_groups and kubernetes_users set.";
export const MSG_INVALID_CLIENT_CERT = 'access denied: invalid client certificate';

export function isKubeSni(serverName: string | undefined): boolean {
  return !!serverName && serverName.startsWith(KUBE_SNI_PREFIX);
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export interface KubeServiceOptions {
  config: DevClusterConfig;
  authority: Authority;
  recordingsDir: () => string;
  log: Log;
}

class KubeError extends Error {
  constructor(readonly status: StatusError) {
    super(status.message);
  }
}

/** What a request may do on its kube cluster (authContext). */
export interface KubeAccess {
  identity: TlsIdentity;
  cluster: KubeCluster;
  roles: RoleConfig[];
  traits: Record<string, string[]>;
  users: Set<string>;
  groups: Set<string>;
  impersonateUser: string;
  impersonateGroups: string[];
}

/** The resource a request is about (apiResource), for kubernetes_resources and its messages. */
interface KubeResource {
  kind: 'pod' | 'namespace';
  resource: 'pods' | 'namespaces';
  namespace: string;
  name: string;
  verb: string;
}

/** Go's canonical MIME header form (http.CanonicalHeaderKey): impersonate-user → Impersonate-User. */
function canonicalHeader(h: string): string {
  return h
    .split('-')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w))
    .join('-');
}

/**
 * computeImpersonatedPrincipals: Impersonate-User / Impersonate-Group must be within the allowed
 * sets; with none asked for, the one allowed user (or refusal when several) and every group.
 */
export function impersonation(
  headers: Record<string, string[] | undefined>,
  users: Set<string>,
  groups: Set<string>,
): { user: string; groups: string[] } {
  let user = '';
  const asked: string[] = [];
  for (const [raw, values = []] of Object.entries(headers)) {
    const header = canonicalHeader(raw);
    if (!header.startsWith('Impersonate-')) continue;
    if (header === 'Impersonate-User') {
      if (user)
        throw new KubeError(forbidden(`${IMPERSONATION_DENIED}, user already specified to "${user}"`));
      if (values.length !== 1) {
        throw new KubeError(
          forbidden(`${IMPERSONATION_DENIED}, invalid user header ${JSON.stringify(values)}`),
        );
      }
      if (!values[0]) continue;
      user = values[0];
      if (!users.has(user)) {
        throw new KubeError(
          forbidden(`${IMPERSONATION_DENIED}, user header "${user}" is not allowed in roles`),
        );
      }
    } else if (header === 'Impersonate-Group') {
      for (const g of values) {
        if (!groups.has(g)) {
          throw new KubeError(
            forbidden(`${IMPERSONATION_DENIED}, group header "${g}" value is not allowed in roles`),
          );
        }
        asked.push(g);
      }
    } else {
      throw new KubeError(forbidden(`${IMPERSONATION_DENIED}, unsupported impersonation header "${header}"`));
    }
  }
  if (!user) {
    if (users.size !== 1) {
      throw new KubeError(
        forbidden(
          'please select a user to impersonate, refusing to select a user due to several kubernetes_users set up for this user',
        ),
      );
    }
    user = [...users][0]!;
  }
  return { user, groups: asked.length ? [...new Set(asked)] : [...groups] };
}

type Selector = Record<string, string | string[]> | undefined;

/** forwarder.go kubeResourceDeniedAccessMsg (the first line kubectl shows, and its hints). */
export function resourceDeniedMessage(user: string, r: KubeResource): string {
  const teleportKind = r.kind === 'pod' ? 'pod' : 'namespace';
  const hint = `Ask your Teleport admin to ensure that your Teleport role includes access to the ${teleportKind} in "kubernetes_resources" field.`;
  if (r.namespace && r.name) {
    return (
      `${r.resource} "${r.name}" is forbidden: User "${user}" cannot ${r.verb} resource "${r.resource}" in API group "" in the namespace "${r.namespace}"\n` +
      `${hint}\nCheck by running: kubectl auth can-i ${r.verb} ${r.resource}/${r.name} --namespace ${r.namespace} `
    );
  }
  if (r.namespace) {
    return (
      `${r.resource} is forbidden: User "${user}" cannot ${r.verb} resource "${r.resource}" in API group "" in the namespace "${r.namespace}"\n` +
      `${hint}\nCheck by running: kubectl auth can-i ${r.verb} ${r.resource} --namespace ${r.namespace} `
    );
  }
  if (!r.name) {
    return (
      `${r.resource} is forbidden: User "${user}" cannot ${r.verb} resource "${r.resource}" in API group "" at the cluster scope\n` +
      `${hint}\nCheck by running: kubectl auth can-i ${r.verb} ${r.resource}`
    );
  }
  return (
    `${r.resource} "${r.name}" is forbidden: User "${user}" cannot ${r.verb} resource "${r.resource}" in API group "" at the cluster scope\n` +
    `${hint}\nCheck by running: kubectl auth can-i ${r.verb} ${r.resource}/${r.name}`
  );
}

export class KubeService {
  readonly hostId = randomUUID();
  /** Live exec sessions, for AuthService.GetActiveSessionTrackers (trackers.ts). */
  readonly trackers = new SessionTrackers();
  private readonly clusters: Map<string, KubeCluster>;
  private readonly http: http.Server;
  private tlsServer?: Promise<tls.Server>;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly opts: KubeServiceOptions) {
    this.clusters = servedKubeClusters(opts.config);
    this.http = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /** A raw web-port connection whose ClientHello named a kube SNI (bytes put back, paused). */
  handle(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    (this.tlsServer ??= this.makeTls()).then(
      (srv) => srv.emit('connection', socket),
      (err: Error) => {
        this.opts.log('kube: TLS setup failed', { level: 'error', error: err.message });
        socket.destroy();
      },
    );
  }

  stop(): void {
    this.http.closeAllConnections();
    for (const s of this.sockets) s.destroy();
  }

  /**
   * The proxy's TLS for kube: a host certificate (CN <host id>.<cluster>, O Proxy) whose names
   * cover `kube-teleport-proxy-alpn.<cluster>` and `kube-teleport-proxy-alpn.teleport.cluster.local`;
   * a client certificate from the user CA is required; HTTP/1.1 only (exec upgrades need it).
   */
  private async makeTls(): Promise<tls.Server> {
    const a = this.opts.authority;
    const key = generateKey(caAlgorithms(a.suite).tls);
    const cert = await issueTlsCert({
      caCertPem: a.hostTLS.certPem,
      caKey: a.hostTLS.key,
      publicKey: createPublicKey(key),
      notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
      identity: {
        username: `${this.hostId}.${a.clusterName}`,
        groups: ['Proxy'],
        teleportCluster: a.clusterName,
      },
      dnsNames: [
        '*.teleport.cluster.local',
        'teleport.cluster.local',
        `*.${a.clusterName}`,
        a.clusterName,
        `${KUBE_SNI_PREFIX}teleport.cluster.local`,
        `${KUBE_SNI_PREFIX}${a.clusterName}`,
        'localhost',
      ],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    const srv = tls.createServer({
      key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
      cert: cert + a.hostTLS.certPem,
      ca: [a.userTLS.certPem],
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
    });
    srv.on('secureConnection', (s) => {
      s.on('error', () => s.destroy());
      this.http.emit('connection', s);
    });
    srv.on('tlsClientError', (err) => this.opts.log('kube: TLS handshake failed', { error: err.message }));
    return srv;
  }

  /** authContext + authorize (forwarder.go) for the request's certificate and resource. */
  authorize(req: http.IncomingMessage, resource?: KubeResource): KubeAccess {
    const cfg = this.opts.config;
    const sock = req.socket as tls.TLSSocket;
    const peer = sock.getPeerCertificate?.(true) as tls.DetailedPeerCertificate | undefined;
    let identity: TlsIdentity;
    try {
      if (!sock.authorized || !peer?.raw) throw new Error('no verified client certificate');
      identity = decodeTlsIdentity(peer.raw);
    } catch {
      throw new KubeError({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
    }
    // auth.Middleware with AcceptedUsage [usage:kube].
    if (identity.usage.length && !identity.usage.includes(USAGE_KUBE)) {
      throw new KubeError(forbidden(MSG_INVALID_CLIENT_CERT));
    }
    if ((identity.routeToCluster || cfg.cluster_name) !== cfg.cluster_name) {
      throw new KubeError(notFound(`cluster "${identity.routeToCluster}" not found`));
    }
    const name = identity.kubernetesCluster ?? '';
    const cluster = this.clusters.get(name);
    if (!cluster) throw new KubeError(notFound(`cluster "${name}" not found`));
    const roles = identity.groups
      .map((g) => cfg.roles.find((r) => r.name === g))
      .filter((r): r is RoleConfig => !!r);
    const user = cfg.users.find((u) => u.name === identity.username);
    const traits = Object.keys(identity.traits).length ? identity.traits : (user?.traits ?? {});
    const expand = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => interpolate(x, traits));

    // CheckKubeGroupsAndUsers with the cluster-labels (and resource) matchers.
    const matches = (r: RoleConfig) =>
      labelsMatch(r.kubernetes_labels as Selector, cluster.labels) &&
      (!resource || resourceRulesMatch(kubeResourceRules(r, 'allow'), resource, resource.verb));
    const denies = (r: RoleConfig) =>
      labelsMatch(roleDeny(r).kubernetes_labels as Selector, cluster.labels) ||
      (!!resource && resourceRulesMatch(kubeResourceRules(r, 'deny'), resource, resource.verb));
    const groups = new Set<string>();
    const users = new Set<string>();
    for (const r of roles.filter(matches)) {
      for (const g of expand(r.kubernetes_groups)) groups.add(g);
      for (const u of expand(r.kubernetes_users)) users.add(u);
    }
    for (const r of roles) {
      for (const g of expand(roleDeny(r).kubernetes_groups)) groups.delete(g);
      for (const u of expand(roleDeny(r).kubernetes_users)) users.delete(u);
    }
    const deniedMessage = resource
      ? resourceDeniedMessage(identity.username, resource)
      : `kubernetes cluster "${name}" not found`;
    if (groups.size === 0 && users.size === 0) {
      // A resource request no role allows is refused as the resource; else no principals at all.
      if (resource && roles.some((r) => labelsMatch(r.kubernetes_labels as Selector, cluster.labels))) {
        throw new KubeError(forbidden(deniedMessage));
      }
      throw new KubeError(notFound(MSG_NO_KUBE_PRINCIPALS));
    }
    if (users.size === 0) users.add(identity.username);
    groups.add(KUBE_SYSTEM_AUTHENTICATED);
    // CheckAccess: deny rules first, then one allowing role; a resource access request's
    // certificate reaches only the clusters (or their resources) it lists.
    if (
      roles.some(denies) ||
      !roles.some(matches) ||
      !resourceAllowed(identity.allowedResourceIds, cfg.cluster_name, 'kube_cluster', name)
    )
      throw new KubeError(forbidden(deniedMessage));
    const imp = impersonation(req.headersDistinct, users, groups);
    return {
      identity,
      cluster,
      roles,
      traits,
      users,
      groups,
      impersonateUser: imp.user,
      impersonateGroups: imp.groups,
    };
  }

  /** Whether the access's roles let `verb` through for one listed object (list filtering). */
  private visible(access: KubeAccess, res: Omit<KubeResource, 'verb' | 'resource'>, verb: string): boolean {
    const labels = access.cluster.labels;
    const r = { ...res };
    if (access.roles.some((x) => labelsMatch(roleDeny(x).kubernetes_labels as Selector, labels)))
      return false;
    if (access.roles.some((x) => resourceRulesMatch(kubeResourceRules(x, 'deny'), r, verb))) return false;
    return access.roles.some(
      (x) =>
        labelsMatch(x.kubernetes_labels as Selector, labels) &&
        resourceRulesMatch(kubeResourceRules(x, 'allow'), r, verb),
    );
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const send = (code: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const out = this.route(req);
      send(200, out.body, out.type);
    } catch (err) {
      const status =
        err instanceof KubeError
          ? err.status
          : { code: 500, reason: 'InternalError', message: (err as Error)?.message ?? String(err) };
      if (!(err instanceof KubeError))
        this.opts.log('kube: request failed', { level: 'error', error: status.message });
      send(status.code, statusObject(status));
    }
  }

  private route(req: http.IncomingMessage): { body: unknown; type?: string } {
    const url = new URL(req.url ?? '/', 'https://kube');
    const parts = url.pathname.split('/').filter(Boolean);
    const table = wantsTable(req.headers.accept);
    const notServed = () => new KubeError(notFound('the server could not find the requested resource', {}));
    if (req.method !== 'GET') {
      this.authorize(req);
      throw new KubeError({
        code: 405,
        reason: 'MethodNotAllowed',
        message: `the server does not allow this method on the requested resource`,
      });
    }
    const p = parts.join('/');
    if (p === 'version') return { body: (this.authorize(req), versionInfo()) };
    if (p === 'api')
      return { body: (this.authorize(req), apiVersions(req.socket.localAddress ?? '127.0.0.1')) };
    if (p === 'apis') return { body: (this.authorize(req), apiGroupList()) };
    if (p === 'api/v1') return { body: (this.authorize(req), coreResourceList()) };
    if (parts[0] !== 'api' || parts[1] !== 'v1') {
      this.authorize(req);
      throw notServed();
    }
    const rest = parts.slice(2);
    // /api/v1/pods: every namespace (kubectl get pods -A).
    if (rest.length === 1 && rest[0] === 'pods') {
      const access = this.authorize(req);
      const c = access.cluster;
      const pods = [...c.namespaces.values()]
        .flat()
        .filter((x) => this.visible(access, { kind: 'pod', namespace: x.namespace, name: x.name }, 'list'));
      return { body: table ? podTable(c, pods) : podList(c, pods) };
    }
    if (rest[0] !== 'namespaces') {
      this.authorize(req);
      throw notServed();
    }
    if (rest.length === 1) {
      const access = this.authorize(req);
      const c = access.cluster;
      const names = [...c.namespaces.keys()].filter((ns) =>
        this.visible(access, { kind: 'namespace', namespace: '', name: ns }, 'list'),
      );
      if (table) return { body: namespaceTable(c, names) };
      const list = namespaceList(c) as { items: Array<{ metadata: { name: string } }> };
      list.items = list.items.filter((i) => names.includes(i.metadata.name));
      return { body: list };
    }
    const ns = rest[1]!;
    if (rest.length === 2) {
      const access = this.authorize(req, {
        kind: 'namespace',
        resource: 'namespaces',
        namespace: '',
        name: ns,
        verb: 'get',
      });
      if (!access.cluster.namespaces.has(ns)) throw new KubeError(objectNotFound('namespaces', ns));
      return { body: table ? namespaceTable(access.cluster, [ns]) : namespaceObject(access.cluster, ns) };
    }
    if (rest[2] !== 'pods' || rest.length > 5) {
      this.authorize(req);
      throw notServed();
    }
    if (rest.length === 3) {
      const access = this.authorize(req);
      const c = access.cluster;
      const pods = (c.namespaces.get(ns) ?? []).filter((x) =>
        this.visible(access, { kind: 'pod', namespace: ns, name: x.name }, 'list'),
      );
      return { body: table ? podTable(c, pods) : podList(c, pods) };
    }
    const name = rest[3]!;
    const sub = rest[4];
    if (sub === undefined) {
      const access = this.authorize(req, { kind: 'pod', resource: 'pods', namespace: ns, name, verb: 'get' });
      const pod = this.pod(access.cluster, ns, name);
      return { body: table ? podTable(access.cluster, [pod]) : podObject(access.cluster, pod) };
    }
    if (sub === 'log') {
      const access = this.authorize(req, { kind: 'pod', resource: 'pods', namespace: ns, name, verb: 'get' });
      const pod = this.pod(access.cluster, ns, name);
      const container = this.container(pod, url.searchParams.get('container'));
      return { body: podLog(pod, container), type: 'text/plain' };
    }
    if (sub === 'exec') {
      this.authorize(req, { kind: 'pod', resource: 'pods', namespace: ns, name, verb: 'exec' });
      throw new KubeError(badRequest('Upgrade request required'));
    }
    this.authorize(req);
    throw notServed();
  }

  private pod(c: KubeCluster, ns: string, name: string): KubePod {
    const pod = c.namespaces.get(ns)?.find((x) => x.name === name);
    if (!pod) throw new KubeError(objectNotFound('pods', name));
    return pod;
  }

  /** The container a request names, else the pod's only (or first, as the default) one. */
  private container(pod: KubePod, asked: string | null): string {
    if (!asked) {
      if (pod.containers.length === 1) return pod.containers[0]!.name;
      throw new KubeError(
        badRequest(
          `a container name must be specified for pod ${pod.name}, choose one of: [${pod.containers.map((c) => c.name).join(' ')}]`,
        ),
      );
    }
    if (!pod.containers.some((c) => c.name === asked)) {
      throw new KubeError(badRequest(`container ${asked} is not valid for pod ${pod.name}`));
    }
    return asked;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const reply = (s: StatusError) => {
      const body = JSON.stringify(statusObject(s));
      socket.end(
        `HTTP/1.1 ${s.code} ${http.STATUS_CODES[s.code] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    try {
      const url = new URL(req.url ?? '/', 'https://kube');
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      if (!m) {
        this.authorize(req);
        throw new KubeError(notFound('the server could not find the requested resource', {}));
      }
      const [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      const access = this.authorize(req, {
        kind: 'pod',
        resource: 'pods',
        namespace: ns,
        name,
        verb: 'exec',
      });
      const pod = this.pod(access.cluster, ns, name);
      const container = this.container(pod, url.searchParams.get('container'));
      const exec = execRequestFromQuery(url.searchParams);
      if (exec.command.length === 0) throw new KubeError(badRequest('you must specify at least 1 command'));
      if (!exec.stdin && !exec.stdout && !exec.stderr) {
        throw new KubeError(badRequest('you must specify at least 1 of stdin, stdout, stderr'));
      }
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim());
      const protocol = EXEC_PROTOCOLS.find((p) => offered.includes(p));
      const key = req.headers['sec-websocket-key'];
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !protocol || !validKey(key)) {
        // SPDY/3.1 (kubectl's fallback) is not served.
        throw new KubeError(
          badRequest(`unable to upgrade connection: only WebSocket (${EXEC_PROTOCOLS.join(', ')}) is served`),
        );
      }
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKey(key!)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
      this.startExec(req, socket, head, protocol, access, pod, container, exec);
    } catch (err) {
      if (err instanceof KubeError) reply(err.status);
      else {
        this.opts.log('kube: exec failed', { level: 'error', error: (err as Error)?.message });
        reply({ code: 500, reason: 'InternalError', message: (err as Error)?.message ?? String(err) });
      }
    }
  }

  private startExec(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    protocol: string,
    access: KubeAccess,
    pod: KubePod,
    container: string,
    exec: ReturnType<typeof execRequestFromQuery>,
  ): void {
    const { log, config, recordingsDir } = this.opts;
    const tlsSock = req.socket as tls.TLSSocket;
    const spec = pod.containers.find((c) => c.name === container);
    const session: { s?: ExecSession } = {};
    const rec = new KubeRecorder(
      recordingsDir(),
      {
        clusterName: config.cluster_name,
        identity: access.identity,
        serverId: this.hostId,
        localAddr: `${tlsSock.localAddress ?? ''}:${tlsSock.localPort ?? 0}`,
        remoteAddr: `${tlsSock.remoteAddress ?? ''}:${tlsSock.remotePort ?? 0}`,
        kubeCluster: {
          KubernetesCluster: access.cluster.name,
          KubernetesUsers: [access.impersonateUser],
          KubernetesGroups: [...access.impersonateGroups],
          KubernetesLabels: { ...access.cluster.labels },
        },
        pod: {
          KubernetesPodName: pod.name,
          KubernetesPodNamespace: pod.namespace,
          KubernetesContainerName: container,
          KubernetesContainerImage: spec?.image ?? '',
          KubernetesNodeName: nodeName(access.cluster),
        },
        command: exec.command,
        tty: exec.tty,
        terminalSize: '',
      },
      (err) => log('kube: recording failed', { level: 'error', error: err.message }),
    );
    log('kube: exec', { session: rec.sessionId, pod: pod.name, command: exec.command, file: rec.file });
    const user = access.identity.username;
    this.trackers.start({
      sessionId: rec.sessionId,
      clusterName: config.cluster_name,
      kubeCluster: access.cluster.name,
      namespace: pod.namespace,
      pod: pod.name,
      user,
      roles: access.roles,
      hostId: this.hostId,
      command: exec.command,
      reason: exec.reason,
      invited: exec.invited,
      now: new Date(),
    });
    session.s = new ExecSession(
      socket,
      protocol,
      exec,
      rec,
      (msg, f) => log(msg, { session: rec.sessionId, ...f }),
      () => this.trackers.end(rec.sessionId),
    );
    this.trackers.running(rec.sessionId, user, new Date());
    session.s.start(head);
  }
}
