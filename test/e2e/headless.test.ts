// Headless login end to end: a "remote" tshjs (a real process with an empty home) asks for a
// headless login and blocks; a second process, logged in as the same user with an OTP device,
// approves it with `tshjs headless approve`; the remote one then runs its command on a node. Denial
// and timeout end the remote login with upstream's one line, and nothing is ever written to the
// remote home.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import { headlessLogin } from '../../src/client/headless.js';
import { createSoftwareCredential, writeSoftwareKeyFile } from '../../src/client/webauthn/software.js';
import { MSG_TOTP_NOT_FOR_HEADLESS } from '../../src/devcluster/headless/grpc.js';
import { headlessStore } from '../../src/devcluster/headless/store.js';
import { hasWebauthnDevice } from '../../src/devcluster/webauthn/cluster.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import {
  TOTP_SECRET,
  TSHJS_BIN,
  loginArgs,
  startCluster,
  tempHome,
  testConfig,
  tshjs,
  tshjsProcess,
  type CliResult,
} from '../helpers/cluster.js';

const ID_RE = /tsh headless approve --user=bob --proxy=(\S+) ([0-9a-f-]{36})\n/;

/**
 * OTP codes for approvals: a code is spent once, and three are valid at a time (the step before,
 * this one and the next), so cycling through them gives distinct codes for up to three approvals.
 */
let step = 0;
const nextCode = () => totp(TOTP_SECRET, new Date(Date.now() + 30_000 * ((step++ % 3) - 1)));

/** The one pending request's ID (read from the dev cluster, for in-process runs). */
function pendingId(cluster: DevCluster): string {
  return headlessStore(cluster.config).pendingIds()[0];
}

