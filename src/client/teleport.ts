// TeleportClient: the one facade commands and library users talk to, in the spirit of
// upstream lib/client's TeleportClient over ProxyClient/ClusterClient. It owns the selected
// profile's identity, the proxy web API and the gRPC clients, opens them on first use (the
// network modules are imported lazily, so `status` never loads gRPC) and closes them once.
import type { FileKeyStore } from '../auth/keystore.js';
import { ProfileStore, type Profile } from '../auth/profile.js';
import type { PaginatedResource } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import type { RemoteClusterV3, RoleV6, ServerV2, UserV2 } from '../gen/teleport/legacy/types/types.js';
import { TshError } from '../util/errors.js';
import type { ClusterClient } from './cluster.js';
import {
  configHome,
  noLog,
  selectedProfile,
  selectedProfileName,
  type ClientConfig,
  type Logger,
} from './config.js';
import type { ResourceFilter } from './filter.js';
import type { EncodedPage, NodeView, NodeViewFields } from './listing.js';
import type { ClientIdentity } from './identity.js';
import type { LoginOptions, LoginResult } from './login.js';
import type { PingResponse, WebClient } from './webapi.js';
import type { DesktopCert } from './reissue.js';
import type { Prompter } from '../term/prompt.js';

/** Page size of each GetSessionEvents call (apidefaults.DefaultChunkSize). */
export const SESSION_PAGE_SIZE = 1000;

export interface SessionSearch {
  from: Date;
  to: Date;
  /** 0 = no limit */
  limit: number;
}

export class TeleportClient {
  readonly home: string;
  readonly profiles: ProfileStore;
  readonly log: Logger;
  private id?: ClientIdentity;
  private clusterClient?: ClusterClient;

  constructor(readonly config: ClientConfig = {}) {
    this.home = configHome(config);
    this.profiles = new ProfileStore(this.home);
    this.log = config.log ?? noLog;
  }

  /** The key store of the home (its module, with the key codecs, is loaded on first use). */
  async keyStore(): Promise<FileKeyStore> {
    const { FileKeyStore } = await import('../auth/keystore.js');
    return new FileKeyStore(this.home);
  }

  selectedProfileName(): string | undefined {
    return selectedProfileName(this.config, this.profiles);
  }

  selectedProfile(): Profile | undefined {
    return selectedProfile(this.config, this.profiles);
  }

  /**
   * The credentials of the selected profile or identity file (checked for expiry once). Loaded
   * on first use: certificate decoding is not paid by commands that never need it.
   */
  async identity(): Promise<ClientIdentity> {
    if (!this.id) {
      const { loadClientIdentity } = await import('./identity.js');
      this.id ??= loadClientIdentity(this.config, this.profiles);
    }
    return this.id;
  }

  /** gRPC clients for the proxy and the target cluster, opened on first use. */
  async cluster(): Promise<ClusterClient> {
    if (!this.clusterClient) {
      const id = await this.identity();
      const { ClusterClient } = await import('./cluster.js');
      this.log('connecting', { proxy: id.webProxyAddr, cluster: id.cluster, user: id.username });
      this.clusterClient = new ClusterClient(id, { insecure: this.config.insecure, log: this.log });
    }
    return this.clusterClient;
  }

  /** Logs in (local user) and saves the profile, or writes an identity file with `out`. */
  async login(o: LoginOptions): Promise<LoginResult> {
    const { login } = await import('./login.js');
    return login({ ...this.config, home: this.home, log: this.log }, o);
  }

  /** The selected profile's proxy ping, or undefined when no profile is selected. */
  async pingProxy(timeoutMs = 5_000): Promise<PingResponse | undefined> {
    return this.withWeb(timeoutMs, (web) => web.ping());
  }

  /** tsh PingAndShowMOTD: the proxy's ping and, when it has one, the message of the day. */
  async pingAndMotd(timeoutMs = 5_000): Promise<{ ping: PingResponse; motd?: string } | undefined> {
    return this.withWeb(timeoutMs, async (web) => {
      const ping = await web.ping();
      return { ping, motd: ping.auth.has_motd ? (await web.motd()).Text || undefined : undefined };
    });
  }

