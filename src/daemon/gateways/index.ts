// The gateway RPCs of TerminalService (lib/teleterm/daemon gateway code, apiserver
// handler_gateways.go): local listeners towards a database (src/proxy/db.ts in tunnel mode) or a
// Kubernetes cluster (src/proxy/kube.ts plus a kubeconfig), each under /gateways/<uuid>.
// docs/daemon-gateways.md.
import { randomUUID } from 'node:crypto';
import type { Gateway } from '../../gen/teleport/lib/teleterm/v1/gateway.js';
import type { TerminalServiceServer } from '../../gen/teleport/lib/teleterm/v1/service.js';
import type { DaemonDeps } from '../deps.js';
import { daemonError } from '../errors.js';
import { unary } from '../handler.js';
import { gatewayUri } from '../uri.js';
import { createDbGateway } from './db.js';
import { createKubeGateway } from './kube.js';
import { gatewayRegistry } from './registry.js';
import type { GatewayTarget, LiveGateway } from './types.js';

/** ParseGatewayTargetURI: a db or kube URI; anything else NotImplemented as upstream's CLI command. */
export function parseGatewayTarget(deps: DaemonDeps, uri: string): GatewayTarget {
  const p = deps.resolve(uri);
  if (!p.kind || !p.name) throw daemonError('bad-parameter', 'missing target resource name');
  if (p.kind !== 'dbs' && p.kind !== 'kubes') {
    throw daemonError('not-implemented', `gateway not supported for ${uri}`);
  }
  return {
    uri,
    kind: p.kind === 'dbs' ? 'db' : 'kube',
    name: p.name,
    clusterUri: p.clusterUri,
    rootClusterUri: p.rootClusterUri,
  };
}

/** LocalPort: empty or "0" picks a free port (upstream's default "0"). */
export function parseLocalPort(s: string): number | undefined {
  if (s === '' || s === '0') return undefined;
  const n = /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= 65535)) throw daemonError('bad-parameter', `invalid local port ${JSON.stringify(s)}`);
  return n;
}

/** newAPIGateway: the message, with the CLI command built for the gateway as it is now. */
export async function toApiGateway(g: LiveGateway): Promise<Gateway> {
  return {
    uri: g.uri,
    targetName: g.target.name,
    targetUri: g.target.uri,
    targetUser: g.targetUser,
    localAddress: g.localAddress,
    localPort: g.localPort,
    protocol: g.protocol,
    targetSubresourceName: g.targetSubresourceName,
    gatewayCliCommand: await g.cliCommand(),
  };
}

export function gatewayHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  const registry = gatewayRegistry(deps);
  const { kubeconfigsDir } = deps;
  deps.onClose(() => registry.closeAll(deps.log));

  const create = async (req: {
    targetUri: string;
    targetUser: string;
    localPort: string;
    targetSubresourceName: string;
  }): Promise<LiveGateway> => {
    const target = parseGatewayTarget(deps, req.targetUri);
    const port = parseLocalPort(req.localPort);
    const same = registry.all().filter((g) => g.target.uri === target.uri);
    // One kube gateway per kube cluster, shared by every terminal (shouldReuseGateway).
    if (target.kind === 'kube' && same.length) return same[0];
    if (target.kind === 'db' && same.some((g) => g.targetUser === req.targetUser)) {
      throw daemonError(
        'already-exists',
        `gateway for database ${target.name} and user ${req.targetUser} already exists`,
      );
    }
    const uri = gatewayUri(randomUUID());
    const g =
      target.kind === 'db'
        ? await createDbGateway(deps, {
            uri,
            target,
            targetUser: req.targetUser,
            targetSubresourceName: req.targetSubresourceName,
            port,
          })
        : await createKubeGateway(deps, { uri, target, port, kubeconfigsDir });
    registry.set(g);
    deps.log.debug('gateway created', { gateway: uri, target: target.uri, port: g.localPort });
    return g;
  };

  return {
    createGateway: unary(async (req) => {
      const g = await registry.serial(() => create(req));
      return toApiGateway(g);
    }),

    listGateways: unary(async () => {
      return { gateways: await Promise.all(registry.all().map(toApiGateway)) };
    }),

    removeGateway: unary(async (req) => {
      await registry.serial(async () => {
        const g = registry.find(req.gatewayUri);
        await g.close();
        registry.delete(g.uri);
      });
      return {};
    }),

    setGatewayTargetSubresourceName: unary(async (req) => {
      const { gatewayUri: uri, targetSubresourceName } = req;
      const g = await registry.serial(() => {
        const g = registry.find(uri);
        g.targetSubresourceName = targetSubresourceName;
        return Promise.resolve(g);
      });
      return toApiGateway(g);
    }),

    setGatewayLocalPort: unary(async (req) => {
      const { gatewayUri: uri, localPort } = req;
      const g = await registry.serial(async () => {
        const old = registry.find(uri);
        if (localPort === old.localPort) return old;
        // The new listener first: when the port cannot be had, the old gateway stays as it was.
        const next = await old.withLocalPort(parseLocalPort(localPort));
        try {
          await old.close();
        } catch (err) {
          await next.close().catch(() => {});
          throw err;
        }
        registry.set(next);
        return next;
      });
      return toApiGateway(g);
    }),
  };
}
