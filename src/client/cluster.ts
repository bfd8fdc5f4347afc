// Cluster client core: gRPC clients for the proxy (TransportService) and the target cluster's
// Auth service, over the proxy's ALPN-routed port.
import { Metadata, type CallOptions, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { AuthServiceClient } from '../gen/teleport/legacy/client/proto/authservice.js';
import { PresenceServiceClient } from '../gen/teleport/presence/v1/service.js';
import {
  TransportServiceClient,
  type ProxyClusterResponse,
  type ProxyWindowsDesktopSessionRequest,
  type ProxyWindowsDesktopSessionResponse,
} from '../gen/teleport/transport/v1/transport_service.js';
import { TshError } from '../util/errors.js';
import { grpcError } from './grpc/errors.js';
import type { Duplex } from 'node:stream';
import { frameDuplex } from '../wire/framestream.js';
import {
  CHANNEL_OPTIONS,
  authGrpcCredentials,
  proxyGrpcCredentials,
  tunneledAuthCredentials,
} from './grpc/dial.js';
import type { ClientIdentity } from './identity.js';

export interface ClusterClientOptions {
  insecure?: boolean;
  /** Per-call deadline, ms. */
  timeoutMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: Error | null, res: Res) => void,
) => unknown;

export class ClusterClient {
  private authClient?: AuthServiceClient;
  private presenceClient?: PresenceServiceClient;
  private transportClient?: TransportServiceClient;
  /** --insecure: the caller skips certificate checks of the proxy. */
  get insecure(): boolean {
    return !!this.opts.insecure;
  }

  /** The proxy's cluster name as its certificate states it (after the first proxy call). */
  proxyClusterName?: string;

  constructor(
    readonly identity: ClientIdentity,
    private readonly opts: ClusterClientOptions = {},
  ) {
    if (!identity.tlsRouting && !identity.sshProxyAddr) {
      throw new TshError(
        'the profile has no SSH proxy address for a proxy without TLS routing; run "tshjs login" again',
        'relogin',
      );
    }
  }

  /** Where the proxy's gRPC service listens: the web port with TLS routing, else the SSH proxy port. */
  private get proxyGrpcAddr(): string {
    return this.identity.tlsRouting ? this.identity.webProxyAddr : this.identity.sshProxyAddr!;
  }

  /** A client for a service of the target cluster's Auth server, over the right path. */
  private authChannel<C>(Ctor: new (addr: string, creds: ChannelCredentials, opts: object) => C): C {
    const insecure = !!this.opts.insecure;
    return this.identity.tlsRouting
      ? new Ctor(
          this.identity.webProxyAddr,
          authGrpcCredentials(this.identity, this.identity.cluster, insecure),
          CHANNEL_OPTIONS,
        )
      : new Ctor(
          this.proxyGrpcAddr,
          tunneledAuthCredentials(this.identity, insecure, () => this.dialCluster(this.identity.cluster)),
          CHANNEL_OPTIONS,
        );
  }

  get auth(): AuthServiceClient {
    this.authClient ??= this.authChannel(AuthServiceClient);
    return this.authClient;
  }

  /** teleport.presence.v1 on the Auth server (its own channel). */
  get presence(): PresenceServiceClient {
    this.presenceClient ??= this.authChannel(PresenceServiceClient);
    return this.presenceClient;
  }

  get transport(): TransportServiceClient {
    this.transportClient ??= new TransportServiceClient(
      this.proxyGrpcAddr,
      proxyGrpcCredentials(this.identity, !!this.opts.insecure, (n) => (this.proxyClusterName = n)),
      CHANNEL_OPTIONS,
    );
    return this.transportClient;
  }

  /** Streaming calls still open: close() cancels them (grpc-js's Client.close() leaves them open). */
  private readonly streams = new Set<{ cancel(): void }>();

  /**
   * Opens a streaming call that close() ends if its user has not: an error path that forgets a
   * stream must not keep the process alive.
   */
  stream<C extends { cancel(): void; once(event: 'status', l: () => void): unknown }>(open: () => C): C {
    const call = open();
    this.streams.add(call);
    call.once('status', () => this.streams.delete(call));
    return call;
  }

  /** TransportService/ProxySSH, ended by close() if still open. */
  proxySsh() {
    return this.stream(() => this.transport.proxySsh());
  }

  /** A raw connection to a cluster's Auth service through TransportService/ProxyCluster. */
  dialCluster(cluster: string): Duplex {
    const call = this.stream(() => this.transport.proxyCluster());
    // The first message names the cluster only; the client does not wait for an answer.
    call.write({ cluster, frame: undefined });
    return frameDuplex(
      call,
      (payload) => ({ cluster: '', frame: { payload } }),
      (msg: ProxyClusterResponse) => msg.frame?.payload,
    );
  }

  /**
   * A raw byte stream to a Windows Desktop Service through TransportService/ProxyWindowsDesktopSession
   * (RFD 208), for the end-to-end TLS connection of a desktop session. The first message carries
   * the dial target only (the TLS ClientHello follows at once: nothing is awaited); later ones
   * carry `data` only. An empty `data` message is allowed either way and carries nothing.
   */
  proxyWindowsDesktopSession(target: { desktopName: string; cluster: string }): Duplex {
    const call = this.stream(() => this.transport.proxyWindowsDesktopSession());
    call.write({
      dialTarget: { desktopName: target.desktopName, cluster: target.cluster },
      data: Buffer.alloc(0),
    });
    return frameDuplex(
      call,
      (data): ProxyWindowsDesktopSessionRequest => ({ data, dialTarget: undefined }),
      (msg: ProxyWindowsDesktopSessionResponse) => msg.data ?? Buffer.alloc(0),
    );
  }

  /** Calls a unary method with a deadline and turns gRPC errors into one-line errors. */
  call<Req, Res>(client: Client, method: Unary<Req, Res>, req: Req, what: string): Promise<Res> {
    const deadline = new Date(Date.now() + (this.opts.timeoutMs ?? 30_000));
    return new Promise<Res>((resolve, reject) => {
      method.call(client, req, new Metadata(), { deadline }, (err, res) => {
        if (err) reject(grpcError(err, what));
        else resolve(res);
      });
    });
  }

  close(): void {
    for (const call of this.streams) {
      try {
        call.cancel();
      } catch {
        // already over
      }
    }
    this.streams.clear();
    this.authClient?.close();
    this.presenceClient?.close();
    this.transportClient?.close();
  }
}
