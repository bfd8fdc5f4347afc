#!/usr/bin/env node
// HTTP through `tshjs proxy app` against the same HTTP app straight:
//   direct  GETs to a small node HTTP app on loopback;
//   proxy   the same GETs to `tshjs proxy app` (plain HTTP on loopback), whose connections go over
//           TLS with the app certificate through the dev cluster's web port and app service (JWT
//           signing, X-Forwarded-* headers, audit) to the same app.
// Two loads, both over keep-alive connections: requests/s with 4 concurrent clients for SECONDS, and
// the median latency of sequential GETs. Printed as proxy/direct ratios.
// BENCH_SMOKE=1: 1 s and 50 sequential GETs. Numbers are noisy on a shared machine.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevCluster } from './devcluster.js';
import { cpuDuring, freePort, procStat } from './proc.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const SECONDS = SMOKE ? 1 : Number(process.env.BENCH_SECONDS ?? 10);
const SEQUENTIAL = SMOKE ? 50 : Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const CONCURRENCY = 4;
// No goal: the direct path is a loopback request to an idle in-process server, so the ratio mostly
// says what the proxy path (TLS to the proxy, the app service, a connection to the app) costs; the
// CPU split below says where.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-apps-'));
const home = path.join(work, 'home');
const env = { ...process.env, TELEPORT_HOME: home, HOME: home };
const tshjs = path.join(repo, 'bin/tshjs.js');
const children = [];
const pids = { cluster: 0, proxy: 0 };

/** Runs a command to its end; resolves stdout, rejects with its stderr. */
function run(cmd, args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** The app: a small body, as an API answer would be. */
function startApp() {
  const body = Buffer.from(JSON.stringify({ ok: true, items: Array.from({ length: 16 }, (_, i) => i) }));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** `tshjs proxy app web --port P`; resolves once it has printed where it listens. */
async function startProxy(port) {
  const child = spawn(process.execPath, [tshjs, 'proxy', 'app', 'web', '--port', String(port)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  pids.proxy = child.pid;
  await new Promise((resolve, reject) => {
    let out = '';
    const seen = (c) => {
      out += c;
      if (out.includes('Proxying connections to web')) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`tshjs proxy app exited ${code}: ${out.trim()}`)));
  });
}

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/items', agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

async function requestsPerSecond(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const end = performance.now() + SECONDS * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await get(agent, port);
        count++;
      }
    }),
  );
  agent.destroy();
  return count / SECONDS;
}

async function medianLatencyMs(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await get(agent, port);
    times.push(performance.now() - t0);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

let app;
try {
  app = await startApp();
  const appPort = app.address().port;
  const config = path.join(work, 'cluster.yaml');
  fs.writeFileSync(
    config,
    [
      'cluster_name: dev.localhost',
      'second_factor: "off"',
      'users: [{ name: alice, password: alice-password, roles: [apps] }]',
      "roles: [{ name: apps, app_labels: { '*': '*' } }]",
      `apps: [{ name: web, uri: 'http://127.0.0.1:${appPort}', public_addr: web.dev.localhost }]`,
      '',
    ].join('\n'),
  );
  const { child: cluster, ready } = await startDevCluster(config, { stderr: 'inherit' });
  children.push(cluster);
  pids.cluster = cluster.pid;
  await run(
    process.execPath,
    [tshjs, 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'],
    'alice-password\n',
  );
  const proxyPort = await freePort();
  await startProxy(proxyPort);

  // Warm-up: connections, JIT of the proxy and the dev cluster, the app session's first chunk.
  await medianLatencyMs(proxyPort);
  await medianLatencyMs(appPort);

  // The bench process is the HTTP client and the app; the proxy and the dev cluster are their own.
  const roles = ['bench', 'proxy', 'cluster'];
  const roleOf = (pid) => {
    for (let q = pid, i = 0; q > 1 && i < 64; i++, q = procStat(q)?.ppid ?? 0) {
      if (q === pids.cluster) return 'cluster';
      if (q === pids.proxy) return 'proxy';
    }
    return 'bench';
  };
  const measure = async (port) => {
    const own = process.cpuUsage(); // cpuDuring reads the children only
    const r = await cpuDuring(() => requestsPerSecond(port), roleOf, roles);
    const used = process.cpuUsage(own);
    r.cpu.bench += (used.user + used.system) / 1e6;
    return r;
  };
  const { result: d, cpu: dc } = await measure(appPort);
  const { result: p, cpu: pc } = await measure(proxyPort);
  const ratio = p / d;
  console.log(
    `GET x${CONCURRENCY} keep-alive: direct ${d.toFixed(0)} req/s, proxy app ${p.toFixed(0)} req/s: proxy/direct ${ratio.toFixed(2)}x`,
  );
  const us = (cpu, n) => roles.map((r) => `${r} ${((cpu[r] * 1e6) / n).toFixed(0)}`).join(', ');
  console.log(`  CPU µs per request, direct: ${us(dc, d * SECONDS)}`);
  console.log(`  CPU µs per request, proxy:  ${us(pc, p * SECONDS)}`);
  const dl = await medianLatencyMs(appPort);
  const pl = await medianLatencyMs(proxyPort);
  console.log(
    `median of ${SEQUENTIAL} sequential GETs: direct ${dl.toFixed(3)} ms, proxy app ${pl.toFixed(3)} ms: proxy/direct ${(pl / dl).toFixed(2)}x latency`,
  );
} finally {
  for (const c of children) c.kill();
  app?.close();
  fs.rmSync(work, { recursive: true, force: true });
}
