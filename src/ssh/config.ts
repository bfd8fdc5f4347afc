// The OpenSSH client configuration block tsh prints (lib/config/openssh/openssh.go template):
// Host patterns per cluster, the key files, and a ProxyCommand through `tshjs proxy ssh`.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default node SSH port (defaults.SSHServerListenPort). */
const NODE_PORT = 3022;

/** The CLI's own entry point, for ProxyCommand (executable, with a node shebang). */
export function selfBin(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tshjs.js');
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
