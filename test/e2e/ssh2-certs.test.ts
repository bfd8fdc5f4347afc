// The patched ssh2 (patches/ssh2+1.17.0.patch) against real OpenSSH, both directions:
// our client -> sshd with host + user certificates, and ssh(1) -> our ssh2 Server
// presenting a host certificate and accepting user certificates.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import ssh2, { type ConnectConfig, type ParsedKey, type PublicKeyAuthMethod } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_CERT, USER_CERT, marshalCertificateLine, signSshCertificate } from '../../src/auth/ssh/cert.js';
import { marshalAuthorizedKey, marshalSshPrivateKey, sshPublicKeyBlob } from '../../src/auth/ssh/keys.js';
import {
  clientCertAuthOptions,
  hostCertAlgorithms,
  hostCertVerifier,
  verifyUserAuthSignature,
  verifyUserCert,
  type SshCertError,
} from '../../src/wire/ssh2certs.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SSHD = '/usr/sbin/sshd';
const LOGIN = os.userInfo().username;
const MARKER = '[ssh2 cert patch]';

type Kind = 'ed25519' | 'ecdsa256' | 'ecdsa384' | 'rsa';
const genKey = (kind: Kind): KeyObject => {
  if (kind === 'ed25519') return generateKeyPairSync('ed25519').privateKey;
  if (kind === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const namedCurve = kind === 'ecdsa256' ? 'prime256v1' : 'secp384r1';
  return generateKeyPairSync('ec', { namedCurve }).privateKey;
};

const HOUR = 3600_000;
function cert(
  key: KeyObject,
  caKey: KeyObject,
  certType: 1 | 2,
  principals: string[],
  window: [number, number] = [-HOUR, HOUR],
): string {
  const now = Date.now();
  return marshalCertificateLine(
    signSshCertificate({
      publicKey: key,
      caKey,
      certType,
      serial: 1n,
      keyId: 'test',
      principals,
      validAfter: new Date(now + window[0]),
      validBefore: new Date(now + window[1]),
      extensions: certType === USER_CERT ? { 'permit-pty': '' } : {},
    }),
  ).trim();
}

/** Makes sure sshd exists (installs openssh-server when root and apt-get is there). */
function ensureSshd(): string | null {
  if (fs.existsSync(SSHD)) return null;
  if (process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'openssh-server'], { env, timeout: 120_000 });
    if (fs.existsSync(SSHD)) return null;
    return `apt-get install openssh-server failed: ${r.stderr?.toString().slice(-300)}`;
  }
  return `${SSHD} not found (apt-get install openssh-server)`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssh2-certs-'));
const write = (name: string, data: string, mode = 0o600): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data.endsWith('\n') ? data : data + '\n', { mode });
  return p;
};

const hostCA = genKey('ed25519');
const userCA = genKey('ed25519');
const otherCA = genKey('ed25519');
const HOST_PRINCIPALS = [
  '6f1c-node-uuid',
  'node1',
  '6f1c-node-uuid.example.cluster',
  'localhost',
  '127.0.0.1',
];

// sshd host keys: one per algorithm family; nistp384 gets an expired certificate.
const hostKeys: Record<Kind, KeyObject> = {
  ed25519: genKey('ed25519'),
  ecdsa256: genKey('ecdsa256'),
  rsa: genKey('rsa'),
  ecdsa384: genKey('ecdsa384'),
};
const userKeys = { ed25519: genKey('ed25519'), ecdsa256: genKey('ecdsa256'), rsa: genKey('rsa') };
const userCert = (k: keyof typeof userKeys, ca = userCA, principals = [LOGIN]) =>
  cert(userKeys[k], ca, USER_CERT, principals);

const skipReason = ensureSshd();
let sshdPort = 0;
let sshd: ChildProcess | undefined;
let sshdLog = '';
let sshdError: string | null = skipReason;

