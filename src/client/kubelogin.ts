// What `tshjs kube login` (and `tshjs login --kube-cluster`) write into kubeconfig, built as
// upstream's buildKubeConfigUpdate / updateKubeConfig do (tool/tsh/common/kube.go): the kube
// address of the profile, the root cluster's TLS CAs, the TLS server name under TLS routing, and
// tshjs itself as the exec plugin. docs/kube-client.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { profileName, splitHostPort, type Profile } from '../auth/profile.js';
import { TshError } from '../util/errors.js';
import { readFileIfExists } from '../util/fsutil.js';
import {
  kubeTlsServerName,
  kubeconfigPath,
  updateKubeconfigFile,
  type KubeconfigValues,
} from './kubeconfig.js';
import type { TeleportClient } from './teleport.js';

export interface KubeLoginPlan {
  teleportCluster: string;
  kubeClusters: string[];
  selectCluster?: string;
  impersonate?: string;
  impersonateGroups?: string[];
  namespace?: string;
  contextTemplate?: string;
  /** Absolute path of the tshjs program kubectl runs. */
  executable: string;
  /** --proxy as given, else the profile's web address. */
  proxyAddr?: string;
}

/** The absolute path of the running tshjs program (os.Executable for a node script). */
export function tshjsExecutable(argv1 = process.argv[1] ?? ''): string {
  if (!argv1) return '';
  try {
    return fs.realpathSync(path.resolve(argv1));
  } catch {
    return path.resolve(argv1);
  }
}

/** The values for the default kubeconfig (and the profile kubeconfig) of a profile. */
export async function kubeconfigValues(
  tc: TeleportClient,
  p: Profile,
  plan: KubeLoginPlan,
): Promise<KubeconfigValues> {
  if (!p.kubeProxyAddr) throw new TshError('this cluster does not support Kubernetes', 'bad-parameter');
  const id = await tc.identity();
  const keys = await tc.keyStore();
  const ca = readFileIfExists(keys.paths.clusterCA(profileName(p), id.rootCluster))?.toString('utf8') ?? '';
  // RootClusterCAs: each PEM block, joined by newlines.
  const caPem = (ca.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [])
    .map((b) => (b.endsWith('\n') ? b : `${b}\n`))
    .join('\n');
  const env = tc.config.env ?? process.env;
  const home = env.TELEPORT_HOME;
  return {
    teleportCluster: plan.teleportCluster,
    clusterAddr: `https://${p.kubeProxyAddr}`,
    caPem,
    tlsServerName: p.tlsRoutingEnabled ? kubeTlsServerName(splitHostPort(p.kubeProxyAddr).host) : undefined,
    proxyAddr: plan.proxyAddr || p.webProxyAddr,
    exec: {
      command: plan.executable,
      insecure: !!tc.config.insecure,
      env: home ? { TELEPORT_HOME: home } : undefined,
    },
    kubeClusters: plan.kubeClusters,
    selectCluster: plan.selectCluster,
    impersonate: plan.impersonate,
    impersonateGroups: plan.impersonateGroups,
    namespace: plan.namespace,
    contextTemplate: plan.contextTemplate,
  };
}

/**
 * Writes the default kubeconfig (first $KUBECONFIG path, else ~/.kube/config) and, for one
 * selected cluster, the profile kubeconfig keys/<proxy>/<user>-kube/<cluster>/<kube>-kubeconfig.
 */
export async function writeKubeLogin(tc: TeleportClient, p: Profile, plan: KubeLoginPlan): Promise<string> {
  const v = await kubeconfigValues(tc, p, plan);
  const env = tc.config.env ?? process.env;
  const file = kubeconfigPath(env);
  updateKubeconfigFile(file, v);
  if (plan.selectCluster && p.username) {
    const keys = await tc.keyStore();
    const profileFile = keys.paths.kubeConfig(
      profileName(p),
      p.username,
      plan.teleportCluster,
      plan.selectCluster,
    );
    updateKubeconfigFile(profileFile, { ...v, kubeClusters: [plan.selectCluster] });
  }
  return file;
}
