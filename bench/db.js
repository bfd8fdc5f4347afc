#!/usr/bin/env node
// PostgreSQL through tshjs's database tunnel against the same PostgreSQL straight over TLS:
//   direct  pgbench / psql to PostgreSQL 15 over TLS with a client certificate (verify-full);
//   tunnel  the same clients to `tshjs proxy db --tunnel` (plain TCP on loopback), whose one
//           connection per client goes through the dev cluster's ALPN routing and database service
//           (with its audit and recording) to the same server over TLS.
// Two loads: `pgbench -S -c 4 -j 2 -T 20` (select-only TPS, goal tunnel >= 0.7x direct) and a
// `\copy … from` of 200 MB (goal >= 0.8x). The server certificate comes from `tshjs-devcluster auth
// sign --format=db`, the direct client certificate from `openssl` with the cluster's database
// client CA, so both paths reach the server as the same user with the same TLS.
// Below a goal it prints where the CPU went (client tools, tshjs proxy, dev cluster, PostgreSQL).
// BENCH_SMOKE=1: 2 s of pgbench, 4 MB of COPY, no goals. BENCH_VERBOSE=1: CPU lines always. Without PostgreSQL it says so and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevCluster } from './devcluster.js';
import { cpuDuring, freePort, procStat } from './proc.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
// BENCH_VERBOSE=1: where the CPU went, also when a goal is met.
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const SECONDS = SMOKE ? 2 : Number(process.env.BENCH_SECONDS ?? 20);
const COPY_MB = SMOKE ? 4 : Number(process.env.BENCH_MB ?? 200);
const { localPostgresMissing, startLocalPostgres } = await import(
  path.join(repo, 'dist/devcluster/index.js')
);
const missing = localPostgresMissing();
const tools = ['psql', 'pgbench', 'openssl'].filter((t) => spawnSync('which', [t]).status !== 0);
if (missing || tools.length) {
  console.log(`bench:db skipped: ${missing ?? `${tools.join(', ')} not found`}`);
  console.log('tunnel/direct pgbench: n/a (skipped)');
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-db-'));
fs.chmodSync(work, 0o755);
const home = path.join(work, 'home');
const dataDir = path.join(work, 'data');
const env = { ...process.env, TELEPORT_HOME: home, HOME: home };
const tshjs = path.join(repo, 'bin/tshjs.js');
const children = [];
const pids = { cluster: 0, proxy: 0, postgres: 0 };

/** Runs a command to its end; resolves stdout, rejects with its stderr. */
function run(cmd, args, o = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: o.env ?? env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim()}`)),
    );
    child.stdin.end(o.input ?? '');
  });
}

/** A client certificate for `user` from the cluster's database client CA, made with openssl. */
async function clientCert(user) {
  const ca = path.join(dataDir, 'ca');
  const key = path.join(work, `${user}.key`);
  const csr = path.join(work, `${user}.csr`);
  const crt = path.join(work, `${user}.crt`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${user}`,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    path.join(ca, 'db-client-tls.crt'),
    '-CAkey',
    path.join(ca, 'db-client-tls.key'),
    '-CAcreateserial',
    '-out',
    crt,
    '-days',
    '1',
  ]);
  fs.chmodSync(key, 0o600);
  return { key, crt };
}

/** `tshjs proxy db --tunnel`; resolves once it has printed where it listens. */
async function startTunnel(port) {
  const prof = process.env.BENCH_CPU_PROF; // as the dev cluster's (bench/devcluster.js)
  const child = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []),
      tshjs,
      'proxy',
      'db',
      '--tunnel',
      '--port',
      String(port),
      '--db-user',
      'alice',
      '--db-name',
      'bench',
      'pg',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  pids.proxy = child.pid;
  await new Promise((resolve, reject) => {
    let out = '';
    const seen = (c) => {
      out += c;
      if (out.includes('Started authenticated tunnel')) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`tshjs proxy db exited ${code}: ${out.trim()}`)));
  });
}

