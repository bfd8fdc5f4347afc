// The context every TerminalService handler module gets (the contract between src/daemon's
// modules): where the profiles live, the per-cluster TeleportClient cache, URI parsing, the
// app's events service, and shutdown hooks.
import type { Profile, ProfileStore } from '../auth/profile.js';
import type { TeleportClient } from '../client/teleport.js';
import type { TshdEvents } from './events.js';
import type { DaemonLog } from './log.js';
import type { ParsedUri } from './uri.js';

export type { ParsedUri, TshdEvents, DaemonLog };

export interface DaemonDeps {
  /** The tsh home (TELEPORT_HOME, ~/.tsh) shared with the CLI. */
  home: string;
  env: NodeJS.ProcessEnv;
  /** --insecure: skip verification of the proxy's TLS certificate. */
  insecure: boolean;
  /** --kubeconfigs-dir: where kube gateways write their kubeconfigs (defaults under home). */
  kubeconfigsDir: string;
  log: DaemonLog;
  /** The profiles in `home` (one store for the whole daemon). */
  profiles: ProfileStore;
  /** The profile a URI's root cluster is stored as; NotFound when there is none. */
  profileOf(uri: string): Profile;
  /**
   * The TeleportClient for a root or leaf cluster URI (or any resource URI under it), cached per
   * cluster until clearClients; NotFound when the URI's profile does not exist.
   */
  clientFor(clusterUri: string): Promise<TeleportClient>;
  /** Closes and forgets the cached clients of a root cluster and its leaves (after login, logout, assume role). */
  clearClients(rootClusterUri: string): void;
  /** src/daemon/uri.ts parseUri: BadParameter "missing root cluster name" for a non-cluster URI. */
  resolve(uri: string): ParsedUri;
  /** The app's TshdEventsService (calls fail with NotFound until its address is set). */
  events: TshdEvents;
  /** Runs at daemon shutdown, before the gRPC server stops (gateways close here). */
  onClose(fn: () => Promise<void> | void): void;
}

/** A handler module: a part of TerminalServiceServer built on the shared deps. */
export type HandlerModule = (
  deps: DaemonDeps,
) => Partial<import('../gen/teleport/lib/teleterm/v1/service.js').TerminalServiceServer>;
