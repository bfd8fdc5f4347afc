// GatewayCLICommand (lib/teleterm/cmd db.go, kube.go; apiserver handler_gateways.go): what the app
// runs or shows for a gateway. Databases get the client `tsh db connect` would run against a local
// tunnel (dbcmd with the local proxy's address and no TLS: the gateway authenticates), built twice,
// for execution and for display (print format); Kubernetes gets `kubectl version` whose only
// meaningful part is KUBECONFIG in its environment.
import { dbConnectCommand, lookPathIn, type DbCommand, type DbCommandInput } from '../../client/dbcmd.js';
import type { GatewayCLICommand } from '../../gen/teleport/lib/teleterm/v1/gateway.js';

/** exec.Cmd as the handler turns it into the message: Path, Args (program first), Env, and the preview. */
function message(exec: DbCommand, preview: DbCommand): GatewayCLICommand {
  return {
    path: exec.path,
    args: [exec.bin, ...exec.args],
    env: [...exec.env],
    // makeGatewayCLICommand: env and args joined by spaces, trimmed.
    preview: `${preview.env.join(' ')} ${[preview.bin, ...preview.args].join(' ')}`.trim(),
  };
}

/** The database client command for a db gateway (WithLocalProxy, WithNoTLS, WithTolerateMissingCLIClient). */
export function dbGatewayCommand(
  input: Omit<DbCommandInput, 'localProxy' | 'noTLS' | 'printFormat' | 'lookPath'>,
  pathEnv: string | undefined,
): GatewayCLICommand {
  const base: DbCommandInput = {
    ...input,
    localProxy: true,
    noTLS: true,
    lookPath: (bin) => lookPathIn(pathEnv, bin),
  };
  const exec = dbConnectCommand({ ...base, printFormat: false }, { tolerateMissing: true });
  const preview = dbConnectCommand({ ...base, printFormat: true }, { tolerateMissing: true });
  return message(exec, preview);
}

/** `kubectl version` with KUBECONFIG pointing at the gateway's kubeconfig (a placeholder command upstream too). */
export function kubeGatewayCommand(kubeconfigPath: string, pathEnv: string | undefined): GatewayCLICommand {
  const cmd: DbCommand = {
    bin: 'kubectl',
    path: lookPathIn(pathEnv, 'kubectl') ?? 'kubectl',
    args: ['version'],
    env: [`KUBECONFIG=${kubeconfigPath}`],
  };
  return message(cmd, cmd);
}
