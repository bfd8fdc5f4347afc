// Real OpenSSH end to end: `tshjs config` + `tshjs proxy ssh` as ProxyCommand take the real
// `ssh` client through the dev cluster's ProxySSH to a real sshd node with Teleport certs.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, type CliResult } from '../helpers/cluster.js';
import { SSHD, freePort, startSshd, type Sshd } from '../helpers/sshd.js';

function ssh(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

describe.skipIf(!SSHD)('OpenSSH through tshjs config', () => {
  let cluster: DevCluster;
  let sshd: Sshd;
  let home: string;
  let cfg: string;

  beforeAll(async () => {
    const port = await freePort();
    cluster = await startCluster({
      users: [{ name: 'alice', password: 'alice-pw', roles: ['access'] }],
      roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
      nodes: [
        { name: 'node-1', addr: `127.0.0.1:${port}`, labels: { env: 'dev' } },
        { name: 'gone', addr: `127.0.0.1:${await freePort()}` },
      ],
    });
    sshd = await startSshd(cluster.authority, 'node-1', port);
    home = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    const c = await tshjs(['config'], { home });
    expect(c.code, c.stderr).toBe(0);
    cfg = path.join(home, 'ssh_config');
    fs.writeFileSync(cfg, c.stdout);
  });
  afterAll(async () => {
    await sshd?.stop();
    await cluster?.stop();
  });

  it('prints the upstream OpenSSH block', () => {
    const text = fs.readFileSync(cfg, 'utf8');
    expect(text).toMatch(/^# Begin generated Teleport configuration for 127\.0\.0\.1 by tshjs\n/);
    expect(text).toContain('Host *.test.localhost 127.0.0.1\n');
    expect(text).toContain(`    UserKnownHostsFile "${home}/known_hosts"\n`);
    expect(text).toContain(
      `    CertificateFile "${home}/keys/127.0.0.1/alice-ssh/test.localhost-cert.pub"\n`,
    );
    expect(text).toContain('Host *.test.localhost !127.0.0.1\n    Port 3022\n');
    expect(text).toMatch(
      / {4}ProxyCommand "\S+bin\/tshjs\.js" proxy ssh --cluster=test\.localhost --proxy=127\.0\.0\.1:\d+ %r@%h:%p\n/,
    );
    expect(text.endsWith('# End generated Teleport configuration\n')).toBe(true);
  });

  it('ssh runs a command on the node and returns its exit code', async () => {
    const r = await ssh(
      ['-F', cfg, '-o', 'BatchMode=yes', 'root@node-1.test.localhost', 'echo hello-from-sshd; exit 3'],
      {
        TELEPORT_HOME: home,
        HOME: home,
      },
    );
    expect(r.stderr).not.toMatch(/WARNING|REMOTE HOST IDENTIFICATION/);
    expect(r.stdout).toBe('hello-from-sshd\n');
    expect(r.code).toBe(3);
  });

  it('an unknown node fails with a clear ProxyCommand error', async () => {
    const r = await ssh(['-F', cfg, '-o', 'BatchMode=yes', 'root@nope.test.localhost', 'true'], {
      TELEPORT_HOME: home,
      HOME: home,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('ERROR: target host nope is offline or does not exist');
  });

  it('an offline node fails with a clear error', async () => {
    const r = await ssh(['-F', cfg, '-o', 'BatchMode=yes', 'root@gone.test.localhost', 'true'], {
      TELEPORT_HOME: home,
      HOME: home,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(
      /ERROR: connect to gone:3022: cannot reach the cluster \(failed to connect to node gone/,
    );
  });
});
