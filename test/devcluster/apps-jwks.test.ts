// The JWT CA per signature suite, persisted in the data dir, and its JWKS: RSA (legacy) and
// P-256 keys with upstream's fields and key ids; tokens signed with it verify with jose.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import { jwksResponse, jwtKeyId, publicJwk } from '../../src/devcluster/apps/jwks.js';
import { signAppToken } from '../../src/devcluster/apps/jwt.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { startCluster, tempHome } from '../helpers/cluster.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { appCert, login, request } from './apps-helpers.js';

describe('JWT CA and JWKS', () => {
  const clusters: DevCluster[] = [];
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.stop()));
  });

  it('is RS256 with a PKCS#1 key id for the legacy suite, served at /.well-known/jwks.json', async () => {
    const c = await startCluster({ signature_algorithm_suite: 'legacy' });
    clusters.push(c);
    const r = await request(c, { path: '/.well-known/jwks.json' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const { keys } = JSON.parse(r.body);
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0])).toEqual(['kty', 'alg', 'n', 'e', 'use', 'kid']);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    const signer = await c.authority.jwtSigner();
    const pkcs1 = createPublicKey(signer.key).export({ type: 'pkcs1', format: 'der' });
    expect(keys[0].kid).toBe(createHash('sha256').update(pkcs1).digest('base64url'));
    expect(Buffer.from(keys[0].n, 'base64url').length).toBe(256);
    // /v1/.well-known/jwks.json is the same route (the web API strips /v1).
    expect(JSON.parse((await request(c, { path: '/v1/.well-known/jwks.json' })).body)).toEqual({ keys });
  });

  it('persists the JWT key and the app.session.start events in a cluster data dir', async () => {
    const dir = tempHome('tshjs-appdata-');
    const cfg = {
      users: [{ name: 'alice', password: 'alice-pw', roles: ['apps'] }],
      roles: [{ name: 'apps', logins: [], node_labels: {}, app_labels: { '*': '*' } }],
      apps: [{ name: 'web', uri: 'http://127.0.0.1:9', public_addr: 'web.test.localhost' }],
    };
    const c1 = await startCluster(cfg, dir);
    clusters.push(c1);
    const jwks1 = (await request(c1, { path: '/.well-known/jwks.json' })).body;
    const alice = await login(c1, 'alice');
    const cert = await appCert(alice, { Name: 'web' }, 'test.localhost');
    alice.close();
    const events = fs
      .readFileSync(path.join(dir, 'log', 'events.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'app.session.start')).toMatchObject({
      code: 'T2007I',
      user: 'alice',
      app_name: 'web',
      app_uri: 'http://127.0.0.1:9',
      sid: decodeTlsIdentity(cert.certPem).routeToApp!.sessionId,
    });
    clusters.splice(clusters.indexOf(c1), 1);
    await c1.stop();
    const c2 = await startCluster(cfg, dir);
    clusters.push(c2);
    expect((await request(c2, { path: '/.well-known/jwks.json' })).body).toBe(jwks1);
  });

  it('uses the SPKI DER for EC key ids', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    expect(jwtKeyId(privateKey)).toBe(createHash('sha256').update(spki).digest('base64url'));
    const jwk = publicJwk({ key: privateKey, alg: 'ES256' });
    expect(jwk).toMatchObject({ kty: 'EC', alg: 'ES256', crv: 'P-256', use: 'sig' });
  });

  it('keeps the JWT key in the data dir across restarts, per suite', async () => {
    const dir = tempHome('tshjs-jwtca-');
    const a = await loadOrCreateAuthority(dir, 'persist.test', 'balanced-v1');
    const k1 = await a.jwtSigner();
    expect(k1.alg).toBe('ES256');
    expect(fs.existsSync(path.join(dir, 'ca', 'jwt.key'))).toBe(true);
    const b = await loadOrCreateAuthority(dir, 'persist.test', 'balanced-v1');
    const k2 = await b.jwtSigner();
    expect(publicJwk(k2)).toEqual(publicJwk(k1));
    const hsm = await loadOrCreateAuthority(undefined, 'x', 'hsm-v1');
    expect((await hsm.jwtSigner()).alg).toBe('ES256');
  });

  it('signs app tokens with upstream claims that verify against the JWKS', async () => {
    const a = await loadOrCreateAuthority(undefined, 'claims.test', 'legacy');
    const key = await a.jwtSigner();
    const now = new Date();
    const expires = new Date(now.getTime() + 3600_000);
    const token = await signAppToken(key, {
      username: 'alice',
      roles: ['access'],
      traits: { logins: ['alice'], empty: [] },
      clusterName: 'claims.test',
      uri: 'http://localhost:8080',
      expires,
      now,
    });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwksResponse(key)), {
      issuer: 'claims.test',
      audience: 'http://localhost:8080',
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwtKeyId(key.key) });
    expect(payload).toEqual({
      username: 'alice',
      roles: ['access'],
      traits: { logins: ['alice'] },
      sub: 'alice',
      iss: 'claims.test',
      aud: 'http://localhost:8080',
      nbf: Math.floor(now.getTime() / 1000) - 10,
      iat: Math.floor(now.getTime() / 1000),
      exp: Math.floor(expires.getTime() / 1000),
    });
    const none = await signAppToken(key, {
      username: 'alice',
      roles: ['access'],
      traits: { logins: ['alice'] },
      clusterName: 'claims.test',
      uri: 'http://localhost:8080',
      expires,
      claims: 'none',
    });
    const claims = JSON.parse(Buffer.from(none.split('.')[1]!, 'base64url').toString());
    expect(claims.roles).toBeNull();
    expect(claims.traits).toBeNull();
  });
});
