// Desktop certificate reissue against the dev cluster: TeleportClient.issueDesktopCert, the
// IsMFARequired / CreateAuthenticateChallenge / GenerateUserCerts RPCs, and the per-session MFA
// ceremony with OTP (accepted by a v17 cluster, refused by a v18 one).
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { TeleportClient } from '../../src/client/teleport.js';
import { TshError } from '../../src/util/errors.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { MSG_OTP_NOT_FOR_SESSION_MFA } from '../../src/devcluster/mfachallenge.js';
import {
  UserCertsRequest,
  UserCertsRequest_CertPurpose,
  UserCertsRequest_CertUsage,
} from '../../src/gen/teleport/legacy/client/proto/authservice.js';
import { TOTP_SECRET, loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const DESKTOP = { name: 'win-1', addr: '127.0.0.1:3389', labels: { env: 'dev' } };

function config(serverVersion: string, extra: Record<string, unknown> = {}) {
  return {
    server_version: serverVersion,
    second_factor: 'on',
    users: [
      { name: 'alice', password: 'alice-pw', totp_secret: TOTP_SECRET, roles: ['desk'] },
      { name: 'bob', password: 'bob-pw', totp_secret: TOTP_SECRET, roles: ['desk-mfa'] },
    ],
    roles: [
      {
        name: 'desk',
        logins: [],
        node_labels: {},
        windows_desktop_labels: { '*': '*' },
        windows_desktop_logins: ['Administrator'],
      },
      {
        name: 'desk-mfa',
        logins: [],
        node_labels: {},
        windows_desktop_labels: { env: 'dev' },
        windows_desktop_logins: ['Administrator'],
        require_session_mfa: true,
      },
    ],
    desktops: [DESKTOP],
    ...extra,
  };
}

/** Logs in with a code from the previous TOTP step, leaving the current one for the MFA ceremony. */
async function login(cluster: DevCluster, user: string): Promise<TeleportClient> {
  const home = tempHome();
  const code = totp(TOTP_SECRET, new Date(Date.now() - 30_000));
  const r = await tshjs(loginArgs(cluster, user), { home, stdin: `${user}-pw\n${code}\n` });
  expect(r.code, r.stderr).toBe(0);
  return new TeleportClient({ home, insecure: true });
}

function otpPrompter() {
  const asked: string[] = [];
  return {
    asked,
    prompter: {
      password: () => Promise.reject(new Error('no password expected')),
      line: (q: string) => {
        asked.push(q);
        return Promise.resolve(totp(TOTP_SECRET));
      },
    },
  };
}

async function isMfaRequired(tc: TeleportClient, login: string): Promise<boolean> {
  const cc = await tc.cluster();
  const target = {
    Target: { $case: 'WindowsDesktop' as const, value: { WindowsDesktop: 'win-1', Login: login } },
  };
  return (await cc.call(cc.auth, cc.auth.isMfaRequired, target, 'check MFA')).Required;
}

describe('desktop certificates on a v17 cluster', () => {
  let cluster: DevCluster;
  let alice: TeleportClient;
  let bob: TeleportClient;

  beforeAll(async () => {
    cluster = await startCluster(config('17.5.0'));
    alice = await login(cluster, 'alice');
    bob = await login(cluster, 'bob');
  }, 30_000);
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await cluster?.stop();
  });

  it('issues a usage:windows_desktop certificate routed to the cluster and signed by the user CA', async () => {
    expect(await isMfaRequired(alice, 'Administrator')).toBe(false);
    const cert = await alice.issueDesktopCert({ desktop: 'win-1', login: 'Administrator' });
    const id = decodeTlsIdentity(cert.certPem);
    expect(id.username).toBe('alice');
    expect(id.usage).toEqual(['usage:windows_desktop']);
    expect(id.routeToCluster).toBe('test.localhost');
    expect(id.groups).toEqual(['desk']);
    expect(id.mfaVerified).toBeUndefined();
    const x509 = new X509Certificate(cert.certPem);
    expect(x509.verify(new X509Certificate(cluster.authority.userTLS.certPem).publicKey)).toBe(true);
    expect(
      x509.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(cert.keyPem))),
    ).toBe(true);
    // balanced-v1: ECDSA P-256 TLS keys; bounded by the login certificate.
    expect(cert.keyPem).toContain('BEGIN PRIVATE KEY');
    expect(cert.expires.getTime()).toBeLessThanOrEqual((await alice.identity()).tls.expires.getTime());
  });

  it('runs the OTP ceremony when a role requires per-session MFA; the cert records the device', async () => {
    expect(await isMfaRequired(bob, 'Administrator')).toBe(true);
    const { asked, prompter } = otpPrompter();
    let warned = '';
    const cert = await bob.issueDesktopCert({
      desktop: 'win-1',
      login: 'Administrator',
      prompter,
      warn: (t) => (warned += t),
    });
    expect(asked).toEqual(['Enter an OTP code from a device:']);
    expect(warned).toContain('MFA is required to access Windows desktop "win-1"');
    expect(warned).toContain('Starting with Teleport 18, OTP will not be accepted');
    const id = decodeTlsIdentity(cert.certPem);
    expect(id.mfaVerified).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.loginIp).toBe('127.0.0.1');
    expect(id.usage).toEqual(['usage:windows_desktop']);
    // Single-use certificates live a minute.
    expect(cert.expires.getTime() - Date.now()).toBeLessThanOrEqual(61_000);
  });

  it('fails with one line when MFA is required and there is no prompter', async () => {
    const err = await bob.issueDesktopCert({ desktop: 'win-1', login: 'Administrator' }).catch((e) => e);
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).toBe(
      'MFA is required to access Windows desktop "win-1", but there is no terminal to prompt for an OTP code',
    );
  });

  it('leaves a login the roles do not allow to the desktop service (issued; MFA check masked)', async () => {
    expect(await isMfaRequired(bob, 'root')).toBe(false);
    const cert = await bob.issueDesktopCert({ desktop: 'win-1', login: 'root' });
    expect(decodeTlsIdentity(cert.certPem).mfaVerified).toBeUndefined();
  });

  it('refuses certificates for another user', async () => {
    const cc = await alice.cluster();
    const req = UserCertsRequest.fromPartial({
      Username: 'bob',
      TLSPublicKey: Buffer.from('x'),
      Usage: UserCertsRequest_CertUsage.WindowsDesktop,
      RouteToWindowsDesktop: { WindowsDesktop: 'win-1', Login: 'Administrator' },
    });
    const err = await cc.call(cc.auth, cc.auth.generateUserCerts, req, 'issue a certificate').catch((e) => e);
    expect(err.message).toBe(
      'access denied to issue a certificate: access denied to perform action "create" on "user"',
    );
  });
});

