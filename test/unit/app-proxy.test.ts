// The app local proxy over real sockets, against a small TLS server standing in for the proxy's web
// port (it records the offered and chosen ALPN, the SNI and the client certificate, and speaks the
// "-ping" framing), and the certificate checker that renews the app certificate.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeleportClient } from '../../src/client/teleport.js';
import { createTlsCa, issueServerCert } from '../../src/devcluster/tlsca.js';
import { appAlpnProtocols, startAppLocalProxy, type AppLocalProxy } from '../../src/proxy/app.js';
import { appCertChecker, type AppCertLike } from '../../src/proxy/appcertcheck.js';
import { PING_FRAME, pingDuplex } from '../../src/wire/pingconn.js';

interface Pair {
  certPem: string;
  keyPem: string;
}
interface Seen {
  servername: string | false;
  offered: string[];
  alpn: string;
  clientCN?: string;
}

async function ca(name: string) {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certPem = await createTlsCa({ clusterName: name, key });
  const leaf = async (cn: string): Promise<Pair> => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return {
      certPem: await issueServerCert({
        caCertPem: certPem,
        caKey: key.privateKey,
        publicKey: createPublicKey(privateKey),
        commonName: cn,
        dnsNames: [cn],
        ipAddresses: [],
        notAfter: new Date(Date.now() + 3600_000),
      }),
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
  };
  return { certPem, leaf };
}

/** Echoes upper-cased; ping-framed (with pings sprinkled in) when it picked a "-ping" value. */
async function fakeWebPort(server: Pair, choose: (offered: string[]) => string | undefined) {
  const seen: Seen[] = [];
  let offer: string[] = [];
  const srv = tls.createServer({
    ...{ cert: server.certPem, key: server.keyPem },
    requestCert: true,
    rejectUnauthorized: false,
    ALPNCallback: ({ protocols }) => {
      offer = protocols;
      return choose(protocols);
    },
  });
  srv.on('tlsClientError', () => {});
  srv.on('secureConnection', (s: tls.TLSSocket) => {
    const alpn = s.alpnProtocol || '';
    seen.push({
      servername: (s as tls.TLSSocket & { servername?: string | false }).servername ?? false,
      offered: offer,
      alpn,
      clientCN: s.getPeerX509Certificate()?.subject.match(/CN=([^\n]*)/)?.[1],
    });
    s.on('error', () => {});
    const upper = (c: Buffer) => Buffer.from(c.toString('latin1').toUpperCase(), 'latin1');
    if (alpn.endsWith('-ping')) {
      s.write(PING_FRAME);
      const d = pingDuplex(s);
      d.on('error', () => {});
      d.on('data', (c: Buffer) => {
        s.write(PING_FRAME);
        d.write(upper(c));
      });
    } else s.on('data', (c: Buffer) => s.write(upper(c)));
  });
  srv.listen(0); // dual-stack: "localhost" may resolve to ::1 or 127.0.0.1
  await once(srv, 'listening');
  return { srv, seen, port: (srv.address() as net.AddressInfo).port };
}

function fakeClient(webPort: number, trustedCAs: string[]): TeleportClient {
  return {
    identity: async () => ({ webProxyAddr: `localhost:${webPort}`, trustedCAs }),
    config: { env: {} },
  } as unknown as TeleportClient;
}

async function roundTrip(port: number, text: string): Promise<string> {
  const c = net.connect(port, '127.0.0.1');
  c.write(text);
  let got = '';
  try {
    for await (const chunk of c) {
      got += (chunk as Buffer).toString();
      if (got.length >= text.length) break;
    }
  } catch {
    // a reset ends the answer: what came so far is it
  }
  c.destroy();
  return got;
}

