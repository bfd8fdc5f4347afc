// Per-session MFA on `tshjs ssh`: a role with require_session_mfa makes the dev cluster's node
// refuse a plain certificate; tshjs then runs the ceremony (IsMFARequired, CreateAuthenticateChallenge
// with a WebAuthn assertion answered by the software key, GenerateUserCerts with the answer) and
// connects with the single-use certificate. Wrong signatures and unknown credentials are refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSoftwareCredential,
  writeSoftwareKeyFile,
  type SoftwareCredential,
} from '../../src/client/webauthn/software.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const RP_ID = '127.0.0.1';

describe('per-session MFA with WebAuthn on tshjs ssh', () => {
  let cluster: DevCluster;
  let home: string;
  let keys: string;
  const key = createSoftwareCredential({ rpId: RP_ID, name: 'alice-key' });
  const other = createSoftwareCredential({ rpId: RP_ID, name: 'other' });
  const keyFile = (name: string, creds: SoftwareCredential[]) => {
    const f = path.join(keys, name);
    writeSoftwareKeyFile(f, creds);
    return f;
  };
  let good: string;

  beforeAll(async () => {
    keys = tempHome('tshjs-wankeys-');
    good = keyFile('alice.json', [key.credential]);
    cluster = await startCluster({
      second_factor: 'webauthn',
      users: [
        {
          name: 'alice',
          password: 'alice-pw',
          roles: ['access', 'secure'],
          webauthn_devices: [key.device],
        },
      ],
      roles: [
        { name: 'access', logins: ['root'], node_labels: { env: 'dev' } },
        { name: 'secure', logins: ['root'], node_labels: { env: 'prod' }, require_session_mfa: true },
      ],
      nodes: [
        { name: 'dev-1', labels: { env: 'dev' } },
        { name: 'prod-1', labels: { env: 'prod' } },
      ],
    });
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, 'alice'), {
      home,
      stdin: 'alice-pw\n',
      env: { TSHJS_WEBAUTHN_SOFTWARE_KEY: good },
    });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(keys, { recursive: true, force: true });
  });

  it('a node without require_session_mfa takes the login certificate (no prompt)', async () => {
    const r = await tshjs(['ssh', 'root@dev-1', 'echo plain'], { home });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'plain\n', '']);
  });

  it('a require_session_mfa node is reached after the WebAuthn ceremony', async () => {
    const before = JSON.parse(fs.readFileSync(good, 'utf8')).credentials[0].sign_count;
    const r = await tshjs(['ssh', 'root@prod-1', 'echo secure'], {
      home,
      env: { TSHJS_WEBAUTHN_SOFTWARE_KEY: good },
    });
    expect(r.stderr).toBe(
      'MFA is required to access node "prod-1"\nTap any security key\nDetected security key tap\n',
    );
    expect([r.code, r.stdout]).toEqual([0, 'secure\n']);
    expect(JSON.parse(fs.readFileSync(good, 'utf8')).credentials[0].sign_count).toBe(before + 1);
  });

  it('refuses a wrong signature with upstream text', async () => {
    // Another private key under alice's credential ID, its counter ahead so only the signature fails.
    const forged = keyFile('forged.json', [
      { ...other.credential, credential_id: key.credential.credential_id, sign_count: 1000 },
    ]);
    const r = await tshjs(['ssh', 'root@prod-1', 'echo no'], {
      home,
      env: { TSHJS_WEBAUTHN_SOFTWARE_KEY: forged },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'ERROR: access denied to issue a certificate: Error validating the assertion signature: <nil>\n',
    );
  });

  it('refuses an unknown credential with upstream text', async () => {
    // The software key signs with a credential the cluster never registered (allowCredentials is
    // ignored here on purpose, as a misbehaving authenticator would).
    const stray = { ...other.credential };
    const f = keyFile('stray.json', [stray]);
    const r = await tshjs(['ssh', 'root@prod-1', 'echo no'], {
      home,
      env: { TSHJS_WEBAUTHN_SOFTWARE_KEY: f },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no credential in the software key ${f} for ${RP_ID}`);
  });

  it('without an authenticator the node stays refused with one clear line', async () => {
    const r = await tshjs(['ssh', 'root@prod-1', 'echo no'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'ERROR: hardware device MFA not supported by your platform, please register an OTP device\n',
    );
  });
});
