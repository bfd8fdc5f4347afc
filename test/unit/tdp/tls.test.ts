// The inner TLS client of desktop sessions against a node:tls server on a real socket: dialect
// from ALPN, the service's certificate checked against the cluster CAs (or not, with --insecure),
// and each failure as one line; plus the proxy's dial errors as one line.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority, type Authority } from '../../../src/devcluster/authority.js';
import { desktopServiceCert, type DesktopServiceCert } from '../../../src/devcluster/desktop/service.js';
import { connectDesktopTls, desktopServerName, transportError } from '../../../src/tdp/tls.js';
import { TshError } from '../../../src/util/errors.js';

let cluster: Authority;
let other: Authority;
let cert: DesktopServiceCert;
const servers: net.Server[] = [];

beforeAll(async () => {
  [cluster, other] = await Promise.all([
    loadOrCreateAuthority(undefined, 'one.example', 'balanced-v1'),
    loadOrCreateAuthority(undefined, 'two.example', 'balanced-v1'),
  ]);
  cert = await desktopServiceCert(cluster);
});
afterAll(() => {
  for (const s of servers) s.close();
});

/** A TLS server with the service's certificate; `alpn` as the service selects it. */
async function serve(opts: { alpn?: string[]; hangUp?: boolean } = {}): Promise<number> {
  const server = opts.hangUp
    ? net.createServer((s) => s.destroy())
    : tls.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: opts.alpn }, (s) => s.end());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function dial(port: number, trusted: Authority, insecure = false) {
  const transport = net.connect(port, '127.0.0.1');
  const conn = await connectDesktopTls({
    transport,
    desktop: 'win',
    trustedCAs: [trusted.hostTLS.certPem],
    // Any valid pair: these servers do not ask for a client certificate.
    certPem: cert.cert,
    keyPem: cert.key,
    insecure,
  });
  conn.socket.destroy();
  return conn;
}

describe('desktop TLS client', () => {
  it('names the desktop in SNI under the service wildcard', () => {
    expect(desktopServerName('win-1')).toBe('win-1.desktop.teleport.cluster.local');
  });

  it('takes the dialect from the ALPN result', async () => {
    expect((await dial(await serve({ alpn: ['teleport-tdpb-1.0'] }), cluster)).dialect).toBe('tdpb');
    expect((await dial(await serve(), cluster)).dialect).toBe('tdp');
  });

  it('refuses a service certificate the cluster CAs do not sign, in one line', async () => {
    const port = await serve();
    const err = await dial(port, other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TshError);
    expect((err as TshError).kind).toBe('bad-tls');
    expect((err as Error).message).toMatch(
      /^the certificate of the desktop service for win could not be verified \(.+\); run "tshjs login" to refresh the cluster's CAs$/,
    );
    // --insecure skips the check.
    expect((await dial(port, other, true)).dialect).toBe('tdp');
  });

  it('reports a stream that closes before TLS is up', async () => {
    const err = await dial(await serve({ hangUp: true }), cluster).catch((e: unknown) => e);
    expect((err as TshError).kind).toBe('connection-problem');
    expect((err as Error).message).toBe(
      'the connection to desktop win was closed before the desktop service answered (is a Windows Desktop Service for it running?)',
    );
  });
});

describe('proxy dial errors', () => {
  const grpc = (code: number, details: string) =>
    Object.assign(new Error(details), { code, details, metadata: {} });

  it('drops the generic first line of the chain and joins the causes', () => {
    const notFound = grpc(
      status.NOT_FOUND,
      'failed to dial target desktop\n\tcannot connect to Windows Desktop Service\n\t\tno Windows desktops were found',
    );
    expect(transportError(notFound, 'nope').message).toBe(
      'desktop "nope" not found: cannot connect to Windows Desktop Service: no Windows desktops were found',
    );
    const down = grpc(status.UNAVAILABLE, 'failed to dial target desktop\n\tconnection refused');
    expect(transportError(down, 'win').message).toBe('cannot connect to desktop "win": connection refused');
  });

  it('renders any other status as gRPC errors are', () => {
    expect(transportError(grpc(status.UNAUTHENTICATED, 'client certificate required'), 'win').message).toBe(
      'desktop win: not authenticated (client certificate required); run "tshjs login"',
    );
  });
});
