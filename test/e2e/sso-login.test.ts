// End to end: `tshjs login --auth=<connector> --browser=none` against dev cluster connectors backed
// by real IdP software (oidc-provider, samlify, the GitHub-shaped app), with a real headless
// Chromium doing the browser step: it opens the printed link, fills the IdP's login form, and
// follows the redirects back through the proxy to tshjs's loopback callback.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/auth/profile.js';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { run } from '../../src/cli/main.js';
import { login, type LoginOptions } from '../../src/client/login.js';
import { normalizeConfig } from '../../src/devcluster/config.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { chromiumMissing, launchChromium, signInAtIdp } from '../helpers/browser.js';
import { TSHJS_BIN, startCluster, tempHome } from '../helpers/cluster.js';

// The SSO hooks in the shared login and dev cluster files (docs/sso-login.md) are applied when
// the config parser knows `connectors`.
const hooked = 'sso' in (normalizeConfig({}) as object);
const skip = chromiumMissing() ?? (hooked ? undefined : 'the SSO hooks are not applied');

const CONNECTORS = [
  {
    kind: 'oidc',
    name: 'okta',
    display: 'Okta',
    claims_to_roles: [
      { claim: 'groups', value: 'admins', roles: ['access'] },
      { claim: 'groups', value: 'dev-*', roles: ['dev'] },
    ],
    users: [
      {
        name: 'alice',
        password: 'alice-idp-pw',
        claims: { email: 'alice@example.com', groups: ['admins', 'dev-team'], logins: ['alice'] },
      },
      { name: 'nobody', password: 'nobody-pw', claims: { email: 'nobody@example.com', groups: ['guests'] } },
    ],
  },
  {
    kind: 'saml',
    name: 'corp',
    display: 'Corp SAML',
    attributes_to_roles: [{ name: 'groups', value: 'admins', roles: ['access'] }],
    users: [
      { name: 'bob', password: 'bob-idp-pw', claims: { groups: ['admins', 'ops'], mail: 'bob@example.com' } },
    ],
  },
  {
    kind: 'github',
    name: 'github',
    display: 'GitHub',
    teams_to_roles: [{ organization: 'acme', team: 'devs', roles: ['dev'] }],
    users: [{ name: 'carol', password: 'carol-gh-pw', teams: ['acme/devs', 'other/ops'] }],
  },
];

const ROLES = [
  { name: 'access', logins: ['{{internal.logins}}', 'root'], node_labels: { '*': '*' } },
  { name: 'short', logins: ['carol'], node_labels: {}, max_session_ttl: '1m' },
  { name: 'dev', logins: ['{{external.logins}}', 'dev'], node_labels: {} },
];

/** Runs `tshjs login` in-process, handing the printed link to `browserStep` as soon as it shows. */
async function ssoCli(
  args: string[],
  home: string,
  browserStep: (url: string) => Promise<unknown>,
): Promise<{ code: number; stdout: string; stderr: string; browser?: unknown }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  let gotURL: (u: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (gotURL = resolve));
  stderr.on('data', (c) => {
    err += c;
    const m = /Use the following URL to authenticate:\r\n (\S+)\r\n/.exec(err);
    if (m) gotURL(m[1]);
  });
  const done = run(args, { stdin: Readable.from([]), stdout, stderr, env: { TELEPORT_HOME: home } });
  const first = await Promise.race([url, done.then((code) => ({ code }))]);
  if (typeof first !== 'string') return { code: first.code, stdout: out, stderr: err };
  const browser = await browserStep(first);
  const code = await done;
  return { code, stdout: out, stderr: err, browser };
}

function readCerts(home: string, proxyHost: string, user: string, cluster: string) {
  const keys = path.join(home, 'keys', proxyHost);
  const tls = fs.readFileSync(path.join(keys, `${user}.crt`), 'utf8');
  const ssh = fs.readFileSync(path.join(keys, `${user}-ssh`, `${cluster}-cert.pub`), 'utf8');
  return { tls: decodeTlsIdentity(tls), ssh: parseSshCertificateLine(ssh.trim()) };
}

