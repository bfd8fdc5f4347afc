// tshjs proxy kube [kube-cluster...]: a local proxy for kubectl and an ephemeral kubeconfig
// pointing at it (tool/tsh/common/kube_proxy.go). The proxy is src/proxy/kube.ts; the kubeconfig
// src/proxy/kubeconfiglocal.ts; the texts src/proxy/kubetext.ts. docs/proxy-kube.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { ENV_VAR_FORMATS, ENV_VAR_FORMAT_FLAG_DESCRIPTION, type EnvVarFormat } from '../proxy/kubetext.js';
import { untilInterrupted } from '../term/interrupt.js';

export interface ProxyKubeOptions {
  kubeClusters: string[];
  port?: number;
  format: EnvVarFormat;
  as?: string;
  asGroups: string[];
  namespace?: string;
  labels?: string;
  query?: string;
  setContextName: string;
  /** Run a shell with KUBECONFIG set instead of waiting for Ctrl-C (upstream --exec). */
  exec?: boolean;
}

export const proxyKube = defineCommand<ProxyKubeOptions>({
  path: ['proxy', 'kube'],
  description: 'Start local proxy for Kubernetes access.',
  args: [
    {
      name: '[kube-cluster...]',
      description:
        "Name of the Kubernetes cluster to proxy. Check 'tsh kube ls' for a list of available clusters. If not specified, all clusters previously logged in through `tsh kube login` will be used.",
    },
  ],
  flags: [
    clusterFlag,
    { flags: '--as <user>', description: 'Configure custom Kubernetes user impersonation.' },
    {
      flags: '--as-groups <group>',
      description: 'Configure custom Kubernetes group impersonation.',
      parse: 'list',
    },
    {
      flags: '--kube-namespace <namespace>',
      description: 'Configure the default Kubernetes namespace.',
      hidden: true,
    },
    { flags: '-n, --namespace <namespace>', description: 'Configure the default Kubernetes namespace.' },
    {
      flags: '-p, --port <port>',
      description: 'Specifies the source port used by the proxy listener',
      parse: 'int',
    },
    {
      flags: '-f, --format <format>',
      description: ENV_VAR_FORMAT_FLAG_DESCRIPTION,
      choices: [...ENV_VAR_FORMATS],
      default: 'unix',
    },
    {
      flags: '--labels <labels>',
      description: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)',
    },
    { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
    {
      flags: '--set-context-name <template>',
      description: 'Define a custom context name or template.',
      default: '{{.ClusterName}}-{{.KubeName}}',
    },
    {
      flags: '--exec',
      description:
        'Run the proxy in the background and reexec into a new shell with $KUBECONFIG already pointed to our config file.',
    },
  ],
  options: (args, f) => ({
    kubeClusters: (args[0] as string[] | undefined) ?? [],
    port: f.port as number | undefined,
    format: (f.format as EnvVarFormat | undefined) ?? 'unix',
    as: (f.as as string | undefined) || undefined,
    asGroups: (f.asGroups as string[] | undefined) ?? [],
    namespace: ((f.namespace ?? f.kubeNamespace) as string | undefined) || undefined,
    labels: (f.labels as string | undefined) || undefined,
    query: (f.query as string | undefined) || undefined,
    setContextName: (f.setContextName as string | undefined) ?? '{{.ClusterName}}-{{.KubeName}}',
    exec: f.exec === true,
  }),
  run: runProxyKube,
});

/** An error whose text spans lines: printed whole, as tsh prints it, exit 1. */
class MultilineKubeError extends TshError {}

export async function runProxyKube(o: ProxyKubeOptions, ctx: CommandContext): Promise<number> {
  try {
    return await proxyKubeMain(o, ctx);
  } catch (err) {
    if (!(err instanceof MultilineKubeError)) throw err;
    ctx.io.stderr.write(`${ctx.io.stderr.isTTY ? '\x1b[31mERROR: \x1b[0m' : 'ERROR: '}${err.message}\n`);
    return err.exitCode;
  }
}

