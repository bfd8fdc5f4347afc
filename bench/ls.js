#!/usr/bin/env node
// `tshjs ls` over N synthetic nodes (default 100k) in each format — names, json, text — against a bare
// paged gRPC loop (bench/ls-bare.js in its own process; the same loop warm in this process for
// reference), all against one dev cluster in the same run. For each format it prints the median wall
// time as a ratio to the bare loop process and the peak RSS, with the goals:
//   time <= 1.1x the bare loop; peak RSS: names and json <= 80 MB (they hold no node objects), text
//   <= 100 MB (it holds one packed string per row: tsh's column widths come from every row).
// json renders some 68 MB of Go-shaped JSON straight from the pages' bytes (output/nodejson.ts) into
// 1 MB blocks that, as tsh sorts by hostname, go to a temporary file (output/spill.ts); at the end the
// nodes are read back in hostname order, runs that arrived in order as one range (the whole file
// when the cluster's order was already hostname order), each block read while the last is written.
// It also checks the output bytes: names and text against an independent rendering of tsh's rules
// (hostname order; asciitable.MakeTableWithTruncatedColumn at 80 columns, as stdin is not a terminal;
// common.FormatLabels), json by its shape and order. Output that differs fails the run (exit 1).
// BENCH_SMOKE=1: 300 nodes, one run: checks that the bench still runs and its output, no goals.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterClient } from '../dist/client/cluster.js';
import { startDevCluster } from './devcluster.js';
import { loadClientIdentity } from '../dist/client/identity.js';
import { listUnified } from '../dist/client/listing.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const N = SMOKE ? 300 : Number(process.env.BENCH_NODES ?? 100_000);
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const MB = 2 ** 20;
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

/** Runs a node script; resolves with its stdout's size, sha256, head/tail, and the peak RSS (VmHWM). */
function run(args, input) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, TELEPORT_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let peak = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    const hash = createHash('sha256');
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // process gone
      }
    }, 20);
    child.stdout.on('data', (c) => {
      bytes += c.length;
      hash.update(c);
      if (head.length < 200) head += c.toString('latin1').slice(0, 200);
      tail = Buffer.concat([tail, c]).subarray(-200);
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ ms, bytes, peak, sha: hash.digest('hex'), head, tail: tail.toString('latin1'), err });
    });
    child.stdin.end(input ?? '');
  });
}

// --- The expected bytes, rendered independently of src/ ----------------------------------------------

/** The synthetic nodes as the dev cluster makes them (src/devcluster/resources.ts Catalog). */
function node(i) {
  const n = String(i).padStart(6, '0');
  return {
    host: `node-${n}`,
    addr: `127.0.0.1:${3022 + (i % 1000)}`,
    // FormatLabels: plain keys, "k=v" sorted: env=… < shard=…
    labels: `env=${i % 2 ? 'prod' : 'dev'},shard=${i % 16}`,
  };
}

function expectedNames() {
  const h = createHash('sha256');
  const hosts = Array.from({ length: N }, (_, i) => node(i).host).sort();
  for (let i = 0; i < N; i += 10_000) h.update(`${hosts.slice(i, i + 10_000).join('\n')}\n`);
  return h.digest('hex');
}

/**
 * MakeTableWithTruncatedColumn(["Node Name", "Address", "Labels"], rows, "Labels") at width 80 over
 * ASCII cells, printed with fmt.Println (tool/tsh/common/tsh.go printNodesAsText).
 */
