// Opens a cluster client for one command and always closes it.
import { ClusterClient } from './cluster.js';
import type { ClientContext } from './context.js';
import { loadClientIdentity } from './identity.js';

export async function withClusterClient<T>(
  ctx: ClientContext,
  fn: (cc: ClusterClient) => Promise<T>,
): Promise<T> {
  const id = loadClientIdentity(ctx);
  ctx.log('connecting', { proxy: id.webProxyAddr, cluster: id.cluster, user: id.username });
  const cc = new ClusterClient(id, { insecure: ctx.opts.insecure, log: ctx.log });
  try {
    return await fn(cc);
  } finally {
    cc.close();
  }
}