/** The default kubeconfig, parsed (undefined when missing); unparseable is an error, as in tsh. */
async function loadDefaultKubeconfig(env: NodeJS.ProcessEnv): Promise<Record<string, unknown> | undefined> {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter)[0];
  const file = first || path.join(env.HOME || os.homedir(), '.kube', 'config');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TshError(`cannot read kubeconfig ${file}: ${(err as Error).message}`, 'bad-parameter');
  }
  const { yaml } = await import('../util/lazy.js');
  let doc: unknown;
  try {
    doc = yaml().parse(text, { logLevel: 'error' });
  } catch (err) {
    throw new TshError(
      `failed to parse existing kubeconfig "${file}": ${(err as Error).message}`,
      'bad-parameter',
    );
  }
  if (doc == null) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new TshError(`failed to parse existing kubeconfig "${file}": not a kubeconfig`, 'bad-parameter');
  }
  return doc as Record<string, unknown>;
}

async function proxyKubeMain(o: ProxyKubeOptions, ctx: CommandContext): Promise<number> {
  const { KubeLocalProxy } = await import('../proxy/kube.js');
  const local = await import('../proxy/kubeconfiglocal.js');
  const text = await import('../proxy/kubetext.js');
  const { kubeLocalProxySNI } = await import('../proxy/kubesni.js');
  const certs = await import('../client/kubecerts.js');
  const { resourceFilter } = await import('../client/filter.js');
  const { profileCluster, splitHostPort } = await import('../auth/profile.js');
  const { UserCertsRequest_Requester } = await import('../gen/teleport/legacy/client/proto/authservice.js');
  const { writeFileAtomic, removeFileSecure } = await import('../util/fsutil.js');

  if (o.port !== undefined && (o.port < 0 || o.port > 65535)) {
    throw new TshError(`invalid --port ${o.port}: use a port number from 0 to 65535`, 'bad-parameter');
  }
  const selecting = o.kubeClusters.length > 0 || !!o.labels || !!o.query;
  if (o.kubeClusters.length > 1 || o.labels || o.query) {
    try {
      local.checkContextOverrideTemplate(o.setContextName);
    } catch (err) {
      throw new MultilineKubeError((err as Error).message, 'bad-parameter');
    }
  }
  const contextName = (tc: string, kube: string) => {
    try {
      return local.contextNameFromTemplate(o.setContextName, tc, kube);
    } catch (err) {
      throw new MultilineKubeError((err as Error).message, 'bad-parameter');
    }
  };

  const tc = ctx.client();
  const id = await tc.identity();
  const profile = tc.selectedProfile();
  const kubeAddr = `https://${profile?.kubeProxyAddr || id.webProxyAddr}`;
  const defaultConfig = await loadDefaultKubeconfig(ctx.env);

  // prepare: the kube clusters named (or selected by labels/query), else those `kube login` wrote.
  let targets: import('../proxy/kubeconfiglocal.js').LocalProxyCluster[];
  if (selecting) {
    const { kubeClusterNames } = await import('../proxy/kubeselect.js');
    const found = await tc.collect(
      'kube_server',
      resourceFilter({ labels: o.labels ? [o.labels] : [], query: o.query }),
      (r) => (r.resource?.$case === 'KubernetesServer' ? r.resource.value.Spec?.Cluster : undefined),
    );
    const names = kubeClusterNames(found, o.kubeClusters, {
      cluster: ctx.globals.cluster ?? '',
      labels: o.labels ?? '',
      query: o.query ?? '',
    });
    targets = names.map((kubeCluster) => ({
      teleportCluster: id.cluster,
      kubeCluster,
      impersonate: o.as,
      impersonateGroups: o.asGroups,
      namespace: o.namespace,
    }));
  } else {
    targets = local.localProxyClustersFromDefaultConfig(defaultConfig, kubeAddr);
    if (!targets.length) throw new MultilineKubeError(text.NO_KUBE_CLUSTERS_MESSAGE, 'bad-parameter');
  }
  // printPrepare: the title, the table, and the blank line Fprintln adds after it.
  const { Table } = await import('../output/table.js');
  const table = new Table(text.PREPARE_COLUMNS.map((title) => ({ title })));
  for (const t of targets)
    table.addRow([t.teleportCluster, t.kubeCluster, contextName(t.teleportCluster, t.kubeCluster)]);
  ctx.io.stdout.write(`${text.prepareTitle(!selecting)}\n${table.toString()}\n`);

  // loadKubeUserCerts: a saved certificate with more than a minute left, else a fresh one.
  const issue = async (t: { teleportCluster: string; kubeCluster: string }) => {
    const c = await certs.issueKubeCert(tc, {
      cluster: t.teleportCluster,
      kube: t.kubeCluster,
      ttlMs: ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined,
      requester: UserCertsRequest_Requester.TSH_KUBE_LOCAL_PROXY,
      prompter: ctx.prompter(),
      warn: (s) => ctx.io.stderr.write(s),
    });
    return { certPem: c.certPem, keyPem: c.keyPem, expires: c.expires };
  };
  const initial = new Map<string, { certPem: string; keyPem: string; expires: Date }>();
  for (const t of targets) {
    const saved = await certs.readKubeCert(tc, t.teleportCluster, t.kubeCluster);
    const c = saved && saved.expires.getTime() - ctx.clock.now().getTime() > 60_000 ? saved : await issue(t);
    initial.set(kubeLocalProxySNI(t.teleportCluster, t.kubeCluster), c);
  }

  const web = splitHostPort(id.webProxyAddr);
  const proxy = await KubeLocalProxy.start({
    targets,
    certs: initial,
    reissue: issue,
    proxyHost: web.host,
    proxyPort: web.port ?? 443,
    ca: id.trustedCAs,
    insecure: !!ctx.globals.insecure,
    port: o.port,
    log: (msg, f) => {
      ctx.log(msg, f);
      if (f?.level === 'error') ctx.io.stderr.write(`ERROR: ${msg}: ${String(f.error ?? '')}\n`);
    },
  });

  let kubeConfigPath = ctx.env.TELEPORT_KUBECONFIG || '';
  if (!kubeConfigPath) {
    const { KeyPaths } = await import('../auth/keypaths.js');
    const { profileName } = await import('../auth/profile.js');
    if (!profile) throw new TshError('not logged in', 'bad-parameter');
    kubeConfigPath = new KeyPaths(tc.home).kubeConfig(
      profileName(profile),
      profile.username ?? id.tls.username,
      profileCluster(profile),
      `localproxy-${proxy.port}`,
    );
  }
  const removeConfig = () => {
    try {
      removeFileSecure(kubeConfigPath);
    } catch {
      // already gone
    }
  };
  try {
    const doc = local.createLocalProxyConfig(defaultConfig, {
      teleportKubeClusterAddr: kubeAddr,
      localProxyURL: `http://${proxy.address}`,
      localProxyCAs: new Map([...proxy.localCAs].map(([k, v]) => [k, v.certPem])),
      clientKeyPem: proxy.localKey.keyPem,
      clusters: targets,
      contextName,
    });
    const { yaml } = await import('../util/lazy.js');
    const configText = yaml().stringify(doc, { sortMapEntries: true });
    if (o.exec) {
      // runHeadlessKubeProxy: the kubeconfig goes only to the shell, never to kubeConfigPath.
      const contexts = (doc as { contexts?: unknown[] }).contexts ?? [];
      ctx.io.stdout.write(text.proxyKubeExecText(contexts.length > 1));
      const { runShellWithKubeconfig } = await import('../proxy/kubeexecshell.js');
      const code = await runShellWithKubeconfig(configText, ctx.io, ctx.env);
      ctx.io.stdout.write(text.PROXY_KUBE_CLOSED);
      // cmd.Wait's *exec.ExitError, as tsh reports it.
      if (code !== 0) throw new TshError(`exit status ${code}`, 'bad-parameter');
      return 0;
    }
    writeFileAtomic(kubeConfigPath, configText, 0o600);
    ctx.io.stdout.write(
      text.proxyKubeText({
        addr: proxy.address,
        randomPort: o.port === undefined,
        format: o.format,
        kubeConfigPath,
      }),
    );
    await untilInterrupted();
  } finally {
    await proxy.close();
    removeConfig();
  }
  return 0;
}
