#!/usr/bin/env node
// RemoteFX decode of full 1920x1080 frames: tshjs's decoder (dist/rdp) against FreeRDP 2's C decoder
// (rfx_process_message) on the same messages, which FreeRDP's encoder makes at the start of the run
// (test/vectors/rdp/gen.c, compiled here with gcc). Two workloads: a quiet desktop (flat background,
// windows, lines of text) and a busy picture (noise, gradients, many edges). Times are CPU time per
// frame, one thread each (FreeRDP's tile thread pool turned off), the best of RUNS alternating runs,
// so a shared machine disturbs the ratio less; the goal is <= 3x on each workload.
// BENCH_SMOKE=1: one 256x256 frame, one iteration: checks that the bench still runs, no goals.
// Needs gcc and FreeRDP's codec library (apt-get install -y gcc pkg-config freerdp2-dev libwinpr2-dev).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Framebuffer } from '../dist/rdp/framebuffer.js';
import { RfxDecoder } from '../dist/rdp/rfx/message.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const WIDTH = SMOKE ? 256 : 1920;
const HEIGHT = SMOKE ? 256 : 1080;
const FRAMES = SMOKE ? 1 : Number(process.env.BENCH_FRAMES ?? 6);
const ITER = SMOKE ? 1 : Number(process.env.BENCH_ITER ?? 2);
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const INSTALL = 'apt-get install -y gcc pkg-config freerdp2-dev libwinpr2-dev';

const have = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
if (!have('gcc', ['--version']) || !have('pkg-config', ['--exists', 'freerdp2', 'winpr2'])) {
  console.log(`bench:rfx needs gcc and FreeRDP's codec library to compare with: ${INSTALL}`);
  console.log('RemoteFX decode: not measured (0.00x)');
  process.exit(SMOKE ? 0 : 1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-rfx-'));
const gen = path.join(work, 'gen');
try {
  const cc = spawnSync(
    'sh',
    [
      '-c',
      `gcc -O2 -o "${gen}" "${path.join(repo, 'test/vectors/rdp/gen.c')}" $(pkg-config --cflags --libs freerdp2 winpr2) -lm`,
    ],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(`compiling test/vectors/rdp/gen.c failed:\n${cc.stderr}`);

  const run = (args) => {
    const r = spawnSync(gen, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`gen ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  const results = [];
  for (const workload of ['desktop', 'busy']) {
    const file = path.join(work, `${workload}.bin`);
    run([
      'rfx-encode',
      file,
      String(WIDTH),
      String(HEIGHT),
      String(FRAMES),
      ...(workload === 'desktop' ? ['--desktop'] : []),
    ]);
    const all = fs.readFileSync(file);
    const messages = [];
    for (let o = 0; o + 4 <= all.length;) {
      const len = all.readUInt32LE(o);
      messages.push(new Uint8Array(all.buffer, all.byteOffset + o + 4, len));
      o += 4 + len;
    }

    const fb = new Framebuffer(WIDTH, HEIGHT);
    const decoder = new RfxDecoder();
    for (const m of messages) decoder.decode(m, 0, 0, fb); // warm-up (and the headers)
    let js = Infinity;
    let c = Infinity;
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < ITER; i++) for (const m of messages) decoder.decode(m, 0, 0, fb);
      const used = process.cpuUsage(t0);
      js = Math.min(js, (used.user + used.system) / 1000 / (ITER * messages.length));
      const out = JSON.parse(run(['rfx-decode', file, String(ITER)]));
      c = Math.min(c, out.cpuNs / 1e6 / out.frames);
    }
    results.push({ workload, js, c, ratio: js / c, kb: all.length / messages.length / 1024 });
  }

  const goal = (r) => (SMOKE ? 'smoke run: no goal' : `goal <= 3.00x ${r <= 3 ? 'met' : 'NOT met'}`);
  console.log(
    `RemoteFX decode, ${WIDTH}x${HEIGHT} frames, ${FRAMES} frames x ${ITER} iterations, best of ${RUNS}; CPU ms per frame, one thread`,
  );
  for (const r of results) {
    console.log(
      `${r.workload.padEnd(8)} (${r.kb.toFixed(0).padStart(5)} KB/frame)  FreeRDP ${r.c.toFixed(1).padStart(7)} ms  tshjs ${r.js
        .toFixed(1)
        .padStart(7)} ms  ${r.ratio.toFixed(2)}x  ${goal(r.ratio)}`,
    );
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
