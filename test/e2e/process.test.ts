// Real processes: the tshjs-devcluster contract (one JSON line on stdout, clean stop) and
// 10 concurrent `tshjs login` processes on one home directory.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile } from '../../src/auth/profile.js';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import { parseSshPrivateKey } from '../../src/auth/ssh/keys.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { DEVCLUSTER_BIN, REPO, runProcess, tempHome, tshjsProcess } from '../helpers/cluster.js';

interface Ready {
  proxy: string;
  cluster: string;
  ca_pin: string;
}

function startDevclusterProcess(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; ready: Ready; stdout: () => string }> {
  if (!fs.existsSync(path.join(REPO, 'dist/devcluster/main.js')))
    throw new Error('dist/ is missing: run "npm run build" (npm test does)');
  const child = spawn(process.execPath, [DEVCLUSTER_BIN, 'start', ...args]);
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (out.includes('\n')) {
        child.stdout.off('data', onData);
        try {
          resolve({ child, ready: JSON.parse(out.split('\n')[0]) as Ready, stdout: () => out });
        } catch (err) {
          reject(err);
        }
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`devcluster exited early with ${code}`)));
  });
}

describe('tshjs-devcluster process', () => {
  let dc: Awaited<ReturnType<typeof startDevclusterProcess>>;
  const dataDir = tempHome('tshjs-dcdata-');
  let firstPin = '';

  beforeAll(async () => {
    dc = await startDevclusterProcess(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    firstPin = dc.ready.ca_pin;
  });
  afterAll(() => {
    dc.child.kill('SIGKILL');
  });

  it('prints exactly one JSON ready line', () => {
    expect(dc.ready.proxy).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(dc.ready.cluster).toBe('dev.localhost');
    expect(dc.ready.ca_pin).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('10 concurrent logins to one home leave only whole, parseable files', async () => {
    const home = tempHome();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        tshjsProcess(['login', `--proxy=${dc.ready.proxy}`, '--user=alice', '--insecure', '-f', 'json'], {
          home,
          stdin: 'alice-password\n',
        }),
      ),
    );
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).active.username).toBe('alice');
    }
    const kd = path.join(home, 'keys', '127.0.0.1');
    const tlsKey = createPrivateKey(fs.readFileSync(path.join(kd, 'alice.key')));
    const sshKey = parseSshPrivateKey(fs.readFileSync(path.join(kd, 'alice'), 'utf8'));
    const cert = parseSshCertificateLine(
      fs.readFileSync(path.join(kd, 'alice-ssh/dev.localhost-cert.pub'), 'utf8'),
    );
    const id = decodeTlsIdentity(fs.readFileSync(path.join(kd, 'alice.crt'), 'utf8'));
    expect(id.username).toBe('alice');
    expect(cert.keyId).toBe('alice');
    expect(tlsKey.asymmetricKeyType).toBe('ec');
    expect(sshKey.asymmetricKeyType).toBe('ed25519');
    expect(decodeProfile(fs.readFileSync(path.join(home, '127.0.0.1.yaml'), 'utf8')).username).toBe('alice');
    expect(fs.readFileSync(path.join(home, 'known_hosts'), 'utf8').trim().split('\n')).toHaveLength(1);
    const leftovers = fs
      .readdirSync(home, { recursive: true })
      .map(String)
      .filter((f) => /\.tmp$|\.lock$/.test(f));
    expect(leftovers).toEqual([]);
    // The keys on disk belong together: the final status is consistent.
    const s = await tshjsProcess(['status', '-f', 'json'], { home });
    expect(s.code, s.stderr).toBe(0);
  });

  it('the process CLI exits 1 with one line on a bad proxy', async () => {
    const r = await tshjsProcess(['login', '--proxy=127.0.0.1:1', '--user=alice', '--insecure'], {
      home: tempHome(),
      stdin: 'x\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^ERROR: cannot reach proxy 127\.0\.0\.1:1/);
  });

  it('stops cleanly on SIGTERM and keeps its CA in --data-dir', async () => {
    const exited = new Promise<number | null>((r) => dc.child.on('exit', (code) => r(code)));
    dc.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(dc.stdout().trim().split('\n')).toHaveLength(1);
    const again = await startDevclusterProcess(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    expect(again.ready.ca_pin).toBe(firstPin);
    again.child.kill('SIGTERM');
  });

  it('a bad config file is one clear error', async () => {
    const cfg = path.join(tempHome(), 'bad.yaml');
    fs.writeFileSync(cfg, 'users:\n  - name: x\n    password: y\n    roles: [nope]\n');
    const r = await runProcess(process.execPath, [
      DEVCLUSTER_BIN,
      'start',
      '--config',
      cfg,
      '--listen',
      '127.0.0.1:0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('ERROR: config: user x has unknown role "nope"');
  });
});
