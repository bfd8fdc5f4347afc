#!/usr/bin/env node
// Startup cost: wall time of `tshjs version` and `tshjs status` against a bare `node -e 0`,
// measured in the same run, interleaved, median of N. Prints ratios; goals 1.3x and 1.6x.
// BENCH_SMOKE=1: 2 runs, to check that the bench still runs (no goals).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevCluster } from '../dist/devcluster/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin/tshjs.js');
const SMOKE = process.env.BENCH_SMOKE === '1';
const N = SMOKE ? 2 : Number(process.env.BENCH_N ?? 25);

const emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-empty-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-home-'));
const cluster = await DevCluster.start({ listen: '127.0.0.1:0' });
// Async spawn: the in-process cluster must keep serving while the login runs.
const login = spawn(
  process.execPath,
  [bin, 'login', `--proxy=${cluster.proxyAddr}`, '--user=alice', '--insecure'],
  {
    env: { ...process.env, TELEPORT_HOME: home },
    stdio: ['pipe', 'ignore', 'inherit'],
  },
);
login.stdin.end('alice-password\n');
const loginCode = await new Promise((r) => login.on('close', r));
await cluster.stop();
if (loginCode !== 0) throw new Error(`login failed with exit code ${loginCode}`);

function time(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return ms;
}

const cases = {
  'node -e 0': () => time(['-e', '0'], {}),
  'tshjs version': () => time([bin, 'version'], { TELEPORT_HOME: emptyHome }),
  'tshjs status': () => time([bin, 'status'], { TELEPORT_HOME: home }),
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const f of Object.values(cases)) f(); // warm the file cache
for (let i = 0; i < N; i++) for (const [k, f] of Object.entries(cases)) samples[k].push(f());

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(samples['node -e 0']);
const goals = { 'tshjs version': 1.3, 'tshjs status': 1.6 };
console.log(`startup, median of ${N} runs`);
for (const k of Object.keys(cases)) {
  const m = median(samples[k]);
  const ratio = m / base;
  const goal =
    goals[k] && !SMOKE ? `  goal <= ${goals[k].toFixed(1)}x ${ratio <= goals[k] ? 'met' : 'NOT met'}` : '';
  console.log(`${k.padEnd(15)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${goal}`);
}
fs.rmSync(home, { recursive: true, force: true });
fs.rmSync(emptyHome, { recursive: true, force: true });