describe('app local proxy', () => {
  let trusted: Awaited<ReturnType<typeof ca>>;
  let serverPair: Pair;
  let clientPair: Pair;
  const proxies: AppLocalProxy[] = [];
  const servers: tls.Server[] = [];

  beforeAll(async () => {
    trusted = await ca('test.localhost');
    serverPair = await trusted.leaf('localhost');
    clientPair = await trusted.leaf('alice');
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const s of servers) s.close();
  });

  async function start(
    tcp: boolean,
    choose: (o: string[]) => string | undefined,
    o: { insecure?: boolean; server?: Pair } = {},
  ) {
    const web = await fakeWebPort(o.server ?? serverPair, choose);
    servers.push(web.srv);
    const proxy = await startAppLocalProxy({
      tc: fakeClient(web.port, [trusted.certPem]),
      tcp,
      cert: async () => clientPair,
      insecure: o.insecure ?? false,
    });
    proxies.push(proxy);
    return { web, proxy };
  }

  it('offers http/1.1 for HTTP apps, sends SNI = the proxy host and the app certificate', async () => {
    expect(appAlpnProtocols(false)).toEqual(['http/1.1']);
    const { web, proxy } = await start(false, (o) => o[0]);
    expect(proxy.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await roundTrip(proxy.port, 'get / http/1.1\r\n\r\n')).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(web.seen[0]).toEqual({
      servername: 'localhost',
      offered: ['http/1.1'],
      alpn: 'http/1.1',
      clientCN: 'alice',
    });
  });

  it('offers teleport-tcp-ping then teleport-tcp for TCP apps, and unwraps ping frames', async () => {
    expect(appAlpnProtocols(true)).toEqual(['teleport-tcp-ping', 'teleport-tcp']);
    const ping = await start(true, (o) => o[0]);
    expect(await roundTrip(ping.proxy.port, 'hello echo')).toBe('HELLO ECHO');
    expect(ping.web.seen[0].alpn).toBe('teleport-tcp-ping');
    const plain = await start(true, () => 'teleport-tcp');
    expect(await roundTrip(plain.proxy.port, 'no ping')).toBe('NO PING');
    expect(plain.web.seen[0].alpn).toBe('teleport-tcp');
  });

  it('verifies the proxy against the cluster CAs unless --insecure', async () => {
    const other = await ca('elsewhere');
    const rogue = await other.leaf('localhost');
    const strict = await start(false, (o) => o[0], { server: rogue });
    expect(await roundTrip(strict.proxy.port, 'x')).toBe(''); // closed, nothing relayed
    const lax = await start(false, (o) => o[0], { server: rogue, insecure: true });
    expect(await roundTrip(lax.proxy.port, 'x')).toBe('X');
  });

  it('says which port is busy and what to do, in one line', async () => {
    const busy = net.createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await expect(
        startAppLocalProxy({ tc: fakeClient(1, []), tcp: false, port, cert: async () => clientPair }),
      ).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: port ${port} is already in use; choose another one with --port (or leave --port out for a free one)`,
      );
    } finally {
      busy.close();
    }
  });
});

describe('app certificate checker', () => {
  const cert = (name: string, expires: number): AppCertLike => ({
    certPem: `${name}-${expires}`,
    keyPem: 'k',
    expires: new Date(expires),
    identity: { routeToApp: { name } },
  });

  it('reuses a valid certificate of the app, issues once for concurrent callers, renews on expiry', async () => {
    let now = 1_000;
    let issued = 0;
    const check = appCertChecker({
      initial: cert('grafana', 2_000),
      appName: 'grafana',
      now: () => new Date(now),
      userCertExpires: new Date(10_000),
      proxy: 'proxy:3080',
      issue: async () => cert('grafana', now + 1_000 + issued++),
    });
    expect((await check()).certPem).toBe('grafana-2000');
    now = 2_000; // expired: the next connections need a new one, issued once
    const [a, b] = await Promise.all([check(), check()]);
    expect(a).toBe(b);
    expect(issued).toBe(1);
    expect((await check()).certPem).toBe(a.certPem);
  });

  it('ignores a saved certificate of another app', async () => {
    const check = appCertChecker({
      initial: cert('other', 9_000),
      appName: 'grafana',
      now: () => new Date(1_000),
      userCertExpires: new Date(10_000),
      proxy: 'proxy:3080',
      issue: async () => cert('grafana', 5_000),
    });
    expect((await check()).identity.routeToApp?.name).toBe('grafana');
  });

  it('once the login has expired, asks for a new one, and goes on with it', async () => {
    const later: { login?: { userCertExpires: Date; issue: () => Promise<AppCertLike> } } = {};
    const check = appCertChecker({
      appName: 'grafana',
      now: () => new Date(5_000),
      userCertExpires: new Date(4_000),
      proxy: 'proxy:3080',
      issue: async () => cert('grafana', 9_000),
      relogin: async () => later.login,
    });
    await expect(check()).rejects.toThrow(/expired at .*run "tshjs login" in another terminal/);
    later.login = { userCertExpires: new Date(20_000), issue: async () => cert('grafana', 19_000) };
    expect((await check()).certPem).toBe('grafana-19000');
  });
});
