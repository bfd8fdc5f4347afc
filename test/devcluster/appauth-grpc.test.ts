// CreateAppSessionWithJWT over real gRPC on the dev cluster's Auth server: only the builtin Proxy
// (a host-CA certificate with O=Proxy) may call it, and every call leaves one audit event.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { status } from '@grpc/grpc-js';
import { DevCluster } from '../../src/devcluster/server.js';
import { normalizeConfig } from '../../src/devcluster/config.js';
import { issueTlsCert } from '../../src/devcluster/tlsca.js';
import { generateKey } from '../../src/auth/keygen.js';
import { caAlgorithms, type TlsAuthority } from '../../src/devcluster/authority.js';
import { ProxyAuthClient, type HostIdentity } from '../../src/devcluster/appauth/authclient.js';
import { appSessionIdFromJwt } from '../../src/devcluster/appauth/verify.js';

const ISS = 'https://idp.test';
const AUD = 'teleport';

async function identity(
  dc: DevCluster,
  ca: TlsAuthority,
  username: string,
  groups: string[],
): Promise<HostIdentity> {
  const key = generateKey(caAlgorithms(dc.authority.suite).tls);
  const cert = await issueTlsCert({
    caCertPem: ca.certPem,
    caKey: ca.key,
    publicKey: createPublicKey(key),
    notAfter: new Date(Date.now() + 3600_000),
    identity: { username, groups, teleportCluster: dc.authority.clusterName },
  });
  return { cert, key: key.export({ type: 'pkcs8', format: 'pem' }) as string };
}

describe('AppAuthConfigSessionsService.CreateAppSessionWithJWT (gRPC)', () => {
  let dc: DevCluster;
  let priv: CryptoKey;
  const clients: ProxyAuthClient[] = [];
  const app = {
    clusterName: 'jwt.test',
    appName: 'echo',
    uri: 'http://127.0.0.1:9',
    publicAddr: 'echo.jwt.test',
  };

  beforeAll(async () => {
    const kp = await generateKeyPair('ES256');
    priv = kp.privateKey;
    const jwk = { ...(await exportJWK(kp.publicKey)), alg: 'ES256', kid: 'k' };
    dc = await DevCluster.start({
      config: normalizeConfig({
        cluster_name: 'jwt.test',
        second_factor: 'off',
        users: [{ name: 'alice@example.com', password: 'x', roles: ['apps'] }],
        roles: [
          { name: 'apps', logins: [], node_labels: {}, app_labels: { env: 'dev' }, max_session_ttl: '2m' },
        ],
        apps: [{ name: 'echo', uri: app.uri, public_addr: app.publicAddr, labels: { env: 'dev' } }],
        app_auth_configs: [
          {
            name: 'idp',
            app_labels: { env: 'dev' },
            jwt: { issuer: ISS, audience: AUD, static_jwks: JSON.stringify({ keys: [jwk] }) },
          },
        ],
      }),
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await dc?.stop();
  });

  function client(id: HostIdentity): ProxyAuthClient {
    const c = new ProxyAuthClient({
      addr: () => dc.proxyAddr,
      clusterName: 'jwt.test',
      identity: id,
      hostCaPem: dc.authority.hostTLS.certPem,
    });
    clients.push(c);
    return c;
  }
  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: ISS,
      aud: AUD,
      email: 'alice@example.com',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .sign(priv);

  it('refuses a user certificate (even with a role named Proxy) and records the failure', async () => {
    const user = client(await identity(dc, dc.authority.userTLS, 'alice@example.com', ['Proxy']));
    const before = dc.audit.list().length;
    const err = await user
      .createAppSessionWithJwt({ configName: 'idp', app, jwt: await token(), remoteAddr: '10.0.0.1' })
      .then(
        () => undefined,
        (e: { code: number; details: string }) => e,
      );
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    expect(err?.details).toBe('this request can be only executed by a proxy');
    const events = dc.audit.list().slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event: 'app_auth_config.verify.failure',
      code: 'TAJ001W',
      success: false,
      error: 'this request can be only executed by a proxy',
      app_auth_config: 'idp',
      app_name: 'echo',
      app_uri: app.uri,
      user: 'alice@example.com',
      cluster_name: 'jwt.test',
    });
  });

  it('refuses a host certificate of another builtin role', async () => {
    const node = client(await identity(dc, dc.authority.hostTLS, `${randomUUID()}.jwt.test`, ['Node']));
    await expect(
      node.createAppSessionWithJwt({ configName: 'idp', app, jwt: await token(), remoteAddr: '' }),
    ).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
  });

  it('starts a session for the proxy: id = sha256(token), TTL capped by the role', async () => {
    const proxyUser = `${randomUUID()}.jwt.test`;
    const proxy = client(await identity(dc, dc.authority.hostTLS, proxyUser, ['Proxy']));
    const jwt = await token();
    const res = await proxy.createAppSessionWithJwt({ configName: 'idp', app, jwt, remoteAddr: '10.0.0.2' });
    const sid = appSessionIdFromJwt(jwt);
    expect(res.session?.Metadata?.Name).toBe(sid);
    expect(res.session?.SubKind).toBe('app');
    expect(res.session?.Spec?.User).toBe('alice@example.com');
    const s = dc.appService.sessions.get(sid);
    expect(s).toMatchObject({
      user: 'alice@example.com',
      appName: 'echo',
      roles: ['apps'],
      loginIp: '10.0.0.2',
      origin: 'jwt',
    });
    // max_session_ttl 2m < token exp 10m
    expect(s!.expires.getTime() - Date.now()).toBeLessThanOrEqual(120_000);
    expect(s!.expires.getTime() - Date.now()).toBeGreaterThan(100_000);
    expect(dc.audit.list({ event: 'app_auth_config.verify.success' }).at(-1)).toMatchObject({
      code: 'TAJ001I',
      success: true,
      user: proxyUser,
      app_name: 'echo',
    });
  });

  it('checks the request, the config and the user, in upstream order and texts', async () => {
    const proxy = client(await identity(dc, dc.authority.hostTLS, `${randomUUID()}.jwt.test`, ['Proxy']));
    const call = async (req: Parameters<ProxyAuthClient['createAppSessionWithJwt']>[0]) =>
      proxy.createAppSessionWithJwt(req).then(
        () => '',
        (e: { details: string }) => e.details,
      );
    const jwt = await token();
    expect(await call({ configName: '', app, jwt, remoteAddr: '' })).toBe(
      'create app session request requires an app auth config name',
    );
    expect(await call({ configName: 'idp', jwt, remoteAddr: '' })).toBe(
      'create app session request requires app information',
    );
    expect(await call({ configName: 'idp', app: { ...app, uri: '' }, jwt, remoteAddr: '' })).toBe(
      'create app session request requires app uri',
    );
    expect(
      await call({ configName: 'idp', app, jwt: await token({ email: 'nobody' }), remoteAddr: '' }),
    ).toBe('user "nobody" is not found');
    expect(await call({ configName: 'idp', app, jwt: await token({ aud: 'x' }), remoteAddr: '' })).toBe(
      'go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    );
    const last = dc.audit.list({ event: 'app_auth_config.verify.failure' }).at(-1);
    expect(last?.error).toBe('go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)');
  });
});
