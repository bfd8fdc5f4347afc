// The loopback side of the SSO console flow with real sockets: the secret key's sealing (against
// the dev cluster's sealing code), the callback's answers, the short link, and the flags' rules.
import { describe, expect, it } from 'vitest';
import { BROWSER_NONE, browserCommand } from '../../../src/client/sso/browser.js';
import { consoleRequestBody, ssoTarget } from '../../../src/client/sso/login.js';
import {
  LOGIN_FAILED_PATH,
  LOGIN_SUCCESS_PATH,
  Redirector,
  callbackBase,
} from '../../../src/client/sso/redirector.js';
import { SecretKey } from '../../../src/client/sso/secret.js';
import { responseRedirectURL, sealWithHexKey } from '../../../src/devcluster/sso/seal.js';

async function started(): Promise<Redirector> {
  const rd = new Redirector({ proxyAddr: 'proxy.example.com:3080' });
  await rd.start();
  return rd;
}

describe('secret key', () => {
  it('is 32 bytes shown as lowercase hex, and opens what the proxy seals', () => {
    const k = SecretKey.generate();
    expect(k.toString()).toMatch(/^[0-9a-f]{64}$/);
    const sealed = sealWithHexKey(k.toString(), '{"username":"alice"}');
    const v = JSON.parse(sealed) as { ciphertext: string; nonce: string };
    expect(Object.keys(v)).toEqual(['ciphertext', 'nonce']);
    expect(Buffer.from(v.nonce, 'base64')).toHaveLength(12);
    expect(k.open(sealed).toString()).toBe('{"username":"alice"}');
    expect(SecretKey.parse(k.toString()).open(k.seal('x')).toString()).toBe('x');
  });

  it('refuses a tampered ciphertext or another key', () => {
    const k = SecretKey.generate();
    const v = JSON.parse(k.seal('secret data')) as { ciphertext: string; nonce: string };
    const ct = Buffer.from(v.ciphertext, 'base64');
    ct[0] ^= 1;
    expect(() => k.open(JSON.stringify({ ...v, ciphertext: ct.toString('base64') }))).toThrow();
    expect(() => SecretKey.generate().open(k.seal('x'))).toThrow();
    expect(() => k.open('not json')).toThrow();
    expect(() => SecretKey.parse('abc')).toThrow(/64 hex digits/);
  });
});

