// App access with an external JWT (app auth configs): no tshjs login, just HTTPS to the app's
// public address on the dev cluster's web port with `Authorization: Bearer <jwt>` from an outside
// issuer whose JWKS is served over HTTP. Refused tokens get 401 + WWW-Authenticate and each leaves
// its app_auth_config.verify.failure event; a good one reaches the app as the mapped user.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startCluster } from '../helpers/cluster.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { appSessionIdFromJwt } from '../../src/devcluster/appauth/verify.js';

const ISS = 'https://issuer.example.test';
const AUD = 'teleport-apps';
const PUBLIC = 'echo.test.localhost';

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe('app access with an external JWT (app_auth_configs)', () => {
  let dc: DevCluster;
  let dataDir: string;
  let issuerKey: CryptoKey;
  let strangerKey: CryptoKey;
  let app: http.Server;
  let jwksServer: http.Server;
  const seen: Seen[] = [];

  beforeAll(async () => {
    const kp = await generateKeyPair('RS256');
    issuerKey = kp.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(kp.publicKey)), alg: 'RS256', kid: 'issuer-1', use: 'sig' };
    jwksServer = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const jwksAddr = await listen(jwksServer);
    app = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'text/plain');
      res.end('hello from echo\n');
    });
    const appAddr = await listen(app);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-jwt-'));
    dc = await startCluster(
      {
        users: [
          { name: 'alice', password: 'alice-pw', roles: ['access'], traits: { logins: ['alice'] } },
          { name: 'dana@example.com', password: 'x', roles: ['apps'] },
        ],
        roles: [
          { name: 'access', logins: ['alice'], node_labels: { '*': '*' } },
          { name: 'apps', logins: [], node_labels: {}, app_labels: { env: 'dev' } },
        ],
        apps: [{ name: 'echo', uri: `http://${appAddr}`, public_addr: PUBLIC, labels: { env: 'dev' } }],
        app_auth_configs: [
          {
            name: 'external-idp',
            app_labels: { env: 'dev' },
            jwt: { issuer: ISS, audience: AUD, jwks_url: `http://${jwksAddr}/.well-known/jwks.json` },
          },
        ],
      },
      dataDir,
    );
  });
  afterAll(async () => {
    await dc?.stop();
    await Promise.all([app, jwksServer].map((s) => new Promise<void>((r) => (s ? s.close(() => r()) : r()))));
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown> = {}, key: CryptoKey = issuerKey) =>
    new SignJWT({ iss: ISS, aud: AUD, email: 'dana@example.com', iat: now(), exp: now() + 600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'issuer-1' })
      .sign(key);

  /** HTTPS to the web port, SNI and Host = the app's public address (resolved to 127.0.0.1). */
  function get(pathname: string, headers: Record<string, string>) {
    const [host, port] = [
      dc.proxyAddr.slice(0, dc.proxyAddr.lastIndexOf(':')),
      dc.proxyAddr.split(':').pop(),
    ];
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const req = https.request(
          {
            host,
            port: Number(port),
            path: pathname,
            servername: PUBLIC,
            headers: { host: `${PUBLIC}:${port}`, ...headers },
            ca: dc.authority.hostTLS.certPem,
            agent: false,
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  }

  it('reaches the app with a valid token and no login; the app sees the mapped user', async () => {
    const jwt = await token();
    const res = await get('/hello?x=1', { authorization: `Bearer ${jwt}` });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello from echo\n');
    const last = seen.at(-1)!;
    expect(last.url).toBe('/hello?x=1');
    const assertion = last.headers['teleport-jwt-assertion'];
    expect(typeof assertion).toBe('string');
    const claims = decodeJwt(assertion as string);
    expect(claims.username).toBe('dana@example.com');
    expect(claims.roles).toEqual(['apps']);
    // The external token itself is not what the app gets as its identity.
    expect(assertion).not.toBe(jwt);
    const ok = dc.audit.list({ event: 'app_auth_config.verify.success' });
    expect(ok.at(-1)).toMatchObject({
      app_auth_config: 'external-idp',
      app_name: 'echo',
      app_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) as unknown,
      success: true,
    });
    expect(dc.appService.sessions.get(appSessionIdFromJwt(jwt))?.user).toBe('dana@example.com');
    expect(dc.audit.list({ event: 'app.session.start' }).at(-1)).toMatchObject({
      sid: appSessionIdFromJwt(jwt),
      user: 'dana@example.com',
      app_name: 'echo',
    });
    // A second request with the same token reuses the session: no new verify event.
    const before = dc.audit.list().length;
    expect((await get('/again', { authorization: `Bearer ${jwt}` })).status).toBe(200);
    expect(
      dc.audit
        .list()
        .slice(before)
        .filter((e) => e.event.startsWith('app_auth_config.')),
    ).toEqual([]);
  });

  const refusals: Array<[string, () => Promise<string>, string]> = [
    [
      'expired',
      () => token({ iat: now() - 900, exp: now() - 300 }),
      'go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    ],
    [
      'wrong audience',
      () => token({ aud: 'someone-else' }),
      'go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    ],
    [
      'wrong issuer',
      () => token({ iss: 'https://evil.example.test' }),
      'go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)',
    ],
    ['badly signed', () => token({}, strangerKey), 'go-jose/go-jose: error in cryptographic primitive'],
  ];
  for (const [name, make, error] of refusals) {
    it(`refuses a ${name} token with 401, WWW-Authenticate and a failure event`, async () => {
      const before = dc.audit.list({ event: 'app_auth_config.verify.failure' }).length;
      const hits = seen.length;
      const res = await get('/', { authorization: `Bearer ${await make()}` });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b.*error="invalid_token"/);
      expect(seen.length).toBe(hits);
      const failures = dc.audit.list({ event: 'app_auth_config.verify.failure' }).slice(before);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        app_auth_config: 'external-idp',
        app_name: 'echo',
        success: false,
        error,
      });
    });
  }

  it('writes the events to <data_dir>/log/events.log', () => {
    const lines = fs
      .readFileSync(path.join(dataDir, 'log', 'events.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(lines.filter((e) => e.event === 'app_auth_config.verify.failure').length).toBeGreaterThanOrEqual(
      4,
    );
    expect(lines.some((e) => e.event === 'app_auth_config.verify.success')).toBe(true);
  });
});
