// tshjs kube ls / login / credentials / exec (tool/tsh/common/kube.go). `kube credentials` runs on
// every kubectl call: its path loads only the profile and the .cred file (docs/kube-client.md).
import type { Readable, Writable } from 'node:stream';
import type { KubernetesClusterV3 } from '../gen/teleport/legacy/types/types.js';
import { allLabels, formatLabels, formatResourceName } from '../output/labels.js';
import { dedupeByName, printListing, sortedRecord, type Format } from '../output/printer.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import {
  clusterFlag,
  defineCommand,
  formatFlag,
  labelsArg,
  listingFlags,
  listingOptions,
  type FlagSpec,
} from './command.js';
import { TshError } from '../util/errors.js';
import { profileCluster } from '../auth/profile.js';
import type { CommandContext } from './context.js';

export interface KubeLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
  quiet?: boolean;
}

export const kubeLs = defineCommand<KubeLsOptions>({
  path: ['kube', 'ls'],
  description: 'Get a list of Kubernetes clusters',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags, { flags: '-q, --quiet', description: 'Quiet mode' }],
  options: (args, f) => ({ ...listingOptions(args, f), quiet: f.quiet === true }),
  run: runKubeLs,
});

export const group = { name: 'kube', description: 'Manage available Kubernetes clusters' };

/** types.KubeCluster GetAllLabels: static labels and the results of dynamic labels. */
export function kubeLabels(k: KubernetesClusterV3): Record<string, string> {
  return allLabels(k.Metadata?.Labels, k.Spec?.DynamicLabels);
}

export async function runKubeLs(o: KubeLsOptions, ctx: CommandContext): Promise<number> {
  const found = await ctx
    .client()
    .collect('kube_server', resourceFilter(o), (r) =>
      r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined,
    );
  const clusters = dedupeByName(found, (k) => k.Metadata?.Name ?? '').sort((a, b) =>
    (a.Metadata?.Name ?? '') < (b.Metadata?.Name ?? '') ? -1 : 1,
  );
  // The cluster of kubeconfig's current context, when it belongs to this Teleport cluster.
  const tc = ctx.client();
  const { kubeconfigPath, selectedKubeCluster } = await import('../client/kubeconfig.js');
  // The profile's cluster (no certificate decoding); none selected when there is no profile.
  const profile = tc.selectedProfile();
  const teleportCluster = tc.config.cluster || (profile ? profileCluster(profile) : '');
  const current = teleportCluster ? selectedKubeCluster(kubeconfigPath(ctx.env), teleportCluster) : '';
  const selected = (k: KubernetesClusterV3) => !!current && k.Metadata?.Name === current;
  const verbose = !!o.verbose;
  // formatKubeClustersAsText (tool/tsh/common/kube.go): name (discovered name without -v), labels
  // (common.FormatLabels), then rows stably sorted by the name shown (SortRowsBy([0], true)); -q is a
  // headless table of the first two cells.
  const row = (k: KubernetesClusterV3) => [
    formatResourceName(k.Metadata?.Name ?? '', kubeLabels(k), verbose),
    formatLabels(kubeLabels(k), verbose),
    selected(k) ? '*' : '',
  ];
  printListing(
    ctx.io,
    o.format,
    clusters,
    o.quiet
      ? { titles: ['', ''], row, quiet: true, sortByFirstColumn: true }
      : {
          titles: ['Kube Cluster Name', 'Labels', 'Selected'],
          row,
          truncate: verbose ? undefined : 'Labels',
          sortByFirstColumn: true,
        },
    // serializeKubeClusters: GetAllLabels, nil when empty.
    (k) => {
      const l = kubeLabels(k);
      return {
        kube_cluster_name: k.Metadata?.Name ?? '',
        labels: Object.keys(l).length ? sortedRecord(l) : null,
        selected: selected(k),
      };
    },
  );
  return 0;
}

// ---- kube login ------------------------------------------------------------------------------

export interface KubeLoginOptions {
  kubeCluster?: string;
  cluster?: string;
  labels?: string;
  query?: string;
  as?: string;
  asGroups?: string[];
  namespace?: string;
  all?: boolean;
  setContextName?: string;
}

const DEFAULT_CONTEXT_TEMPLATE = '{{.ClusterName}}-{{.KubeName}}';

