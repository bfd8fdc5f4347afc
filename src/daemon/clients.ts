// The daemon's shared context (deps.ts) made real: one TeleportClient per root or leaf cluster,
// built from the profile the URI names and kept until a login, logout or role change clears it.
import * as fs from 'node:fs';
import { ProfileStore, type Profile } from '../auth/profile.js';
import { TeleportClient } from '../client/teleport.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';
import type { TshdEvents } from './events.js';
import type { DaemonLog } from './log.js';
import { parseUri } from './uri.js';

export interface DaemonContextOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  insecure: boolean;
  kubeconfigsDir: string;
  log: DaemonLog;
  events: TshdEvents;
}

export class DaemonContext implements DaemonDeps {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly insecure: boolean;
  readonly kubeconfigsDir: string;
  readonly log: DaemonLog;
  readonly events: TshdEvents;
  readonly profiles: ProfileStore;
  /** Cached clients with the mtime of the user certificate they were made for. */
  private readonly clients = new Map<string, { tc: TeleportClient; stamp: number }>();
  private readonly closers: (() => Promise<void> | void)[] = [];
  /** Clients replaced after a login elsewhere (closed at shutdown). */
  private readonly retired: TeleportClient[] = [];

  constructor(o: DaemonContextOptions) {
    this.home = o.home;
    this.env = o.env;
    this.insecure = o.insecure;
    this.kubeconfigsDir = o.kubeconfigsDir;
    this.log = o.log;
    this.events = o.events;
    this.profiles = new ProfileStore(o.home);
  }

  resolve(uri: string) {
    return parseUri(uri);
  }

  /** The profile a URI's root cluster is stored as; NotFound when there is none. */
  profileOf(uri: string) {
    const { profile } = parseUri(uri);
    const p = this.profiles.read(profile);
    if (!p) throw daemonError('not-found', `profile ${JSON.stringify(profile)} not found`);
    return p;
  }

  /** When the profile's user certificate was last written (a login elsewhere changes it); 0 if none. */
  private certStamp(name: string, p: Profile): number {
    try {
      return fs.statSync(this.profiles.paths.userTLSCert(name, p.username ?? '')).mtimeMs;
    } catch {
      return 0;
    }
  }

  clientFor(clusterUri: string): Promise<TeleportClient> {
    try {
      const parsed = parseUri(clusterUri);
      const p = this.profileOf(clusterUri);
      const stamp = this.certStamp(parsed.profile, p);
      const cached = this.clients.get(parsed.clusterUri);
      // A `tshjs login` in a terminal shares the home: a newer certificate means a new client.
      if (cached && cached.stamp === stamp) return Promise.resolve(cached.tc);
      // Not closed now: a gateway may be using it; it goes at shutdown.
      if (cached) this.retired.push(cached.tc);
      const tc = new TeleportClient({
        home: this.home,
        proxy: p.webProxyAddr,
        user: p.username,
        cluster: parsed.leaf,
        insecure: this.insecure,
        env: this.env,
        log: this.log.client,
      });
      this.clients.set(parsed.clusterUri, { tc, stamp });
      return Promise.resolve(tc);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  clearClients(rootClusterUri: string): void {
    const root = parseUri(rootClusterUri).rootClusterUri;
    for (const [uri, { tc }] of this.clients) {
      if (uri === root || uri.startsWith(`${root}/`)) {
        tc.close();
        this.clients.delete(uri);
      }
    }
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  /** Runs the shutdown hooks (newest first), then closes every cached client. */
  async close(): Promise<void> {
    for (const fn of this.closers.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        this.log.error('shutdown hook failed', { error: String(err) });
      }
    }
    for (const { tc } of this.clients.values()) tc.close();
    for (const tc of this.retired.splice(0)) tc.close();
    this.clients.clear();
  }
}
