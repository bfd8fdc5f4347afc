// Login failure paths: each gives one clear "ERROR: ..." line, exit 1, no stack trace.
// Messages are what a v18 proxy answers on the MFA login ceremony (lib/web/apiserver.go
// mfaLoginBegin/mfaLoginFinish, lib/auth/methods.go authenticateUser), see
// docs/upstream-facts-login.md.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { TOTP_SECRET, loginArgs, startCluster, tempHome, tshjs, type CliResult } from '../helpers/cluster.js';

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).toBe(1);
  const errLines = r.stderr.split('\n').filter((l) => l.startsWith('ERROR: '));
  expect(errLines).toHaveLength(1);
  expect(errLines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('login errors', () => {
  let cluster: DevCluster;
  /** second_factor: on, as every v18 cluster: bob has a TOTP device, alice and carol none. */
  let mfa: DevCluster;
  let other: DevCluster;
  let home: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempHome('tshjs-data-');
    cluster = await startCluster({}, dataDir);
    mfa = await startCluster({ second_factor: 'on' });
    other = await startCluster({ cluster_name: 'other.localhost' });
    home = tempHome();
  });
  afterAll(async () => {
    await cluster.stop();
    await mfa.stop();
    await other.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // lib/web/apiserver.go mfaLoginBegin: any failure of the password check is AccessDenied
  // "invalid credentials" (the auth server's own message is not passed on).
  it('wrong password: the begin step answers "invalid credentials"', async () => {
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'nope\n' });
    expectOneLineError(r, /^ERROR: invalid credentials$/);
    expect(fs.existsSync(path.join(home, 'keys'))).toBe(false);
  });

  it('unknown user looks the same as a wrong password', async () => {
    const r = await tshjs(loginArgs(cluster, 'mallory'), { home, stdin: 'x\n' });
    expectOneLineError(r, /^ERROR: invalid credentials$/);
  });

  // lib/auth/methods.go authenticateUserInternal: a TOTP answer fails as invalidUserPass2FError,
  // which mfaLoginFinish passes through.
  it('wrong OTP', async () => {
    const r = await tshjs(loginArgs(mfa, 'bob'), { home, stdin: 'bob-pw\n000000\n' });
    expectOneLineError(r, /^ERROR: invalid username, password or second factor$/);
  });

  it('missing OTP on stdin', async () => {
    const r = await tshjs(loginArgs(mfa, 'bob'), { home, stdin: 'bob-pw\n' });
    expectOneLineError(r, /OTP code from a device expected as the next line of standard input/);
  });

  // lib/auth/auth.go mfaAuthChallenge builds an empty challenge for a user with no device; the
  // finish then carries the password only, which authenticateUserInternal refuses while
  // second_factor is on.
  it('a user with no MFA device cannot log in when second_factor is on', async () => {
    const r = await tshjs(loginArgs(mfa, 'alice'), { home, stdin: 'alice-pw\n' });
    expectOneLineError(r, /^ERROR: missing second factor$/);
    expect(r.stderr).not.toContain('OTP');
  });

  it('OTP from the second stdin line and from --otp both work', async () => {
    const h1 = tempHome();
    const r1 = await tshjs(loginArgs(mfa, 'bob'), { home: h1, stdin: `bob-pw\n${totp(TOTP_SECRET)}\n` });
    // Prompts of lib/client/api.go AskPassword and lib/client/mfa/cli.go promptOTP.
    expect(r1.stderr).toBe(
      `WARNING: You are using insecure connection to Teleport proxy https://${mfa.proxyAddr}\n` +
        'Enter password for Teleport user bob:\n' +
        'Enter an OTP code from a device:\n',
    );
    expect(r1.code).toBe(0);
    const h2 = tempHome();
    const r2 = await tshjs([...loginArgs(mfa, 'bob'), `--otp=${totp(TOTP_SECRET)}`], {
      home: h2,
      stdin: 'bob-pw\n',
    });
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('Logged in as:       bob');
  });

  // With second_factor off, TOTP is not an allowed method (IsSecondFactorTOTPAllowed), so even a
  // user with a device gets no challenge and logs in with the password.
  it('second_factor off: no OTP challenge, even for a user with a device', async () => {
    const r = await tshjs(loginArgs(cluster, 'bob'), { home: tempHome(), stdin: 'bob-pw\n' });
    expect(r.stderr).not.toContain('OTP');
    expect(r.code).toBe(0);
  });

  // WithUserLock counts failed password checks on the begin step too, but the proxy hides the
  // lock there behind "invalid credentials": the right password is refused the same way.
  it('locks the user after max_login_attempts failures, even for the right password', async () => {
    const h = tempHome();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(
        (await tshjs(loginArgs(cluster, 'carol'), { home: h, stdin: 'bad\n' })).stderr
          .trim()
          .split('\n')
          .pop()!,
      );
    }
    expect(seen).toEqual(Array(3).fill('ERROR: invalid credentials'));
    const r = await tshjs(loginArgs(cluster, 'carol'), { home: h, stdin: 'carol-pw\n' });
    expectOneLineError(r, /^ERROR: invalid credentials$/);
  });

  // lib/auth/auth.go WithUserLock clears the failure count on every success, and the begin step
  // checks the (right) password under it: wrong OTPs after a right password never add up to a
  // lock, each one is refused on the finish step with the auth server's own message.
  it('wrong OTPs after the right password do not lock the user', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await tshjs(loginArgs(mfa, 'bob'), { home: tempHome(), stdin: 'bob-pw\n000000\n' });
      seen.push(r.stderr.trim().split('\n').pop()!);
    }
    expect(seen).toEqual(Array(4).fill('ERROR: invalid username, password or second factor'));
    const ok = await tshjs(loginArgs(mfa, 'bob'), {
      home: tempHome(),
      stdin: `bob-pw\n${totp(TOTP_SECRET)}\n`,
    });
    expect(ok.code).toBe(0);
  });

  it('no password on stdin', async () => {
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: '' });
    expectOneLineError(r, /no password on standard input/);
  });

  it('unreachable proxy', async () => {
    const port = await closedPort();
    const r = await tshjs(['login', `--proxy=127.0.0.1:${port}`, '--user=alice', '--insecure'], {
      home,
      stdin: 'x\n',
    });
    expectOneLineError(r, new RegExp(`cannot reach proxy 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });

  it('untrusted proxy certificate without --insecure', async () => {
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--user=alice'], {
      home,
      stdin: 'alice-pw\n',
    });
    expectOneLineError(r, /presented a certificate that is not trusted .*--insecure/);
  });

  it('trusts the proxy through SSL_CERT_FILE, and rejects the wrong CA', async () => {
    const good = tempHome();
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--user=alice'], {
      home: good,
      stdin: 'alice-pw\n',
      env: { SSL_CERT_FILE: path.join(dataDir, 'ca/host-tls.crt') },
    });
    expect(r.stderr).not.toContain('WARNING');
    expect(r.code).toBe(0);
    const wrongCa = path.join(good, 'other-ca.pem');
    fs.writeFileSync(wrongCa, other.authority.hostTLS.certPem);
    const bad = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--user=alice'], {
      home: tempHome(),
      stdin: 'alice-pw\n',
      env: { SSL_CERT_FILE: wrongCa },
    });
    expectOneLineError(bad, /not trusted/);
  });

  it('a port that does not speak TLS', async () => {
    const srv = net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const r = await tshjs(['login', `--proxy=127.0.0.1:${port}`, '--user=alice', '--insecure'], {
      home,
      stdin: 'x\n',
    });
    srv.close();
    expectOneLineError(r, /127\.0\.0\.1:\d+/);
  });

  it('bad flag values', async () => {
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--ttl=abc'], { home });
    expectOneLineError(r, /--ttl must be a whole number/);
    const r2 = await tshjs(['status', '--format=xml'], { home });
    expectOneLineError(r2, /format/);
    const r3 = await tshjs(['login', '--proxy=host:99999', '--user=a'], { home });
    expectOneLineError(r3, /invalid port/);
    // lib/utils CheckCertificateFormatFlag, checked before any request.
    const r4 = await tshjs([...loginArgs(cluster, 'alice'), '--cert-format=weird'], { home, stdin: 'x\n' });
    expectOneLineError(r4, /^ERROR: invalid certificate format parameter: "weird"$/);
    expect(r4.stderr).not.toContain('Enter password');
  });

  it('TTL is capped by the role max_session_ttl', async () => {
    const h = tempHome();
    const c2 = await startCluster();
    const r = await tshjs(loginArgs(c2, 'carol'), { home: h, stdin: 'carol-pw\n' });
    await c2.stop();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[valid for (<1m|1m)\]/);
  });
});
