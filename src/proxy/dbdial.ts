// The upstream half of the database local proxy: one TLS connection to the proxy's TLS-routing
// (web) port per accepted local connection, as api/client.DialALPN and
// lib/srv/alpnproxy/local_proxy.go dialALPNMaybePing do it — the ALPN list with "-ping" variants
// first, SNI the web proxy host, the server verified against the system roots and the cluster
// CAs tshjs trusts (as src/ssh/session.ts and src/client/webapi.ts dial the same port), and a
// "-ping" result unwrapped (src/wire/pingconn.ts).
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { TshError } from '../util/errors.js';
import { pingDuplex } from '../wire/pingconn.js';
import { isPingProtocol } from './dbalpn.js';

export interface DbClientCert {
  certPem: string;
  keyPem: string;
}

export interface DbUpstreamOptions {
  host: string;
  port: number;
  /** Offered in order. */
  alpn: string[];
  /** Trusted CAs (PEM) on top of the system roots: the cluster CAs, SSL_CERT_FILE. */
  ca: string[];
  /** --insecure: the proxy's certificate is not verified. */
  insecure?: boolean;
  /** Connect plus handshake (api/client ALPNDialer's dial timeout). */
  timeoutMs?: number;
}

export interface DbUpstream {
  /** The byte stream to relay: the TLS socket, or its ping-unframed view. */
  stream: Duplex;
  socket: tls.TLSSocket;
  /** The negotiated ALPN value ('' when the server chose none). */
  alpn: string;
  /** Whether `socket` is "-ping" framed (relay with relayPing rather than through `stream`). */
  ping: boolean;
}

/** defaults.DefaultIOTimeout: how long tsh's ALPN dialer waits for the proxy. */
export const DEFAULT_DIAL_TIMEOUT_MS = 30_000;

/**
 * Dials the proxy's TLS-routing port with or without a client certificate. The trust store (the
 * system roots are ~150 certificates) is parsed once per certificate, not per connection.
 */
export class DbUpstreamDialer {
  private noCert?: tls.SecureContext;
  private lastCert?: { pem: string; ctx: tls.SecureContext };

  constructor(readonly o: DbUpstreamOptions) {}

  /** SNI: the web proxy host; none for an IP (Go's TLS client sends none either). */
  get servername(): string | undefined {
    return net.isIP(this.o.host) ? undefined : this.o.host;
  }

  private context(cert?: DbClientCert): tls.SecureContext {
    const ca = [...tls.rootCertificates, ...this.o.ca];
    if (!cert) return (this.noCert ??= tls.createSecureContext({ ca }));
    if (this.lastCert?.pem !== cert.certPem) {
      this.lastCert = {
        pem: cert.certPem,
        ctx: tls.createSecureContext({ ca, cert: cert.certPem, key: cert.keyPem }),
      };
    }
    return this.lastCert.ctx;
  }

  dial(cert?: DbClientCert): Promise<DbUpstream> {
    const { host, port, alpn, insecure } = this.o;
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    let secureContext: tls.SecureContext;
    try {
      secureContext = this.context(cert);
    } catch (err) {
      return Promise.reject(
        new TshError(`unusable database certificate: ${(err as Error).message}`, 'bad-tls', 1, {
          cause: err,
        }),
      );
    }
    const socket = tls.connect({
      host,
      port,
      servername: this.servername,
      ALPNProtocols: alpn,
      secureContext,
      rejectUnauthorized: !insecure,
    });
    socket.setNoDelay(true); // small request/response writes: see the listener in db.ts
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise<DbUpstream>((resolve, reject) => {
      const fail = (err: Error) => {
        socket.off('secureConnect', onConnect);
        socket.destroy();
        reject(dialError(err, where));
      };
      const onConnect = () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        const negotiated = socket.alpnProtocol || '';
        const ping = isPingProtocol(negotiated);
        resolve({ stream: ping ? pingDuplex(socket) : socket, socket, alpn: negotiated, ping });
      };
      socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs / 1000}s`)));
      socket.once('secureConnect', onConnect);
      socket.once('error', fail);
    });
  }
}

// Node's codes for a server certificate that does not verify.
const VERIFY_CODES =
  /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

function dialError(err: Error, where: string): TshError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (VERIFY_CODES.test(code)) {
    return new TshError(
      `the certificate of the proxy ${where} could not be verified: ${err.message}`,
      'bad-tls',
      1,
      {
        cause: err,
      },
    );
  }
  return new TshError(`cannot reach the proxy ${where}: ${err.message}`, 'connection-problem', 1, {
    cause: err,
  });
}
