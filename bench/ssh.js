#!/usr/bin/env node
// Bulk SSH throughput through the dev cluster's relay: `head -c 256M /dev/zero` on a node, read by
//   direct   OpenSSH `ssh` straight to the node's sshd, no cluster in the path;
//   relayed  OpenSSH `ssh` with ProxyCommand `tshjs proxy ssh` (from `tshjs config`), through the
//            dev cluster's TransportService.ProxySSH to the same sshd;
//   tshjs    `tshjs ssh` through the same ProxySSH path to the same sshd;
// and, for information, `tshjs ssh` to an in-process dev cluster node (its SSH server and session
// recorder share the dev cluster's thread with the relay).
//
// Why the node is a real OpenSSH sshd (an agentless node trusting the cluster's user CA, as
// test/e2e/ssh-node and openssh tests use): the relay is then the only difference between the
// direct and the relayed runs. An in-process node would put its own JavaScript SSH server and the
// recorder on the dev cluster's event loop, so "direct" would measure the node and the relay would
// compete with the node for one thread. Without sshd installed, the in-process node's port is used
// for "direct" instead (said in the output).
//
// Prints MB/s (median of 3 runs), relayed/direct (goal >= 0.5x) and tshjs/OpenSSH over the same
// relayed path (goal >= 0.9x). BENCH_MB sets the size. BENCH_SMOKE=1 runs 2 MB once on each path
// but the in-process one, checks no goal and exits 0 (the ratio lines are still printed).
// BENCH_CPU_PROF=DIR runs the dev cluster under `node --cpu-prof` and writes its profile to DIR.
// Each path's CPU seconds (medians) are printed too: on a loaded machine wall time varies from run
// to run, CPU time much less. "client" is ssh and its ProxyCommand, or tshjs ssh; "cluster" the dev
// cluster; "node" sshd with its session processes (the in-process node's share is the cluster's).
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuDuring, freePort, procStat } from './proc.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const MB = SMOKE ? 2 : Number(process.env.BENCH_MB ?? 256);
const RUNS = SMOKE ? 1 : 3;
const CLUSTER = 'dev.localhost';
const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => fs.existsSync(p));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-ssh-'));
const home = path.join(work, 'home');
const dataDir = path.join(work, 'data');
const env = { ...process.env, TELEPORT_HOME: home, HOME: home };
const login = os.userInfo().username;
const children = [];
let clusterPid;
let sshdPid;

/** Runs a command; resolves the bytes it wrote to stdout (counted, not kept). */
function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (c) => (bytes += c.length));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** An sshd on 127.0.0.1:port with a host cert from the cluster's host CA, trusting its user CA. */
async function startSshd(port) {
  const { loadOrCreateAuthority } = await import(path.join(repo, 'dist/devcluster/authority.js'));
  const { marshalCertificateLine, signSshCertificate } = await import(
    path.join(repo, 'dist/auth/ssh/cert.js')
  );
  const { marshalAuthorizedKey, marshalSshPrivateKey } = await import(
    path.join(repo, 'dist/auth/ssh/keys.js')
  );
  const authority = await loadOrCreateAuthority(dataDir, CLUSTER, 'balanced-v1');
  const dir = path.join(work, 'sshd');
  fs.mkdirSync(dir);
  const { privateKey } = generateKeyPairSync('ed25519');
  const hostKey = path.join(dir, 'host_key');
  fs.writeFileSync(hostKey, marshalSshPrivateKey(privateKey), { mode: 0o600 });
  const cert = signSshCertificate({
    publicKey: privateKey,
    caKey: authority.hostSSH,
    certType: 2,
    serial: 0n,
    keyId: `node-s.${CLUSTER}`,
    principals: ['node-s', `node-s.${CLUSTER}`, '127.0.0.1', 'localhost'],
    validAfter: new Date(Date.now() - 60_000),
    validBefore: new Date(Date.now() + 3600_000),
    extensions: { 'x-teleport-authority': CLUSTER, 'x-teleport-role': 'Node' },
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
      '',
    ].join('\n'),
  );
  // Its stderr would only show the readiness probe below (a connection closed before the key exchange).
  const child = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: 'ignore' });
  children.push(child);
  sshdPid = child.pid;
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s.destroy() || true));
      s.on('error', () => resolve(false));
    });
    if (up) return;
    if (i > 200 || child.exitCode !== null) throw new Error('sshd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startCluster(sshdPort) {
  const config = path.join(work, 'cluster.yaml');
  fs.writeFileSync(
    config,
    [
      `cluster_name: ${CLUSTER}`,
      'second_factor: "off"',
      'users: [{ name: alice, password: alice-password, roles: [access] }]',
      `roles: [{ name: access, logins: [root, ${login}], node_labels: { '*': '*' } }]`,
      'nodes:',
      '  - { name: node-1 }',
      ...(sshdPort ? [`  - { name: node-s, addr: '127.0.0.1:${sshdPort}' }`] : []),
      '',
    ].join('\n'),
  );
  const prof = process.env.BENCH_CPU_PROF;
  const cluster = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []),
      path.join(repo, 'bin/tshjs-devcluster.js'),
      'start',
      '--config',
      config,
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  children.push(cluster);
  clusterPid = cluster.pid;
  return new Promise((resolve, reject) => {
    let buf = '';
    cluster.stdout.on('data', (c) => {
      buf += c;
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
    });
    cluster.on('exit', (code) => reject(new Error(`dev cluster exited ${code}`)));
  });
}

