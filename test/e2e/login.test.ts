// End to end: tshjs login against the dev cluster for each signature suite, checked with
// the real OpenSSH and OpenSSL tools.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProfileStore } from '../../src/auth/profile.js';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import { totp } from '../../src/auth/totp.js';
import { WebClient } from '../../src/client/webapi.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { TOTP_SECRET, loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The certificate chain the proxy serves, as PEM. */
function servedCert(addr: string): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const s = tls.connect(
      { host, port: Number(port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => {
        const c = s.getPeerCertificate();
        s.end();
        resolve(new X509Certificate(c.raw).toString());
      },
    );
    s.on('error', reject);
  });
}

const SUITES = [
  { suite: 'legacy', ssh: 'rsa', tls: 'rsa', same: true, certType: 'ssh-rsa-cert-v01@openssh.com' },
  {
    suite: 'balanced-v1',
    ssh: 'ed25519',
    tls: 'ec',
    same: false,
    certType: 'ssh-ed25519-cert-v01@openssh.com',
  },
  {
    suite: 'fips-v1',
    ssh: 'ec',
    tls: 'ec',
    same: false,
    certType: 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  },
] as const;

describe.each(SUITES)('login with suite $suite', (s) => {
  let cluster: DevCluster;
  let home: string;
  let dataDir: string;
  let keyDir: string;

  beforeAll(async () => {
    dataDir = tempHome('tshjs-data-');
    cluster = await startCluster({ signature_algorithm_suite: s.suite }, dataDir);
    home = tempHome();
    keyDir = path.join(home, 'keys', '127.0.0.1');
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in and prints the status block', async () => {
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.stderr).toBe(
      `WARNING: You are using insecure connection to Teleport proxy https://${cluster.proxyAddr}\n` +
        'Enter password for Teleport user alice:\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`> Profile URL:        https://${cluster.proxyAddr}\n`);
    expect(r.stdout).toContain('  Logged in as:       alice\n');
    expect(r.stdout).toContain('  Cluster:            test.localhost\n');
    expect(r.stdout).toContain('  Logins:             alice, root\n');
    expect(r.stdout).toMatch(
      / {2}Valid until: {8}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+ \[valid for 11h59m\]\n/,
    );
  });

  it('writes the upstream key layout with upstream modes', () => {
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(mode(home)).toBe(0o700);
    expect(mode(keyDir)).toBe(0o700);
    for (const f of ['alice', 'alice.pub', 'alice.key', 'alice.crt', 'alice-ssh/test.localhost-cert.pub']) {
      expect(mode(path.join(keyDir, f)), f).toBe(0o600);
    }
    expect(mode(path.join(keyDir, 'cas/test.localhost.pem'))).toBe(0o640);
    expect(mode(path.join(home, '127.0.0.1.yaml'))).toBe(0o660);
    expect(fs.readFileSync(path.join(home, 'current-profile'), 'utf8')).toBe('127.0.0.1\n');
  });

  it('uses the key algorithms of the suite', () => {
    const tlsKey = createPrivateKey(fs.readFileSync(path.join(keyDir, 'alice.key')));
    expect(tlsKey.asymmetricKeyType).toBe(s.tls);
    const pub = fs.readFileSync(path.join(keyDir, 'alice.pub'), 'utf8');
    const sshType = pub.split(' ')[0];
    expect(sshType).toBe(s.certType.replace('-cert-v01@openssh.com', ''));
    const tlsPem = fs.readFileSync(path.join(keyDir, 'alice.key'), 'utf8');
    expect(
      tlsPem.startsWith(s.tls === 'rsa' ? '-----BEGIN RSA PRIVATE KEY-----' : '-----BEGIN PRIVATE KEY-----'),
    ).toBe(true);
    const cert = parseSshCertificateLine(
      fs.readFileSync(path.join(keyDir, 'alice-ssh/test.localhost-cert.pub'), 'utf8'),
    );
    const sameKey = cert.publicKey.equals(createPublicKey(tlsKey));
    expect(sameKey).toBe(s.same);
  });

  it('ssh-keygen reads the SSH certificate and the private key', () => {
    const certFile = path.join(keyDir, 'alice-ssh/test.localhost-cert.pub');
    const listing = sh('ssh-keygen', ['-L', '-f', certFile]);
    expect(listing).toContain(`Type: ${s.certType} user certificate`);
    expect(listing).toContain('Key ID: "alice"');
    expect(listing).toMatch(/Principals: \n\s+alice\n\s+root\n\s+-teleport-internal-join\n/);
    expect(listing).toContain('permit-pty');
    expect(listing).toContain('permit-agent-forwarding');
    expect(listing).toContain('teleport-roles');
    const derived = sh('ssh-keygen', ['-y', '-f', path.join(keyDir, 'alice')]).trim();
    expect(derived).toBe(fs.readFileSync(path.join(keyDir, 'alice.pub'), 'utf8').trim());
  });

  it('openssl verifies the TLS cert against the user CA and shows the identity OIDs', () => {
    const crt = path.join(keyDir, 'alice.crt');
    expect(sh('openssl', ['verify', '-CAfile', path.join(dataDir, 'ca/user-tls.crt'), crt]).trim()).toBe(
      `${crt}: OK`,
    );
    const subject = sh('openssl', ['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253']);
    expect(subject).toContain('CN=alice');
    expect(subject).toContain('O=access');
    expect(subject).toContain('street=test.localhost');
    expect(subject).toContain('1.3.9999.1.7=');
    expect(subject).toContain('1.3.9999.1.20=');
  });

  it('cas/<cluster>.pem (the host CA) verifies the proxy certificate', async () => {
    const served = path.join(home, 'served.pem');
    fs.writeFileSync(served, await servedCert(cluster.proxyAddr));
    const out = sh('openssl', [
      'verify',
      '-CAfile',
      path.join(keyDir, 'cas/test.localhost.pem'),
      served,
    ]).trim();
    expect(out).toBe(`${served}: OK`);
    const kh = fs.readFileSync(path.join(home, 'known_hosts'), 'utf8');
    expect(kh).toMatch(
      /^@cert-authority 127\.0\.0\.1,test\.localhost,\*\.test\.localhost \S+ \S+ type=host\n$/,
    );
  });

  it('status --format json has the upstream keys', async () => {
    const r = await tshjs(['status', '--format', 'json'], { home });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['active', 'profiles']);
    expect(Object.keys(doc.active)).toEqual([
      'profile_url',
      'username',
      'cluster',
      'roles',
      'traits',
      'logins',
      'kubernetes_enabled',
      'valid_until',
      'extensions',
    ]);
    expect(doc.active.roles).toEqual(['access']);
    expect(doc.active.valid_until).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  });

  it('logout leaves no key behind', async () => {
    const r = await tshjs(['logout'], { home });
    expect(r.stdout).toBe('Logged out all users from all proxies.\n');
    expect(r.code).toBe(0);
    const left = fs.readdirSync(home, { recursive: true }).map(String);
    expect(left.filter((f) => !f.startsWith('served'))).toEqual([]);
  });
});

