// End to end: tshjs login with WebAuthn as the second factor and passwordless, answered by the
// software authenticator (TSHJS_WEBAUTHN_SOFTWARE_KEY) against the dev cluster, which verifies with
// @simplewebauthn/server; wrong signatures and unknown credentials are refused with upstream's text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/auth/profile.js';
import {
  createSoftwareCredential,
  writeSoftwareKeyFile,
  type SoftwareCredential,
} from '../../src/client/webauthn/software.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { webauthnUserHandle } from '../../src/devcluster/webauthn/devices.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const RP_ID = '127.0.0.1';

describe('WebAuthn login', () => {
  let cluster: DevCluster;
  let home: string;
  let keys: string;
  const alice = createSoftwareCredential({ rpId: RP_ID, name: 'alice-key' });
  const dave = createSoftwareCredential({
    rpId: RP_ID,
    name: 'dave-passkey',
    userName: 'dave',
    userHandle: webauthnUserHandle('dave'),
  });
  // Registered to nobody: the cluster must refuse it.
  const stranger = createSoftwareCredential({ rpId: RP_ID, name: 'stranger' });

  const keyFile = (name: string, creds: SoftwareCredential[]) => {
    const f = path.join(keys, name);
    writeSoftwareKeyFile(f, creds);
    return f;
  };

  beforeAll(async () => {
    keys = tempHome('tshjs-wankeys-');
    cluster = await startCluster({
      second_factor: 'webauthn',
      users: [
        {
          name: 'alice',
          password: 'alice-pw',
          roles: ['access'],
          traits: { logins: ['alice'] },
          webauthn_devices: [alice.device],
        },
        { name: 'dave', password: 'dave-pw', roles: ['access'], webauthn_devices: [dave.device] },
      ],
    });
    home = tempHome();
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(keys, { recursive: true, force: true });
  });

  it('ping advertises WebAuthn and passwordless', async () => {
    const r = await fetchPing(cluster.proxyAddr);
    expect(r.auth.second_factor).toBe('webauthn');
    expect(r.auth.preferred_local_mfa).toBe('webauthn');
    expect(r.auth.allow_passwordless).toBe(true);
    expect(r.auth.webauthn).toEqual({ rp_id: RP_ID });
  });

  it('logs in with password + WebAuthn from the software key', async () => {
    const env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile('alice.json', [alice.credential]) };
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n', env });
    expect(r.stderr).toBe(
      `WARNING: You are using insecure connection to Teleport proxy https://${cluster.proxyAddr}\n` +
        'Enter password for Teleport user alice:\n' +
        'Tap any security key\n' +
        'Detected security key tap\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Logged in as:       alice');
    expect(new ProfileStore(home).read('127.0.0.1')?.username).toBe('alice');
    // The key's signature counter moved on.
    const saved = JSON.parse(fs.readFileSync(env.TSHJS_WEBAUTHN_SOFTWARE_KEY, 'utf8'));
    expect(saved.credentials[0].sign_count).toBe(1);
  });

  it('logs in passwordless (--auth=passwordless), the user coming from the credential', async () => {
    const env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile('dave.json', [dave.credential]) };
    const h = tempHome();
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--insecure', '--auth=passwordless'], {
      home: h,
      env,
    });
    expect(r.stderr).toBe(
      `WARNING: You are using insecure connection to Teleport proxy https://${cluster.proxyAddr}\n` +
        'Tap your security key\n' +
        'Detected security key tap\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Logged in as:       dave');
    fs.rmSync(h, { recursive: true, force: true });
  });

  it('refuses a credential the user has not registered: invalid Webauthn response', async () => {
    // The stranger key claims alice's credential ID but signs with another private key.
    const forged: SoftwareCredential = {
      ...stranger.credential,
      credential_id: alice.credential.credential_id,
    };
    const env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile('forged.json', [forged]) };
    const r = await tshjs(loginArgs(cluster, 'alice'), { home: tempHome(), stdin: 'alice-pw\n', env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: invalid Webauthn response\n');
  });

  it('refuses an unknown credential (passwordless): invalid Webauthn response', async () => {
    const unknown = createSoftwareCredential({
      rpId: RP_ID,
      userName: 'dave',
      userHandle: webauthnUserHandle('dave'),
    });
    const env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile('unknown.json', [unknown.credential]) };
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--insecure', '--auth=passwordless'], {
      home: tempHome(),
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: invalid Webauthn response\n');
  });

  it('without a software key says no security key is available', async () => {
    const r = await tshjs(loginArgs(cluster, 'alice'), { home: tempHome(), stdin: 'alice-pw\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'ERROR: hardware device MFA not supported by your platform, please register an OTP device\n',
    );
  });

  it('--mfa-mode=cross-platform (or TELEPORT_MFA_MODE) without a key names the missing key', async () => {
    const runs: Array<[string[], Record<string, string>]> = [
      [[...loginArgs(cluster, 'alice'), '--mfa-mode=cross-platform'], {}],
      [loginArgs(cluster, 'alice'), { TELEPORT_MFA_MODE: 'cross-platform' }],
    ];
    for (const [args, env] of runs) {
      const r = await tshjs(args, { home: tempHome(), stdin: 'alice-pw\n', env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ERROR: no security key available: ');
    }
  });

  it('--mfa-mode=platform finds no platform authenticator; =otp uses WebAuthn when no OTP is offered', async () => {
    const env = {
      TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile('alice2.json', [{ ...alice.credential, sign_count: 100 }]),
    };
    const login = (mode: string) =>
      tshjs([...loginArgs(cluster, 'alice'), `--mfa-mode=${mode}`], {
        home: tempHome(),
        stdin: 'alice-pw\n',
        env,
      });
    const p = await login('platform');
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('ERROR: no platform authenticator (Touch ID, Windows Hello) is available');
    const o = await login('otp');
    expect(o.code, o.stderr).toBe(0);
  });
});

async function fetchPing(addr: string): Promise<{ auth: Record<string, unknown> }> {
  const { WebClient } = await import('../../src/client/webapi.js');
  const web = new WebClient({ proxyAddr: addr, insecure: true });
  try {
    return (await web.ping()) as { auth: Record<string, unknown> };
  } finally {
    web.close();
  }
}
