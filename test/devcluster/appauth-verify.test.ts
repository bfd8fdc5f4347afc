import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import {
  appAuthConfigFromYaml,
  parseAppAuthConfigs,
  validateAppAuthConfig,
  configMatchesApp,
} from '../../src/devcluster/appauth/config.js';
import {
  appSessionIdFromJwt,
  loadJwks,
  parseJwks,
  verifyAppAuthJwt,
} from '../../src/devcluster/appauth/verify.js';
import type { AppAuthConfigJWTSpec } from '../../src/gen/teleport/appauthconfig/v1/appauthconfig.js';

const ISS = 'https://idp.example.com';
const AUD = 'teleport-client';

function validationError(raw: unknown): string {
  try {
    validateAppAuthConfig(appAuthConfigFromYaml(raw));
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('app auth config validation (upstream ValidateAppAuthConfig texts)', () => {
  const jwt = { issuer: ISS, audience: AUD, jwks_url: 'http://x/jwks' };
  it('accepts the short form and fills defaults', () => {
    const [c] = parseAppAuthConfigs([{ name: 'idp', app_labels: { env: 'dev' }, jwt }]);
    expect(c.kind).toBe('app_auth_config');
    expect(c.spec?.appLabels).toEqual([{ name: 'env', values: ['dev'] }]);
    expect(c.spec?.subKindSpec?.$case).toBe('jwt');
  });
  it('reports each upstream text', () => {
    const res = (o: Record<string, unknown>) => ({
      kind: 'app_auth_config',
      version: 'v1',
      metadata: { name: 'a' },
      ...o,
    });
    expect(validationError({ kind: 'app_auth_config', version: 'v2', metadata: { name: 'a' } })).toBe(
      'app auth config only supports version "v1", got "v2"',
    );
    expect(validationError({ kind: 'x', version: 'v1', metadata: { name: 'a' } })).toBe(
      'app auth config kind must be "app_auth_config", got "x"',
    );
    expect(validationError({ kind: 'app_auth_config', version: 'v1', spec: {} })).toBe(
      'app auth config metadata is missing',
    );
    expect(validationError(res({ metadata: { name: '' } }))).toBe('app auth config metadata.name is missing');
    expect(validationError(res({}))).toBe('app auth config spec is missing');
    expect(validationError({ name: 'a', jwt })).toBe(
      "app auth config spec.app_labels must at least contain a single label, otherwise this config won't be effective",
    );
    expect(validationError({ name: 'a', app_labels: { '*': 'dev' }, jwt })).toBe(
      'invalid app auth config spec.app_labels: selector *:dev is not supported, a wildcard label key may only be used with a wildcard label value',
    );
    expect(validationError({ name: 'a', app_labels: { env: 'dev' } })).toBe(
      'unsupported app auth config type',
    );
    expect(
      validationError({ name: 'a', app_labels: { env: 'dev' }, jwt: { issuer: ISS, jwks_url: 'u' } }),
    ).toBe('app auth config spec.jwt.audience cannot be empty');
    expect(
      validationError({ name: 'a', app_labels: { env: 'dev' }, jwt: { audience: AUD, jwks_url: 'u' } }),
    ).toBe('app auth config spec.jwt.issuer cannot be empty');
    expect(
      validationError({ name: 'a', app_labels: { env: 'dev' }, jwt: { issuer: ISS, audience: AUD } }),
    ).toBe('app auth config spec.jwt.jwks_url or spec.jwt.static_jwks must be provided');
  });
  it('names the entry in config errors and rejects duplicates', () => {
    expect(() => parseAppAuthConfigs([{ name: 'a', jwt }])).toThrow(
      /^config: app_auth_configs\[0\]: app auth config spec.app_labels/,
    );
    const e = { name: 'a', app_labels: { env: 'dev' }, jwt };
    expect(() => parseAppAuthConfigs([e, e])).toThrow('app auth config "a" is defined twice');
  });
  it('matches apps by app_labels', () => {
    const [c] = parseAppAuthConfigs([{ name: 'a', app_labels: { env: ['dev', 'stage'] }, jwt }]);
    expect(configMatchesApp(c, { env: 'dev' })).toBe(true);
    expect(configMatchesApp(c, { env: 'prod' })).toBe(false);
    const [w] = parseAppAuthConfigs([{ name: 'w', app_labels: { '*': '*' }, jwt }]);
    expect(configMatchesApp(w, {})).toBe(true);
  });
});

describe('verifyAppAuthJwt', () => {
  let priv: CryptoKey;
  let jwk: JWK;
  let other: CryptoKey;
  let server: http.Server;
  let jwksUrl = '';
  const now = () => Math.floor(Date.now() / 1000);
  const spec = (o: Partial<AppAuthConfigJWTSpec> = {}): AppAuthConfigJWTSpec => ({
    issuer: ISS,
    audience: AUD,
    usernameClaim: '',
    authorizationHeader: '',
    keysSource: { $case: 'staticJwks', value: JSON.stringify({ keys: [jwk] }) },
    ...o,
  });
  async function token(
    claims: Record<string, unknown>,
    key: CryptoKey = priv,
    header: Record<string, unknown> = {},
  ) {
    const full: Record<string, unknown> = {
      iss: ISS,
      aud: AUD,
      iat: now(),
      exp: now() + 300,
      email: 'alice',
      ...claims,
    };
    for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
    return new SignJWT(full).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header }).sign(key);
  }
  async function verifyErr(t: string, s = spec()): Promise<string> {
    try {
      await verifyAppAuthJwt(t, parseJwks(s.keysSource!.value), s);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  }

  beforeAll(async () => {
    const kp = await generateKeyPair('ES256', { extractable: true });
    priv = kp.privateKey;
    jwk = { ...(await exportJWK(kp.publicKey)), alg: 'ES256', kid: 'k1', use: 'sig' };
    other = (await generateKeyPair('ES256')).privateKey;
    server = http.createServer((req, res) => {
      if (req.url === '/jwks') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end('404 page not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a valid token (static_jwks) and returns the username and exp', async () => {
    const exp = now() + 600;
    const t = await token({ exp });
    const v = await verifyAppAuthJwt(t, parseJwks(JSON.stringify({ keys: [jwk] })), spec());
    expect(v).toEqual({ username: 'alice', expires: new Date(exp * 1000) });
  });
  it('accepts a valid token with keys from jwks_url served over http', async () => {
    const s = spec({ keysSource: { $case: 'jwksUrl', value: `${jwksUrl}/jwks` } });
    const v = await verifyAppAuthJwt(await token({ aud: ['other', AUD] }), await loadJwks(s), s);
    expect(v.username).toBe('alice');
  });
  it('fails at parsing when the JWKS URL answers 404 (status not checked)', async () => {
    await expect(
      loadJwks(spec({ keysSource: { $case: 'jwksUrl', value: `${jwksUrl}/nope` } })),
    ).rejects.toThrow('unable to parse JWKS contents');
    expect(() => parseJwks('{"keys":[]}')).toThrow('empty JWKS contents');
  });
  it('refuses with upstream / go-jose texts', async () => {
    expect(await verifyErr(await token({ exp: now() - 120, iat: now() - 600 }))).toBe(
      'go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    );
    // within the 1 minute leeway
    expect(await verifyErr(await token({ exp: now() - 30 }))).toBe('');
    expect(await verifyErr(await token({ aud: 'someone-else' }))).toBe(
      'go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    );
    expect(await verifyErr(await token({ iss: 'https://evil.example.com' }))).toBe(
      'go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)',
    );
    expect(await verifyErr(await token({ nbf: now() + 600 }))).toBe(
      'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)',
    );
    expect(await verifyErr(await token({}, other))).toBe('go-jose/go-jose: error in cryptographic primitive');
    expect(await verifyErr(await token({}, priv, { kid: 'nope' }))).toBe(
      'go-jose/go-jose: unsupported key type/format',
    );
    // go-jose needs the kid to pick a key out of a JWKS
    const noKid = await new SignJWT({ iss: ISS, aud: AUD, iat: now(), exp: now() + 60, email: 'a' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(priv);
    expect(await verifyErr(noKid)).toBe('go-jose/go-jose: unsupported key type/format');
    expect(await verifyErr(await token({ iat: undefined }))).toBe("token must have 'iat' claim");
    expect(await verifyErr(await token({ exp: undefined }))).toBe("token must have 'exp' claim");
    expect(await verifyErr(await token({ iat: now() - 31 * 60 }))).toBe(
      'token must be issued recently to be used',
    );
    expect(await verifyErr(await token({ email: undefined }))).toBe('token must have "email" claim');
    expect(await verifyErr(await token({ email: 7 }))).toBe(
      'token username claim "email" must be of string type',
    );
    expect(await verifyErr(await token({ sub: 'bob' }), spec({ usernameClaim: 'sub' }))).toBe('');
    expect(await verifyErr('abc.def')).toBe('go-jose/go-jose: compact JWS format must have three parts');
  });
  it('allows only the algorithms of the keys', async () => {
    const hs = await new SignJWT({ iss: ISS, aud: AUD, iat: now(), exp: now() + 60, email: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    expect(await verifyErr(hs)).toBe(
      'go-jose/go-jose: unexpected signature algorithm "HS256"; expected ["ES256"]',
    );
  });
  it('derives the session id as lower-hex SHA-256 of the token', () => {
    expect(appSessionIdFromJwt('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
