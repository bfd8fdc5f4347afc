// tshjs scp [flags] SOURCE... DEST: like tsh scp — a remote operand is [user@]host:path, exactly
// one side is remote, and the copy runs over SFTP on the node reached through the proxy.
import { userInfo } from 'node:os';
import type { ClientContext } from '../client/context.js';
import { withClusterClient } from '../client/session.js';
import { download, openSftp, upload } from '../ssh/sftp.js';
import { connectNode } from '../ssh/session.js';
import { TshError } from '../util/errors.js';

export interface ScpOptions {
  sources: string[];
  dest: string;
  recursive?: boolean;
  preserve?: boolean;
  port?: number;
  quiet?: boolean;
}

export interface RemotePath {
  user?: string;
  host: string;
  path: string;
}

/**
 * `[user@]host:path` → remote; anything else (no colon, or a slash before the first colon, as
 * in "./a:b") is local. IPv6 hosts go in brackets: `[::1]:path`.
 */
export function parseRemotePath(arg: string): RemotePath | undefined {
  const at = arg.startsWith('[') ? -1 : arg.indexOf('@');
  const hostStart = arg.startsWith('[') || at < 0 ? 0 : at + 1;
  let colon: number;
  if (arg[hostStart] === '[') {
    const close = arg.indexOf(']', hostStart);
    if (close < 0 || arg[close + 1] !== ':') return undefined;
    colon = close + 1;
  } else {
    colon = arg.indexOf(':');
  }
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  const userHost = arg.slice(0, colon);
  const split = userHost.startsWith('[') ? -1 : userHost.lastIndexOf('@');
  const user = split >= 0 ? userHost.slice(0, split) || undefined : undefined;
  const host = (split >= 0 ? userHost.slice(split + 1) : userHost).replace(/^\[(.*)\]$/, '$1');
  if (!host) return undefined;
  return { user, host, path: arg.slice(colon + 1) };
}

function defaultLogin(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

export async function runScp(ctx: ClientContext, o: ScpOptions): Promise<number> {
  if (!o.sources.length || !o.dest)
    throw new TshError(
      'need at least one source and a destination: tshjs scp SOURCE... DEST',
      'bad-parameter',
    );
  const dest = parseRemotePath(o.dest);
  const sources = o.sources.map(parseRemotePath);
  const remoteSources = sources.filter((s): s is RemotePath => !!s);
  if (dest ? remoteSources.length > 0 : remoteSources.length !== sources.length)
    throw new TshError(
      dest
        ? 'remote to remote copy is not supported'
        : remoteSources.length
          ? 'local and remote sources cannot be mixed'
          : 'local to local copy is not supported',
      'bad-parameter',
    );
  const remote = dest ?? remoteSources[0];
  for (const s of remoteSources) {
    if (s.host !== remote.host || (s.user ?? '') !== (remote.user ?? ''))
      throw new TshError('all remote sources must be on the same host and login', 'bad-parameter');
  }
  const login = remote.user || ctx.opts.login || defaultLogin();
  return withClusterClient(ctx, async (cc) => {
    const client = await connectNode(
      cc,
      { host: remote.host, port: o.port, login, cluster: cc.identity.cluster },
      { home: ctx.home, log: ctx.log },
    );
    try {
      const sftp = await openSftp(client, remote.host);
      const opts = {
        recursive: o.recursive,
        preserve: o.preserve,
        quiet: o.quiet,
        stderr: ctx.io.stderr,
        host: remote.host,
      };
      try {
        if (dest) await upload(sftp, o.sources, dest.path, opts);
        else
          await download(
            sftp,
            remoteSources.map((s) => s.path),
            o.dest,
            opts,
          );
      } finally {
        sftp.end();
      }
      return 0;
    } finally {
      client.end();
    }
  });
}
