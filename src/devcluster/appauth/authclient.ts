// The proxy's gRPC client of the Auth service, with the proxy's own host identity (upstream: the
// proxy reaches Auth as the builtin Proxy role). It dials the cluster's TLS-routing port with ALPN
// teleport-auth@<cluster> like any Teleport service, or, given `tunnel`, runs the same TLS inside
// an in-process stream to the Auth TLS server (separate-port mode, where the web port does not
// route Auth). The TLS with Teleport's ALPN is wire/alpncredentials.ts, as for tshjs's own clients.
import type * as tls from 'node:tls';
import { Duplex } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { API_DOMAIN, authAlpn, encodeClusterName } from '../../wire/alpn.js';
import { AlpnChannelCredentials } from '../../wire/alpncredentials.js';
import {
  AppAuthConfigSessionsServiceClient,
  type CreateAppSessionWithJWTRequest,
  type CreateAppSessionWithJWTResponse,
} from '../../gen/teleport/appauthconfig/v1/appauthconfig_sessions_service.js';

export interface HostIdentity {
  /** PEM certificate issued by the host CA (subject O = Proxy). */
  cert: string;
  key: string;
}

export interface AuthClientOptions {
  /** host:port of the cluster's TLS-routing port. */
  addr: () => string;
  clusterName: string;
  identity: HostIdentity;
  /** The host CA (PEM) that issued Auth's certificate. */
  hostCaPem: string;
  /** Run TLS over this stream instead of the TCP connection (which is closed). */
  tunnel?: () => Duplex;
}

/** A lazily opened client of AppAuthConfigSessionsService; close() ends its channel. */
export class ProxyAuthClient {
  private client?: InstanceType<typeof AppAuthConfigSessionsServiceClient>;

  constructor(private readonly opts: AuthClientOptions) {}

  createAppSessionWithJwt(
    req: CreateAppSessionWithJWTRequest,
    timeoutMs = 30_000,
  ): Promise<CreateAppSessionWithJWTResponse> {
    this.client ??= new AppAuthConfigSessionsServiceClient(
      this.opts.addr(),
      new AlpnChannelCredentials({
        alpn: [authAlpn(this.opts.clusterName), 'h2'],
        servername: encodeClusterName(this.opts.clusterName),
        ca: [this.opts.hostCaPem],
        cert: this.opts.identity.cert,
        key: this.opts.identity.key,
        rejectUnauthorized: true,
        tunnel: this.opts.tunnel,
      }),
      {
        'grpc.default_authority': API_DOMAIN,
        'grpc.enable_http_proxy': 0,
      },
    );
    const c = this.client;
    return new Promise((resolve, reject) => {
      c.createAppSessionWithJwt(
        req,
        new Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** Two connected in-memory streams (Node 20 has no stream.duplexPair). */
export function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}

/** A tunnel factory to an in-process TLS server (emits the far end as a new connection). */
export function inProcessTunnel(server: tls.Server): () => Duplex {
  return () => {
    const [near, far] = duplexPair();
    server.emit('connection', far);
    return near;
  };
}