let postgres;
try {
  // The database's address goes into the cluster's config, and the server's certificate comes from
  // the cluster's CA: the cluster starts first, on a config naming a port chosen here.
  const pgPort = await freePort();
  const config = path.join(work, 'cluster.yaml');
  fs.writeFileSync(
    config,
    [
      'cluster_name: dev.localhost',
      'second_factor: "off"',
      'users: [{ name: alice, password: alice-password, roles: [db] }]',
      "roles: [{ name: db, db_labels: { '*': '*' }, db_users: [alice], db_names: ['*'] }]",
      `databases: [{ name: pg, protocol: postgres, uri: '127.0.0.1:${pgPort}' }]`,
      '',
    ].join('\n'),
  );
  const { child: cluster, ready } = await startDevCluster(config, { stderr: 'inherit', dataDir });
  children.push(cluster);
  pids.cluster = cluster.pid;

  const prefix = path.join(work, 'server');
  await run(process.execPath, [
    path.join(repo, 'bin/tshjs-devcluster.js'),
    'auth',
    'sign',
    '--format=db',
    '--host=localhost,127.0.0.1',
    `--out=${prefix}`,
    `--data-dir=${dataDir}`,
  ]);
  postgres = await startLocalPostgres({
    port: pgPort,
    serverCertPem: fs.readFileSync(`${prefix}.crt`, 'utf8'),
    serverKeyPem: fs.readFileSync(`${prefix}.key`, 'utf8'),
    clientCaPem: fs.readFileSync(`${prefix}.cas`, 'utf8'),
    users: ['alice'],
  });
  await postgres.sql('CREATE DATABASE bench OWNER alice');
  pids.postgres = postgres.pid;
  const cert = await clientCert('alice');
  await run(process.execPath, [tshjs, 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'], {
    input: 'alice-password\n',
  });
  const tunnelPort = await freePort();
  await startTunnel(tunnelPort);

  // libpq settings of each path: the same server, database and user.
  const direct = {
    ...env,
    PGHOST: 'localhost',
    PGPORT: String(pgPort),
    PGUSER: 'alice',
    PGDATABASE: 'bench',
    PGSSLMODE: 'verify-full',
    // The server certificate is signed by the cluster's database CA.
    PGSSLROOTCERT: path.join(dataDir, 'ca', 'db-tls.crt'),
    PGSSLCERT: cert.crt,
    PGSSLKEY: cert.key,
  };
  const tunnel = {
    ...env,
    PGHOST: 'localhost',
    PGPORT: String(tunnelPort),
    PGUSER: 'alice',
    PGDATABASE: 'bench',
  };

  await run('pgbench', ['-i', '-q', '-s', SMOKE ? '1' : '10'], { env: direct });
  const rows = Math.round((COPY_MB * 2 ** 20) / 100);
  const copyFile = path.join(work, 'copy.tsv');
  {
    // 100-byte rows: an id and padding, as a bulk load of a wide table would send.
    const fd = fs.openSync(copyFile, 'w');
    const pad = 'x'.repeat(90);
    let chunk = '';
    for (let i = 0; i < rows; i++) {
      const id = String(i).padStart(8, '0');
      chunk += `${id}\t${pad}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
    fs.closeSync(fd);
  }
  await run('psql', ['-Atc', 'CREATE UNLOGGED TABLE bulk (id text, pad text)'], { env: direct });

  const roleOf = (pid) => {
    for (let p = pid, i = 0; p > 1 && i < 64; i++, p = procStat(p)?.ppid ?? 0) {
      if (p === pids.cluster) return 'cluster';
      if (p === pids.proxy) return 'proxy';
      if (p === pids.postgres) return 'postgres';
    }
    return 'client';
  };
  const roles = ['client', 'proxy', 'cluster', 'postgres'];
  // pg_ctl daemonizes the postmaster: its backends are outside this bench's process tree, so
  // cpuDuring does not see them. They are sampled here the same way (every 20 ms, each process
  // keeping its last reading), from the postmaster's children lists.
  const postgresCpuDuring = async (fn) => {
    const seen = new Map(); // pid → { base, cpu, old }
    const sample = (first) => {
      const tree = [pids.postgres];
      try {
        tree.push(
          ...fs
            .readFileSync(`/proc/${pids.postgres}/task/${pids.postgres}/children`, 'utf8')
            .split(' ')
            .filter(Boolean)
            .map(Number),
        );
      } catch {
        // no /proc: all zero
      }
      for (const pid of new Set([...tree, ...seen.keys()])) {
        const st = procStat(pid);
        if (!st) continue;
        const p = seen.get(pid);
        if (p) p.cpu = st.cpu;
        else seen.set(pid, { base: st.cpu, cpu: st.cpu, old: first });
      }
    };
    sample(true);
    const timer = setInterval(() => sample(false), 20);
    try {
      const r = await fn();
      sample(false);
      let cpu = 0;
      for (const p of seen.values()) cpu += p.cpu - (p.old ? p.base : 0);
      return { r, cpu };
    } finally {
      clearInterval(timer);
    }
  };
  const measured = async (fn) => {
    const { r, cpu: pg } = await postgresCpuDuring(() => cpuDuring(fn, roleOf, roles));
    return { result: r.result, cpu: { ...r.cpu, postgres: pg } };
  };
  const tps = async (e) => {
    const { result: out, cpu } = await measured(() =>
      run('pgbench', ['-S', '-c', '4', '-j', '2', '-T', String(SECONDS), '-n'], { env: e }),
    );
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    if (!m) throw new Error(`no tps in pgbench output: ${out}`);
    const tx = /number of transactions actually processed: (\d+)/.exec(out);
    return { value: Number(m[1]), cpu, count: tx ? Number(tx[1]) : undefined };
  };
  const copy = async (e) => {
    await run('psql', ['-Atc', 'TRUNCATE bulk'], { env: direct });
    const t0 = performance.now();
    const { cpu } = await measured(() =>
      run('psql', ['-v', 'ON_ERROR_STOP=1', '-Atc', `\\copy bulk from '${copyFile}'`], { env: e }),
    );
    const s = (performance.now() - t0) / 1000;
    return { value: COPY_MB / s, cpu };
  };

  /**
   * Where a transaction's CPU goes on each path (µs per transaction, per process), and what that
   * allows: when the machine's CPU is the limit, the tunnel can reach at most about
   * direct µs / tunnel µs of the direct rate, whatever the latency.
   */
  const explainPerTransaction = (d, t) => {
    const us = (x) => Object.fromEntries(roles.map((role) => [role, (x.cpu[role] * 1e6) / x.count]));
    const du = us(d);
    const tu = us(t);
    const sum = (o) => roles.reduce((a, r) => a + o[r], 0);
    const fmt = (o) => roles.map((r) => `${r} ${o[r].toFixed(1)}`).join(', ');
    console.log(`  CPU µs per transaction, direct: ${fmt(du)} = ${sum(du).toFixed(1)}`);
    console.log(`  CPU µs per transaction, tunnel: ${fmt(tu)} = ${sum(tu).toFixed(1)}`);
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    console.log(
      `  a tunnel transaction costs ${(sum(tu) / sum(du)).toFixed(2)}x the CPU of a direct one: were the ${cores} cores ` +
        `the only limit, tunnel/direct would be about ${(sum(du) / sum(tu)).toFixed(2)}x; the proxy and the dev cluster ` +
        `add ${(tu.proxy + tu.cluster).toFixed(1)} µs (each: TLS, one read and one write per message each way, ` +
        `four more loopback hops in all), and client and PostgreSQL pay more per transaction at the lower rate`,
    );
  };

  if (!SMOKE) await tps(tunnel); // warm-up: connections, JIT of the proxy and the dev cluster
  for (const [name, fn, unit, goal] of [
    ['pgbench -S -c 4', tps, 'TPS', 0.7],
    [`COPY ${COPY_MB} MB`, copy, 'MB/s', 0.8],
  ]) {
    const d = await fn(direct);
    const t = await fn(tunnel);
    const ratio = t.value / d.value;
    const verdict = SMOKE ? '' : `  goal >= ${goal.toFixed(2)}x ${ratio >= goal ? 'met' : 'NOT met'}`;
    console.log(
      `${name}: direct ${d.value.toFixed(1)} ${unit}, tunnel ${t.value.toFixed(1)} ${unit}: tunnel/direct ${ratio.toFixed(2)}x${verdict}`,
    );
    if (ratio < goal || SMOKE || VERBOSE) {
      const fmt = (cpu) => roles.map((r) => `${r} ${cpu[r].toFixed(2)}`).join(', ');
      console.log(`  CPU seconds, direct: ${fmt(d.cpu)}`);
      console.log(`  CPU seconds, tunnel: ${fmt(t.cpu)}`);
      if (d.count && t.count) explainPerTransaction(d, t);
    }
  }
} finally {
  for (const c of children) c.kill();
  await postgres?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
