#!/usr/bin/env node
// `tshjs ls --format names` over N synthetic nodes (default 100k) against a bare paged gRPC
// loop (bench/ls-bare.js in its own process, and the same loop warm in this process), all
// against one dev cluster in the same run. Prints time ratios (goal <= 1.5x against the bare
// loop process) and the CLI's peak RSS (goal < 150 MB).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterClient } from '../dist/client/cluster.js';
import { loadClientIdentity } from '../dist/client/identity.js';
import { listUnified } from '../dist/client/listing.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_NODES ?? 100_000);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-ls-'));
const home = path.join(work, 'home');
const cfg = path.join(work, 'cluster.yaml');
fs.writeFileSync(
  cfg,
  [
    'cluster_name: bench.localhost',
    'users: [{name: alice, password: pw, roles: [access]}]',
    "roles: [{name: access, logins: [root], node_labels: {'*': '*'}}]",
    `synthetic_nodes: ${N}`,
    '',
  ].join('\n'),
);

function run(args, input, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, TELEPORT_HOME: home, ...env } });
    child.on('spawn', () => {});
    let out = 0;
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // process gone
      }
    }, 20);
    child.stdout.on('data', (c) => (out += c.length));
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ bytes: out, peak });
    });
    child.stdin.end(input ?? '');
  });
}

const cluster = spawn(
  process.execPath,
  [path.join(repo, 'bin/tshjs-devcluster.js'), 'start', '--config', cfg, '--listen', '127.0.0.1:0'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
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
  await run(
    [path.join(repo, 'bin/tshjs.js'), 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'],
    'pw\n',
  );
  const id = loadClientIdentity({ home });

  async function baseline() {
    const cc = new ClusterClient(id);
    const t0 = performance.now();
    let count = 0;
    for await (const page of listUnified(cc, ['node'], {})) count += page.length;
    const ms = performance.now() - t0;
    cc.close();
    if (count !== N) throw new Error(`baseline saw ${count} nodes, want ${N}`);
    return ms;
  }
  async function bareProcess() {
    const t0 = performance.now();
    await run([path.join(repo, 'bench/ls-bare.js')]);
    return performance.now() - t0;
  }
  async function cli() {
    const t0 = performance.now();
    const r = await run([path.join(repo, 'bin/tshjs.js'), 'ls', '--format', 'names']);
    return { ms: performance.now() - t0, peak: r.peak, bytes: r.bytes };
  }

  await baseline(); // warm the cluster's paths
  const base = [];
  const bare = [];
  const clis = [];
  for (let i = 0; i < 3; i++) {
    base.push(await baseline());
    bare.push(await bareProcess());
    clis.push(await cli());
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const b = median(base);
  const c = median(clis.map((x) => x.ms));
  const peak = Math.max(...clis.map((x) => x.peak));
  console.log(`ls over ${N} nodes, median of 3`);
  const p = median(bare);
  // Two baselines: the loop in a fresh process (pays node startup like the CLI; the goal is
  // judged against it) and the same loop warm in this process (a floor, for reference).
  const row = (name, ms, ratio, extra = '') =>
    console.log(`${name.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x${extra}`);
  row('bare loop, fresh process', p, 1);
  row('bare loop, warm in-bench', b, b / p);
  row(
    'tshjs ls -f names',
    c,
    c / p,
    `  goal <= 1.50x ${c / p <= 1.5 ? 'met' : 'NOT met'}  (${(c / b).toFixed(2)}x the warm loop)`,
  );
  console.log(
    `${'tshjs ls peak RSS'.padEnd(26)} ${(peak / 2 ** 20).toFixed(0).padStart(6)} MB         goal < 150 MB ${peak < 150 * 2 ** 20 ? 'met' : 'NOT met'}`,
  );
} finally {
  cluster.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