beforeAll(async () => {
  if (sshdError) return;
  try {
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  } catch {
    // not root: sshd reports what it needs below
  }
  sshdPort = await freePort();
  const lines = [
    `Port ${sshdPort}`,
    'ListenAddress 127.0.0.1',
    'UsePAM no',
    'StrictModes no',
    'PidFile none',
    'PermitRootLogin yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthorizedKeysFile none',
    'AuthorizedPrincipalsFile none',
    `TrustedUserCAKeys ${write('user_ca.pub', marshalAuthorizedKey(userCA))}`,
    'LogLevel VERBOSE',
  ];
  for (const kind of Object.keys(hostKeys) as Kind[]) {
    const window: [number, number] = kind === 'ecdsa384' ? [-2 * HOUR, -HOUR] : [-HOUR, HOUR];
    lines.push(`HostKey ${write(`host_${kind}`, marshalSshPrivateKey(hostKeys[kind]))}`);
    const c = cert(hostKeys[kind], hostCA, HOST_CERT, HOST_PRINCIPALS, window);
    lines.push(`HostCertificate ${write(`host_${kind}-cert.pub`, c)}`);
  }
  const config = write('sshd_config', lines.join('\n'));
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd = child;
  child.stderr!.on('data', (c: Buffer) => (sshdLog += c.toString()));
  sshdError = await new Promise<string | null>((resolve) => {
    const t = setTimeout(() => resolve(`sshd did not start: ${sshdLog}`), 10_000);
    const onData = () => {
      if (sshdLog.includes('Server listening')) {
        clearTimeout(t);
        child.stderr!.off('data', onData);
        resolve(null);
      }
    };
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(`sshd exited with ${code}: ${sshdLog}`);
    });
  });
  if (sshdError) console.warn(`ssh2-certs: skipping OpenSSH tests: ${sshdError}`);
});

afterAll(() => {
  sshd?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface RunResult {
  out?: string;
  /** Negotiated host key algorithm. */
  hostKeyAlg?: string;
  error?: Error;
  rejection?: SshCertError;
}

/** Connects the patched ssh2 Client to sshd, runs `echo ok`. */
function runClient(
  cfg: Partial<ConnectConfig>,
  verifier: { caBlobs?: Buffer[]; host?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const res: RunResult = {};
    const conn = new ssh2.Client();
    const done = () => {
      conn.end();
      resolve(res);
    };
    conn.on('ready', () => {
      conn.exec('echo ok', (err, stream) => {
        if (err) {
          res.error = err;
          return done();
        }
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', () => {
          res.out = out;
          done();
        });
      });
    });
    conn.on('error', (err) => {
      res.error = err;
      done();
    });
    conn.connect({
      host: '127.0.0.1',
      port: sshdPort,
      username: LOGIN,
      readyTimeout: 10_000,
      algorithms: hostCertAlgorithms(),
      debug: (m) => {
        const hk = /^Handshake: Host key format: (\S+)/.exec(m);
        if (hk) res.hostKeyAlg = hk[1]!;
      },
      hostVerifier: hostCertVerifier({
        caBlobs: verifier.caBlobs ?? [sshPublicKeyBlob(hostCA)],
        host: verifier.host ?? 'node1',
        onReject: (e) => (res.rejection = e),
      }),
      ...cfg,
    });
  });
}

const hostAlg = (name: string) => ({ serverHostKey: [name] }) as unknown as ConnectConfig['algorithms'];

