// tshjs config: the OpenSSH client configuration block for the selected profile (src/ssh/config.ts),
// as upstream tool/tsh/common/config.go onConfig: one block per cluster (root, then the leaf
// clusters the root cluster reports), -p/--port for the nodes' port, -l/--login for `User`. Like
// tsh it needs the cluster: an unreachable proxy or expired credentials are an error, not a
// shorter block, so that a redirect into ~/.ssh/config never silently loses the leaves.
import { profileName, splitHostPort } from '../auth/profile.js';
import { openSSHConfig, selfBin } from '../ssh/config.js';
import { TshError } from '../util/errors.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface ConfigOptions {
  /** -p/--port: the nodes' SSH port (default 3022). */
  port?: number;
}

export const config = defineCommand<ConfigOptions>({
  path: ['config'],
  description: 'Print OpenSSH configuration details',
  flags: [{ flags: '-p, --port <port>', description: 'SSH port on a remote host', parse: 'int' }],
  options: (_args, f) => ({ port: f.port as number | undefined }),
  run: runConfig,
});

export const commands = [config];

export async function runConfig(o: ConfigOptions, ctx: CommandContext): Promise<number> {
  const profile = ctx.selectedProfile();
  if (!profile) throw new TshError('Not logged in; run "tshjs login" first', 'not-found');
  const tc = ctx.client();
  const id = await tc.identity();
  // upstream splits the web proxy address: the host names the block, the port goes to --proxy.
  const { host, port } = splitHostPort(id.webProxyAddr || profile.webProxyAddr);
  const user = id.username || profile.username || '';
  const root = id.rootCluster;
  const leaves = (await tc.remoteClusters()).map((c) => c.Metadata?.Name ?? '').filter(Boolean);
  const paths = ctx.profiles.paths;
  const name = profileName(profile);
  ctx.io.stdout.write(
    openSSHConfig({
      proxyHost: host,
      proxyPort: port ?? 3080,
      clusters: [root, ...leaves],
      knownHosts: paths.knownHosts(),
      identityFile: paths.userSSHKey(name, user),
      certificateFile: paths.sshCert(name, user, root),
      login: ctx.globals.login,
      port: o.port,
      self: selfBin(),
    }),
  );
  return 0;
}
