#!/usr/bin/env node
// `tshjs play FILE --format json` over a ~100 MB (uncompressed) recording against `zcat` of the
// same records as one gzip stream, in the same run; prints the time ratio (goal <= 2x) and the
// CLI's peak RSS (goal: flat, i.e. far below the recording size). Both read their input from the
// disk cache and write to a pipe this process drains; times are medians of RUNS alternating runs.
// BENCH_SMOKE=1: a 1 MB recording, one run: checks that the bench still runs, no goals.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { OneOf } from '../dist/gen/teleport/legacy/types/events/events.js';
import { RecordingWriter } from '../dist/recording/writer.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const MB = SMOKE ? 1 : Number(process.env.BENCH_MB ?? 100);
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-play-'));
const rec = path.join(work, 'session.tar');
const gz = path.join(work, 'records.gz');

// Terminal-like output: lines of text with some variety, 4 KiB per print event.
const line = (i) => `${String(i).padStart(8, '0')} ${'lorem ipsum dolor sit amet '.repeat(3)}\r\n`;
const chunk = (n) => {
  let s = '';
  for (let i = 0; s.length < 4096; i++) s += line(n * 64 + i);
  return Buffer.from(s.slice(0, 4096));
};
const out = fs.createWriteStream(rec);
const writer = new RecordingWriter(out);
const gzOut = zlib.createGzip();
gzOut.pipe(fs.createWriteStream(gz));
const events = Math.ceil((MB * 2 ** 20) / 4096);
const start = Date.UTC(2026, 0, 1);
for (let i = 0; i < events; i++) {
  const ev = {
    Event: {
      $case: 'SessionPrint',
      value: {
        Metadata: {
          Index: BigInt(i),
          Type: 'print',
          ID: '',
          Code: '',
          Time: new Date(start + i),
          ClusterName: 'bench',
        },
        ChunkIndex: BigInt(i),
        Data: chunk(i),
        Bytes: 4096n,
        DelayMilliseconds: BigInt(i),
        Offset: BigInt(i * 4096),
      },
    },
  };
  await writer.write(ev);
  const msg = OneOf.encode(ev).finish();
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  if (!gzOut.write(Buffer.concat([len, msg]))) await new Promise((r) => gzOut.once('drain', r));
}
await writer.close();
await new Promise((r) => out.end(r));
await new Promise((r) => gzOut.end(r));
await new Promise((r) => setTimeout(r, 200));

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited
      }
    }, 20);
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (c) => (bytes += c.length));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err}`));
      else resolve({ ms: performance.now() - t0, peak, bytes });
    });
  });
}

try {
  const z = [];
  const p = [];
  for (let i = 0; i < RUNS; i++) {
    z.push(await run('zcat', [gz]));
    p.push(await run(process.execPath, [path.join(repo, 'bin/tshjs.js'), 'play', rec, '--format', 'json']));
  }
  const median = (xs) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
  const zm = median(z);
  const pm = median(p);
  const ratio = pm.ms / zm.ms;
  const goal = (text, met) => (SMOKE ? 'smoke run: no goal' : `goal ${text} ${met ? 'met' : 'NOT met'}`);
  console.log(
    `play ${events} print events (${MB} MB of output; recording ${(fs.statSync(rec).size / 2 ** 20).toFixed(1)} MB), median of ${RUNS}`,
  );
  console.log(`zcat of the same records      ${zm.ms.toFixed(0).padStart(6)} ms  1.00x`);
  console.log(
    `tshjs play --format json      ${pm.ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x  ${goal('<= 2.00x', ratio <= 2)}`,
  );
  console.log(
    `tshjs play peak RSS           ${(pm.peak / 2 ** 20).toFixed(0).padStart(6)} MB         ${SMOKE ? 'smoke run: no goal' : 'goal: flat'} (output ${(pm.bytes / 2 ** 20).toFixed(0)} MB)`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