/** Starts a headless tshjs process; resolves its request ID once printed, and its result at exit. */
function startHeadless(args: string[], home: string) {
  const child = spawn(process.execPath, [TSHJS_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, TELEPORT_HOME: home },
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  let onId: (id: string) => void = () => {};
  const id = new Promise<string>((resolve) => (onId = resolve));
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => {
    stderr += c;
    const m = ID_RE.exec(stderr);
    if (m) onId(m[2]);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { id, done };
}

describe('headless login (tshjs --headless, tshjs headless approve)', () => {
  let cluster: DevCluster;
  let approver: string;
  let remote: string;
  let base: string[];

  beforeAll(async () => {
    cluster = await startCluster({
      second_factor: 'on',
      users: [
        { name: 'bob', password: 'bob-pw', totp_secret: TOTP_SECRET, roles: ['access'] },
        { name: 'eve', password: 'eve-pw', totp_secret: TOTP_SECRET, roles: ['access'] },
      ],
      roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
      nodes: [{ name: 'dev-1', labels: { env: 'dev' } }],
    });
    approver = tempHome();
    remote = tempHome('tshjs-remote-');
    const r = await tshjs(loginArgs(cluster, 'bob'), {
      home: approver,
      stdin: `bob-pw\n${totp(TOTP_SECRET)}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    base = [`--proxy=${cluster.proxyAddr}`, '--user=bob', '--insecure'];
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(approver, { recursive: true, force: true });
    fs.rmSync(remote, { recursive: true, force: true });
  });

  it('ssh --headless: approved by a second process, runs the command, writes nothing', async () => {
    const h = startHeadless([...base, 'ssh', '--headless', 'root@dev-1', 'echo headless-$((6*7))'], remote);
    const id = await h.id;
    const a = await tshjsProcess(['headless', 'approve', id], {
      home: approver,
      stdin: `y\n${nextCode()}\n`,
    });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(
      'Headless login attempt from IP address "127.0.0.1" requires approval.\n' +
        "Contact your administrator if you didn't initiate this login attempt.\n",
    );
    const r = await h.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('headless-42\n');
    expect(r.stderr).toContain(
      'Complete headless authentication in your local web browser:\n\n' +
        `https://${cluster.proxyAddr}/web/headless/${id}\n\n` +
        'or execute this command in your local terminal:\n\n' +
        `tsh headless approve --user=bob --proxy=${cluster.proxyAddr} ${id}\n`,
    );
    // Keys and certificates stayed in memory: the remote home is as empty as before.
    expect(fs.readdirSync(remote)).toEqual([]);
  });

  it('TELEPORT_HEADLESS=true ls: any command that needs credentials logs in headlessly', async () => {
    const r = tshjs(['--insecure', 'ls', '--format=names'], {
      home: remote,
      env: { TELEPORT_HEADLESS: 'true', TELEPORT_PROXY: cluster.proxyAddr, TELEPORT_USER: 'bob' },
    });
    // The in-process run prints to a buffer: find the ID through the store instead.
    const store = headlessStore(cluster.config);
    while (store.size === 0) await new Promise((res) => setTimeout(res, 20));
    const a = await tshjsProcess(['headless', 'approve', '--skip-confirm', pendingId(cluster)], {
      home: approver,
      stdin: `${nextCode()}\n`,
    });
    expect(a.code, a.stderr).toBe(0);
    const ls = await r;
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toBe('dev-1\n');
    expect(fs.readdirSync(remote)).toEqual([]);
  });

  it('login --auth=headless: a "no" at the prompt denies it; the login fails with one line', async () => {
    const h = startHeadless(['--auth=headless', ...base, 'login'], remote);
    const a = await tshjsProcess(['headless', 'approve', await h.id], { home: approver, stdin: 'n\n' });
    expect(a.code, a.stderr).toBe(0);
    const r = await h.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: headless authentication failed\n$/);
    expect(fs.readdirSync(remote)).toEqual([]);
  });

  it('the certificates: one minute, MFA-verified, bound to the caller IP; only bob may approve', async () => {
    const eve = tempHome();
    // A failed approval ends the login after this instead of the 180s default.
    headlessStore(cluster.config).timeoutMs = 20_000;
    try {
      expect(
        (await tshjs(loginArgs(cluster, 'eve'), { home: eve, stdin: `eve-pw\n${totp(TOTP_SECRET)}\n` })).code,
      ).toBe(0);
      let approval: Promise<CliResult> | undefined;
      let eveTry: Promise<CliResult> | undefined;
      const s = await headlessLogin(
        { home: remote, env: {} },
        {
          proxy: cluster.proxyAddr,
          user: 'bob',
          insecure: true,
          warn: (t) => {
            const id = ID_RE.exec(t)?.[2];
            if (!id) return;
            // Refused before any MFA prompt: no code from the approval cycle.
            eveTry = tshjs(['headless', 'approve', '--skip-confirm', id], {
              home: eve,
              stdin: `${totp(TOTP_SECRET)}\n`,
            });
            approval = eveTry.then(() =>
              tshjs(['headless', 'approve', '--skip-confirm', id], {
                home: approver,
                stdin: `${nextCode()}\n`,
              }),
            );
          },
        },
      );
      const e = await eveTry!;
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(/ERROR: headless authentication "[0-9a-f-]+" is not found\n$/);
      expect((await approval!).code).toBe(0);
      const cert = parseSshCertificateLine(s.sshCert.trim());
      expect(Number(cert.validBefore) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(60);
      expect(cert.extensions['mfa-verified']).toMatch(/^[0-9a-f-]{36}$/);
      expect(cert.extensions['login-ip']).toBe('127.0.0.1');
      expect(s.identity.tls.mfaVerified).toBe(cert.extensions['mfa-verified']);
      expect(fs.readdirSync(remote)).toEqual([]);
    } finally {
      headlessStore(cluster.config).timeoutMs = 180_000;
      fs.rmSync(eve, { recursive: true, force: true });
    }
  });

  it('nobody answers: the proxy gives up after the login timeout with the same line', async () => {
    const store = headlessStore(cluster.config);
    store.timeoutMs = 1_500;
    try {
      const r = await tshjs(['--headless', ...base, 'login'], { home: remote });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`https://${cluster.proxyAddr}/web/headless/`);
      expect(r.stderr).toMatch(/ERROR: headless authentication failed\n$/);
      expect(store.size).toBe(0);
    } finally {
      store.timeoutMs = 180_000;
    }
  });

  it('approving a request that is not there says so', async () => {
    const store = headlessStore(cluster.config);
    // The Auth service waits for a login that has not arrived yet at most this long.
    store.timeoutMs = 500;
    try {
      const r = await tshjs(
        ['headless', 'approve', '--skip-confirm', '00000000-0000-5000-8000-000000000000'],
        {
          home: approver,
        },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is not found\n$/);
    } finally {
      store.timeoutMs = 180_000;
    }
  });
});

const webauthnServer = (() => {
  try {
    createRequire(import.meta.url).resolve('@simplewebauthn/server');
    return true;
  } catch {
    return false;
  }
})();
/** Whether this dev cluster reads users' webauthn_devices from its config. */
const webauthnConfig = (() => {
  const cfg = testConfig({
    second_factor: 'on',
    users: [
      {
        name: 'x',
        password: 'x',
        roles: ['access'],
        webauthn_devices: [createSoftwareCredential({ rpId: '127.0.0.1', name: 'probe' }).device],
      },
    ],
  });
  return hasWebauthnDevice(cfg, cfg.users[0]);
})();

// What upstream accepts: a WebAuthn answer (the software authenticator); a user who has a key may
// not approve with an OTP code instead.
describe.skipIf(!webauthnServer || !webauthnConfig)('headless approval with WebAuthn', () => {
  let cluster: DevCluster;
  let approver: string;
  let remote: string;
  let keyEnv: Record<string, string>;
  const key = createSoftwareCredential({ rpId: '127.0.0.1', name: 'dan-key' });

  beforeAll(async () => {
    cluster = await startCluster({
      second_factor: 'on',
      users: [
        {
          name: 'dan',
          password: 'dan-pw',
          totp_secret: TOTP_SECRET,
          roles: ['access'],
          webauthn_devices: [key.device],
        },
      ],
      roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
    });
    approver = tempHome();
    remote = tempHome('tshjs-remote-');
    const keyFile = path.join(approver, 'dan-key.json');
    writeSoftwareKeyFile(keyFile, [key.credential]);
    keyEnv = { TSHJS_WEBAUTHN_SOFTWARE_KEY: keyFile };
    // Logged in with an OTP code; the approval below uses the key.
    const r = await tshjs(loginArgs(cluster, 'dan'), {
      home: approver,
      stdin: `dan-pw\n${totp(TOTP_SECRET)}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(approver, { recursive: true, force: true });
    fs.rmSync(remote, { recursive: true, force: true });
  });

  /** A headless login whose request is handed to `approve` once its ID is printed. */
  async function loginApprovedBy(approve: (id: string) => Promise<CliResult>) {
    let approval: Promise<CliResult> | undefined;
    const login = headlessLogin(
      { home: remote, env: {} },
      {
        proxy: cluster.proxyAddr,
        user: 'dan',
        insecure: true,
        warn: (t) => {
          const id = /tsh headless approve --user=dan --proxy=\S+ ([0-9a-f-]{36})\n/.exec(t)?.[1];
          if (id) approval = approve(id);
        },
      },
    );
    return { login, approval: () => approval! };
  }

  it('the security key approves; the certificates name its device', async () => {
    const { login, approval } = await loginApprovedBy((id) =>
      tshjs(['headless', 'approve', '--skip-confirm', id], { home: approver, env: keyEnv }),
    );
    const s = await login;
    const a = await approval();
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('Tap any security key\n');
    const cert = parseSshCertificateLine(s.sshCert.trim());
    expect(cert.extensions['mfa-verified']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("an OTP code from a user with a security key is refused with upstream's text", async () => {
    headlessStore(cluster.config).timeoutMs = 3_000;
    try {
      const { login, approval } = await loginApprovedBy((id) =>
        tshjs(['headless', 'approve', '--skip-confirm', id], {
          home: approver,
          stdin: `${nextCode()}\n`,
          env: { ...keyEnv, TELEPORT_MFA_MODE: 'otp' },
        }),
      );
      await expect(login).rejects.toThrow('headless authentication failed');
      const a = await approval();
      expect(a.code).toBe(1);
      expect(a.stderr.endsWith(`\nERROR: ${MSG_TOTP_NOT_FOR_HEADLESS}\n`)).toBe(true);
    } finally {
      headlessStore(cluster.config).timeoutMs = 180_000;
    }
  });
});
