// Shared by the app service tests: a recording HTTP app, a TCP echo app, a dev cluster with apps,
// app certificates through GenerateUserCerts, and HTTPS requests with a client certificate.
import { createPublicKey } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { expect } from 'vitest';
import { generateKey, marshalTLSPublicKey } from '../../src/auth/keygen.js';
import { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import {
  RouteToApp,
  UserCertsRequest,
  UserCertsRequest_CertUsage,
} from '../../src/gen/teleport/legacy/client/proto/authservice.js';
import { loginArgs, tempHome, tshjs } from '../helpers/cluster.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** An HTTP app that records each request and answers 200 "hello from app" (or echoes POST bodies). */
export async function startHttpApp(): Promise<{ server: http.Server; port: number; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
      });
      if (req.url === '/stream') {
        // A streamed answer: chunks written over time.
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const t = setInterval(() => {
          res.write(`chunk ${n}\n`);
          if (++n === 3) {
            clearInterval(t);
            res.end();
          }
        }, 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-app': 'yes' });
      res.end(req.method === 'POST' ? `echo:${body}` : 'hello from app');
    });
  });
  // Upgrade requests: 101, then every byte echoed back (enough to see a relay).
  server.on('upgrade', (req: http.IncomingMessage, sock: net.Socket) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: '',
    });
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    sock.on('data', (d) => sock.write(d));
    // http.Server sockets allow half-open: answer the proxy's end with ours.
    sock.on('end', () => sock.end());
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, seen };
}

/** A TCP server that echoes what it gets, prefixed with its port. */
export async function startEchoApp(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => {
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from(`${port}:`), d])));
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port };
}

export async function login(cluster: DevCluster, user: string): Promise<TeleportClient> {
  const home = tempHome();
  const r = await tshjs(loginArgs(cluster, user), { home, stdin: `${user}-pw\n` });
  expect(r.code, r.stderr).toBe(0);
  return new TeleportClient({ home, insecure: true });
}

export interface AppCert {
  certPem: string;
  keyPem: string;
}

/** GenerateUserCerts with Usage App and a RouteToApp, as tsh apps login sends it. */
export async function appCert(
  tc: TeleportClient,
  route: Partial<RouteToApp>,
  clusterName: string,
  extra: Partial<UserCertsRequest> = {},
): Promise<AppCert> {
  const cc = await tc.cluster();
  const id = await tc.identity();
  const key = generateKey('ecdsa-p256');
  const res = await cc.call(
    cc.auth,
    cc.auth.generateUserCerts,
    UserCertsRequest.fromPartial({
      TLSPublicKey: Buffer.from(marshalTLSPublicKey(createPublicKey(key))),
      Username: id.username,
      Expires: id.tls.expires,
      RouteToCluster: clusterName,
      Usage: UserCertsRequest_CertUsage.App,
      RouteToApp: RouteToApp.fromPartial({ ClusterName: clusterName, ...route }),
      ...extra,
    }),
    'app certs',
  );
  return {
    certPem: res.TLS.toString('utf8'),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to the dev cluster's web port, with an app certificate when given. */
export function request(
  cluster: DevCluster,
  opts: {
    cert?: AppCert;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    host?: string;
    alpn?: string[];
  } = {},
): Promise<Reply> {
  const [hostname, port] = splitAddr(cluster.proxyAddr);
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions & { ALPNProtocols?: string[] } = {
      hostname,
      port,
      path: opts.path ?? '/',
      method: opts.method ?? 'GET',
      headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      cert: opts.cert?.certPem,
      key: opts.cert?.keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: opts.alpn,
      agent: false,
    };
    const req = https.request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), Number(addr.slice(i + 1))];
}

export function closeServer(s: net.Server | http.Server | undefined): Promise<void> {
  return new Promise((r) => (s ? s.close(() => r()) : r()));
}
