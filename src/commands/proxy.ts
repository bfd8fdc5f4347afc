// tshjs proxy ssh [user@]host[:port]: stdin/stdout carry the raw SSH stream to the node, for
// OpenSSH's ProxyCommand (the relay is src/proxy/ssh.ts).
import { proxySshStdio } from '../proxy/ssh.js';
import { parseUserHostPort } from '../ssh/dialhost.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export const group = {
  name: 'proxy',
  description: 'Run local TLS proxy allowing connecting to Teleport in single-port mode',
};

export interface ProxySshOptions {
  target: string;
}

export const proxySsh = defineCommand<ProxySshOptions>({
  path: ['proxy', 'ssh'],
  description: 'Start local TLS proxy for ssh connections when using Teleport in single-port mode',
  args: [{ name: '<[user@]host[:port]>', description: 'target node' }],
  flags: [clusterFlag],
  options: (args) => ({ target: args[0] as string }),
  run: runProxySsh,
});

export const commands = [proxySsh];

export async function runProxySsh(o: ProxySshOptions, ctx: CommandContext): Promise<number> {
  const { host, port } = parseUserHostPort(o.target);
  await proxySshStdio(ctx.client(), { host, port }, ctx.io);
  return 0;
}
