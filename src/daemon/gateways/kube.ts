// A Kubernetes gateway (lib/teleterm/gateway kube.go): the CLI's `proxy kube` local proxy
// (src/proxy/kube.ts: a CONNECT forward proxy in front of a local TLS server with its own CA) for
// one kube cluster, and a kubeconfig for it written under the kubeconfigs directory at upstream's
// path (keypaths.KubeConfigPath: keys/<profile>/<user>-kube/<cluster>/<kube>-kubeconfig), removed
// when the gateway closes. The kube certificate is the one `tsh kube login` keeps; an expired one is
// reissued on the next request, asking the app for a new login when the user's has expired.
import { KeyPaths } from '../../auth/keypaths.js';
import { profileNameFromAddr, splitHostPort } from '../../auth/profile.js';
import { issueKubeCert, readKubeCert, type KubeCert } from '../../client/kubecerts.js';
import type { TeleportClient } from '../../client/teleport.js';
import { KubeLocalProxy } from '../../proxy/kube.js';
import { createLocalProxyConfig, defaultContextName } from '../../proxy/kubeconfiglocal.js';
import { kubeLocalProxySNI } from '../../proxy/kubesni.js';
import { readFileIfExists, removeFileSecure, writeFileAtomic } from '../../util/fsutil.js';
import { yaml } from '../../util/lazy.js';
import type { DaemonDeps } from '../deps.js';
import { daemonError } from '../errors.js';
import { kubeGatewayCommand } from './clicommand.js';
import { freshClient, renewWithRelogin } from './renew.js';
import type { GatewayTarget, LiveGateway } from './types.js';

export interface KubeGatewayOptions {
  uri: string;
  target: GatewayTarget;
  port: number | undefined;
  /** --kubeconfigs-dir: where the gateways' kubeconfigs go. */
  kubeconfigsDir: string;
}

/** Go's %q for the names in messages. */
const q = (s: string) => JSON.stringify(s);

/** The kube cluster must exist and be visible to the user (upstream's getKube before issuing). */
async function checkKubeExists(tc: TeleportClient, kube: string): Promise<void> {
  const found = await tc.collect('kube_server', { predicate: `name == ${q(kube)}` }, (r) =>
    r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster?.Metadata?.Name : undefined,
  );
  if (!found.includes(kube)) throw daemonError('not-found', `kubernetes cluster ${q(kube)} not found`);
}

/** A kube certificate still good for a minute, else a fresh one (MFA through the app). */
async function issue(deps: DaemonDeps, o: KubeGatewayOptions, force: boolean): Promise<KubeCert> {
  const tc = await freshClient(deps, o.target);
  const cluster = (await tc.identity()).cluster;
  if (!force) {
    const saved = await readKubeCert(tc, cluster, o.target.name);
    if (saved && saved.expires.getTime() - Date.now() > 60_000) return saved;
  }
  const c = await issueKubeCert(tc, {
    cluster,
    kube: o.target.name,
    prompter: deps.events.ready
      ? deps.events.mfaPrompter(
          o.target.uri,
          `MFA is required to access Kubernetes cluster "${o.target.name}"`,
        )
      : undefined,
  });
  return { certPem: c.certPem, keyPem: c.keyPem, expires: c.expires };
}

export async function createKubeGateway(deps: DaemonDeps, o: KubeGatewayOptions): Promise<LiveGateway> {
  const tc = await freshClient(deps, o.target);
  await checkKubeExists(tc, o.target.name);
  const cert = await issue(deps, o, false);
  return startKubeGateway(deps, o, cert);
}

async function startKubeGateway(
  deps: DaemonDeps,
  o: KubeGatewayOptions,
  initial: KubeCert,
): Promise<LiveGateway> {
  const tc = await deps.clientFor(o.target.clusterUri);
  const id = await tc.identity();
  const cluster = id.cluster;
  const sni = kubeLocalProxySNI(cluster, o.target.name);
  const web = splitHostPort(id.webProxyAddr);
  // ClearCerts (after AssumeRole): the certificate in hand counts as expired until the next reissue.
  let stale = false;
  let current = initial;
  const self = { uri: o.uri, target: o.target };
  // A port in use or not allowed is the CLI's one-line BadParameter.
  const proxy = await KubeLocalProxy.start({
    targets: [{ teleportCluster: cluster, kubeCluster: o.target.name }],
    certs: new Map([[sni, initial]]),
    reissue: async () => {
      const force = stale;
      current = await renewWithRelogin(deps, self, () => issue(deps, o, force));
      stale = false;
      return current;
    },
    proxyHost: web.host,
    proxyPort: web.port ?? 443,
    ca: id.trustedCAs,
    insecure: deps.insecure,
    port: o.port,
    now: () => (stale ? Number.MAX_SAFE_INTEGER : Date.now()),
    log: (msg, f) => deps.log.debug(msg, { gateway: o.uri, ...f }),
  });

  const file = new KeyPaths(o.kubeconfigsDir).kubeConfig(
    profileNameFromAddr(id.webProxyAddr),
    id.username,
    cluster,
    o.target.name,
  );
  const doc = createLocalProxyConfig(undefined, {
    teleportKubeClusterAddr: `https://${id.webProxyAddr}`,
    localProxyURL: `http://${proxy.address}`,
    localProxyCAs: new Map([...proxy.localCAs].map(([k, v]) => [k, v.certPem])),
    clientKeyPem: proxy.localKey.keyPem,
    clusters: [{ teleportCluster: cluster, kubeCluster: o.target.name }],
    contextName: defaultContextName,
  });
  const text = yaml().stringify(doc, { sortMapEntries: true });
  try {
    writeFileAtomic(file, text, 0o600);
  } catch (err) {
    await proxy.close();
    throw err;
  }

  let subresource = '';
  let closed = false;
  return {
    uri: o.uri,
    target: o.target,
    targetUser: '',
    get targetSubresourceName() {
      return subresource;
    },
    set targetSubresourceName(v: string) {
      subresource = v;
    },
    protocol: '',
    localAddress: 'localhost',
    localPort: String(proxy.port),
    cliCommand: () => Promise.resolve(kubeGatewayCommand(file, deps.env.PATH)),
    withLocalPort: (port) => startKubeGateway(deps, { ...o, port }, current),
    clearCerts() {
      stale = true;
    },
    async close() {
      if (closed) throw daemonError('bad-parameter', `gateway ${o.uri} is already closed`);
      closed = true;
      await proxy.close();
      // A replacement on another port (SetGatewayLocalPort) has rewritten the same path: keep its file.
      if (readFileIfExists(file)?.toString('utf8') === text) removeFileSecure(file);
    },
  };
}
