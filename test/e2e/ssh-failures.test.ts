// Failure paths of tshjs ssh/scp as real processes: each must end promptly with exit code 1 and one
// line on stderr (no stack trace), and close what it opened, or the process would never exit. The
// kill timer is a hang detector, not a timing assertion. Also: a forwarded agent (-A) fed bytes it
// cannot frame closes that agent channel only, and the profile's ssh_dial_timeout bounds the
// handshake with a node that never answers.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshReader, SshWriter } from '../../src/auth/ssh/wire.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { REPO, TSHJS_BIN, loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { SSHD, freePort, startSshd, type Sshd } from '../helpers/sshd.js';

const WEB_ID = '33333333-3333-4333-8333-333333333333';
/** Longer than any of these commands takes; a process still running then is hung. */
const HANG_MS = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  hung: boolean;
}

/** The built CLI as a child process, killed if it has not exited after HANG_MS. */
function cli(args: string[], home: string): Promise<Run> {
  if (!fs.existsSync(path.join(REPO, 'dist/bin/tshjs.js')))
    throw new Error('dist/ is missing: run "npm run build" (npm test does)');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSHJS_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
    child.stdin.end();
  });
}

/** Exit code 1 and exactly one "ERROR: …" line matching `line`, no stack, no hang. */
function expectOneLineFailure(r: Run, line: RegExp): void {
  expect(r.hung, `still running after ${HANG_MS} ms; stderr: ${r.stderr}`).toBe(false);
  expect(r.stderr).toMatch(/^ERROR: [^\n]+\n$/);
  expect(r.stderr).toMatch(line);
  expect(r.code).toBe(1);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A copy of the identity file with its SSH certificate line replaced. */
function withCertLine(src: string, dest: string, line: string): string {
  const text = fs.readFileSync(src, 'utf8');
  fs.writeFileSync(dest, text.replace(/^\S+-cert-v01@openssh\.com \S+.*$/m, line), { mode: 0o600 });
  return dest;
}

describe('ssh and scp failures end the process with one line', () => {
  let cluster: DevCluster;
  let sshd: Sshd | undefined;
  let silent: net.Server;
  const held: net.Socket[] = [];
  let home: string;
  let identity: string;
  let certLine: string;
  let dir: string;

  beforeAll(async () => {
    // A "node" that accepts the proxy's dial and never says a word.
    silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const webPort = await freePort();
    cluster = await startCluster({
      nodes: [
        { name: 'dev-1', labels: { env: 'dev' } },
        { name: 'web-1', id: WEB_ID, addr: `127.0.0.1:${webPort}` },
        { name: 'silent', addr: `127.0.0.1:${silentPort}` },
      ],
    });
    if (SSHD) sshd = await startSshd(cluster.authority, 'web-1', webPort, WEB_ID);
    home = tempHome();
    dir = tempHome('tshjs-sshfail-');
    identity = path.join(dir, 'identity.pem');
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    const out = await tshjs([...loginArgs(cluster, 'alice'), '-o', identity], {
      home: tempHome(),
      stdin: 'alice-pw\n',
    });
    expect(out.code, out.stderr).toBe(0);
    certLine = /^\S+-cert-v01@openssh\.com \S+/m.exec(fs.readFileSync(identity, 'utf8'))![0];
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    silent?.close();
    await sshd?.stop();
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The profile's SSH certificate file (src/auth/keypaths.ts sshCert). */
  const certFile = () => path.join(home, 'keys', '127.0.0.1', 'alice-ssh', 'test.localhost-cert.pub');

  it('a corrupt certificate in the profile: ssh and scp name the file and exit', async () => {
    const file = certFile();
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, 'ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAgarbage\n');
    try {
      const line = new RegExp(`SSH certificate.* ${escape(file)} `);
      expectOneLineFailure(await cli(['ssh', 'root@dev-1', 'true'], home), line);
      expectOneLineFailure(await cli(['scp', 'root@dev-1:/etc/hostname', path.join(dir, 'x')], home), line);
    } finally {
      fs.writeFileSync(file, good);
    }
    // The restored file works again: the failures above were about the certificate only.
    const ok = await cli(['ssh', 'root@dev-1', 'echo ok'], home);
    expect([ok.code, ok.stdout]).toEqual([0, 'ok\n']);
  });

  it('-i with a truncated certificate, or one for another key: ssh and scp name the identity file', async () => {
    const proxy = [`--proxy=${cluster.proxyAddr}`, '--insecure'];
    const truncated = withCertLine(identity, path.join(dir, 'truncated.pem'), certLine.slice(0, 60));
    const line = (f: string) =>
      new RegExp(`^ERROR: SSH certificate in identity file ${escape(f)} is unusable \\(.+\\)\\n$`);
    expectOneLineFailure(
      await cli(['-i', truncated, ...proxy, 'ssh', 'root@dev-1', 'true'], home),
      line(truncated),
    );
    expectOneLineFailure(
      await cli(
        ['-i', truncated, ...proxy, 'scp', path.join(dir, 'identity.pem'), 'root@dev-1:/tmp/x'],
        home,
      ),
      line(truncated),
    );
    const profileCert = fs.readFileSync(certFile(), 'utf8').trim();
    const other = withCertLine(identity, path.join(dir, 'other.pem'), profileCert);
    const r = await cli(['-i', other, ...proxy, 'ssh', 'root@dev-1', 'true'], home);
    expectOneLineFailure(r, /does not match the private key/);
    expect(r.stderr).toMatch(line(other));
  });

  it('-i with an EC certificate key off its curve: a typed error naming the file and the curve', async () => {
    const [type, b64] = certLine.split(' ');
    const blob = Buffer.from(b64, 'base64');
    const r = new SshReader(blob);
    r.string(); // certificate type
    r.string(); // nonce
    const curve = r.stringUtf8();
    const at = blob.length - r.remaining();
    const q = r.string();
    const size = (q.length - 1) / 2;
    const one = Buffer.alloc(size);
    one[size - 1] = 1;
    const bad = Buffer.concat([
      blob.subarray(0, at),
      new SshWriter().string(Buffer.concat([Buffer.from([4]), one, one])).toBuffer(),
      blob.subarray(blob.length - r.remaining()),
    ]);
    const file = withCertLine(identity, path.join(dir, 'offcurve.pem'), `${type} ${bad.toString('base64')}`);
    const run = await cli(
      ['-i', file, `--proxy=${cluster.proxyAddr}`, '--insecure', 'ssh', 'root@dev-1', 'true'],
      home,
    );
    expectOneLineFailure(
      run,
      new RegExp(`identity file ${escape(file)} .*the public point is not on the ${curve} curve`),
    );
    expect(run.stderr).not.toMatch(/Invalid JWK/);
  });

  it('ssh_dial_timeout bounds the handshake with a node that never answers', async () => {
    const slow = tempHome();
    try {
      fs.cpSync(home, slow, { recursive: true });
      const profile = path.join(slow, '127.0.0.1.yaml');
      const yaml = fs.readFileSync(profile, 'utf8');
      expect(yaml).toMatch(/^ssh_dial_timeout: /m);
      fs.writeFileSync(profile, yaml.replace(/^ssh_dial_timeout: .*$/m, 'ssh_dial_timeout: 2s'));
      expectOneLineFailure(
        await cli(['ssh', 'root@silent', 'true'], slow),
        /^ERROR: failed to connect to "silent:0@default@test\.localhost": ssh: handshake failed: no answer within 2s \(ssh_dial_timeout\)\n$/,
      );
    } finally {
      fs.rmSync(slow, { recursive: true, force: true });
    }
  });

  it.skipIf(!SSHD)(
    '-A: agent messages of length 0 or over the limit close that agent channel only',
    async () => {
      // Each connection to the forwarded agent sends one bad length prefix and reports when the
      // agent side closes; ssh-add afterwards shows the agent (and the session) still serve.
      const probe = (hex: string) =>
        `const s=require("net").connect(process.env.SSH_AUTH_SOCK);` +
        `s.on("connect",()=>s.write(Buffer.from("${hex}","hex")));` +
        `s.on("data",()=>console.log("answer"));s.on("close",()=>console.log("closed ${hex}"))`;
      const cmd =
        `${process.execPath} -e '${probe('00000000')}' && ` +
        `${process.execPath} -e '${probe('0004000100')}' && ssh-add -L | cut -d" " -f1`;
      const r = await cli(['ssh', '-A', 'root@web-1', cmd], home);
      expect(r.hung).toBe(false);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(
        'closed 00000000\nclosed 0004000100\nssh-ed25519-cert-v01@openssh.com\nssh-ed25519\n',
      );
      expect(r.code).toBe(0);
      // What happened is logged at debug level only.
      const debug = await cli(['-d', 'ssh', '-A', 'root@web-1', cmd], home);
      expect(debug.code).toBe(0);
      expect(debug.stderr).toContain('closing the forwarded agent channel');
      expect(debug.stderr).toContain('agent: request size is 0');
      expect(debug.stderr).toContain('agent: request too large: 262145');
    },
  );
});
