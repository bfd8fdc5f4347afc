// tshjs env: shell exports for the active profile (tsh.go onEnvironment, serializeEnvironment).
import { kubeConfigPath } from '../client/status.js';
import { serialize, sortedRecord, type Format } from '../output/printer.js';
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
  // --unset only changes the text form; JSON/YAML always describe the profile, as upstream.
  if (o.unset && o.format === 'text') {
    ctx.io.stdout.write(
      'unset TELEPORT_PROXY\nunset TELEPORT_CLUSTER\nunset TELEPORT_KUBE_CLUSTER\nunset KUBECONFIG\n',
    );
    return 0;
  }
  // The profile as stored (ProfileStatus): TELEPORT_CLUSTER and friends do not shadow it here.
  const { active } = loadStatuses(ctx, ctx.selectedProfileName(), false);
  if (!active) throw new TshError('Not logged in.', 'not-found');
  const vars: [string, string][] = [
    ['TELEPORT_PROXY', active.proxyHost],
    ['TELEPORT_CLUSTER', active.cluster],
  ];
  // kubeconfig.SelectedKubeCluster("", profile.Cluster): the kube cluster of the current context.
  const kube = active.kubeCluster;
  if (kube) {
    vars.push(
      ['TELEPORT_KUBE_CLUSTER', kube],
      ['KUBECONFIG', kubeConfigPath(ctx.profiles.paths, active, kube)],
    );
  }
  if (o.format === 'text') {
    let out = '';
    for (const [k, v] of vars) {
      if (k === 'KUBECONFIG')
        out += '# set KUBECONFIG to a standalone kubeconfig for the selected kube cluster\n';
      out += `export ${k}=${v}\n`;
    }
    ctx.io.stdout.write(out);
  } else {
    // A Go map: JSON and YAML both sort the keys.
    ctx.io.stdout.write(serialize(o.format, sortedRecord(Object.fromEntries(vars))));
  }
  return 0;
}
