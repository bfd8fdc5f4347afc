// A minimal SOCKS5 server (RFC 1928) for `ssh -D`: no authentication, CONNECT only; each
// accepted request is handed to `connect(host, port)` (an SSH direct-tcpip channel).
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

export const SOCKS_VERSION = 5;
export const REPLY = {
  succeeded: 0,
  failure: 1,
  notAllowed: 2,
  hostUnreachable: 4,
  commandNotSupported: 7,
  addressNotSupported: 8,
} as const;

export interface SocksRequest {
  host: string;
  port: number;
  /** Bytes of the request consumed. */
  length: number;
}

/** Parses a CONNECT request (VER CMD RSV ATYP DST.ADDR DST.PORT); undefined until complete. */
export function parseRequest(buf: Buffer): SocksRequest | { error: number } | undefined {
  if (buf.length < 5) return undefined;
  if (buf[0] !== SOCKS_VERSION) return { error: REPLY.failure };
  if (buf[1] !== 1) return { error: REPLY.commandNotSupported };
  const atyp = buf[3];
  let host: string;
  let off: number;
  if (atyp === 1) {
    if (buf.length < 10) return undefined;
    host = [...buf.subarray(4, 8)].join('.');
    off = 8;
  } else if (atyp === 3) {
    const len = buf[4];
    if (buf.length < 5 + len + 2) return undefined;
    host = buf.subarray(5, 5 + len).toString('latin1');
    off = 5 + len;
  } else if (atyp === 4) {
    if (buf.length < 22) return undefined;
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(4 + i).toString(16));
    host = parts.join(':');
    off = 20;
  } else {
    return { error: REPLY.addressNotSupported };
  }
  return { host, port: buf.readUInt16BE(off), length: off + 2 };
}

/** The server's reply (bound address reported as 0.0.0.0:0, which clients ignore). */
export function reply(code: number): Buffer {
  return Buffer.from([SOCKS_VERSION, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

export function socksServer(connect: (host: string, port: number) => Promise<Duplex>): net.Server {
  return net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        if (buf[0] !== SOCKS_VERSION || !buf.subarray(2, 2 + buf[1]).includes(0)) {
          sock.end(Buffer.from([SOCKS_VERSION, 0xff]));
          return;
        }
        sock.write(Buffer.from([SOCKS_VERSION, 0]));
        buf = buf.subarray(2 + buf[1]);
        stage = 'request';
      }
      const req = parseRequest(buf);
      if (!req) return;
      sock.off('data', onData);
      if ('error' in req) {
        sock.end(reply(req.error));
        return;
      }
      const rest = buf.subarray(req.length);
      connect(req.host, req.port).then(
        (ch) => {
          sock.write(reply(REPLY.succeeded));
          if (rest.length) ch.write(rest);
          sock.pipe(ch).pipe(sock);
          ch.on('close', () => sock.destroy());
          sock.on('close', () => ch.destroy());
        },
        () => sock.end(reply(REPLY.hostUnreachable)),
      );
    };
    sock.on('data', onData);
    sock.on('error', () => sock.destroy());
  });
}
