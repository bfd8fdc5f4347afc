#!/usr/bin/env node
// ListUnifiedResources latency through the daemon against the client core's own call: the same
// page (kind node, 50 per page, sorted by kind) asked of the dev cluster (its own process, with
// synthetic nodes) by `tshjs daemon start` (its own process) over gRPC on its unix socket, as
// Teleport Connect asks it, and by this process through the client core the CLI uses
// (src/client/listing.ts listUnified, first page). Both warm (connections open, certificates
// loaded) before timing; the two kinds of call alternate so that load on the machine hits both
// alike. Prints the medians of 50 (BENCH_N) each and their ratio (daemon / core): what the daemon
// adds on top of the cluster call is one more gRPC hop and the mapping to Connect's messages.
// Numbers are noisy on a loaded machine. BENCH_SMOKE=1: 3 samples each, a small cluster.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { TeleportClient } from '../dist/client/teleport.js';
import { listUnified } from '../dist/client/listing.js';
import { TerminalServiceClient } from '../dist/gen/teleport/lib/teleterm/v1/service.js';
import { startDevCluster } from './devcluster.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin/tshjs.js');
const SMOKE = process.env.BENCH_SMOKE === '1';
const N = SMOKE ? 3 : Number(process.env.BENCH_N ?? 50);
const NODES = SMOKE ? 120 : Number(process.env.BENCH_NODES ?? 2000);
const WARMUP = SMOKE ? 1 : 5;
const PAGE = 50;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-daemon-'));
const home = path.join(work, 'home');
const sockDir = path.join(work, 'daemon');
const cfg = path.join(work, 'cluster.yaml');
fs.writeFileSync(
  cfg,
  [
    'cluster_name: bench.localhost',
    'second_factor: "off"',
    'users: [{name: alice, password: pw, roles: [access]}]',
    "roles: [{name: access, logins: [root], node_labels: {'*': '*'}}]",
    `synthetic_nodes: ${NODES}`,
    '',
  ].join('\n'),
);

/** Runs tshjs to completion; rejects with its output when it fails. */
function tshjs(args, stdin = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: work, TELEPORT_HOME: home },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.stdin.end(stdin);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`tshjs ${args.join(' ')}: ${out}`)),
    );
  });
}

/** `tshjs daemon start` on a unix socket; resolves once it printed its port line. */
function startDaemon(addr) {
  const child = spawn(
    process.execPath,
    [bin, '--insecure', 'daemon', 'start', `--addr=${addr}`, `--certs-dir=${sockDir}`],
    {
      env: { PATH: process.env.PATH ?? '', HOME: work, TELEPORT_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('CONNECT_GRPC_PORT')) resolve();
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${out}`)));
  });
  return { child, ready };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let cluster;
let daemon;
let client;
let tc;
const daemonMs = [];
const coreMs = [];
try {
  cluster = await startDevCluster(cfg);
  const { proxy } = cluster.ready;
  fs.mkdirSync(home);
  await tshjs(['login', `--proxy=${proxy}`, '--user=alice', '--insecure'], 'pw\n');
  const clusterUri = `/clusters/${proxy.slice(0, proxy.lastIndexOf(':'))}`;

  const addr = `unix://${path.join(sockDir, 'tshd.sock')}`;
  daemon = startDaemon(addr);
  await daemon.ready;
  client = new TerminalServiceClient(addr, credentials.createInsecure());
  const request = {
    clusterUri,
    kinds: ['node'],
    limit: PAGE,
    startKey: '',
    query: '',
    search: '',
    sortBy: { isDesc: false, field: 'kind' },
    searchAsRoles: false,
    pinnedOnly: false,
    includeRequestable: false,
  };
  const viaDaemon = () =>
    new Promise((resolve, reject) =>
      client.listUnifiedResources(request, (err, res) => (err ? reject(err) : resolve(res.resources.length))),
    );

  tc = new TeleportClient({ home, insecure: true });
  const cc = await tc.cluster();
  const viaCore = async () => {
    // The same cluster call the daemon makes (Connect shows each node's logins).
    const pages = listUnified(cc, ['node'], { includeLogins: true }, PAGE);
    const first = await pages.next();
    await pages.return(undefined);
    return first.value.length;
  };

  for (let i = 0; i < WARMUP; i++) {
    const [a, b] = [await viaDaemon(), await viaCore()];
    if (a !== PAGE || b !== PAGE) throw new Error(`expected pages of ${PAGE}, got daemon ${a}, core ${b}`);
  }
  const time = async (fn, into) => {
    const t0 = performance.now();
    await fn();
    into.push(performance.now() - t0);
  };
  for (let i = 0; i < N; i++) {
    // Alternate which goes first, so neither always follows the other's garbage.
    if (i % 2) {
      await time(viaDaemon, daemonMs);
      await time(viaCore, coreMs);
    } else {
      await time(viaCore, coreMs);
      await time(viaDaemon, daemonMs);
    }
  }
} finally {
  client?.close();
  tc?.close();
  if (daemon) {
    daemon.child.kill('SIGTERM');
    await new Promise((r) => (daemon.child.exitCode !== null ? r() : daemon.child.once('exit', r)));
  }
  cluster?.child.kill();
  fs.rmSync(work, { recursive: true, force: true });
}

const d = median(daemonMs);
const c = median(coreMs);
console.log(
  `ListUnifiedResources, one page of ${PAGE} of ${NODES} nodes, median of ${N} each (noisy on a loaded machine):`,
);
console.log(`  through the daemon (gRPC over its unix socket): ${d.toFixed(2)} ms`);
console.log(`  the client core's own call:                     ${c.toFixed(2)} ms`);
console.log(`  daemon / core: ${(d / c).toFixed(2)}x`);
