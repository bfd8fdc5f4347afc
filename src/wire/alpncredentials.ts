// grpc-js channel credentials that offer Teleport's ALPN values. grpc-js hard-codes ALPN "h2"
// in its own TLS credentials; Teleport routes by ALPN on one port, so we do the TLS handshake
// ourselves. This uses grpc-js's semi-internal SecureConnector API (1.13+): keep the
// dependency pinned to its minor version (package.json "~1.14.x"); test/unit/grpc-alpn.test.ts
// guards it.
import * as tls from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CallCredentials, ChannelCredentials } from '@grpc/grpc-js';

export interface AlpnTlsOptions {
  /** ALPN protocols to offer, in order. */
  alpn: string[];
  /** SNI and the name the server certificate must carry. */
  servername: string;
  /** Trusted CAs (PEM); when empty with rejectUnauthorized, nothing is trusted. */
  ca: string[];
  /** Client certificate chain and key (PEM) for mTLS. */
  cert?: string;
  key?: string;
  /** false only with --insecure. */
  rejectUnauthorized: boolean;
  /**
   * Run TLS inside this stream instead of the TCP connection grpc-js opened (which is then
   * closed): how tsh reaches Auth through TransportService/ProxyCluster without TLS routing.
   */
  tunnel?: () => Duplex;
  /** Called with the server's certificate after a successful handshake. */
  onPeerCertificate?: (cert: tls.DetailedPeerCertificate, socket: tls.TLSSocket) => void;
}

interface SecureConnectResult {
  socket: Socket;
  secure: boolean;
}

export class AlpnChannelCredentials extends ChannelCredentials {
  constructor(private readonly opts: AlpnTlsOptions) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(_target: unknown, _options: unknown, callCredentials?: CallCredentials) {
    const opts = this.opts;
    const creds = callCredentials ?? CallCredentials.createEmpty();
    return {
      connect(socket: Socket): Promise<SecureConnectResult> {
        let transport: Duplex = socket;
        if (opts.tunnel) {
          socket.destroy();
          transport = opts.tunnel();
        }
        return new Promise((resolve, reject) => {
          const s = tls.connect({
            socket: transport,
            servername: opts.servername,
            ALPNProtocols: opts.alpn,
            ca: opts.ca.length ? opts.ca : undefined,
            cert: opts.cert,
            key: opts.key,
            rejectUnauthorized: opts.rejectUnauthorized,
          });
          s.once('secureConnect', () => {
            if (opts.rejectUnauthorized && !s.authorized) {
              s.destroy();
              reject(s.authorizationError ?? new Error('server certificate not authorized'));
              return;
            }
            opts.onPeerCertificate?.(s.getPeerCertificate(true), s);
            // grpc-js types this as a net.Socket; a TLSSocket over a Duplex behaves as one.
            resolve({ socket: s as unknown as Socket, secure: true });
          });
          s.once('error', reject);
        });
      },
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => creds,
      destroy: () => {},
    };
  }
}
