// Wiring of app auth configs into a dev cluster: the Auth gRPC service and the proxy's bearer
// handler. server.ts calls setupAppAuth once (see /work/helpers/hooks-APPJWT, docs/app-auth-configs.md).
import type { Duplex } from 'node:stream';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { AppAuthConfigSessionsServiceService } from '../../gen/teleport/appauthconfig/v1/appauthconfig_sessions_service.js';
import type { AppAuthConfig } from '../../gen/teleport/appauthconfig/v1/appauthconfig.js';
import type { AuditLog } from '../audit/log.js';
import type { AppService } from '../apps/service.js';
import { emitAppSessionStart } from '../apps/audit.js';
import type { Authority } from '../authority.js';
import type { DevClusterConfig } from '../config.js';
import { ProxyAuthClient, type HostIdentity } from './authclient.js';
import { appAuthBearer } from './bearer.js';
import { appAuthConfigSessionsService } from './sessionsservice.js';

export interface AppAuthSetup {
  config: DevClusterConfig & { app_auth_configs?: AppAuthConfig[] };
  authority: Authority;
  audit: AuditLog;
  appService: AppService;
  /** The Auth gRPC server the service is added to. */
  authGrpc: GrpcServer;
  /** The proxy's host identity (issued by the host CA, O = Proxy). */
  proxyIdentity: HostIdentity;
  /** The cluster's TLS-routing address (host:port). */
  addr: () => string;
  /** Without TLS routing: a stream into the Auth TLS server. */
  authTunnel?: () => Duplex;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Registers CreateAppSessionWithJWT and the proxy's bearer handler; returns a closer. */
export function setupAppAuth(o: AppAuthSetup): { close(): void } {
  const appAuthConfigs = () => o.config.app_auth_configs ?? [];
  o.authGrpc.addService(
    AppAuthConfigSessionsServiceService,
    appAuthConfigSessionsService({
      config: o.config,
      appAuthConfigs,
      audit: o.audit,
      sessions: o.appService.sessions,
      hostCaPem: o.authority.hostTLS.certPem,
      // As for certificate sessions: Auth records app.session.start when it creates the session.
      onSessionCreated: (s) => {
        const app = o.appService.app(s.appName);
        if (app) emitAppSessionStart(o.authority, s, app);
      },
      log: o.log,
    }),
  );
  const client = new ProxyAuthClient({
    addr: o.addr,
    clusterName: o.config.cluster_name,
    identity: o.proxyIdentity,
    hostCaPem: o.authority.hostTLS.certPem,
    tunnel: o.authTunnel,
  });
  o.appService.setBearerAuth(
    appAuthBearer({
      appAuthConfigs,
      sessions: o.appService.sessions,
      auth: client,
      clusterName: o.config.cluster_name,
      log: o.log,
    }),
  );
  return { close: () => client.close() };
}
