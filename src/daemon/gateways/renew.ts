// A gateway's certificate renewal as tshd does it (lib/teleterm/daemon reissueGatewayCerts): try
// to reissue; when that needs a fresh login (the user's certificate expired), ask the app to log
// the user in again (TshdEventsService.Relogin, reason gateway_cert_expired) and retry once; when
// it still fails, tell the app the gateway cannot proxy (SendNotification) and fail the connection.
import type { TeleportClient } from '../../client/teleport.js';
import type { DaemonDeps } from '../deps.js';
import { isResolvableWithRelogin } from '../errors.js';
import type { GatewayTarget } from './types.js';

/**
 * The client of the target's cluster with a user certificate that is still valid: a cached client
 * whose certificate expired (a login made elsewhere since, or none) is dropped and the profile read
 * again, which fails with the "expired" kind when there is no newer login.
 */
export async function freshClient(deps: DaemonDeps, target: GatewayTarget): Promise<TeleportClient> {
  let tc = await deps.clientFor(target.clusterUri);
  const id = await tc.identity();
  if (id.tls.expires.getTime() <= Date.now()) {
    deps.clearClients(target.rootClusterUri);
    tc = await deps.clientFor(target.clusterUri);
    await tc.identity();
  }
  return tc;
}

/** Runs `issue`, with one relogin round trip through the app when a new login would fix it. */
export async function renewWithRelogin<T>(
  deps: DaemonDeps,
  gateway: { uri: string; target: GatewayTarget },
  issue: () => Promise<T>,
): Promise<T> {
  try {
    try {
      return await issue();
    } catch (err) {
      // Without the app's events service there is nobody to ask: the original error says what to do.
      if (!isResolvableWithRelogin(err) || !deps.events.ready) throw err;
      deps.log.debug('gateway certificate needs a new login', { gateway: gateway.uri });
      await deps.events.relogin({
        rootClusterUri: gateway.target.rootClusterUri,
        reason: {
          $case: 'gatewayCertExpired',
          value: { gatewayUri: gateway.uri, targetUri: gateway.target.uri },
        },
      });
      // The app logged in through this daemon (which dropped its cached clients) or elsewhere.
      deps.clearClients(gateway.target.rootClusterUri);
      return await issue();
    }
  } catch (err) {
    await deps.events.sendNotification({
      subject: {
        $case: 'cannotProxyGatewayConnection',
        value: {
          gatewayUri: gateway.uri,
          targetUri: gateway.target.uri,
          error: err instanceof Error ? err.message : String(err),
        },
      },
    });
    throw err;
  }
}
