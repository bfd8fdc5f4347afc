// Login failure paths: each gives one clear "ERROR: ..." line, exit 1, no stack trace.
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
  let other: DevCluster;
  let home: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempHome('tshjs-data-');
    cluster = await startCluster({}, dataDir);
    other = await startCluster({ cluster_name: 'other.localhost' });
    home = tempHome();
  });
  afterAll(async () => {
    await cluster.stop();
    await other.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('wrong password', async () => {
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'nope\n' });
    expectOneLineError(r, /^ERROR: invalid username or password$/);
    expect(fs.existsSync(path.join(home, 'keys'))).toBe(false);
  });

  it('unknown user looks the same as a wrong password', async () => {
    const r = await tshjs(loginArgs(cluster, 'mallory'), { home, stdin: 'x\n' });
    expectOneLineError(r, /^ERROR: invalid username or password$/);
  });

  it('wrong OTP', async () => {
    const r = await tshjs(loginArgs(cluster, 'bob'), { home, stdin: 'bob-pw\n000000\n' });
    expectOneLineError(r, /^ERROR: invalid username, password or second factor$/);
  });

  it('missing OTP on stdin', async () => {
    const r = await tshjs(loginArgs(cluster, 'bob'), { home, stdin: 'bob-pw\n' });
    expectOneLineError(r, /OTP code from a device expected as the next line of standard input/);
  });

  it('OTP from the second stdin line and from --otp both work', async () => {
    const h1 = tempHome();
    const r1 = await tshjs(loginArgs(cluster, 'bob'), { home: h1, stdin: `bob-pw\n${totp(TOTP_SECRET)}\n` });
    expect(r1.stderr).toContain('Enter an OTP code from a device:');
    expect(r1.code).toBe(0);
    const h2 = tempHome();
    const r2 = await tshjs([...loginArgs(cluster, 'bob'), `--otp=${totp(TOTP_SECRET)}`], {
      home: h2,
      stdin: 'bob-pw\n',
    });
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('Logged in as:       bob');
  });

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
    expect(seen.slice(0, 2)).toEqual([
      'ERROR: invalid username or password',
      'ERROR: invalid username or password',
    ]);
    expect(seen[2]).toBe('ERROR: too many incorrect attempts, please try again later');
    const r = await tshjs(loginArgs(cluster, 'carol'), { home: h, stdin: 'carol-pw\n' });
    expectOneLineError(r, /^ERROR: too many incorrect attempts, please try again later$/);
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