function expectedText() {
  const titles = ['Node Name', 'Address', 'Labels'];
  const rows = Array.from({ length: N }, (_, i) => {
    const n = node(i);
    return [n.host, n.addr, n.labels];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const width = 80;
  const maxColWidth = Math.trunc((width - 16) / (titles.length - 1));
  const longest = titles.map((t, c) => Math.max(t.length, ...rows.map((r) => r[c].length)));
  let total = 0;
  const caps = longest.map((l, c) => {
    if (c === 2) return 0;
    if (l > maxColWidth) {
      total += maxColWidth + 4;
      return maxColWidth;
    }
    total += l + 1;
    return l;
  });
  caps[2] = Math.max(width - total - 4, 0);
  const cut = (s, c) => (c > 0 && s.length > c ? `${s.slice(0, c)}...` : s);
  const dash = longest.map((l, c) => (caps[c] > 0 && l > caps[c] ? caps[c] + 3 : l));
  const w = dash.map((d) => Math.max(5, d + 1));
  const line = (cells, truncate) =>
    `${cells.map((s, c) => (truncate ? cut(s, caps[c]) : s).padEnd(w[c])).join('')}\n`;
  const h = createHash('sha256');
  h.update(
    line(titles, false) +
      line(
        dash.map((d) => '-'.repeat(d)),
        false,
      ),
  );
  for (let i = 0; i < N; i += 10_000)
    h.update(
      rows
        .slice(i, i + 10_000)
        .map((r) => line(r, true))
        .join(''),
    );
  h.update('\n');
  return h.digest('hex');
}

// --- Run -------------------------------------------------------------------------------------------

const { child: cluster, ready } = await startDevCluster(cfg, { stderr: 'inherit' });

try {
  await run(
    [path.join(repo, 'bin/tshjs.js'), 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'],
    'pw\n',
  );
  const id = loadClientIdentity({ home });

  async function warmLoop() {
    const cc = new ClusterClient(id);
    const t0 = performance.now();
    let count = 0;
    for await (const page of listUnified(cc, ['node'], {})) count += page.length;
    const ms = performance.now() - t0;
    cc.close();
    if (count !== N) throw new Error(`warm loop saw ${count} nodes, want ${N}`);
    return ms;
  }
  const cli = (format) => run([path.join(repo, 'bin/tshjs.js'), 'ls', '--format', format]);

  await warmLoop(); // warm the cluster's paths
  const formats = ['names', 'json', 'text'];
  const samples = { warm: [], bare: [], names: [], json: [], text: [] };
  for (let i = 0; i < RUNS; i++) {
    samples.warm.push({ ms: await warmLoop(), peak: 0 });
    samples.bare.push(await run([path.join(repo, 'bench/ls-bare.js')]));
    for (const f of formats) samples[f].push(await cli(f));
  }

  // Output checks (the last run of each format).
  const last = (f) => samples[f].at(-1);
  const checks = {
    names: last('names').sha === expectedNames(),
    text: last('text').sha === expectedText(),
    json:
      last('json').head.startsWith('[\n  {\n    "kind": "node",\n    "sub_kind": "teleport",\n') &&
      last('json').tail.endsWith('\n  }\n]\n') &&
      last('json').err === '',
  };

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = (k) => median(samples[k].map((x) => x.ms));
  const peak = (k) => Math.max(...samples[k].map((x) => x.peak));
  const bare = ms('bare');
  console.log(`ls over ${N} nodes, median of ${RUNS}; ratios against the bare loop in its own process`);
  const row = (name, t, rss, extra = '') =>
    console.log(
      `${name.padEnd(24)} ${t.toFixed(0).padStart(6)} ms ${(t / bare).toFixed(2).padStart(5)}x` +
        `${rss ? `  peak RSS ${(rss / MB).toFixed(0).padStart(4)} MB` : ''}${extra}`,
    );
  row('bare loop, own process', bare, peak('bare'));
  row('bare loop, warm in-bench', ms('warm'), 0);
  const goals = { names: 80, json: 80, text: 100 };
  let ok = true;
  for (const f of formats) {
    const t = ms(f);
    const r = peak(f);
    const timeOk = t / bare <= 1.1;
    const rssOk = r <= goals[f] * MB;
    ok &&= timeOk && rssOk && checks[f];
    row(
      `tshjs ls -f ${f}`,
      t,
      r,
      `  time <= 1.10x ${timeOk ? 'met' : 'NOT met'}, RSS <= ${goals[f]} MB ${rssOk ? 'met' : 'NOT met'}, ` +
        `output ${checks[f] ? 'as expected' : 'DIFFERS'} (${(last(f).bytes / MB).toFixed(1)} MB)`,
    );
  }
  if (!SMOKE) console.log(ok ? 'all goals met' : 'some goals NOT met');
  if (!formats.every((f) => checks[f])) {
    console.log('output DIFFERS from the expected bytes');
    process.exitCode = 1;
  }
} finally {
  cluster.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