describe('redirector', () => {
  it('listens on 127.0.0.1 and gives /callback?secret_key=<hex> as the callback URL', async () => {
    const rd = await started();
    try {
      const u = new URL(rd.callbackURL);
      expect(u.protocol).toBe('http:');
      expect(u.hostname).toBe('127.0.0.1');
      expect(u.pathname).toBe('/callback');
      expect([...u.searchParams.keys()]).toEqual(['secret_key']);
      expect(u.searchParams.get('secret_key')).toBe(rd.key.toString());
    } finally {
      rd.close();
    }
  });

  it('serves the short link as a 302 to the IdP URL and 404 elsewhere', async () => {
    const rd = await started();
    try {
      const link = rd.shortLink('https://idp.example.com/auth?x=1');
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/);
      const r = await fetch(link, { redirect: 'manual' });
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe('https://idp.example.com/auth?x=1');
      const nf = await fetch(new URL('/nope', link));
      expect(nf.status).toBe(404);
    } finally {
      rd.close();
    }
  });

  it('decrypts the response, redirects to login_success, and answers CORS preflight', async () => {
    const rd = await started();
    try {
      const wait = rd.wait(5000);
      const pre = await fetch(rd.callbackURL, { method: 'OPTIONS' });
      expect(pre.status).toBe(200);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('allow')).toBe('GET, OPTIONS, POST');
      const to = responseRedirectURL(rd.callbackURL, { username: 'alice' });
      expect([...new URL(to).searchParams.keys()]).toEqual(['response']);
      const r = await fetch(to, { redirect: 'manual' });
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe(`https://proxy.example.com:3080${LOGIN_SUCCESS_PATH}`);
      expect(JSON.parse((await wait).toString())).toEqual({ username: 'alice' });
    } finally {
      rd.close();
    }
  });

  it('takes the response from a POST form too', async () => {
    const rd = await started();
    try {
      const wait = rd.wait(5000);
      const sealed = sealWithHexKey(rd.key.toString(), '{"username":"bob"}');
      const r = await fetch(new URL('/callback', rd.callbackURL), {
        method: 'POST',
        body: new URLSearchParams({ response: sealed }),
        redirect: 'manual',
      });
      expect(r.status).toBe(302);
      expect(JSON.parse((await wait).toString()).username).toBe('bob');
    } finally {
      rd.close();
    }
  });

  it('an err parameter fails the login and sends the browser to the error page', async () => {
    const rd = await started();
    try {
      const wait = expect(rd.wait(5000)).rejects.toThrow(
        'identity provider callback failed with error: access denied',
      );
      const r = await fetch(`${rd.callbackURL}&err=${encodeURIComponent('access denied')}`, {
        redirect: 'manual',
      });
      expect(r.headers.get('location')).toBe(`https://proxy.example.com:3080${LOGIN_FAILED_PATH}`);
      await wait;
    } finally {
      rd.close();
    }
  });

  it('a response sealed with another key fails with "failed to decrypt response"', async () => {
    const rd = await started();
    try {
      const wait = expect(rd.wait(5000)).rejects.toThrow(/^failed to decrypt response: in \/callback, err: /);
      const other = SecretKey.generate().seal('{}');
      await fetch(`${new URL('/callback', rd.callbackURL)}?response=${encodeURIComponent(other)}`, {
        redirect: 'manual',
      });
      await wait;
    } finally {
      rd.close();
    }
  });

  it('times out and is cancelled with one line each', async () => {
    const rd = await started();
    try {
      await expect(rd.wait(50)).rejects.toThrow(/^timed out waiting for callback$/);
      const ac = new AbortController();
      const w = rd.wait(5000, ac.signal);
      ac.abort();
      await expect(w).rejects.toThrow(/^canceled by user$/);
    } finally {
      rd.close();
    }
  });

  it('--bind-addr picks the listener; --callback replaces the base URL and needs --bind-addr', async () => {
    expect(() => new Redirector({ proxyAddr: 'p:1', callbackAddr: 'cb.example.com' })).toThrow(
      '--callback must be used with --bind-addr',
    );
    const rd = new Redirector({
      proxyAddr: 'p:1',
      bindAddr: '127.0.0.1:0',
      callbackAddr: 'cb.example.com:8443',
    });
    await rd.start();
    try {
      expect(rd.callbackURL).toMatch(/^https:\/\/cb\.example\.com:8443\/callback\?secret_key=[0-9a-f]{64}$/);
    } finally {
      rd.close();
    }
    expect(callbackBase('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000');
    await expect(new Redirector({ proxyAddr: 'p:1', bindAddr: 'nonsense' }).start()).rejects.toThrow(
      /could not bind to nonsense/,
    );
  });
});

describe('console request and browser', () => {
  it('sends SSOLoginConsoleReq with upstream JSON names', () => {
    const body = consoleRequestBody(
      {
        sshPubKey: 'c3No',
        tlsPubKey: 'dGxz',
        ttlNs: 3_600_000_000_000,
        connectorId: 'okta',
        compatibility: 'oldssh',
      } as never,
      'http://127.0.0.1:1/callback?secret_key=00',
    );
    expect(body).toEqual({
      redirect_url: 'http://127.0.0.1:1/callback?secret_key=00',
      ssh_pub_key: 'c3No',
      tls_pub_key: 'dGxz',
      cert_ttl: 3_600_000_000_000,
      connector_id: 'okta',
      compatibility: 'oldssh',
      RouteToCluster: '',
      KubernetesCluster: '',
    });
  });

  it('finds the connector in ping', () => {
    expect(ssoTarget({ auth: { type: 'saml', saml: { name: 'corp', display: 'Corp' } } })).toEqual({
      kind: 'saml',
      connectorId: 'corp',
      display: 'Corp',
    });
    expect(ssoTarget({ auth: { type: 'local' } })).toBeUndefined();
  });

  it('opens xdg-open on Linux, open on macOS, nothing for "none"', () => {
    const env = { PATH: '/usr/bin:/bin' };
    expect(browserCommand(BROWSER_NONE, 'http://x', 'linux', env)).toBeUndefined();
    const linux = browserCommand(undefined, 'http://x', 'linux', { PATH: '/nonexistent' });
    expect(linux).toBeUndefined();
  });
});