describe('desktop certificates on a v18 cluster that requires per-session MFA', () => {
  let cluster: DevCluster;
  let alice: TeleportClient;

  beforeAll(async () => {
    cluster = await startCluster(config('18.2.0', { require_session_mfa: true }));
    alice = await login(cluster, 'alice');
  }, 30_000);
  afterAll(async () => {
    alice?.close();
    await cluster?.stop();
  });

  it('requires MFA for every desktop and refuses OTP for it, in the client and in the Auth service', async () => {
    expect(await isMfaRequired(alice, 'Administrator')).toBe(true);
    const { asked, prompter } = otpPrompter();
    const err = await alice
      .issueDesktopCert({ desktop: 'win-1', login: 'Administrator', prompter })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).toMatch(/^MFA is required to access Windows desktop "win-1": only WebAuthn and SSO/);
    expect(asked).toEqual([]);

    const cc = await alice.cluster();
    const req = UserCertsRequest.fromPartial({
      Username: 'alice',
      Usage: UserCertsRequest_CertUsage.WindowsDesktop,
      RouteToWindowsDesktop: { WindowsDesktop: 'win-1', Login: 'Administrator' },
      Purpose: UserCertsRequest_CertPurpose.CERT_PURPOSE_SINGLE_USE_CERTS,
      MFAResponse: { Response: { $case: 'TOTP', value: { Code: totp(TOTP_SECRET) } } },
    });
    const refused = await cc.call(cc.auth, cc.auth.generateUserCerts, req, 'issue').catch((e) => e);
    expect(refused.message).toBe(MSG_OTP_NOT_FOR_SESSION_MFA);
  });
});