describe.skipIf(skip)('SSO console login with a headless browser', () => {
  let cluster: DevCluster;
  let browser: Browser;

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([
      startCluster({ roles: ROLES, connectors: CONNECTORS }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  const proxyHost = () => cluster.proxyAddr.split(':')[0];
  const args = (connector: string) => [
    'login',
    `--proxy=${cluster.proxyAddr}`,
    '--insecure',
    `--auth=${connector}`,
    '--browser=none',
  ];

  it('ping advertises each connector under its kind', async () => {
    const { WebClient } = await import('../../src/client/webapi.js');
    const web = new WebClient({ proxyAddr: cluster.proxyAddr, insecure: true });
    try {
      const p = await web.ping('okta');
      expect(p.auth.type).toBe('oidc');
      expect(p.auth.oidc).toEqual({ name: 'okta', display: 'Okta' });
      expect(p.auth.local).toBeUndefined();
      expect((await web.ping('corp')).auth.saml).toEqual({ name: 'corp', display: 'Corp SAML' });
      expect((await web.ping('github')).auth.github).toEqual({ name: 'github', display: 'GitHub' });
      expect((await web.ping()).auth.type).toBe('local');
    } finally {
      web.close();
    }
  });

  it('the console endpoint checks the callback URL and the connector; stray callbacks go to the error page', async () => {
    const { WebClient } = await import('../../src/client/webapi.js');
    const web = new WebClient({ proxyAddr: cluster.proxyAddr, insecure: true });
    const body = (over: Record<string, unknown>) => ({
      redirect_url: 'http://127.0.0.1:1/callback?secret_key=' + '00'.repeat(32),
      ssh_pub_key: Buffer.from(
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMJ4j0Ijq6yb4U3t6Uq1oM3z5r5bC2Fj4z7oZfXWkX6D x',
      ).toString('base64'),
      cert_ttl: 3.6e12,
      connector_id: 'okta',
      ...over,
    });
    try {
      const ok = await web.request<{ redirect_url: string }>(
        'POST',
        '/v1/webapi/oidc/login/console',
        body({}),
      );
      const idp = new URL(ok.redirect_url);
      expect(idp.pathname).toBe('/auth');
      expect(idp.searchParams.get('code_challenge_method')).toBe('S256');
      expect(idp.searchParams.get('redirect_uri')).toBe(
        `https://${cluster.proxyAddr}/v1/webapi/oidc/callback`,
      );
      await expect(
        web.request(
          'POST',
          '/v1/webapi/oidc/login/console',
          body({ redirect_url: 'http://evil.example.com/callback?secret_key=00' }),
        ),
      ).rejects.toThrow(/unknown custom client redirect URL hostname/);
      await expect(web.request('POST', '/v1/webapi/saml/login/console', body({}))).rejects.toThrow(
        /saml connector "okta" is not found/,
      );
      await expect(
        web.request('POST', '/v1/webapi/oidc/login/console', body({ connector_id: '' })),
      ).rejects.toThrow(/missing ConnectorID/);
    } finally {
      web.close();
    }
    const { request } = await import('node:https');
    const location = await new Promise<string | undefined>((resolve, reject) => {
      request(
        `https://${cluster.proxyAddr}/v1/webapi/github/callback?code=x&state=unknown`,
        { rejectUnauthorized: false },
        (res) => {
          res.resume();
          resolve(res.headers.location);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(location).toBe('/web/msg/error/login/callback');
  });

  it('OIDC: certificates carry the roles mapped from the claims and the claims as traits', async () => {
    const home = tempHome();
    const r = await ssoCli(args('okta'), home, (url) =>
      signInAtIdp(browser, url, { username: 'alice', password: 'alice-idp-pw' }).then(async (x) => {
        await x.context.close();
        return x.finalURL;
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.browser).toMatch(/\/web\/msg\/info\/login_success$/);
    expect(r.stdout).toContain('alice@example.com');
    const profile = new ProfileStore(home).read(proxyHost());
    expect(profile?.username).toBe('alice@example.com');
    expect(profile?.authConnector).toBe('okta');
    expect(profile?.ssoHost).toBe('127.0.0.1');
    const c = readCerts(home, proxyHost(), 'alice@example.com', 'test.localhost');
    expect(c.tls.username).toBe('alice@example.com');
    expect(c.tls.groups.sort()).toEqual(['access', 'dev']);
    expect(c.tls.traits.groups).toEqual(['admins', 'dev-team']);
    expect(c.tls.traits.email).toEqual(['alice@example.com']);
    expect(c.ssh.validPrincipals).toEqual(expect.arrayContaining(['alice', 'root', 'dev']));
  }, 60_000);

  it('SAML: the NameID names the user; attributes map to roles and become traits', async () => {
    const home = tempHome();
    const r = await ssoCli(args('corp'), home, (url) =>
      signInAtIdp(browser, url, { username: 'bob', password: 'bob-idp-pw' }).then(async (x) => {
        await x.context.close();
        return x.finalURL;
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.browser).toMatch(/login_success$/);
    const c = readCerts(home, proxyHost(), 'bob', 'test.localhost');
    expect(c.tls.groups).toEqual(['access']);
    expect(c.tls.traits.groups).toEqual(['admins', 'ops']);
    expect(c.tls.traits.mail).toEqual(['bob@example.com']);
  }, 60_000);

  it('GitHub: teams map to roles; logins and github_teams traits', async () => {
    const home = tempHome();
    const r = await ssoCli(args('github'), home, (url) =>
      signInAtIdp(browser, url, { username: 'carol', password: 'carol-gh-pw' }).then(async (x) => {
        await x.context.close();
        return x.finalURL;
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    const c = readCerts(home, proxyHost(), 'carol', 'test.localhost');
    expect(c.tls.groups).toEqual(['dev']);
    expect(c.tls.traits.logins).toEqual(['carol']);
    expect(c.tls.traits.github_teams).toEqual(['devs', 'ops']);
    expect(c.ssh.validPrincipals).toEqual(expect.arrayContaining(['carol', 'dev']));
  }, 60_000);

  it.each([
    ['okta', /access_denied: End-User aborted interaction$/],
    ['corp', /failed to process the SAML response: ERR_FAILED_STATUS .*Responder/],
    ['github', /access_denied: The user has denied your application access\.$/],
  ])(
    'an IdP error (the user cancels at %s) ends the login with one line',
    async (connector, why) => {
      const home = tempHome();
      const r = await ssoCli(args(connector), home, (url) =>
        signInAtIdp(browser, url, 'cancel').then(async (x) => {
          await x.context.close();
          return x.finalURL;
        }),
      );
      expect(r.code).not.toBe(0);
      expect(r.browser).toMatch(/\/web\/msg\/error\/login$/);
      const last = r.stderr.trim().split('\n').pop() ?? '';
      expect(last).toMatch(/^ERROR: identity provider callback failed with error: /);
      expect(last).toMatch(why);
      expect(fs.existsSync(path.join(home, 'keys'))).toBe(false);
    },
    60_000,
  );

  it('a user no mapping matches is refused with the reason', async () => {
    const home = tempHome();
    const r = await ssoCli(args('okta'), home, (url) =>
      signInAtIdp(browser, url, { username: 'nobody', password: 'nobody-pw' }).then((x) => x.context.close()),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/identity provider callback failed with error: No roles mapped from claims/);
  }, 60_000);

  it('no callback in time: "timed out waiting for callback"', async () => {
    const home = tempHome();
    const err: string[] = [];
    // A plain object, so the type check holds with or without the SSO fields of LoginOptions.
    const opts = {
      proxy: cluster.proxyAddr,
      user: '',
      insecure: true,
      authConnector: 'corp',
      browser: 'none',
      ssoTimeoutMs: 1500,
      warn: (t: string) => err.push(t),
      prompter: { line: async () => '', password: async () => '' },
    } as unknown as LoginOptions;
    await expect(login({ home, insecure: true }, opts)).rejects.toThrow(/^timed out waiting for callback$/);
    expect(err.join('')).toContain('Use the following URL to authenticate:');
  }, 30_000);

  it('Ctrl-C while waiting for the browser: "canceled by user", exit 130 (a real tshjs process)', async () => {
    const home = tempHome();
    const child = spawn(process.execPath, [TSHJS_BIN, ...args('corp')], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c) => {
        stderr += c;
        if (stderr.includes('Use the following URL to authenticate:')) resolve();
      });
      child.on('close', () => reject(new Error(`tshjs ended early: ${stderr}`)));
    });
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr.trim().split('\n').pop()).toBe('ERROR: canceled by user');
  }, 30_000);

  it('without --auth the cluster default connector is used (ping advertises it)', async () => {
    const other = await startCluster({
      roles: ROLES,
      connectors: CONNECTORS,
      authentication: { type: 'github' },
    });
    try {
      const home = tempHome();
      const r = await ssoCli(
        ['login', `--proxy=${other.proxyAddr}`, '--insecure', '--browser=none'],
        home,
        (url) =>
          signInAtIdp(browser, url, { username: 'carol', password: 'carol-gh-pw' }).then((x) =>
            x.context.close(),
          ),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('carol');
      expect(new ProfileStore(home).read(other.proxyAddr.split(':')[0])?.username).toBe('carol');
    } finally {
      await other.stop();
    }
  }, 60_000);
});
