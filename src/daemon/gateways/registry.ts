// The daemon's running gateways by URI (daemon.Service.gateways upstream), one registry per deps so
// that the gateway RPCs and AssumeRole (which clears kube gateways' certificates) share it. Changes
// are serialised, as upstream holds its mutex across create/remove/set-port.
import type { DaemonDeps } from '../deps.js';
import { daemonError } from '../errors.js';
import type { LiveGateway } from './types.js';

export class GatewayRegistry {
  private readonly gateways = new Map<string, LiveGateway>();
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs fn after every earlier change has finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }

  /** findGateway: NotFound "gateway is not found: <uri>". */
  find(uri: string): LiveGateway {
    const g = this.gateways.get(uri);
    if (!g) throw daemonError('not-found', `gateway is not found: ${uri}`);
    return g;
  }

  set(g: LiveGateway): void {
    this.gateways.set(g.uri, g);
  }

  delete(uri: string): void {
    this.gateways.delete(uri);
  }

  all(): LiveGateway[] {
    return [...this.gateways.values()];
  }

  /** Daemon shutdown: every gateway closed, errors logged. */
  async closeAll(log: DaemonDeps['log']): Promise<void> {
    const all = this.all();
    this.gateways.clear();
    await Promise.all(
      all.map((g) =>
        g
          .close()
          .catch((err: unknown) =>
            log.error('could not close gateway', { gateway: g.uri, error: String(err) }),
          ),
      ),
    );
  }
}

const registries = new WeakMap<DaemonDeps, GatewayRegistry>();

/** The registry of this daemon (created on first use). */
export function gatewayRegistry(deps: DaemonDeps): GatewayRegistry {
  let r = registries.get(deps);
  if (!r) {
    r = new GatewayRegistry();
    registries.set(deps, r);
  }
  return r;
}