describe('patched ssh2 client -> OpenSSH sshd (host + user certificates)', () => {
  const cases: [keyof typeof userKeys, string][] = [
    ['ed25519', 'ssh-ed25519-cert-v01@openssh.com'],
    ['ecdsa256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com'],
    ['rsa', 'rsa-sha2-512-cert-v01@openssh.com'],
  ];
  for (const [kind, alg] of cases) {
    it(`exec works with a ${kind} user cert and a ${alg} host cert`, async (ctx) => {
      if (sshdError) return ctx.skip(sshdError);
      const logFrom = sshdLog.length;
      const r = await runClient({
        ...clientCertAuthOptions(userKeys[kind], userCert(kind)),
        algorithms: hostAlg(alg),
      });
      expect(r.error?.message).toBeUndefined();
      expect(r.out).toBe('ok\n');
      expect(r.hostKeyAlg).toBe(alg);
      const certType = { ed25519: 'ED25519-CERT', ecdsa256: 'ECDSA-CERT', rsa: 'RSA-CERT' }[kind];
      expect(sshdLog.slice(logFrom)).toMatch(
        new RegExp(
          `Accepted publickey for ${LOGIN} from 127\\.0\\.0\\.1 port \\d+ ssh2: ${certType} SHA256:\\S+ ID test`,
        ),
      );
    });
  }

  it('default cert algorithm preference picks the ed25519 host cert; rsa-sha2-256 host cert works', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const r = await runClient(clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')));
    expect(r.out).toBe('ok\n');
    expect(r.hostKeyAlg).toBe('ssh-ed25519-cert-v01@openssh.com');
    const r256 = await runClient({
      ...clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')),
      algorithms: hostAlg('rsa-sha2-256-cert-v01@openssh.com'),
    });
    expect(r256.out).toBe('ok\n');
    expect(r256.hostKeyAlg).toBe('rsa-sha2-256-cert-v01@openssh.com');
  });

  it('works through a custom authHandler entry with a certificate', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const { privateKey, certificate } = clientCertAuthOptions(userKeys.rsa, userCert('rsa'));
    const r = await runClient({
      authHandler: [
        { type: 'publickey', username: LOGIN, key: privateKey, certificate } as PublicKeyAuthMethod,
      ],
    });
    expect(r.error?.message).toBeUndefined();
    expect(r.out).toBe('ok\n');
  });

  it('works through a custom agent returning certificate identities', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    for (const kind of ['ed25519', 'ecdsa256', 'rsa'] as const) {
      const key = userKeys[kind];
      const blob = Buffer.from(userCert(kind).split(' ')[1]!, 'base64');
      class CertAgent extends ssh2.BaseAgent {
        override getIdentities(cb: (err: Error | undefined, keys?: Buffer[]) => void): void {
          cb(undefined, [blob]);
        }
        override sign(
          _pub: ParsedKey | Buffer | string,
          data: Buffer,
          opts: { hash?: string } | ((err: Error | undefined, sig?: Buffer) => void),
          cb?: (err: Error | undefined, sig?: Buffer) => void,
        ): void {
          const hash = typeof opts === 'object' ? opts.hash : undefined;
          const alg = kind === 'ed25519' ? null : kind === 'rsa' ? (hash ?? 'sha1') : 'sha256';
          cb!(undefined, cryptoSign(alg, data, key));
        }
      }
      const r = await runClient({ agent: new CertAgent() });
      expect(r.error?.message, kind).toBeUndefined();
      expect(r.out, kind).toBe('ok\n');
    }
  });

  it('works through a real ssh-agent holding certificates (RSA gets SHA-2 flags)', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const sock = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      for (const kind of ['rsa', 'ecdsa256'] as const) {
        // ssh-add loads <key>-cert.pub next to <key>.
        const keyFile = write(`agent_${kind}`, marshalSshPrivateKey(userKeys[kind]));
        write(`agent_${kind}-cert.pub`, userCert(kind), 0o644);
        const add = spawnSync('ssh-add', [keyFile], {
          env: { ...process.env, SSH_AUTH_SOCK: sock },
          encoding: 'utf8',
        });
        expect(add.stderr).toMatch(/Certificate added/);
      }
      const logFrom = sshdLog.length;
      const r = await runClient({ agent: sock });
      expect(r.error?.message).toBeUndefined();
      expect(r.out).toBe('ok\n');
      expect(sshdLog.slice(logFrom)).toMatch(/Accepted publickey for \S+ from .* ssh2: RSA-CERT SHA256:/);
    } finally {
      agent.kill();
    }
  });

  it('rejects a host cert signed by an untrusted CA, with the reason', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const r = await runClient(clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')), {
      caBlobs: [sshPublicKeyBlob(otherCA)],
    });
    expect(r.out).toBeUndefined();
    expect(r.error?.message).toMatch(/Host denied/);
    expect(r.rejection?.message).toMatch(
      /host certificate is signed by an untrusted CA \(ssh-ed25519 SHA256:/,
    );
  });

  it('rejects a host cert whose principals do not include the dialed host', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const r = await runClient(clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')), {
      host: 'node2',
    });
    expect(r.out).toBeUndefined();
    expect(r.rejection?.message).toMatch(
      /host certificate is not valid for "node2" \(principals: 6f1c-node-uuid, node1/,
    );
    // Teleport principals: UUID and <uuid>.<cluster> are accepted like the node name.
    for (const host of ['6f1c-node-uuid', '6f1c-node-uuid.example.cluster']) {
      const ok = await runClient(clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')), { host });
      expect(ok.out, host).toBe('ok\n');
    }
  });

  it('rejects an expired host cert', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const r = await runClient({
      ...clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')),
      algorithms: hostAlg('ecdsa-sha2-nistp384-cert-v01@openssh.com'),
    });
    expect(r.out).toBeUndefined();
    expect(r.rejection?.message).toMatch(/^host certificate expired at \d{4}-/);
  });

  it('rejects a plain host key', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const r = await runClient({
      ...clientCertAuthOptions(userKeys.ed25519, userCert('ed25519')),
      algorithms: hostAlg('ssh-ed25519'),
    });
    expect(r.rejection?.message).toBe('host presented a plain ssh-ed25519 key, not a certificate');
  });

  it('sshd refuses a user cert from another CA or for another login', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const other = await runClient(clientCertAuthOptions(userKeys.ed25519, userCert('ed25519', otherCA)));
    expect(other.out).toBeUndefined();
    expect(other.error?.message).toMatch(/All configured authentication methods failed/);
    const login = await runClient(
      clientCertAuthOptions(userKeys.ed25519, userCert('ed25519', userCA, ['nobody-else'])),
    );
    expect(login.error?.message).toMatch(/All configured authentication methods failed/);
  });

  it('clientCertAuthOptions refuses a certificate for another key', () => {
    expect(() => clientCertAuthOptions(userKeys.rsa, userCert('ed25519'))).toThrow(
      /does not match the private key/,
    );
  });
});

