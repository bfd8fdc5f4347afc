// tshjs proxy ssh [user@]host[:port]: stdin/stdout carry the raw SSH stream to the node, for
// OpenSSH's ProxyCommand (tool/tsh/common/proxy.go onProxyCommandSSH).
import { pipeline } from 'node:stream/promises';
import { profileNameFromAddr } from '../auth/profile.js';
import type { ClientContext } from '../client/context.js';
import { withClusterClient } from '../client/session.js';
import { cleanTargetHost, parseUserHostPort } from '../ssh/dialhost.js';
import { openNodeStream } from '../ssh/session.js';

export interface ProxySshOptions {
  target: string;
}

export async function runProxySsh(ctx: ClientContext, o: ProxySshOptions): Promise<number> {
  const { host, port } = parseUserHostPort(o.target);
  await withClusterClient(ctx, async (cc) => {
    const target = cleanTargetHost(host, profileNameFromAddr(cc.identity.webProxyAddr), cc.identity.cluster);
    const conn = await openNodeStream(
      cc,
      { host: target, port, login: '', cluster: cc.identity.cluster },
      { home: ctx.home, log: ctx.log },
    );
    ctx.log('proxying', { target, port });
    await Promise.all([
      pipeline(ctx.io.stdin, conn).catch(() => conn.end()),
      pipeline(conn, ctx.io.stdout).catch(() => undefined),
    ]);
  });
  return 0;
}
