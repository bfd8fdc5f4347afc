// tshjs env: shell exports for the active profile (tsh onEnvironment).
import type { ClientContext } from '../client/context.js';
import { serialize, type Format } from '../output/output.js';
import { loadStatuses } from './status.js';
import { TshError } from '../util/errors.js';

export interface EnvOptions {
  format: Format;
  unset?: boolean;
}

export function runEnv(ctx: ClientContext, o: EnvOptions): number {
  if (o.unset && o.format === 'text') {
    ctx.io.stdout.write(
      'unset TELEPORT_PROXY\nunset TELEPORT_CLUSTER\nunset TELEPORT_KUBE_CLUSTER\nunset KUBECONFIG\n',
    );
    return 0;
  }
  const { active } = loadStatuses(ctx);
  if (!active) throw new TshError('Not logged in.', 'not-found');
  const env: Record<string, string> = {
    TELEPORT_PROXY: active.proxyURL.replace(/^https:\/\//, ''),
    TELEPORT_CLUSTER: active.cluster,
  };
  if (o.format === 'text') {
    ctx.io.stdout.write(
      Object.entries(env)
        .map(([k, v]) => `export ${k}=${v}\n`)
        .join(''),
    );
  } else {
    ctx.io.stdout.write(serialize(o.format, env));
  }
  return 0;
}