describe('OpenSSH ssh(1) -> patched ssh2 Server (host certificate, user certificates)', () => {
  const serverHostKeys = { ed25519: genKey('ed25519'), ecdsa256: genKey('ecdsa256'), rsa: genKey('rsa') };
  let server: InstanceType<typeof ssh2.Server> | undefined;
  let port = 0;
  const authLog: string[] = [];

  beforeAll(async () => {
    if (sshdError) return;
    server = new ssh2.Server(
      {
        hostKeys: Object.values(serverHostKeys).map((k) => ({
          key: marshalSshPrivateKey(k),
          certificate: cert(k, hostCA, HOST_CERT, ['127.0.0.1', 'localhost']),
        })),
      },
      (client) => {
        client.on('authentication', (ctx) => {
          if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
          try {
            const c = verifyUserCert(ctx.key, [sshPublicKeyBlob(userCA)], { principal: ctx.username });
            if (!ctx.signature) return ctx.accept(); // key query (PK_OK)
            if (!verifyUserAuthSignature(ctx, c)) throw new Error('bad signature');
            authLog.push(`accepted ${ctx.key.algo} ${ctx.hashAlgo ?? ''}`.trim());
            ctx.accept();
          } catch (err) {
            authLog.push(`rejected: ${(err as Error).message}`);
            ctx.reject(['publickey']);
          }
        });
        client.on('ready', () => {
          client.on('session', (accept) => {
            accept().on('exec', (acceptExec, _reject, info) => {
              const stream = acceptExec();
              stream.write(`${info.command === 'echo ok' ? 'ok' : 'unexpected'}\n`);
              stream.exit(0);
              stream.end();
            });
          });
        });
        client.on('error', () => {});
      },
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(() => server?.close());

  function ssh(
    kind: keyof typeof userKeys,
    certLine: string,
    extra: string[] = [],
  ): Promise<{ code: number | null; out: string; err: string }> {
    const keyFile = write(`client_${kind}`, marshalSshPrivateKey(userKeys[kind]));
    const certFile = write(`client_${kind}-cert.pub`, certLine, 0o644);
    const kh = write(
      'known_hosts',
      `@cert-authority 127.0.0.1,localhost ${marshalAuthorizedKey(hostCA).trim()}`,
    );
    const args = [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      `CertificateFile=${certFile}`,
      '-i',
      keyFile,
      '-o',
      `UserKnownHostsFile=${kh}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'CheckHostIP=no',
      '-p',
      String(port),
      ...extra,
      `${LOGIN}@127.0.0.1`,
      'echo ok',
    ];
    return new Promise((resolve) => {
      const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });
  }

  for (const kind of ['ed25519', 'ecdsa256', 'rsa'] as const) {
    it(`ssh with a ${kind} user cert verifies the host cert and runs exec`, async (ctx) => {
      if (sshdError) return ctx.skip(sshdError);
      const r = await ssh(kind, userCert(kind));
      expect(r.err).not.toMatch(/REMOTE HOST IDENTIFICATION|Host key verification failed/);
      expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: 'ok\n' });
      // ctx.key.algo is the certificate type; for RSA the hash comes from rsa-sha2-512-cert-v01.
      const want = {
        ed25519: /^accepted ssh-ed25519-cert-v01@openssh\.com$/,
        ecdsa256: /^accepted ecdsa-sha2-nistp256-cert-v01@openssh\.com$/,
        rsa: /^accepted ssh-rsa-cert-v01@openssh\.com sha512$/,
      }[kind];
      expect(authLog.at(-1)).toMatch(want);
    });
  }

  it('ssh negotiates each host certificate algorithm the Server advertises', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    for (const alg of [
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
    ]) {
      const r = await ssh('ed25519', userCert('ed25519'), ['-v', '-o', `HostKeyAlgorithms=${alg}`]);
      expect({ alg, code: r.code, out: r.out }).toEqual({ alg, code: 0, out: 'ok\n' });
      expect(r.err).toContain(`kex: host key algorithm: ${alg}`);
      expect(r.err).toMatch(/Host '127\.0\.0\.1' is known and matches the (ECDSA|RSA)-CERT host certificate/);
    }
  });

  it('refuses a user cert from another CA', async (ctx) => {
    if (sshdError) return ctx.skip(sshdError);
    const from = authLog.length;
    const r = await ssh('ed25519', userCert('ed25519', otherCA));
    expect(r.code).toBe(255);
    expect(r.err).toMatch(/Permission denied \(publickey\)/);
    // ssh(1) offers the certificate, then the plain key.
    expect(authLog.slice(from)).toContainEqual(
      expect.stringMatching(/^rejected: user certificate is signed by an untrusted CA \(ssh-ed25519 SHA256:/),
    );
    expect(authLog.slice(from).some((l) => l.startsWith('accepted'))).toBe(false);
  });
});

describe('patch-package', () => {
  it('pins ssh2 and re-applies the patch from a clean ssh2 (what npm ci does)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.dependencies.ssh2).toBe('1.17.0');
    // Applied by `prepare` (npm ci in this repository), never by an install script of the package:
    // consumers get the patched copy bundled (bundleDependencies) and have no patch-package.
    expect(pkg.scripts.prepare).toMatch(/^patch-package\b/);
    expect(pkg.scripts.postinstall).toBeUndefined();
    const patch = path.join(REPO, 'patches/ssh2+1.17.0.patch');
    expect(fs.readFileSync(patch, 'utf8')).toContain(MARKER);

    // A scratch app with a copy of the installed ssh2: un-apply, then apply as postinstall does.
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ssh2-patch-'));
    try {
      fs.writeFileSync(
        path.join(app, 'package.json'),
        JSON.stringify({ name: 'scratch', dependencies: { ssh2: '1.17.0' } }),
      );
      fs.cpSync(path.join(REPO, 'node_modules/ssh2'), path.join(app, 'node_modules/ssh2'), {
        recursive: true,
      });
      fs.cpSync(path.join(REPO, 'patches'), path.join(app, 'patches'), { recursive: true });
      const kp = path.join(app, 'node_modules/ssh2/lib/protocol/keyParser.js');
      const bin = path.join(REPO, 'node_modules/patch-package/index.js');
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [bin, ...args], { cwd: app, encoding: 'utf8' });
      expect(fs.readFileSync(kp, 'utf8')).toContain(MARKER);
      const rev = run('--reverse', '--error-on-fail');
      expect(rev.status, rev.stdout + rev.stderr).toBe(0);
      expect(fs.readFileSync(kp, 'utf8')).not.toContain(MARKER);
      const fwd = run('--error-on-fail');
      expect(fwd.status, fwd.stdout + fwd.stderr).toBe(0);
      expect(fwd.stdout).toMatch(/ssh2@1\.17\.0 ✔/);
      expect(fs.readFileSync(kp, 'utf8')).toContain(MARKER);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
