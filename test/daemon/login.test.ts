// SSO login through the daemon: the app asks for Login with an SSO provider, the daemon runs the
// client core's console flow (TELEPORT_LOGIN_BROWSER=none: the link goes to its log, as the CLI
// prints it), a real headless Chromium signs in at the dev cluster's OIDC IdP, and the RPC returns
// once the callback arrived; the cluster then shows the SSO user.
import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { AuthSettings } from '../../src/gen/teleport/lib/teleterm/v1/auth_settings.js';
import type { Cluster } from '../../src/gen/teleport/lib/teleterm/v1/cluster.js';
import type { ListClustersResponse } from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import { chromiumMissing, launchChromium, signInAtIdp } from '../helpers/browser.js';
import { startCluster, tempHome } from '../helpers/cluster.js';
import { startDaemon, type TestDaemon } from './harness.js';

const CONNECTORS = [
  {
    kind: 'oidc',
    name: 'okta',
    display: 'Okta',
    claims_to_roles: [{ claim: 'groups', value: 'admins', roles: ['access'] }],
    users: [
      {
        name: 'alice',
        password: 'alice-idp-pw',
        claims: { email: 'alice@example.com', groups: ['admins'], logins: ['alice'] },
      },
    ],
  },
];

function waitForLink(d: TestDaemon, ms = 20_000): Promise<string> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /Use the following URL to authenticate:\s+(http\S+)/.exec(d.logs.join(''));
      if (m) {
        clearInterval(t);
        resolve(m[1]);
      } else if (Date.now() > until) {
        clearInterval(t);
        reject(new Error('no SSO link in the daemon log'));
      }
    }, 50);
  });
}

describe.skipIf(chromiumMissing())('daemon SSO login', () => {
  let cluster: DevCluster;
  let browser: Browser;
  let d: TestDaemon;
  const home = tempHome();

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([startCluster({ connectors: CONNECTORS }), launchChromium()]);
    d = await startDaemon(home, { env: { TELEPORT_LOGIN_BROWSER: 'none' } });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await browser?.close();
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('logs in with an OIDC connector via the browser', async () => {
    const c = await d.call<Cluster>('addCluster', { name: cluster.proxyAddr });
    // A local-first cluster: ping describes no connector, local login is on.
    const settings = await d.call<AuthSettings>('getAuthSettings', { clusterUri: c.uri });
    expect(settings.localAuthEnabled).toBe(true);
    const login = d.call('login', {
      clusterUri: c.uri,
      params: { $case: 'sso', value: { providerType: 'oidc', providerName: 'okta' } },
    });
    const link = await waitForLink(d);
    const { context } = await signInAtIdp(browser, link, { username: 'alice', password: 'alice-idp-pw' });
    await login;
    await context.close();
    const list = await d.call<ListClustersResponse>('listRootClusters', {});
    expect(list.clusters[0]).toMatchObject({
      connected: true,
      loggedInUser: { name: 'alice@example.com', roles: ['access'] },
    });
    expect(list.clusters[0].ssoHost).not.toBe('');
    const detailed = await d.call<Cluster>('getCluster', { clusterUri: c.uri });
    expect(detailed.loggedInUser?.userType).toBe(2); // USER_TYPE_SSO
  }, 60_000);
});
