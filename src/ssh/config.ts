// The OpenSSH client configuration block `tsh config` prints (upstream lib/config/openssh/openssh.go,
// the "ssh-config" template as rendered for AppName "tsh"): for each cluster (root first, then the
// leaves) a common block and a proxied block, with no blank line between clusters, and the login
// (if any) both in the common block and once more after the last ProxyCommand. The only change is
// the ProxyCommand's executable: ours is `tshjs`, whose `proxy ssh` takes the same arguments.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default node SSH port (defaults.SSHServerListenPort), used when -p/--port is not given. */
export const NODE_PORT = 3022;

/** The CLI's own entry point, for ProxyCommand (executable, with a node shebang). */
export function selfBin(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tshjs.js');
}

export interface OpenSSHConfigParams {
  /** The web proxy's host, as split from the profile's web proxy address. */
  proxyHost: string;
  /** The web proxy's port, as written in the profile's web proxy address. */
  proxyPort: string | number;
  /** The root cluster first, then the leaf clusters. */
  clusters: string[];
  knownHosts: string;
  identityFile: string;
  certificateFile: string;
  /** -l/--login (TELEPORT_LOGIN); empty or undefined writes no `User` lines. */
  login?: string;
  /** -p/--port: the nodes' SSH port; 0 or undefined means 3022. */
  port?: number;
  /** The executable ProxyCommand runs. */
  self: string;
}

export function openSSHConfig(p: OpenSSHConfigParams): string {
  const port = p.port || NODE_PORT;
  const user = p.login ? `\n    User "${p.login}"` : '';
  let out = `# Begin generated Teleport configuration for ${p.proxyHost} by tsh\n`;
  for (const cluster of p.clusters) {
    out +=
      `\n# Common flags for all ${cluster} hosts\n` +
      `Host *.${cluster} ${p.proxyHost}\n` +
      `    UserKnownHostsFile "${p.knownHosts}"\n` +
      `    IdentityFile "${p.identityFile}"\n` +
      `    CertificateFile "${p.certificateFile}"` +
      user +
      `\n\n# Flags for all ${cluster} hosts except the proxy\n` +
      `Host *.${cluster} !${p.proxyHost}\n` +
      `    Port ${port}\n` +
      `    ProxyCommand "${p.self}" proxy ssh --cluster=${cluster} --proxy=${p.proxyHost}:${p.proxyPort} %r@%h:%p`;
  }
  return `${out}${user}\n\n# End generated Teleport configuration\n`;
}