  /** A web API client for the selected profile's proxy, closed after fn. */
  private async withWeb<T>(timeoutMs: number, fn: (web: WebClient) => Promise<T>): Promise<T | undefined> {
    const profile = this.selectedProfile();
    if (!profile) return undefined;
    const { WebClient, trustedRootsFromEnv } = await import('./webapi.js');
    const web = new WebClient({
      proxyAddr: profile.webProxyAddr,
      insecure: this.config.insecure,
      ca: trustedRootsFromEnv(this.config.env ?? process.env),
      timeoutMs,
    });
    try {
      return await fn(web);
    } finally {
      web.close();
    }
  }

  /** Nodes page by page (ListUnifiedResources, kind "node"), as `tsh ls` streams them. */
  async *nodes(filter: ResourceFilter): AsyncGenerator<ServerV2[]> {
    for await (const page of this.unified(['node'], filter)) {
      yield page.flatMap((r) => (r.resource?.$case === 'Node' ? [r.resource.value] : []));
    }
  }

  /**
   * Nodes page by page like nodes(), but each page is decoded node by node as it is iterated (the page
   * stays encoded until then): a listing that keeps only what it prints never holds a decoded page.
   */
  async *nodePages(filter: ResourceFilter): AsyncGenerator<Iterable<ServerV2>> {
    const cc = await this.cluster();
    const { listUnifiedLazy } = await import('./listing.js');
    for await (const page of listUnifiedLazy(cc, ['node'], filter)) {
      yield (function* () {
        for (const r of page.Resources) if (r.resource?.$case === 'Node') yield r.resource.value;
      })();
    }
  }

  /**
   * Like nodePages(), but each node decodes only the fields `tsh ls` prints as text or names
   * (hostname, name, address, tunnel, labels and command label results: NodeView), or fewer of them.
   */
  async *nodeViewPages(
    filter: ResourceFilter,
    fields: NodeViewFields = 'all',
  ): AsyncGenerator<Iterable<NodeView>> {
    const cc = await this.cluster();
    const { listUnifiedLazy } = await import('./listing.js');
    for await (const page of listUnifiedLazy(cc, ['node'], filter)) yield page.nodeViews(fields);
  }

  /**
   * Node pages left encoded (ListUnifiedResources of kind node): for renderers that read the
   * resources' bytes themselves (output/nodejson.ts).
   */
  async *nodeEncodedPages(filter: ResourceFilter): AsyncGenerator<EncodedPage> {
    const cc = await this.cluster();
    const { listUnifiedLazy } = await import('./listing.js');
    for await (const page of listUnifiedLazy(cc, ['node'], filter)) yield page.encoded;
  }

  /** ListUnifiedResources pages for the given kinds. */
  async *unified(kinds: string[], filter: ResourceFilter): AsyncGenerator<PaginatedResource[]> {
    const cc = await this.cluster();
    const { listUnified } = await import('./listing.js');
    yield* listUnified(cc, kinds, filter);
  }

  /** Every resource of one ListResources type (apps, dbs, kube clusters, desktops), mapped by pick. */
  async collect<T>(
    resourceType: string,
    filter: ResourceFilter,
    pick: (r: PaginatedResource) => T | undefined,
  ): Promise<T[]> {
    const cc = await this.cluster();
    const { collectResources } = await import('./listing.js');
    return collectResources(cc, resourceType, filter, pick);
  }

  /** The root cluster's name (as the proxy's certificate states it) and the selected cluster. */
  async clusterNames(): Promise<{ root: string; selected: string }> {
    const cc = await this.cluster();
    // Any proxy call completes the handshake that tells us the proxy's cluster name.
    await cc.call(cc.transport, cc.transport.getClusterDetails, {}, 'cluster details');
    return { root: cc.proxyClusterName ?? cc.identity.rootCluster, selected: cc.identity.cluster };
  }