try {
  const sshdPort = SSHD ? await freePort() : 0;
  if (SSHD) await startSshd(sshdPort);
  const ready = await startCluster(sshdPort);
  const tshjs = [path.join(repo, 'bin/tshjs.js')];
  await run(
    process.execPath,
    [...tshjs, 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'],
    'alice-password\n',
  );
  const cfg = path.join(work, 'ssh_config');
  let config = '';
  const c = spawn(process.execPath, [...tshjs, 'config'], { env });
  c.stdout.on('data', (d) => (config += d));
  await new Promise((r) => c.on('close', r));
  fs.writeFileSync(cfg, config);
  // The node for direct vs relayed: sshd, else the in-process node's own port (from tshjs ls -v).
  let node = 'node-s';
  let directPort = sshdPort;
  if (!SSHD) {
    node = 'node-1';
    let ls = '';
    const l = spawn(process.execPath, [...tshjs, 'ls', '--format', 'json'], { env });
    l.stdout.on('data', (d) => (ls += d));
    await new Promise((r) => l.on('close', r));
    directPort = Number(
      JSON.parse(ls)
        .find((n) => n.spec.hostname === 'node-1')
        .spec.addr.split(':')[1],
    );
  }
  const cmd = `head -c ${MB * 2 ** 20} /dev/zero`;
  const cpu = { client: {}, cluster: {}, node: {} };
  // The dev cluster is itself; sshd and what it forks are the node; everything else the client.
  const roleOf = (pid) => {
    for (let p = pid, i = 0; p > 1 && i < 64; i++, p = procStat(p)?.ppid ?? 0) {
      if (p === clusterPid) return 'cluster';
      if (p === sshdPid) return 'node';
    }
    return 'client';
  };
  let current = '';
  const timed = async (fn) => {
    const t0 = performance.now();
    const { result: bytes, cpu: used } = await cpuDuring(fn, roleOf);
    const ms = performance.now() - t0;
    if (bytes !== MB * 2 ** 20) throw new Error(`got ${bytes} bytes`);
    for (const k of Object.keys(cpu)) (cpu[k][current] ??= []).push(used[k]);
    return ms;
  };
  const ssh = (...args) => run('ssh', ['-F', cfg, '-o', 'BatchMode=yes', ...args, cmd]);
  const paths = {
    direct: () => timed(() => ssh('-p', String(directPort), `${login}@127.0.0.1`)),
    relayed: () => timed(() => ssh(`${login}@${node}.${CLUSTER}`)),
    tshjs: () => timed(() => run(process.execPath, [...tshjs, 'ssh', `${login}@${node}`, cmd])),
    inproc: () => timed(() => run(process.execPath, [...tshjs, 'ssh', `${login}@node-1`, cmd])),
  };
  if (SMOKE) delete paths.inproc; // information only: the smoke run stays short
  if (!SMOKE) await paths.tshjs(); // warm-up (page cache, JIT of the dev cluster)
  const times = { direct: [], relayed: [], tshjs: [], inproc: [] };
  for (const k of Object.keys(cpu)) cpu[k] = {}; // not the warm-up
  for (let i = 0; i < RUNS; i++)
    for (const [k, fn] of Object.entries(paths)) {
      current = k;
      times[k].push(await fn());
    }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const mbps = (k) => MB / (median(times[k]) / 1000);
  const cpuOf = (k) =>
    Object.keys(cpu)
      .map((w) => `${w} ${median(cpu[w][k]).toFixed(2)}`)
      .join(', ');
  const fmt = (k) =>
    `${mbps(k)
      .toFixed(mbps(k) < 10 ? 1 : 0)
      .padStart(5)} MB/s   cpu s: ${cpuOf(k)}`;
  const goal = (ratio, want) =>
    SMOKE ? '' : `  goal >= ${want.toFixed(2)}x ${ratio >= want ? 'met' : 'NOT met'}`;
  const relayedRatio = mbps('relayed') / mbps('direct');
  const tshjsRatio = mbps('tshjs') / mbps('relayed');
  const nodeKind = SSHD ? 'OpenSSH sshd' : 'in-process node (no sshd installed)';
  console.log(
    `ssh bulk read of ${MB} MB, ${RUNS === 1 ? 'one run' : `median of ${RUNS}`}, node: ${nodeKind}`,
  );
  console.log(`direct   OpenSSH ssh straight to the node            ${fmt('direct')}`);
  console.log(`relayed  OpenSSH ssh via tshjs proxy ssh (ProxySSH)   ${fmt('relayed')}`);
  console.log(`tshjs    tshjs ssh (ProxySSH)                         ${fmt('tshjs')}`);
  if (!SMOKE) console.log(`info     tshjs ssh to an in-process node (recorded)   ${fmt('inproc')}`);
  console.log(`relayed/direct  ${relayedRatio.toFixed(2)}x${goal(relayedRatio, 0.5)}`);
  console.log(`tshjs/OpenSSH   ${tshjsRatio.toFixed(2)}x${goal(tshjsRatio, 0.9)}`);
} finally {
  // The dev cluster writes its CPU profile as it exits: wait for the exits (a few seconds at most).
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      return Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }),
  );
  fs.rmSync(work, { recursive: true, force: true });
}
