// App session audit events into the cluster audit log (src/devcluster/audit/log.ts). Upstream's
// auth server emits app.session.start (T2007I) when it creates an app session
// (lib/auth/sessions.go CreateAppSessionFromReq); JSON names as lib/events AppSessionStart.
import type { AuditLog } from '../audit/log.js';
import type { AppDef } from './config.js';
import type { AppSession } from './sessions.js';

export const APP_SESSION_START_EVENT = 'app.session.start';
export const APP_SESSION_START_CODE = 'T2007I';

const logs = new WeakMap<object, AuditLog>();

/** Called by the cluster: where the Auth service's app events go (keyed like appSessionStore). */
export function setAppAuditLog(clusterKey: object, log: AuditLog): void {
  logs.set(clusterKey, log);
}

export function emitAppSessionStart(
  clusterKey: object,
  s: AppSession,
  app: AppDef,
  mfaVerified?: string,
): void {
  logs.get(clusterKey)?.emit({
    event: APP_SESSION_START_EVENT,
    code: APP_SESSION_START_CODE,
    ei: 0,
    cluster_name: s.clusterName,
    sid: s.id,
    ...(mfaVerified ? { with_mfa: mfaVerified } : {}),
    user: s.user,
    ...(s.loginIp ? { 'addr.remote': s.loginIp } : {}),
    public_addr: s.publicAddr,
    app_uri: app.uri,
    app_public_addr: s.publicAddr,
    app_name: app.name,
    ...(s.targetPort ? { app_target_port: s.targetPort } : {}),
  });
}
