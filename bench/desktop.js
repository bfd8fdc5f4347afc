#!/usr/bin/env node
// Desktop sessions end to end on the dev cluster, against the same work done without Teleport:
//   time to screenshot: `tshjs desktop screenshot` (a process: profile, desktop certificate,
//     ProxyWindowsDesktopSession, inner TLS, TDPB, RemoteFX decode, PNG) against bench/desktop-bare.js
//     (a process: tshjs's RDP client straight to the same RDP server, same settle rule, same PNG);
//   frames per second: `tshjs desktop run` on a desktop whose xterm prints without pause, against
//     the direct RDP client on the same desktop.
// Both desktops are FreeRDP shadow servers on Xvfb (dev cluster's shadow desktop). Medians of
// BENCH_RUNS (3) runs. BENCH_SMOKE=1: one short run, checks that the bench still works.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shadowDesktopMissing, startShadowDesktop } from '../dist/devcluster/shadowdesktop.js';
import { startDevCluster } from './devcluster.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const FPS_SECONDS = SMOKE ? 1 : 5;
const IDLE_MS = 500;
const SETTLE_MS = 10_000;

const missing = shadowDesktopMissing();
if (missing) {
  process.stdout.write(`bench:desktop skipped: ${missing}\n`);
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-desktop-'));
const home = path.join(work, 'home');

function run(args, input) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, TELEPORT_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${args.slice(0, 4).join(' ')} exited ${code}: ${err.trim()}`));
      else resolve({ ms, out, err });
    });
    child.stdin.end(input ?? '');
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const isPng = (file) => fs.readFileSync(file).subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'));

const still = await startShadowDesktop();
const busy = await startShadowDesktop({
  xterm: false,
  clock: false,
  programs: [
    ['/usr/bin/xterm', '-geometry', '160x50+0+0', '-e', '/bin/sh', '-c', 'while :; do date +%T.%N; done'],
  ],
});
const cfg = path.join(work, 'cluster.yaml');
fs.writeFileSync(
  cfg,
  [
    'cluster_name: bench.localhost',
    'users: [{name: alice, password: pw, roles: [desktops]}]',
    "roles: [{name: desktops, windows_desktop_logins: [bench], windows_desktop_labels: {'*': '*'}}]",
    'desktops:',
    `  - {name: still, addr: '127.0.0.1:${still.port}', rdp_fingerprint256: '${still.fingerprint256}'}`,
    `  - {name: busy, addr: '127.0.0.1:${busy.port}', rdp_fingerprint256: '${busy.fingerprint256}'}`,
    '',
  ].join('\n'),
);
let cluster;
let ready;
let failed = false;
try {
  ({ child: cluster, ready } = await startDevCluster(cfg));
  const tshjs = (...args) => [path.join(repo, 'bin/tshjs.js'), ...args];
  await run(tshjs('login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'), 'pw\n');

  const shots = { tshjs: [], bare: [] };
  for (let i = 0; i < RUNS; i++) {
    const a = path.join(work, `tshjs-${i}.png`);
    shots.tshjs.push(
      (
        await run(
          tshjs('desktop', 'screenshot', 'still', '--login', 'bench', '-o', a, '--idle', `${IDLE_MS}ms`),
        )
      ).ms,
    );
    const b = path.join(work, `bare-${i}.png`);
    shots.bare.push(
      (await run([path.join(repo, 'bench/desktop-bare.js'), 'shot', still.port, b, IDLE_MS, SETTLE_MS])).ms,
    );
    if (!isPng(a) || !isPng(b)) throw new Error('a screenshot is not a PNG');
  }

  const fps = { tshjs: [], bare: [] };
  for (let i = 0; i < RUNS; i++) {
    const script = `wait 1s\nwait ${FPS_SECONDS}s\n`;
    const r = await run(tshjs('desktop', 'run', 'busy', '--login', 'bench', '--format', 'json', '-'), script);
    const frames = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'frames');
    if (frames.length !== 2) throw new Error(`want 2 frames events, got: ${r.out}`);
    fps.tshjs.push((frames[1].frames - frames[0].frames) / FPS_SECONDS);
    const b = await run([path.join(repo, 'bench/desktop-bare.js'), 'fps', busy.port, FPS_SECONDS]);
    fps.bare.push(Number(b.out.trim()));
  }

  const st = median(shots.tshjs);
  const sb = median(shots.bare);
  const ft = median(fps.tshjs);
  const fb = median(fps.bare);
  process.stdout.write(
    [
      `desktop (${RUNS} run${RUNS > 1 ? 's' : ''}, medians; 1024x768 FreeRDP shadow servers, RemoteFX)`,
      `  time to screenshot: tshjs desktop screenshot ${st.toFixed(0)} ms, direct RDP ${sb.toFixed(0)} ms: ${(st / sb).toFixed(2)}x`,
      `  frames per second on a constantly redrawing desktop: tshjs ${ft.toFixed(1)}, direct RDP ${fb.toFixed(1)}: ${(ft / fb).toFixed(2)}x`,
      '',
    ].join('\n'),
  );
} catch (err) {
  failed = true;
  process.stderr.write(`bench:desktop failed: ${err.message}\n`);
} finally {
  cluster?.kill();
  await still.stop();
  await busy.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
