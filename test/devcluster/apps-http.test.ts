// The dev cluster's app service over real sockets: app certificates through GenerateUserCerts,
// HTTPS requests with the certificate reaching a real HTTP app, the Teleport JWT verifying against
// the served JWKS, header rewrites, refusals.
import * as http from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import { generateKey } from '../../src/auth/keygen.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { issueTlsCert } from '../../src/devcluster/tlsca.js';
import type { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { startCluster } from '../helpers/cluster.js';
import {
  appCert,
  closeServer,
  login,
  request,
  splitAddr,
  startHttpApp,
  type SeenRequest,
} from './apps-helpers.js';

const CLUSTER = 'test.localhost';

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('app service: HTTP apps', () => {
  let cluster: DevCluster;
  let app: { server: http.Server; port: number; seen: SeenRequest[] };
  let alice: TeleportClient;
  let bob: TeleportClient;

  beforeAll(async () => {
    app = await startHttpApp();
    const uri = `http://127.0.0.1:${app.port}`;
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['dev-apps'], traits: { team: ['blue', 'green'] } },
        { name: 'bob', password: 'bob-pw', roles: ['dev-apps'] },
      ],
      roles: [{ name: 'dev-apps', logins: [], node_labels: {}, app_labels: { env: 'dev' } }],
      apps: [
        {
          name: 'web',
          uri,
          public_addr: `web.${CLUSTER}`,
          labels: { env: 'dev' },
          rewrite: {
            headers: [
              { name: 'X-Team', value: 'team-{{external.team}}' },
              'Authorization: Bearer {{internal.jwt}}',
              { name: 'X-Forwarded-For', value: 'spoofed' },
              { name: 'X-Missing', value: '{{external.nope}}' },
            ],
          },
        },
        {
          name: 'roles-only',
          uri,
          public_addr: `ro.${CLUSTER}`,
          labels: { env: 'dev' },
          rewrite: { jwt_claims: 'roles' },
        },
        { name: 'down', uri: 'http://127.0.0.1:1', public_addr: `down.${CLUSTER}`, labels: { env: 'dev' } },
        { name: 'secret', uri, public_addr: `secret.${CLUSTER}`, labels: { env: 'prod' } },
      ],
    });
    [alice, bob] = await Promise.all([login(cluster, 'alice'), login(cluster, 'bob')]);
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await cluster?.stop();
    await closeServer(app?.server);
  });

  it('issues a usage:apps certificate with RouteToApp and a session id', async () => {
    const c = await appCert(alice, { Name: 'web', PublicAddr: `web.${CLUSTER}` }, CLUSTER);
    const id = decodeTlsIdentity(c.certPem);
    expect(id.usage).toEqual(['usage:apps']);
    expect(id.routeToApp).toMatchObject({ name: 'web', publicAddr: `web.${CLUSTER}`, clusterName: CLUSTER });
    expect(id.routeToApp?.sessionId).toMatch(/^[0-9a-f]{64}$/);
    const s = cluster.appService.sessions.get(id.routeToApp!.sessionId)!;
    expect(s).toMatchObject({ user: 'alice', appName: 'web', origin: 'cert', roles: ['dev-apps'] });
    expect(s.expires.getTime()).toBe(id.expires.getTime());
    const started = cluster.audit.list({ event: 'app.session.start' }).at(-1)!;
    expect(started).toMatchObject({ code: 'T2007I', user: 'alice', app_name: 'web', sid: s.id });
  });

  it('forwards an HTTPS request with the app certificate to the app, with a verifiable JWT', async () => {
    const c = await appCert(alice, { Name: 'web', PublicAddr: `web.${CLUSTER}` }, CLUSTER);
    const before = app.seen.length;
    const r = await request(cluster, {
      cert: c,
      path: '/hello?x=1',
      host: '127.0.0.1:9999',
      headers: { 'teleport-jwt-assertion': 'forged', 'x-client': 'kept' },
      alpn: ['http/1.1'],
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from app');
    expect(r.headers['x-app']).toBe('yes');
    const got = app.seen[before]!;
    expect(got.url).toBe('/hello?x=1');
    expect(got.headers['x-client']).toBe('kept');
    expect(got.headers.host).toBe('127.0.0.1:9999');
    expect(got.headers['x-forwarded-host']).toBe('127.0.0.1:9999');
    expect(got.headers['x-forwarded-proto']).toBe('https');
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers['x-forwarded-ssl']).toBe('off');
    const token = got.headers['teleport-jwt-assertion'] as string;
    expect(token).not.toBe('forged');

    const jwks = JSON.parse((await request(cluster, { path: '/.well-known/jwks.json' })).body);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: CLUSTER,
      audience: `http://127.0.0.1:${app.port}`,
      subject: 'alice',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: jwks.keys[0].kid });
    expect(payload).toMatchObject({
      username: 'alice',
      roles: ['dev-apps'],
      traits: { team: ['blue', 'green'] },
    });
    expect(payload.exp).toBe(Math.floor(decodeTlsIdentity(c.certPem).expires.getTime() / 1000));
    expect(payload.iat! - payload.nbf!).toBe(10);

    // rewrite.headers: trait templates, {{internal.jwt}}, reserved names and unexpandable values skipped.
    expect(got.rawHeaders.filter((_, i, a) => i % 2 === 0 && a[i] === 'x-team').length).toBe(2);
    expect(got.headers['x-team']).toBe('team-blue, team-green');
    expect(got.headers.authorization).toBe(`Bearer ${token}`);
    expect(got.headers['x-missing']).toBeUndefined();
    expect(decodeProtectedHeader(token).typ).toBe('JWT');
  });

  it('serves requests without ALPN and streams bodies both ways', async () => {
    const c = await appCert(alice, { Name: 'web' }, CLUSTER);
    const post = await request(cluster, { cert: c, method: 'POST', path: '/p', body: 'x'.repeat(200_000) });
    expect(post.status).toBe(200);
    expect(post.body).toBe(`echo:${'x'.repeat(200_000)}`);
    const stream = await request(cluster, { cert: c, path: '/stream' });
    expect(stream.body).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });

  it('relays an Upgrade (WebSocket) request with the JWT', async () => {
    const c = await appCert(alice, { Name: 'web' }, CLUSTER);
    const [host, port] = splitAddr(cluster.proxyAddr);
    const before = app.seen.length;
    const sock = tls.connect({
      host,
      port,
      cert: c.certPem,
      key: c.keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    await once(sock, 'secureConnect');
    sock.write('GET /ws HTTP/1.1\r\nHost: web\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString()));
    await waitFor(() => got.includes('\r\n\r\n'));
    expect(got.startsWith('HTTP/1.1 101 ')).toBe(true);
    sock.write('ping-bytes');
    await waitFor(() => got.endsWith('ping-bytes'));
    sock.destroy();
    const seen = app.seen[before]!;
    expect(seen.url).toBe('/ws');
    expect(seen.headers.upgrade).toBe('websocket');
    expect(seen.headers['teleport-jwt-assertion']).toMatch(/^ey/);
  });

  it('serves a client that offers only h2 over HTTP/2', async () => {
    const c = await appCert(alice, { Name: 'web' }, CLUSTER);
    const before = app.seen.length;
    const session = http2.connect(`https://${cluster.proxyAddr}`, {
      cert: c.certPem,
      key: c.keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    const stream = session.request({ ':path': '/over-h2', ':method': 'GET' });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    await once(stream, 'end');
    session.close();
    expect(status).toBe(200);
    expect(body).toBe('hello from app');
    expect(app.seen[before]!.url).toBe('/over-h2');
    expect(app.seen[before]!.headers.host).toBe(cluster.proxyAddr);
    expect(Object.keys(app.seen[before]!.headers).some((k) => k.startsWith(':'))).toBe(false);
  });

  it('follows rewrite.jwt_claims', async () => {
    const c = await appCert(alice, { Name: 'roles-only' }, CLUSTER);
    const before = app.seen.length;
    expect((await request(cluster, { cert: c })).status).toBe(200);
    const token = app.seen[before]!.headers['teleport-jwt-assertion'] as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.roles).toEqual(['dev-apps']);
    expect(claims.traits).toBeNull();
    expect(claims.aud).toBe(`http://127.0.0.1:${app.port}`);
  });

  it('refuses an app the roles do not allow, and an unknown app, at certificate issue', async () => {
    await expect(appCert(alice, { Name: 'secret' }, CLUSTER)).rejects.toThrow(/access to app denied/);
    await expect(appCert(alice, { Name: 'nope' }, CLUSTER)).rejects.toThrow(/app "nope" not found/);
  });

  it('answers 502 when the app cannot be reached', async () => {
    const c = await appCert(alice, { Name: 'down' }, CLUSTER);
    const r = await request(cluster, { cert: c });
    expect(r.status).toBe(502);
    expect(r.body).toContain('failed to connect to application "down"');
  });

  it('refuses a session owned by someone else and a deleted session with "invalid session"', async () => {
    const c = await appCert(alice, { Name: 'web' }, CLUSTER);
    const sid = decodeTlsIdentity(c.certPem).routeToApp!.sessionId;
    const s = cluster.appService.sessions.get(sid)!;
    s.user = 'bob';
    const r = await request(cluster, { cert: c });
    expect(r.status).toBe(403);
    expect(r.body.trim()).toBe('invalid session');
    const failure = cluster.audit.list({ event: 'auth' }).at(-1)!;
    expect(failure.error).toBe('session owner "bob" does not match caller "alice"');
    cluster.appService.sessions.delete(sid);
    expect((await request(cluster, { cert: c })).body.trim()).toBe('invalid session');
  });

  it('refuses an expired app certificate with "invalid session" instead of serving the web API', async () => {
    const key = generateKey('ecdsa-p256');
    const c = await appCert(alice, { Name: 'web' }, CLUSTER);
    const id = decodeTlsIdentity(c.certPem);
    const expired = await issueTlsCert({
      caCertPem: cluster.authority.userTLS.certPem,
      caKey: cluster.authority.userTLS.key,
      publicKey: createPublicKey(key),
      notAfter: new Date(Date.now() - 1000),
      identity: { username: 'alice', groups: ['dev-apps'], usage: ['usage:apps'], routeToApp: id.routeToApp },
    });
    const r = await request(cluster, {
      path: '/webapi/ping',
      cert: { certPem: expired, keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string },
    });
    expect(r.status).toBe(403);
    expect(r.body.trim()).toBe('invalid session');
  });

  it('serves the JWKS with upstream fields', async () => {
    const r = await request(cluster, { path: '/.well-known/jwks.json' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.keys).toHaveLength(1);
    const k = body.keys[0];
    expect(Object.keys(k)).toEqual(['kty', 'alg', 'use', 'kid', 'crv', 'x', 'y']);
    expect(k).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig', crv: 'P-256' });
    expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sends requests to an app public address without a certificate to the bearer hook', async () => {
    const calls: string[] = [];
    cluster.appService.setBearerAuth(async (req, appRes, ip) => {
      calls.push(`${appRes.Metadata?.Name}:${ip}`);
      const auth = req.headers.authorization ?? '';
      if (!auth) return undefined;
      if (auth !== 'Bearer good') return { error: 'token is not valid' };
      return {
        session: cluster.appService.sessions.create({
          user: 'ext-user',
          roles: ['dev-apps'],
          traits: {},
          appName: appRes.Metadata!.Name,
          clusterName: CLUSTER,
          publicAddr: appRes.Spec!.PublicAddr,
          uri: appRes.Spec!.URI,
          expires: new Date(Date.now() + 60_000),
          origin: 'jwt',
        }),
      };
    });
    const before = app.seen.length;
    const ok = await request(cluster, {
      path: '/via-bearer',
      host: `web.${CLUSTER}:3080`,
      headers: { authorization: 'Bearer good' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('hello from app');
    const got = app.seen[before]!;
    expect(got.url).toBe('/via-bearer');
    const claims = JSON.parse(
      Buffer.from((got.headers['teleport-jwt-assertion'] as string).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims.sub).toBe('ext-user');

    const bad = await request(cluster, { host: `web.${CLUSTER}`, headers: { authorization: 'Bearer bad' } });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(bad.body.trim()).toBe('token is not valid');

    // No token: the web API as before; another host: the hook is not asked.
    const none = await request(cluster, { path: '/webapi/ping', host: `web.${CLUSTER}` });
    expect(none.status).toBe(200);
    const n = calls.length;
    await request(cluster, { path: '/webapi/ping', host: `localhost` });
    expect(calls.length).toBe(n);
    expect(calls[0]).toBe('web:127.0.0.1');
  });

  it('leaves requests without a certificate to the web API', async () => {
    const r = await request(cluster, { path: '/webapi/ping', host: `web.${CLUSTER}` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).cluster_name ?? JSON.parse(r.body).proxy).toBeDefined();
  });
});
