// tshjs config: the OpenSSH client configuration block, as tsh prints it
// (lib/config/openssh/openssh.go template).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileCluster, profileName, splitHostPort } from '../auth/profile.js';
import { TshError } from '../util/errors.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

/** Default node SSH port (defaults.SSHServerListenPort). */
const NODE_PORT = 3022;

/** The CLI's own entry point, for ProxyCommand (executable, with a node shebang). */
export function selfBin(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tshjs.js');
}

export interface ConfigOptions {
  /** Extra clusters (leaves) to write blocks for. */
  clusters?: string[];
}

export function openSSHConfig(opts: {
  proxyHost: string;
  proxyPort: number;
  clusters: string[];
  knownHosts: string;
  identityFile: string;
  certificateFile: string;
  login?: string;
  self: string;
}): string {
  const q = (s: string) => `"${s}"`;
  let out = `# Begin generated Teleport configuration for ${opts.proxyHost} by tshjs\n`;
  for (const cluster of opts.clusters) {
    out += `\n# Common flags for all ${cluster} hosts\n`;
    out += `Host *.${cluster} ${opts.proxyHost}\n`;
    out += `    UserKnownHostsFile ${q(opts.knownHosts)}\n`;
    out += `    IdentityFile ${q(opts.identityFile)}\n`;
    out += `    CertificateFile ${q(opts.certificateFile)}\n`;
    if (opts.login) out += `    User ${q(opts.login)}\n`;
    out += `\n# Flags for all ${cluster} hosts except the proxy\n`;
    out += `Host *.${cluster} !${opts.proxyHost}\n`;
    out += `    Port ${NODE_PORT}\n`;
    out += `    ProxyCommand ${q(opts.self)} proxy ssh --cluster=${cluster} --proxy=${opts.proxyHost}:${opts.proxyPort} %r@%h:%p\n`;
  }
  out += '\n# End generated Teleport configuration\n';
  return out;
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
