// What `proxy kube` prints (tool/tsh/common/kube_proxy.go printPrepare, proxyKubeTemplate,
// getPrepareErrorMessage; tool/tsh/common/proxy.go envVarCommand). Upstream's texts name "tsh".

export const ENV_VAR_FORMATS = ['unix', 'command-prompt', 'powershell', 'text'] as const;
export type EnvVarFormat = (typeof ENV_VAR_FORMATS)[number];

/** envVarFormatFlagDescription, for a non-Windows default. */
export const ENV_VAR_FORMAT_FLAG_DESCRIPTION = `Optional format to print the commands for setting environment variables, one of: ${ENV_VAR_FORMATS.join(', ')}. Default is unix.`;

/** envVarCommand: the shell line that sets key to value. */
export function envVarCommand(format: EnvVarFormat, key: string, value: string): string {
  switch (format) {
    case 'unix':
      return `export ${key}="${value}"`;
    case 'command-prompt':
      return `set ${key}=${value}`;
    case 'powershell':
      return `$Env:${key}="${value}"`;
    case 'text':
      return `${key}=${value}`;
  }
}

/** printPrepare's title. */
export function prepareTitle(fromDefaultConfig: boolean): string {
  return fromDefaultConfig
    ? 'Preparing the following Teleport Kubernetes clusters from the default kubeconfig:'
    : 'Preparing the following Teleport Kubernetes clusters:';
}

/** printPrepare's table columns. */
export const PREPARE_COLUMNS = ['Teleport Cluster Name', 'Kube Cluster Name', 'Context Name'];

/** proxyKubeTemplate. */
export function proxyKubeText(o: {
  addr: string;
  randomPort: boolean;
  format: EnvVarFormat;
  kubeConfigPath: string;
}): string {
  return (
    `Started local proxy for Kubernetes on ${o.addr}\n` +
    (o.randomPort
      ? 'To avoid port randomization, you can choose the listening port using the --port flag.\n'
      : '') +
    '\nUse the following config for your Kubernetes applications. For example:\n' +
    `${envVarCommand(o.format, 'KUBECONFIG', o.kubeConfigPath)}\n` +
    'kubectl version\n\n'
  );
}

/** getPrepareErrorMessage(headless=false). */
export const NO_KUBE_CLUSTERS_MESSAGE = `No Kubernetes clusters found to proxy.

Please provide Kubernetes cluster names or labels or predicate expression to this command:
    tsh proxy kube <kube-cluster-1> <kube-cluster-2>
    tsh proxy kube --labels env=root
    tsh proxy kube --query 'labels["env"]=="root"'

Or login the Kubernetes cluster first:
    tsh kube login <kube-cluster-1>
    tsh proxy kube`;

/** utils.Color(utils.Yellow, …): always coloured, terminal or not. */
const YELLOW_WARNING = '\x1b[33mWarning!\x1b[0m';

/** proxyKubeHeadlessTemplate, printed for `--exec` (and upstream's --headless) before the shell starts. */
export function proxyKubeExecText(multipleContexts: boolean): string {
  return (
    'Started local proxy for Kubernetes Access in the background.\n\n' +
    `${YELLOW_WARNING} Teleport will initiate a new shell configured with kubectl for local proxy access.\n` +
    'To conclude the session, simply use the "exit" command. Upon exiting, your original shell will be restored,\n' +
    "the local proxy will be closed, and future access through this headless session won't be possible.\n\n" +
    (multipleContexts
      ? ' To work with different contexts use "kubectl --context", for example:\n' +
        '"kubectl --context=\'staging\' get pods".\n' +
        '"kubectl --context=\'dev\' get pods".\n'
      : '') +
    '\nTry issuing a command, for example "kubectl version".\n'
  );
}

/** runHeadlessKubeProxy, once the shell has exited. */
export const PROXY_KUBE_CLOSED = 'Local proxy for Kubernetes is closed.\n';
