// A real OpenSSH sshd as a dev-cluster node: host cert from the cluster's host CA, trusting
// the cluster's user CA. Runs unprivileged-style on 127.0.0.1:<free port>.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { marshalCertificateLine, signSshCertificate } from '../../src/auth/ssh/cert.js';
import { marshalAuthorizedKey, marshalSshPrivateKey } from '../../src/auth/ssh/keys.js';
import type { Authority } from '../../src/devcluster/authority.js';

export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => fs.existsSync(p));

export interface Sshd {
  port: number;
  dir: string;
  hostId: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** `hostId` should be the node's UUID in the cluster inventory (its `id` in the config). */
export async function startSshd(
  authority: Authority,
  nodeName: string,
  port?: number,
  hostId: string = randomUUID(),
): Promise<Sshd> {
  if (!SSHD) throw new Error('sshd not installed (apt-get install openssh-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-sshd-'));
  port ??= await freePort();
  const { privateKey } = generateKeyPairSync('ed25519');
  const hostKey = path.join(dir, 'host_key');
  fs.writeFileSync(hostKey, marshalSshPrivateKey(privateKey), { mode: 0o600 });
  const cert = signSshCertificate({
    publicKey: privateKey,
    caKey: authority.hostSSH,
    certType: 2,
    serial: 0n,
    keyId: `${hostId}.${authority.clusterName}`,
    principals: [
      nodeName,
      `${nodeName}.${authority.clusterName}`,
      hostId,
      `${hostId}.${authority.clusterName}`,
      '127.0.0.1',
      'localhost',
    ],
    validAfter: new Date(Date.now() - 60_000),
    validBefore: new Date(Date.now() + 3600_000),
    extensions: { 'x-teleport-authority': authority.clusterName, 'x-teleport-role': 'Node' },
  });
  fs.writeFileSync(`${hostKey}-cert.pub`, marshalCertificateLine(cert));
  fs.writeFileSync(path.join(dir, 'user_ca.pub'), marshalAuthorizedKey(authority.userSSH));
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const cfg = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `HostCertificate ${hostKey}-cert.pub`,
      `TrustedUserCAKeys ${path.join(dir, 'user_ca.pub')}`,
      'AuthorizedKeysFile none',
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PidFile none',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c));
  // Wait until it accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    hostId,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
