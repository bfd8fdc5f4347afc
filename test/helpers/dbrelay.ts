// What tsh's database local proxy does, reduced to what the database service tests need: each local
// TCP connection becomes a TLS connection to the dev cluster's web port with the given ALPN
// protocols (and, in tunnel mode, the database certificate), unframed for "-ping". The tests
// point real psql / mariadb at it, so they exercise the service without the tshjs client.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { pingDuplex } from '../../src/wire/pingconn.js';

export interface Relay {
  port: number;
  close(): void;
}

/**
 * What tsh's local proxy does: each local TCP connection becomes a TLS connection to the web port
 * with these ALPN protocols (and, in tunnel mode, the database certificate), unframed for "-ping".
 */
export function startRelay(
  proxyAddr: string,
  o: { alpn: string[]; cert?: { certPem: string; keyPem: string }; onPing?: () => void },
): Promise<Relay> {
  const [host, port] = [proxyAddr.slice(0, proxyAddr.lastIndexOf(':')), Number(proxyAddr.split(':').pop())];
  const conns = new Set<net.Socket>();
  const server = net.createServer((local) => {
    conns.add(local);
    local.on('close', () => conns.delete(local));
    local.pause();
    const up = tls.connect({
      host,
      port,
      servername: 'localhost',
      ALPNProtocols: o.alpn,
      rejectUnauthorized: false,
      ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
    });
    up.once('secureConnect', () => {
      let remote: Duplex = up;
      if (String(up.alpnProtocol).endsWith('-ping')) {
        if (o.onPing) countPings(up, o.onPing);
        remote = pingDuplex(up);
      }
      local.pipe(remote).pipe(local);
      local.resume();
    });
    const end = () => {
      local.destroy();
      up.destroy();
    };
    up.on('error', end);
    up.on('close', end);
    local.on('error', end);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => {
          for (const c of conns) c.destroy();
          server.close();
        },
      }),
    ),
  );
}

/** Counts zero-length frames (pings) on a "-ping" connection, reading alongside pingDuplex. */
function countPings(s: tls.TLSSocket, onPing: () => void): void {
  let buf = Buffer.alloc(0);
  s.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) break;
      if (n === 0) onPing();
      buf = buf.subarray(4 + n);
    }
  });
}
