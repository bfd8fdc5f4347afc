// The local side of `tshjs proxy ssh`: stdin/stdout carry the raw SSH stream to a node through
// the proxy, for OpenSSH's ProxyCommand (tool/tsh/common/proxy.go onProxyCommandSSH).
import * as fs from 'node:fs';
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
    pipeline(conn, unblockedStdout(stdio.stdout)).catch(() => undefined),
  ]);
}

/** How much of the node's output may wait for OpenSSH to read it. */
const STDOUT_BUFFER = 1 << 20;

/**
 * OpenSSH reads the node's bytes from our stdout, a 64 KiB pipe. process.stdout writes it from
 * the event loop (non-blocking: a full pipe waits for OpenSSH to read before anything more is
 * taken from the proxy) with a 16 KiB buffer. Where Linux lets us open the pipe again, as a new,
 * blocking file description, the writes run on the thread pool, beside the event loop, with a
 * bigger buffer. (fd 1 itself cannot be used so: process.stdout made it non-blocking.)
 */
function unblockedStdout(out: Writable): Writable {
  if (out !== process.stdout) return out;
  let fd: number;
  try {
    if (!fs.fstatSync(1).isFIFO()) return out;
    fd = fs.openSync('/proc/self/fd/1', fs.constants.O_WRONLY);
  } catch {
    return out;
  }
  return fs.createWriteStream('', { fd, highWaterMark: STDOUT_BUFFER });
}
