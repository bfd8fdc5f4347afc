// The proxy side of JWT app sessions (RFD 0030e): a request to an app's public address without a
// client certificate may carry an external token in the header an app auth config names
// (default `Authorization: Bearer <jwt>`). Each config whose app_labels select the app is tried
// in turn; a live session with id sha256(token) is reused, otherwise the proxy asks Auth
// (CreateAppSessionWithJWT, as the builtin Proxy) to verify the token and start one.
import type * as http from 'node:http';
import type { AppAuthConfig } from '../../gen/teleport/appauthconfig/v1/appauthconfig.js';
import type { AppV3 } from '../../gen/teleport/legacy/types/types.js';
import type { AppSessionStore } from '../apps/sessions.js';
import type { BearerAuth, BearerAuthResult } from '../apps/service.js';
import { authorizationHeader, configMatchesApp } from './config.js';
import { appSessionIdFromJwt } from './verify.js';
import type { ProxyAuthClient } from './authclient.js';

export interface BearerAuthOptions {
  appAuthConfigs: () => AppAuthConfig[];
  sessions: AppSessionStore;
  auth: Pick<ProxyAuthClient, 'createAppSessionWithJwt'>;
  clusterName: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

const BEARER = /^Bearer +(\S+)\s*$/;

/** The bearer token in one header of the request, if it is there and well-formed. */
export function bearerToken(req: http.IncomingMessage, header: string): string | undefined {
  const v = req.headers[header.toLowerCase()];
  const value = Array.isArray(v) ? v[0] : v;
  return value ? BEARER.exec(value.trim())?.[1] : undefined;
}

export function appAuthBearer(opts: BearerAuthOptions): BearerAuth {
  return async (req, app: AppV3, clientIp): Promise<BearerAuthResult> => {
    const labels = app.Metadata?.Labels ?? {};
    const configs = opts.appAuthConfigs().filter((c) => configMatchesApp(c, labels));
    let error: string | undefined;
    for (const c of configs) {
      const spec = c.spec?.subKindSpec?.$case === 'jwt' ? c.spec.subKindSpec.value : undefined;
      if (!spec) continue;
      const token = bearerToken(req, authorizationHeader(spec));
      if (!token) continue;
      const appName = app.Metadata?.Name ?? '';
      const live = opts.sessions.get(appSessionIdFromJwt(token));
      if (live && live.origin === 'jwt' && live.appName === appName) return { session: live };
      try {
        const res = await opts.auth.createAppSessionWithJwt({
          configName: c.metadata?.name ?? '',
          app: {
            clusterName: opts.clusterName,
            appName,
            uri: app.Spec?.URI ?? '',
            publicAddr: app.Spec?.PublicAddr ?? '',
          },
          jwt: token,
          remoteAddr: clientIp,
        });
        const session = opts.sessions.get(res.session?.Metadata?.Name ?? '');
        if (session) return { session };
        error = 'app session expired';
      } catch (err) {
        error = (err as { details?: string }).details || (err as Error).message;
        opts.log?.('app auth config refused a token', { config: c.metadata?.name, app: appName, error });
      }
    }
    return error === undefined ? undefined : { error };
  };
}
