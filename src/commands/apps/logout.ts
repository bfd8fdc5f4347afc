// tshjs apps logout [APP] (tool/tsh/common/app.go onAppLogout): remove the app certificates of the
// current cluster, one app or all of them.
import { activeApps, deleteAllAppCerts, deleteAppCert } from '../../client/appcerts.js';
import { appLogoutText } from '../../output/appconfig.js';
import { TshError } from '../../util/errors.js';
import { clusterFlag, defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';

export interface AppsLogoutOptions {
  app?: string;
}

export const appsLogout = defineCommand<AppsLogoutOptions>({
  path: ['apps', 'logout'],
  description: 'Remove app certificate',
  args: [{ name: '[app]', description: 'App to remove credentials for.' }],
  flags: [clusterFlag],
  options: (args) => ({ app: (args[0] as string | undefined) || undefined }),
  run: runAppsLogout,
});

export async function runAppsLogout(o: AppsLogoutOptions, ctx: CommandContext): Promise<number> {
  const tc = ctx.client();
  const site = (await tc.identity()).cluster;
  const active = await activeApps(tc, site);
  const logout = o.app ? active.filter((r) => r.name === o.app) : active;
  if (o.app && logout.length === 0) {
    // Not logged in, but stray files (a cert without its key) still go.
    await deleteAppCert(tc, site, o.app);
    throw new TshError(`not logged into app ${JSON.stringify(o.app)}`, 'bad-parameter');
  }
  for (const r of logout) {
    await endAppSession(ctx, r.sessionId);
    await deleteAppCert(tc, site, r.name);
  }
  // LogoutAllApps: files left by expired or unreadable certificates go too.
  if (!o.app) await deleteAllAppCerts(tc);
  ctx.io.stdout.write(appLogoutText(logout.map((r) => r.name)));
  return 0;
}

/**
 * DeleteAppSession on the root cluster, as tsh does before removing the files: a session already
 * gone (NotFound) or a cluster without the call (UNIMPLEMENTED) is fine; other failures are logged,
 * the certificate is removed all the same.
 */
async function endAppSession(ctx: CommandContext, sessionId: string): Promise<void> {
  if (!sessionId) return;
  const { status } = await import('@grpc/grpc-js');
  const { grpcCode } = await import('../../client/grpc/errors.js');
  const { rootClusterClient } = await import('../request/shared.js');
  try {
    const { cc } = await rootClusterClient(ctx);
    await cc.call(cc.auth, cc.auth.deleteAppSession, { SessionID: sessionId }, 'end the app session');
  } catch (err) {
    const code = grpcCode(err);
    if (code !== status.NOT_FOUND && code !== status.UNIMPLEMENTED) {
      ctx.log('could not end the app session', { error: (err as Error).message });
    }
  }
}