export const kubeLogin = defineCommand<KubeLoginOptions>({
  path: ['kube', 'login'],
  description: 'Login to a Kubernetes cluster.',
  args: [
    {
      name: '[kube-cluster]',
      description:
        "Name of the Kubernetes cluster to login to. Check 'tsh kube ls' for a list of available clusters.",
    },
  ],
  flags: [
    clusterFlag,
    { flags: '--labels <labels>', description: 'List of labels to filter node list (e.g. env=prod,team=a)' },
    { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
    { flags: '--as <user>', description: 'Configure custom Kubernetes user impersonation.' },
    {
      flags: '--as-groups <group>',
      description: 'Configure custom Kubernetes group impersonation.',
      parse: 'list',
    },
    { flags: '-n, --namespace <ns>', description: 'Configure the default Kubernetes namespace.' },
    {
      flags: '--kube-namespace <ns>',
      description: 'Configure the default Kubernetes namespace.',
      hidden: true,
    },
    { flags: '--all', description: 'Generate a kubeconfig with every cluster the user has access to.' },
    {
      flags: '--set-context-name <template>',
      description: 'Define a custom context name. To use it with --all include "{{.KubeName}}"',
      default: DEFAULT_CONTEXT_TEMPLATE,
    },
  ] satisfies FlagSpec[],
  options: (args, f) => ({
    kubeCluster: args[0] as string | undefined,
    cluster: f.cluster as string | undefined,
    labels: f.labels as string | undefined,
    query: f.query as string | undefined,
    as: f.as as string | undefined,
    asGroups: f.asGroups as string[] | undefined,
    namespace: (f.namespace ?? f.kubeNamespace) as string | undefined,
    all: f.all === true,
    setContextName: f.setContextName as string | undefined,
  }),
  run: runKubeLogin,
});

export async function runKubeLogin(o: KubeLoginOptions, ctx: CommandContext): Promise<number> {
  const bySelector = !!(o.labels || o.query);
  if (!o.kubeCluster && !o.all && !bySelector) {
    throw new TshError(
      "kube-cluster name is required. Check 'tsh kube ls' for a list of available clusters.",
      'bad-parameter',
    );
  }
  if (o.all && bySelector) throw new TshError('cannot use --labels or --query with --all', 'bad-parameter');
  const tmpl = o.setContextName || DEFAULT_CONTEXT_TEMPLATE;
  if ((o.all || bySelector) && !tmpl.includes('{{.KubeName}}') && !/\{\{\s*\.KubeName\s*\}\}/.test(tmpl)) {
    throw new TshError(
      'using the same context override template for all clusters requires {{.KubeName}}',
      'bad-parameter',
    );
  }
  const tc = o.cluster ? ctx.client({ cluster: o.cluster }) : ctx.client();
  const p = tc.selectedProfile();
  if (!p) throw new TshError('Not logged in.', 'access-denied');
  const id = await tc.identity();
  const found = await tc.collect(
    'kube_server',
    resourceFilter({ labels: o.labels ? [o.labels] : [], query: o.query }),
    (r) => (r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined),
  );
  const names = [...new Set(found.map((k) => k.Metadata?.Name ?? '').filter(Boolean))].sort();
  if (o.kubeCluster && !names.includes(o.kubeCluster)) {
    throw new TshError(
      `kubernetes cluster "${o.kubeCluster}" not found, check 'tsh kube ls' for a list of known clusters`,
      'access-denied',
    );
  }
  if ((o.all || bySelector) && names.length === 0) {
    throw new TshError(
      "no kubernetes clusters found, check 'tsh kube ls' for a list of known clusters",
      'access-denied',
    );
  }
  const { tshjsExecutable, writeKubeLogin } = await import('../client/kubelogin.js');
  const kubeClusters = o.kubeCluster && !o.all && !bySelector ? [o.kubeCluster] : names;
  await writeKubeLogin(tc, p, {
    teleportCluster: id.cluster,
    kubeClusters,
    selectCluster: o.kubeCluster || (bySelector && names.length === 1 ? names[0] : undefined),
    impersonate: o.as,
    impersonateGroups: o.asGroups,
    namespace: o.namespace,
    contextTemplate: tmpl,
    executable: tshjsExecutable(),
    proxyAddr: ctx.globals.proxy,
  });
  const out = ctx.io.stdout;
  if (o.kubeCluster) {
    out.write(
      `Logged into Kubernetes cluster "${o.kubeCluster}". Try 'kubectl version' to test the connection.\n`,
    );
  } else if (bySelector) {
    out.write(
      `Logged into Kubernetes clusters:\n${names.join('\n')}\n\nSelect a context and try 'kubectl version' to test the connection.\n`,
    );
  } else {
    out.write(
      "Created kubeconfig with every Kubernetes cluster available. Select a context and try 'kubectl version' to test the connection.\n",
    );
  }
  return 0;
}

/**
 * `tshjs login --kube-cluster K` (updateKubeConfigOnLogin): K's entries, selected, when the proxy
 * has Kubernetes; an unknown K is refused as upstream's buildKubeConfigUpdate does.
 */
export async function updateKubeconfigOnLogin(
  ctx: CommandContext,
  proxy: string,
  kube: string,
): Promise<void> {
  const tc = ctx.client({ proxy });
  const p = tc.selectedProfile();
  if (!p?.kubeProxyAddr) return;
  const id = await tc.identity();
  const found = await tc.collect('kube_server', resourceFilter({}), (r) =>
    r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined,
  );
  if (!found.some((k) => k.Metadata?.Name === kube)) {
    throw new TshError(
      `Kubernetes cluster "${kube}" is not registered in this Teleport cluster; you can list registered Kubernetes clusters using 'tsh kube ls'.`,
      'not-found',
    );
  }
  const { tshjsExecutable, writeKubeLogin } = await import('../client/kubelogin.js');
  await writeKubeLogin(tc, p, {
    teleportCluster: id.cluster,
    kubeClusters: [kube],
    selectCluster: kube,
    executable: tshjsExecutable(),
    proxyAddr: ctx.globals.proxy,
  });
}

// ---- kube credentials (kubectl's exec plugin) ------------------------------------------------

export interface KubeCredentialsOptions {
  kubeCluster: string;
  teleportCluster: string;
}

export const kubeCredentials = defineCommand<KubeCredentialsOptions>({
  path: ['kube', 'credentials'],
  description: 'Get credentials for kubectl access',
  // Called by the kubeconfig's exec plugin, never by users: hidden as upstream.
  hidden: true,
  flags: [
    {
      flags: '--teleport-cluster <name>',
      description: 'Name of the teleport cluster to get credentials for.',
    },
    { flags: '--kube-cluster <name>', description: 'Name of the kubernetes cluster to get credentials for.' },
  ],
  options: (_args, f) => ({
    kubeCluster: (f.kubeCluster as string | undefined) ?? '',
    teleportCluster: (f.teleportCluster as string | undefined) ?? '',
  }),
  run: runKubeCredentials,
});

export async function runKubeCredentials(o: KubeCredentialsOptions, ctx: CommandContext): Promise<number> {
  if (!o.kubeCluster) throw new TshError('required flag --kube-cluster not provided', 'bad-parameter');
  if (!o.teleportCluster)
    throw new TshError('required flag --teleport-cluster not provided', 'bad-parameter');
  const { readKubeCert } = await import('../client/kubecerts.js');
  const { execCredentialJson, certUsable } = await import('../client/kubecred.js');
  const tc = ctx.client();
  const now = ctx.clock.now();
  let cert = await readKubeCert(tc, o.teleportCluster, o.kubeCluster);
  if (!cert || !certUsable(cert, now)) {
    const { issueKubeCert, kubeCertFiles, withKubeCredLock } = await import('../client/kubecerts.js');
    const files = await kubeCertFiles(tc, o.teleportCluster, o.kubeCluster);
    cert = await withKubeCredLock(files.lock, async () => {
      // Another kubectl call may have reissued it while this one waited.
      const again = await readKubeCert(tc, o.teleportCluster, o.kubeCluster);
      if (again && certUsable(again, ctx.clock.now())) return again;
      return issueKubeCert(tc, {
        cluster: o.teleportCluster,
        kube: o.kubeCluster,
        prompter: ctx.prompter(),
        warn: (t) => ctx.io.stderr.write(`${t}\n`),
      });
    });
  }
  ctx.io.stdout.write(execCredentialJson(cert, ctx.clock.now()));
  return 0;
}

// ---- kube exec -------------------------------------------------------------------------------

export interface KubeExecOptions {
  pod: string;
  command: string[];
  container?: string;
  namespace?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  reason?: string;
  invite?: string[];
  participantReq?: boolean;
}

export const kubeExec = defineCommand<KubeExecOptions>({
  path: ['kube', 'exec'],
  description: 'Execute a command in a kubernetes pod',
  args: [
    { name: '<target>', description: 'Pod or deploy/name to execute a command in' },
    { name: '[command...]', description: 'Command to execute in the target' },
  ],
  flags: [
    {
      flags: '-c, --container <name>',
      description:
        'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen',
    },
    { flags: '-n, --namespace <ns>', description: 'Configure the default Kubernetes namespace.' },
    // kube-namespace: upstream keeps it, hidden, for backwards compatibility.
    {
      flags: '--kube-namespace <ns>',
      description: 'Configure the default Kubernetes namespace.',
      hidden: true,
    },
    { flags: '-s, --stdin', description: 'Pass stdin to the container' },
    // -i as kubectl spells it (`kube exec -it`); upstream has only -s. Here the command's -i wins
    // over the global -i/--identity (src/cli/main.ts globalFlagsFor).
    { flags: '-i', description: 'Pass stdin to the container (as -s; kubectl spelling)' },
    { flags: '-t, --tty', description: 'Stdin is a TTY' },
    { flags: '-q, --quiet', description: 'Only print output from the remote session' },
    { flags: '--reason <reason>', description: 'The purpose of the session.' },
    {
      flags: '--invite <users>',
      description: 'A comma separated list of people to mark as invited for the session.',
    },
    {
      flags: '--participant-req',
      description: 'Displays a verbose list of required participants in a moderated session.',
    },
  ],
  passThrough: true,
  options: (args, f) => ({
    pod: args[0] as string,
    // commander keeps the `--` separator among pass-through arguments.
    command: ((args[1] as string[] | undefined) ?? []).filter((a, i) => !(i === 0 && a === '--')),
    container: f.container as string | undefined,
    namespace: (f.namespace ?? f.kubeNamespace) as string | undefined,
    stdin: f.stdin === true || f.i === true,
    tty: f.tty === true,
    quiet: f.quiet === true,
    reason: f.reason as string | undefined,
    invite: typeof f.invite === 'string' ? f.invite.split(',').filter(Boolean) : undefined,
    participantReq: f.participantReq === true,
  }),
  run: runKubeExec,
});

// ---- kube sessions ---------------------------------------------------------------------------

export const kubeSessions = defineCommand<{ format: Format }>({
  path: ['kube', 'sessions'],
  description: 'Get a list of active Kubernetes sessions',
  flags: [formatFlag(), clusterFlag],
  options: (_args, f) => ({ format: f.format as Format }),
  run: async (o, ctx) => (await import('./kubesessions.js')).runKubeSessions(o, ctx),
});

export const commands = [kubeLs, kubeLogin, kubeSessions, kubeCredentials, kubeExec];

/**
 * kube exec runs against the kube cluster of kubeconfig's current context (as upstream, which
 * reads kubeconfig), with the saved kube certificate (reissued when it is stale).
 */
export async function runKubeExec(o: KubeExecOptions, ctx: CommandContext): Promise<number> {
  if (!o.pod) throw new TshError('required argument <target> not provided', 'bad-parameter');
  if (o.command.length === 0)
    throw new TshError('you must specify at least one command for the container', 'bad-parameter');
  const tc = ctx.client();
  const p = tc.selectedProfile();
  if (!p?.kubeProxyAddr) throw new TshError('Not logged in.', 'access-denied');
  const id = await tc.identity();
  const { kubeconfigPath, selectedKubeCluster, kubeTlsServerName, currentNamespace } =
    await import('../client/kubeconfig.js');
  const kubeconfig = kubeconfigPath(ctx.env);
  const kube = ctx.env.TELEPORT_KUBE_CLUSTER || selectedKubeCluster(kubeconfig, id.cluster);
  if (!kube) {
    throw new TshError("no Kubernetes cluster selected; run 'tsh kube login' first", 'bad-parameter');
  }
  const { readKubeCert, issueKubeCert } = await import('../client/kubecerts.js');
  const { certUsable } = await import('../client/kubecred.js');
  let cert = await readKubeCert(tc, id.cluster, kube);
  if (!cert || !certUsable(cert, ctx.clock.now())) {
    cert = await issueKubeCert(tc, {
      cluster: id.cluster,
      kube,
      prompter: ctx.prompter(),
      warn: (t) => ctx.io.stderr.write(`${t}\n`),
    });
  }
  const keys = await tc.keyStore();
  const { profileName, splitHostPort } = await import('../auth/profile.js');
  const fs = await import('node:fs');
  let caPem = '';
  try {
    caPem = fs.readFileSync(keys.paths.clusterCA(profileName(p), id.rootCluster), 'utf8');
  } catch {
    // verified against the system roots then
  }
  const { kubeExec } = await import('../client/kubeexec.js');
  const io = ctx.io as unknown as {
    stdin: NodeJS.ReadableStream & Readable;
    stdout: Writable & { columns?: number; rows?: number };
    stderr: Writable;
  };
  return kubeExec({
    addr: p.kubeProxyAddr,
    serverName: kubeTlsServerName(splitHostPort(p.kubeProxyAddr).host),
    caPem,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    insecure: tc.config.insecure,
    namespace: o.namespace || currentNamespace(kubeconfig) || 'default',
    pod: o.pod,
    container: o.container,
    command: o.command,
    stdin: o.stdin ? (io.stdin as never) : undefined,
    tty: o.tty,
    stdout: io.stdout,
    stderr: io.stderr,
    reason: o.reason,
    invite: o.invite,
    participantReq: o.participantReq,
  });
}
