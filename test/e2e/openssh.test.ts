// Real OpenSSH end to end: `tshjs config` + `tshjs proxy ssh` as ProxyCommand take the real
// `ssh` client through the dev cluster's ProxySSH to a real sshd node with Teleport certs. The
// expected config bytes are upstream's "ssh-config" template (lib/config/openssh/openssh.go) as
// tool/tsh/common/config.go onConfig fills it: root then leaf clusters, -p, --login.
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
      leaf_clusters: [{ name: 'leaf.example' }],
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

  /** The block upstream's template renders for these values (one cluster after another). */
  function expected(bin: string, proxy: string, o: { port?: number; login?: string } = {}): string {
    const user = o.login ? `\n    User "${o.login}"` : '';
    const block = (cluster: string) =>
      `\n# Common flags for all ${cluster} hosts\n` +
      `Host *.${cluster} 127.0.0.1\n` +
      `    UserKnownHostsFile "${home}/known_hosts"\n` +
      `    IdentityFile "${home}/keys/127.0.0.1/alice"\n` +
      `    CertificateFile "${home}/keys/127.0.0.1/alice-ssh/test.localhost-cert.pub"${user}\n` +
      `\n# Flags for all ${cluster} hosts except the proxy\n` +
      `Host *.${cluster} !127.0.0.1\n` +
      `    Port ${o.port ?? 3022}\n` +
      `    ProxyCommand "${bin}" proxy ssh --cluster=${cluster} --proxy=${proxy} %r@%h:%p`;
    return (
      '# Begin generated Teleport configuration for 127.0.0.1 by tsh\n' +
      block('test.localhost') +
      block('leaf.example') +
      `${user}\n\n# End generated Teleport configuration\n`
    );
  }

  it('prints the upstream OpenSSH block: root then leaf clusters, no blank line between them', () => {
    const text = fs.readFileSync(cfg, 'utf8');
    const m =
      / {4}ProxyCommand "(\S+bin\/tshjs\.js)" proxy ssh --cluster=test\.localhost --proxy=(127\.0\.0\.1:\d+) /.exec(
        text,
      );
    expect(m, text).not.toBeNull();
    expect(text).toBe(expected(m![1], m![2]));
  });

  it('-p sets Port; --login adds User to each common block and once after the last ProxyCommand', async () => {
    const c = await tshjs(['config', '-p', '2222', '--login', 'root'], { home });
    expect(c.code, c.stderr).toBe(0);
    const m = /ProxyCommand "(\S+)" proxy ssh --cluster=test\.localhost --proxy=(\S+) /.exec(c.stdout)!;
    expect(c.stdout).toBe(expected(m[1], m[2], { port: 2222, login: 'root' }));
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
    // The proxy's own cause, without its "failed to dial target host" wrapper.
    expect(r.stderr).toMatch(/ERROR: failed to connect to node gone at 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});
