// JWT app sessions without TLS routing (tls_routing: false): the web port does not route the Auth
// ALPN, so the proxy reaches Auth through an in-process stream, with the same TLS and gRPC.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startCluster } from '../helpers/cluster.js';
import type { DevCluster } from '../../src/devcluster/server.js';

const ISS = 'https://issuer.sep.test';
const PUBLIC = 'sep.test.localhost';

describe('app access with an external JWT, separate ports', () => {
  let dc: DevCluster;
  let key: CryptoKey;
  let app: http.Server;
  let lastHeaders: http.IncomingHttpHeaders | undefined;

  beforeAll(async () => {
    const kp = await generateKeyPair('ES256');
    key = kp.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(kp.publicKey)), alg: 'ES256', kid: 's1' }] });
    app = http.createServer((req, res) => {
      lastHeaders = req.headers;
      res.end('ok');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    dc = await startCluster({
      tls_routing: false,
      users: [{ name: 'erin', password: 'x', roles: ['apps'] }],
      roles: [{ name: 'apps', logins: [], node_labels: {}, app_labels: { '*': '*' } }],
      apps: [
        {
          name: 'sep',
          uri: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
          public_addr: PUBLIC,
          labels: { env: 'dev' },
        },
      ],
      app_auth_configs: [
        {
          name: 'idp',
          app_labels: { env: 'dev' },
          jwt: { issuer: ISS, audience: 'tp', username_claim: 'sub', static_jwks: jwks },
        },
      ],
    });
  });
  afterAll(async () => {
    await dc?.stop();
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  });

  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: ISS, aud: 'tp', sub: 'erin', iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 's1' })
      .sign(key);
  const get = (jwt: string) =>
    new Promise<number>((resolve, reject) => {
      const port = Number(dc.proxyAddr.split(':').pop());
      https
        .get(
          {
            host: '127.0.0.1',
            port,
            servername: PUBLIC,
            headers: { host: PUBLIC, authorization: `Bearer ${jwt}` },
            ca: dc.authority.hostTLS.certPem,
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        )
        .on('error', reject);
    });

  it('verifies through Auth and reaches the app', async () => {
    expect(await get(await token())).toBe(200);
    expect(decodeJwt(lastHeaders!['teleport-jwt-assertion'] as string).username).toBe('erin');
    expect(dc.audit.list({ event: 'app_auth_config.verify.success' })).toHaveLength(1);
  });

  it('refuses a token of the wrong audience', async () => {
    expect(await get(await token({ aud: 'x' }))).toBe(401);
    expect(dc.audit.list({ event: 'app_auth_config.verify.failure' }).at(-1)?.error).toBe(
      'go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    );
  });
});
