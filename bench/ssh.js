#!/usr/bin/env node
// Bulk SSH throughput: `head -c 256M /dev/zero` on a dev cluster node, read by `tshjs ssh`
// and by OpenSSH `ssh` (ProxyCommand = tshjs proxy ssh, from `tshjs config`) over the same
// ProxySSH path, in one run. Prints MB/s and the ratio tshjs/OpenSSH (goal >= 0.8x).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MB = Number(process.env.BENCH_MB ?? 256);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-ssh-'));
const home = path.join(work, 'home');
const env = { ...process.env, TELEPORT_HOME: home, HOME: home };

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

const cluster = spawn(
  process.execPath,
  [path.join(repo, 'bin/tshjs-devcluster.js'), 'start', '--listen', '127.0.0.1:0'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  },
);
const ready = await new Promise((resolve, reject) => {
  let buf = '';
  cluster.stdout.on('data', (c) => {
    buf += c;
    if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
  });
  cluster.on('exit', (code) => reject(new Error(`dev cluster exited ${code}`)));
});

try {
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
  const cmd = `head -c ${MB}M /dev/zero`;
  const timed = async (fn) => {
    const t0 = performance.now();
    const bytes = await fn();
    if (bytes !== MB * 2 ** 20) throw new Error(`got ${bytes} bytes`);
    return performance.now() - t0;
  };
  const ours = () => timed(() => run(process.execPath, [...tshjs, 'ssh', 'root@node-1', cmd]));
  const openssh = () =>
    timed(() => run('ssh', ['-F', cfg, '-o', 'BatchMode=yes', 'root@node-1.dev.localhost', cmd]));
  await ours();
  await openssh();
  const a = [];
  const b = [];
  for (let i = 0; i < 3; i++) {
    a.push(await ours());
    b.push(await openssh());
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[1];
  const mbps = (ms) => (MB / (ms / 1000)).toFixed(0);
  const ratio = median(b) / median(a);
  console.log(`ssh bulk read of ${MB} MB over ProxySSH, median of 3`);
  console.log(`OpenSSH ssh (ProxyCommand tshjs proxy ssh) ${mbps(median(b)).padStart(5)} MB/s  1.00x`);
  console.log(
    `tshjs ssh                                  ${mbps(median(a)).padStart(5)} MB/s  ${ratio.toFixed(2)}x  goal >= 0.80x ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
  );
} finally {
  cluster.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