  /** Leaf clusters via PresenceService.ListRemoteClusters, page by page; none where unsupported. */
  async remoteClusters(): Promise<RemoteClusterV3[]> {
    const cc = await this.cluster();
    const { status } = await import('@grpc/grpc-js');
    const { grpcCode } = await import('./grpc/errors.js');
    const out: RemoteClusterV3[] = [];
    let pageToken = '';
    for (;;) {
      try {
        const res = await cc.call(
          cc.presence,
          cc.presence.listRemoteClusters,
          { pageSize: 0, pageToken },
          'list leaf clusters',
        );
        out.push(...res.remoteClusters);
        if (!res.nextPageToken) return out;
        pageToken = res.nextPageToken;
      } catch (err) {
        // Older clusters (and ones without the RPC) have no leaf listing here.
        if (grpcCode(err) === status.UNIMPLEMENTED) return out;
        throw err;
      }
    }
  }

  /**
   * The current user as the cluster sees it and the roles its identity names, traits not applied
   * (AuthService.GetCurrentUserRoles, then GetCurrentUser), which tsh builds its access checker from
   * (services.NewAccessCheckerForRemoteCluster; `tsh db ls` Allowed Users).
   */
  async currentUserRoles(): Promise<{ user: UserV2; roles: RoleV6[] }> {
    const cc = await this.cluster();
    const { grpcError } = await import('./grpc/errors.js');
    const roles: RoleV6[] = [];
    const stream = cc.auth.getCurrentUserRoles({});
    try {
      for await (const r of stream as AsyncIterable<RoleV6>) roles.push(r);
    } catch (err) {
      throw grpcError(err, 'get current user roles');
    } finally {
      stream.cancel();
    }
    const user = await cc.call(cc.auth, cc.auth.getCurrentUser, {}, 'get current user');
    return { user, roles };
  }

  /**
   * A certificate for one Windows desktop session (usage:windows_desktop, routed to the desktop and
   * login), with a fresh key of the cluster's suite. Runs the per-session MFA ceremony (OTP through
   * `prompter`) when the cluster requires it; kept in memory only (docs/desktop-certs.md).
   */
  async issueDesktopCert(o: {
    desktop: string;
    login: string;
    cluster?: string;
    ttlMs?: number;
    prompter?: Prompter;
    /** The MFA prompt's reason and warnings (stderr in the CLI). */
    warn?: (text: string) => void;
  }): Promise<DesktopCert> {
    const cc = await this.cluster();
    const { issueDesktopCert } = await import('./reissue.js');
    this.log('issuing desktop certificate', { desktop: o.desktop, login: o.login });
    return issueDesktopCert(cc, { env: this.config.env, ...o });
  }

  /** The events of a recorded session from index 0 (AuthService.StreamSessionEvents). */
  async *sessionEvents(sid: string): AsyncGenerator<OneOf> {
    const cc = await this.cluster();
    const { status } = await import('@grpc/grpc-js');
    const { grpcCode, grpcError } = await import('./grpc/errors.js');
    const stream = cc.auth.streamSessionEvents({ SessionID: sid, StartIndex: 0 });
    try {
      for await (const ev of stream as AsyncIterable<OneOf>) yield ev;
    } catch (err) {
      if (grpcCode(err) === status.NOT_FOUND)
        throw new TshError(`Recording for session ${sid} not found.`, 'not-found');
      throw grpcError(err, 'stream session events');
    } finally {
      stream.cancel();
    }
  }

  /** session.end events in a time range, newest first (GetPaginatedSessions over GetSessionEvents). */
  async sessionEnds(q: SessionSearch): Promise<OneOf[]> {
    const cc = await this.cluster();
    const { Order } = await import('../gen/teleport/legacy/client/proto/authservice.js');
    const events: OneOf[] = [];
    let startKey = '';
    while (q.limit === 0 || events.length < q.limit) {
      const want = q.limit === 0 ? SESSION_PAGE_SIZE : Math.min(SESSION_PAGE_SIZE, q.limit - events.length);
      const page = await cc.call(
        cc.auth,
        cc.auth.getSessionEvents,
        { StartDate: q.from, EndDate: q.to, Limit: want, StartKey: startKey, Order: Order.DESCENDING },
        'list session recordings',
      );
      events.push(...page.Items);
      startKey = page.LastKey;
      if (!startKey) break;
    }
    if (q.limit > 0) events.splice(q.limit);
    return events;
  }

  /** Closes whatever was opened; safe to call more than once. */
  close(): void {
    this.clusterClient?.close();
    this.clusterClient = undefined;
  }
}
