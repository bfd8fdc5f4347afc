// Cluster client core: gRPC clients for the proxy (TransportService) and the target cluster's
// Auth service, over the proxy's ALPN-routed port.
import { Metadata, type CallOptions, type Client } from '@grpc/grpc-js';
import { AuthServiceClient } from '../gen/teleport/legacy/client/proto/authservice.js';
import { TransportServiceClient } from '../gen/teleport/transport/v1/transport_service.js';
import { TshError } from '../util/errors.js';
import { grpcError } from './grpc/errors.js';
import { CHANNEL_OPTIONS, authGrpcCredentials, proxyGrpcCredentials } from './grpc/dial.js';
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
  private transportClient?: TransportServiceClient;
  /** The proxy's cluster name as its certificate states it (after the first proxy call). */
  proxyClusterName?: string;

  constructor(
    readonly identity: ClientIdentity,
    private readonly opts: ClusterClientOptions = {},
  ) {
    if (!identity.tlsRouting) {
      throw new TshError(
        'this proxy does not use TLS routing (separate ports); tshjs supports TLS routing only for now',
        'bad-parameter',
      );
    }
  }

  get auth(): AuthServiceClient {
    this.authClient ??= new AuthServiceClient(
      this.identity.webProxyAddr,
      authGrpcCredentials(this.identity, this.identity.cluster, !!this.opts.insecure),
      CHANNEL_OPTIONS,
    );
    return this.authClient;
  }

  get transport(): TransportServiceClient {
    this.transportClient ??= new TransportServiceClient(
      this.identity.webProxyAddr,
      proxyGrpcCredentials(this.identity, !!this.opts.insecure, (n) => (this.proxyClusterName = n)),
      CHANNEL_OPTIONS,
    );
    return this.transportClient;
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
    this.authClient?.close();
    this.transportClient?.close();
  }
}
