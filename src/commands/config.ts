// tshjs config: the OpenSSH client configuration block for the selected profile (src/ssh/config.ts).
import { profileCluster, profileName, splitHostPort } from '../auth/profile.js';
import { openSSHConfig, selfBin } from '../ssh/config.js';
import { TshError } from '../util/errors.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface ConfigOptions {
  /** Extra clusters (leaves) to write blocks for. */
  clusters?: string[];
}

export const config = defineCommand<ConfigOptions>({
  path: ['config'],
  description: 'Print OpenSSH configuration details',
  options: () => ({}),
  run: async (o, ctx) => runConfig(o, ctx),
});

export const commands = [config];

export function runConfig(o: ConfigOptions, ctx: CommandContext): number {
  const profile = ctx.selectedProfile();
  if (!profile) throw new TshError('Not logged in; run "tshjs login" first', 'not-found');
  const name = profileName(profile);
  const { host, port } = splitHostPort(profile.webProxyAddr);
  const user = profile.username ?? '';
  const root = profileCluster(profile);
  const paths = ctx.profiles.paths;
  ctx.io.stdout.write(
    openSSHConfig({
      proxyHost: host,
      proxyPort: port ?? 3080,
      clusters: [root, ...(o.clusters ?? [])],
      knownHosts: paths.knownHosts(),
      identityFile: paths.userSSHKey(name, user),
      certificateFile: paths.sshCert(name, user, root),
      login: ctx.globals.login,
      self: selfBin(),
    }),
  );
  return 0;
}
