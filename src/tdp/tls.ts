// The end-to-end TLS connection of a desktop session, run inside the ProxyWindowsDesktopSession
// byte stream: SNI names the desktop (the service takes the target from it), the client presents
// the desktop certificate, the service's certificate is checked against the cluster's CAs, and
// the ALPN result picks the dialect (negotiate.ts).
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { status } from '@grpc/grpc-js';
import { grpcCode, grpcError } from '../client/grpc/errors.js';
import { TshError } from '../util/errors.js';
import { DESKTOP_ALPN_OFFER, dialectForAlpn } from './negotiate.js';
import type { Dialect } from './outgoing.js';

/** The service's certificate covers *.desktop.teleport.cluster.local; desktop names have no dots. */
export const DESKTOP_SNI_SUFFIX = '.desktop.teleport.cluster.local';

export function desktopServerName(desktop: string): string {
  return `${desktop}${DESKTOP_SNI_SUFFIX}`;
}

export interface DesktopTlsOptions {
  /** The raw stream to the service (ClusterClient.proxyWindowsDesktopSession). */
  transport: Duplex;
  desktop: string;
  /** Cluster TLS CAs (PEM) that sign the service's certificate. */
  trustedCAs: string[];
  certPem: string;
  keyPem: string;
  /** --insecure: do not verify the service's certificate. */
  insecure?: boolean;
  /** ALPN protocols to offer (default DESKTOP_ALPN_OFFER); [] offers none, so the service speaks
   * legacy TDP (the daemon relays TDP for an app that speaks only that). */
  alpnProtocols?: string[];
}

export interface DesktopTls {
  socket: tls.TLSSocket;
  dialect: Dialect;
  /** The first error of the transport, if it failed (a gRPC status from the proxy). */
  transportError(): Error | undefined;
}

// Node's codes for a server certificate that does not verify.
const VERIFY_CODES =
  /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/** A failure of the TLS connection (or of the stream under it) as one line. */
export function desktopTlsError(err: unknown, desktop: string, transportErr?: Error): Error {
  if (transportErr) return transportError(transportErr, desktop);
  if (err instanceof TshError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const msg = e instanceof Error ? e.message : String(err);
  if (VERIFY_CODES.test(code)) {
    return new TshError(
      `the certificate of the desktop service for ${desktop} could not be verified (${msg}); run "tshjs login" to refresh the cluster's CAs`,
      'bad-tls',
      1,
      { cause: err },
    );
  }
  if (/^ERR_SSL_|alert/i.test(code) || /alert|handshake/i.test(msg)) {
    return new TshError(
      `TLS handshake with the desktop service for ${desktop} failed: ${msg}`,
      'bad-tls',
      1,
      {
        cause: err,
      },
    );
  }
  if (code === 'ECONNRESET' || /disconnected|socket hang up|closed/i.test(msg)) {
    return new TshError(
      `the connection to desktop ${desktop} was closed before the desktop service answered (is a Windows Desktop Service for it running?)`,
      'connection-problem',
      1,
      { cause: err },
    );
  }
  return new TshError(`desktop ${desktop}: ${msg}`, 'connection-problem', 1, { cause: err });
}

/** What the proxy puts in front of a failed desktop dial (transportv1 ProxyWindowsDesktopSession). */
export const DESKTOP_DIAL_FAILED = 'failed to dial target desktop';

/**
 * A failure of the ProxyWindowsDesktopSession stream (a gRPC status from the proxy) as one line.
 * The proxy's dial errors are a trace chain, one cause a line ("failed to dial target desktop",
 * then "cannot connect to Windows Desktop Service", then "no Windows desktops were found"): the
 * generic first line is dropped and the causes joined.
 */
export function transportError(err: Error, desktop: string): Error {
  if (err instanceof TshError) return err;
  const code = grpcCode(err);
  const details = (err as { details?: string }).details ?? '';
  const lines = details
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines[0] !== DESKTOP_DIAL_FAILED || lines.length < 2) return grpcError(err, `desktop ${desktop}`);
  const chain = lines.slice(1).join(': ');
  if (code === status.NOT_FOUND) {
    return new TshError(`desktop ${JSON.stringify(desktop)} not found: ${chain}`, 'not-found', 1, {
      cause: err,
    });
  }
  return new TshError(
    `cannot connect to desktop ${JSON.stringify(desktop)}: ${chain}`,
    'connection-problem',
    1,
    {
      cause: err,
    },
  );
}

/** Runs the TLS handshake over `transport`; rejects with a one-line error. */
export function connectDesktopTls(o: DesktopTlsOptions): Promise<DesktopTls> {
  let transportErr: Error | undefined;
  o.transport.on('error', (err: Error) => (transportErr ??= err));
  const alpn = o.alpnProtocols ?? DESKTOP_ALPN_OFFER;
  const socket = tls.connect({
    socket: o.transport,
    servername: desktopServerName(o.desktop),
    ca: o.trustedCAs,
    cert: o.certPem,
    key: o.keyPem,
    ALPNProtocols: alpn.length > 0 ? alpn : undefined,
    rejectUnauthorized: !o.insecure,
  });
  return new Promise<DesktopTls>((resolve, reject) => {
    const fail = (err: unknown) => {
      socket.off('secureConnect', onConnect);
      socket.off('close', onClose);
      socket.destroy();
      o.transport.destroy();
      reject(desktopTlsError(err, o.desktop, transportErr));
    };
    const onClose = () => fail(new Error('socket closed'));
    const onConnect = () => {
      socket.off('error', fail);
      socket.off('close', onClose);
      try {
        const dialect = dialectForAlpn(socket.alpnProtocol);
        resolve({ socket, dialect, transportError: () => transportErr });
      } catch (err) {
        fail(err);
      }
    };
    socket.once('secureConnect', onConnect);
    socket.once('error', fail);
    socket.once('close', onClose);
  });
}
