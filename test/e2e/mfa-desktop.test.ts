// Per-session MFA answered with WebAuthn on the client core's reissue path (the one desktop, db and
// kube certificates share): TeleportClient.issueDesktopCert against a v18 dev cluster whose role
// requires session MFA; the software key answers, the certificate records the device.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { TeleportClient } from '../../src/client/teleport.js';
import { createSoftwareCredential, writeSoftwareKeyFile } from '../../src/client/webauthn/software.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

describe('per-session MFA with WebAuthn on certificate reissue', () => {
  let cluster: DevCluster;
  let home: string;
  let keys: string;
  const key = createSoftwareCredential({ rpId: '127.0.0.1', name: 'bob-key' });

  beforeAll(async () => {
    keys = tempHome('tshjs-wankeys-');
    writeSoftwareKeyFile(path.join(keys, 'bob.json'), [key.credential]);
    cluster = await startCluster({
      server_version: '18.2.0',
      second_factor: 'webauthn',
      users: [{ name: 'bob', password: 'bob-pw', roles: ['desk-mfa'], webauthn_devices: [key.device] }],
      roles: [
        {
          name: 'desk-mfa',
          logins: [],
          node_labels: {},
          windows_desktop_labels: { '*': '*' },
          windows_desktop_logins: ['Administrator'],
          require_session_mfa: true,
        },
      ],
      desktops: [{ name: 'win-1', addr: '127.0.0.1:3389', labels: { env: 'dev' } }],
    });
    home = tempHome();
    const env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: path.join(keys, 'bob.json') };
    const r = await tshjs(loginArgs(cluster, 'bob'), { home, stdin: 'bob-pw\n', env });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(keys, { recursive: true, force: true });
  });

  it('issues a single-use desktop certificate after the WebAuthn ceremony', async () => {
    const tc = new TeleportClient({
      home,
      insecure: true,
      env: { TSHJS_WEBAUTHN_SOFTWARE_KEY: path.join(keys, 'bob.json') },
    });
    let said = '';
    try {
      const c = await tc.issueDesktopCert({
        desktop: 'win-1',
        login: 'Administrator',
        warn: (t) => (said += t),
      });
      expect(said).toBe(
        'MFA is required to access Windows desktop "win-1"\nTap any security key\nDetected security key tap\n',
      );
      const x = new X509Certificate(c.certPem);
      // A minute at most (UserSingleUseCertTTL), with the MFA device recorded (1.3.9999.1.8).
      expect(new Date(x.validTo).getTime() - Date.now()).toBeLessThanOrEqual(61_000);
      expect(decodeTlsIdentity(c.certPem).mfaVerified).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      tc.close();
    }
  });

  it('without an authenticator: one line saying WebAuthn cannot be answered here', async () => {
    const tc = new TeleportClient({ home, insecure: true, env: {} });
    try {
      await expect(tc.issueDesktopCert({ desktop: 'win-1', login: 'Administrator' })).rejects.toThrow(
        'hardware device MFA not supported by your platform, please register an OTP device',
      );
    } finally {
      tc.close();
    }
  });
});
