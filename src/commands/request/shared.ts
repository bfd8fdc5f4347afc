// What every `request` subcommand shares: the root cluster's client and the current user.
import type { ClusterClient } from '../../client/cluster.js';
import type { TeleportClient } from '../../client/teleport.js';
import type { CommandContext } from '../context.js';

/** The root cluster's client (tc.WithRootClusterClient): a second client when --cluster names a leaf. */
export async function rootClusterClient(
  ctx: CommandContext,
): Promise<{ tc: TeleportClient; cc: ClusterClient }> {
  const tc = ctx.client();
  const id = await tc.identity();
  const rootTc = id.cluster === id.rootCluster ? tc : ctx.client({ cluster: id.rootCluster });
  return { tc: rootTc, cc: await rootTc.cluster() };
}

/** cf.Username, else the client's user (the certificate's). */
export async function currentUser(ctx: CommandContext, tc: TeleportClient): Promise<string> {
  return ctx.globals.user || (await tc.identity()).username;
}