/** Raw HTTPS request to the dev cluster's web port: status, headers, body bytes. */
function rawRequest(
  addr: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port: Number(port),
        method,
        path,
        rejectUnauthorized: false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Login as tsh v17+/v18 does it: always the MFA ceremony, whatever second_factor says
// (lib/client/api.go localLogin -> lib/client/weblogin.go SSHAgentMFALogin).
describe('v18 login on the wire', () => {
  let off: DevCluster;
  let on: DevCluster;
  let calls: Array<{ method: string; path: string; body?: unknown }>;

  beforeAll(async () => {
    off = await startCluster({ ssh_dial_timeout: '1m30s' });
    on = await startCluster({ second_factor: 'on' });
  });
  afterAll(async () => {
    await off.stop();
    await on.stop();
  });
  afterEach(() => vi.restoreAllMocks());

  function record(): void {
    calls = [];
    const orig = WebClient.prototype.request;
    vi.spyOn(WebClient.prototype, 'request').mockImplementation(function (
      this: WebClient,
      method: string,
      path: string,
      body?: unknown,
    ) {
      calls.push({ method, path, body: body === undefined ? undefined : JSON.parse(JSON.stringify(body)) });
      return orig.call(this, method, path, body);
    } as typeof orig);
  }

  it('second_factor off: begin then finish with no MFA answer, never /webapi/ssh/certs', async () => {
    record();
    const home = tempHome();
    const r = await tshjs(loginArgs(off, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /webapi/ping',
      'POST /v1/webapi/mfa/login/begin',
      'POST /v1/webapi/mfa/login/finish',
    ]);
    // MFAChallengeRequest: user, pass, passwordless (no omitempty).
    expect(JSON.stringify(calls[1].body)).toBe('{"user":"alice","pass":"alice-pw","passwordless":false}');
    // AuthenticateSSHUserRequest in struct order; compatibility (omitempty) absent without --cert-format.
    const finish = calls[2].body as Record<string, unknown>;
    expect(Object.keys(finish)).toEqual([
      'user',
      'password',
      'webauthn_challenge_response',
      'totp_code',
      'ssh_pub_key',
      'tls_pub_key',
      'ttl',
      'RouteToCluster',
      'KubernetesCluster',
    ]);
    expect(finish).toMatchObject({
      user: 'alice',
      password: 'alice-pw',
      webauthn_challenge_response: null,
      totp_code: '',
      ttl: 12 * 3600 * 1e9,
      RouteToCluster: '',
      KubernetesCluster: '',
    });
  });

  it('second_factor on: the OTP goes in totp_code of the finish body', async () => {
    record();
    const code = totp(TOTP_SECRET);
    const r = await tshjs(loginArgs(on, 'bob'), { home: tempHome(), stdin: `bob-pw\n${code}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(calls.map((c) => c.path)).toEqual([
      '/webapi/ping',
      '/v1/webapi/mfa/login/begin',
      '/v1/webapi/mfa/login/finish',
    ]);
    expect((calls[2].body as Record<string, unknown>).totp_code).toBe(code);
  });

  it('--cert-format sends compatibility after ttl; oldssh drops the Teleport extensions', async () => {
    record();
    const home = tempHome();
    const r = await tshjs([...loginArgs(off, 'alice'), '--cert-format=oldssh'], {
      home,
      stdin: 'alice-pw\n',
    });
    expect(r.code, r.stderr).toBe(0);
    const finish = calls[2].body as Record<string, unknown>;
    expect(Object.keys(finish).slice(6)).toEqual([
      'ttl',
      'compatibility',
      'RouteToCluster',
      'KubernetesCluster',
    ]);
    expect(finish.compatibility).toBe('oldssh');
    const cert = fs.readFileSync(path.join(home, 'keys/127.0.0.1/alice-ssh/test.localhost-cert.pub'), 'utf8');
    expect(parseSshCertificateLine(cert).extensions).not.toHaveProperty('teleport-roles');
  });

  // api/profile/profile.go: SSHDialTimeout time.Duration `yaml:"ssh_dial_timeout,omitempty"`, last
  // before sso_host; yaml.v2 writes Duration.String(). lib/client/api.go applyProxySettings copies
  // ping's proxy.ssh.dial_timeout.
  it("saves ping's proxy.ssh.dial_timeout as ssh_dial_timeout and reads it back", async () => {
    const home = tempHome();
    const r = await tshjs(loginArgs(off, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    const a = off.proxyAddr;
    expect(fs.readFileSync(path.join(home, '127.0.0.1.yaml'), 'utf8')).toBe(
      `web_proxy_addr: ${a}\n` +
        `ssh_proxy_addr: ${a}\n` +
        `kube_proxy_addr: ${a}\n` +
        `postgres_proxy_addr: ${a}\n` +
        'user: alice\n' +
        'cluster: test.localhost\n' +
        `dir: ${home}\n` +
        'tls_routing_enabled: true\n' +
        'private_key_policy: none\n' +
        'piv_slot: ""\n' +
        'missingclusterdetails: false\n' +
        'ssh_dial_timeout: 1m30s\n',
    );
    expect(new ProfileStore(home).read('127.0.0.1')?.sshDialTimeout).toBe('1m30s');
    const ping = await rawRequest(a, 'GET', '/webapi/ping');
    expect(JSON.parse(ping.body).proxy.ssh.dial_timeout).toBe(90_000_000_000);
  });

  // lib/web/apiserver.go: no /webapi/ssh/certs route in v18; the NotFound handler strips /v1 and
  // answers httplib.RouteNotFoundResponse (roundtrip.ReplyJSON: compact JSON, 404).
  it('POST /v1/webapi/ssh/certs is a route-not-found 404 with the proxy version', async () => {
    for (const [method, p] of [
      ['POST', '/v1/webapi/ssh/certs'],
      ['POST', '/webapi/ssh/certs'],
      ['GET', '/v1/nope'],
    ]) {
      const res = await rawRequest(off.proxyAddr, method, p, method === 'POST' ? '{}' : undefined);
      expect(res.status, p).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toBe(
        '{"error":{"message":"path not found"},"fields":{"proxyVersion":' +
          '{"major":18,"minor":2,"patch":0,"preRelease":"","string":"18.2.0"}}}',
      );
    }
  });

  // mfaLoginBegin: AccessDenied("invalid credentials") written by trace.WriteError (403, 4-space
  // indented TraceErr).
  it('a failed begin is 403 "invalid credentials"', async () => {
    const res = await rawRequest(
      off.proxyAddr,
      'POST',
      '/v1/webapi/mfa/login/begin',
      '{"user":"alice","pass":"nope","passwordless":false}',
    );
    expect(res.status).toBe(403);
    expect(res.body).toBe('{\n    "error": {\n        "message": "invalid credentials"\n    }\n}');
    const ok = await rawRequest(
      on.proxyAddr,
      'POST',
      '/v1/webapi/mfa/login/begin',
      '{"user":"bob","pass":"bob-pw","passwordless":false}',
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({
      webauthn_challenge: null,
      totp_challenge: true,
      sso_challenge: null,
    });
  });
});
