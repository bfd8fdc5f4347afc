// tshjs env: shell exports for the active profile (tsh onEnvironment).
import { serialize, type Format } from '../output/printer.js';
import { loadStatuses } from './status.js';
import { TshError } from '../util/errors.js';
import { defineCommand, formatFlag } from './command.js';
import type { CommandContext } from './context.js';

export interface EnvOptions {
  format: Format;
  unset?: boolean;
}

export const env = defineCommand<EnvOptions>({
  path: ['env'],
  description: 'Print commands to set Teleport session environment variables',
  flags: [
    formatFlag(),
    { flags: '--unset', description: 'Print commands to clear Teleport session environment variables' },
  ],
  options: (_args, f) => ({ format: f.format as Format, unset: f.unset === true }),
  run: async (o, ctx) => runEnv(o, ctx),
});

export const commands = [env];

export function runEnv(o: EnvOptions, ctx: CommandContext): number {
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
