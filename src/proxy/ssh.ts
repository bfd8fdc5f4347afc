// The local side of `tshjs proxy ssh`: stdin/stdout carry the raw SSH stream to a node through
// the proxy, for OpenSSH's ProxyCommand (tool/tsh/common/proxy.go onProxyCommandSSH).
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { profileNameFromAddr } from '../auth/profile.js';
import type { TeleportClient } from '../client/teleport.js';
import { cleanTargetHost } from '../ssh/dialhost.js';
import { openNodeStream } from '../ssh/session.js';

export interface ProxySshTarget {
  /** As OpenSSH passes %h: a node name, possibly with ".<proxy>" or ".<cluster>" appended. */
  host: string;
  port?: number;
}

/**
 * Opens the node's SSH stream (login-less: OpenSSH authenticates itself inside it) and relays it
 * to and from the given streams until both directions end.
 */
export async function proxySshStdio(
  tc: TeleportClient,
  target: ProxySshTarget,
  stdio: { stdin: Readable; stdout: Writable },
): Promise<void> {
  const { webProxyAddr, cluster } = (await tc.cluster()).identity;
  const host = cleanTargetHost(target.host, profileNameFromAddr(webProxyAddr), cluster);
  const conn = await openNodeStream(tc, { host, port: target.port, login: '', cluster });
  tc.log('proxying', { target: host, port: target.port });
  await Promise.all([
    pipeline(stdio.stdin, conn).catch(() => conn.end()),
    pipeline(conn, stdio.stdout).catch(() => undefined),
  ]);
}
