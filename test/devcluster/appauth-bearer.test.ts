// The proxy's bearer handler against a real dev cluster Auth server: header lookup per config,
// config matching by app_labels, session reuse by sha256(token), failures as { error }.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { DevCluster } from '../../src/devcluster/server.js';
import { normalizeConfig } from '../../src/devcluster/config.js';
import { issueTlsCert } from '../../src/devcluster/tlsca.js';
import { generateKey } from '../../src/auth/keygen.js';
import { caAlgorithms } from '../../src/devcluster/authority.js';
import { ProxyAuthClient } from '../../src/devcluster/appauth/authclient.js';
import { appAuthBearer } from '../../src/devcluster/appauth/bearer.js';
import type { BearerAuth, BearerAuthResult } from '../../src/devcluster/apps/service.js';
import type { AppV3 } from '../../src/gen/teleport/legacy/types/types.js';

const ISS = 'https://idp.test';

function appV3(name: string, labels: Record<string, string>): AppV3 {
  return {
    Kind: 'app',
    SubKind: '',
    Version: 'v3',
    Metadata: { Name: name, Namespace: 'default', Description: '', Labels: labels, Revision: '' },
    Spec: {
      URI: 'http://127.0.0.1:9',
      PublicAddr: `${name}.bearer.test`,
      DynamicLabels: {},
      InsecureSkipVerify: false,
      Cloud: '',
      UserGroups: [],
      Integration: '',
      RequiredAppNames: [],
      TCPPorts: [],
    },
  } as AppV3;
}

describe('appAuthBearer (proxy side)', () => {
  let dc: DevCluster;
  let priv: CryptoKey;
  let client: ProxyAuthClient;
  let bearer: BearerAuth;
  let server: http.Server;
  let base = '';
  let calls = 0;

  beforeAll(async () => {
    const kp = await generateKeyPair('RS256');
    priv = kp.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(kp.publicKey)), alg: 'RS256', kid: 'b1' }] });
    dc = await DevCluster.start({
      config: normalizeConfig({
        cluster_name: 'bearer.test',
        second_factor: 'off',
        users: [{ name: 'carol', password: 'x', roles: ['apps'] }],
        roles: [{ name: 'apps', logins: [], node_labels: {}, app_labels: { '*': '*' } }],
        apps: [
          { name: 'one', uri: 'http://127.0.0.1:9', public_addr: 'one.bearer.test', labels: { team: 'a' } },
          { name: 'two', uri: 'http://127.0.0.1:9', public_addr: 'two.bearer.test', labels: { team: 'b' } },
        ],
        app_auth_configs: [
          // Tried first for team=a; wrong audience for our tokens.
          {
            name: 'other',
            app_labels: { team: 'a' },
            jwt: { issuer: ISS, audience: 'nope', authorization_header: 'x-token', static_jwks: jwks },
          },
          {
            name: 'idp',
            app_labels: { team: 'a' },
            jwt: {
              issuer: ISS,
              audience: 'tp',
              username_claim: 'sub',
              authorization_header: 'X-Token',
              static_jwks: jwks,
            },
          },
        ],
      }),
    });
    const key = generateKey(caAlgorithms(dc.authority.suite).tls);
    const cert = await issueTlsCert({
      caCertPem: dc.authority.hostTLS.certPem,
      caKey: dc.authority.hostTLS.key,
      publicKey: createPublicKey(key),
      notAfter: new Date(Date.now() + 3600_000),
      identity: {
        username: `${randomUUID()}.bearer.test`,
        groups: ['Proxy'],
        teleportCluster: 'bearer.test',
      },
    });
    client = new ProxyAuthClient({
      addr: () => dc.proxyAddr,
      clusterName: 'bearer.test',
      identity: { cert, key: key.export({ type: 'pkcs8', format: 'pem' }) as string },
      hostCaPem: dc.authority.hostTLS.certPem,
    });
    const counting = {
      createAppSessionWithJwt: (...a: Parameters<ProxyAuthClient['createAppSessionWithJwt']>) => {
        calls++;
        return client.createAppSessionWithJwt(...a);
      },
    };
    bearer = appAuthBearer({
      appAuthConfigs: () => dc.config.app_auth_configs ?? [],
      sessions: dc.appService.sessions,
      auth: counting,
      clusterName: 'bearer.test',
    });
    // A real HTTP server gives the handler real IncomingMessages; it answers with the result.
    server = http.createServer((req, res) => {
      const app = req.url === '/two' ? appV3('two', { team: 'b' }) : appV3('one', { team: 'a' });
      bearer(req, app, '127.0.0.1').then(
        (r: BearerAuthResult) => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify(
              r === undefined
                ? { none: true }
                : 'session' in r
                  ? { user: r.session.user, id: r.session.id }
                  : r,
            ),
          );
        },
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    client?.close();
    await new Promise<void>((r) => server.close(() => r()));
    await dc?.stop();
  });

  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: ISS,
      aud: 'tp',
      sub: 'carol',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'b1' })
      .sign(priv);
  const get = async (path: string, headers: Record<string, string>) =>
    (await (await fetch(base + path, { headers })).json()) as Record<string, unknown>;

  it('ignores requests without the configured header or without "Bearer "', async () => {
    expect(await get('/', {})).toEqual({ none: true });
    expect(await get('/', { authorization: `Bearer ${await token()}` })).toEqual({ none: true });
    expect(await get('/', { 'x-token': await token() })).toEqual({ none: true });
  });

  it('tries matching configs in turn and reuses the session for the same token', async () => {
    const t = await token();
    calls = 0;
    const first = await get('/', { 'x-token': `Bearer ${t}` });
    expect(first.user).toBe('carol');
    // "other" (wrong audience) then "idp"
    expect(calls).toBe(2);
    expect(dc.audit.list({ event: 'app_auth_config.verify.failure' }).at(-1)?.app_auth_config).toBe('other');
    const again = await get('/', { 'x-token': `Bearer ${t}` });
    expect(again).toEqual(first);
    expect(calls).toBe(2);
  });

  it('does nothing for an app no config selects', async () => {
    expect(await get('/two', { 'x-token': `Bearer ${await token()}` })).toEqual({ none: true });
  });

  it('returns the last error when every config refuses', async () => {
    const r = await get('/', { 'x-token': `Bearer ${await token({ iss: 'https://evil' })}` });
    expect(r).toEqual({ error: 'go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)' });
  });
});
