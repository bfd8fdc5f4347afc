#!/usr/bin/env node
// `tshjs recordings export` speed against real time: a 10-minute desktop recording exported to AVI
// (Motion-JPEG, 30 fps) by the CLI; the ratio is export time / recording length (goal well below
// 1.00x: faster than real time). The recording is built from real fast-path PDUs: a short session
// with the dev cluster's FreeRDP shadow desktop (xterm + ticking xclock, some typing) is recorded
// by the dev cluster, and its steady-state messages (after the first full screen) are repeated
// with shifted delays until the recording lasts BENCH_MINUTES (10) minutes. RemoteFX frames carry
// no state between them beyond the headers sent first, so the repeats decode as the originals.
// BENCH_SMOKE=1: a 10-second recording: checks that the bench still runs, no goal.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeConfig } from '../dist/devcluster/config.js';
import { DevCluster } from '../dist/devcluster/server.js';
import { shadowDesktopMissing, startShadowDesktop } from '../dist/devcluster/shadowdesktop.js';
import { RecordingReader } from '../dist/recording/reader.js';
import { RecordingWriter } from '../dist/recording/writer.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const MINUTES = SMOKE ? 10 / 60 : Number(process.env.BENCH_MINUTES ?? 10);
const LENGTH_MS = Math.round(MINUTES * 60_000);

const missing = shadowDesktopMissing();
if (missing) {
  process.stdout.write(
    `bench:export needs the shadow desktop: ${missing}\nexport vs real time: not measured (0.00x)\n`,
  );
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-export-'));
const home = path.join(work, 'home');

function run(args, input) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(repo, 'bin/tshjs.js'), ...args], {
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
      if (code !== 0) reject(new Error(`tshjs ${args.slice(0, 3).join(' ')} exited ${code}: ${err.trim()}`));
      else resolve({ ms, out, err });
    });
    child.stdin.end(input ?? '');
  });
}

const desktop = await startShadowDesktop();
let cluster;
try {
  cluster = await DevCluster.start({
    dataDir: path.join(work, 'data'),
    config: normalizeConfig({
      cluster_name: 'bench.localhost',
      users: [{ name: 'alice', password: 'pw', roles: ['desktops'] }],
      roles: [{ name: 'desktops', windows_desktop_logins: ['bench'], windows_desktop_labels: { '*': '*' } }],
      desktops: [
        { name: 'shadow', addr: `127.0.0.1:${desktop.port}`, rdp_fingerprint256: desktop.fingerprint256 },
      ],
    }),
  });
  await run(['login', `--proxy=${cluster.proxyAddr}`, '--user=alice', '--insecure'], 'pw\n');

  // The captured session: typing in the xterm while the clock ticks.
  const { x, y } = desktop.xtermArea;
  const lines = SMOKE ? 1 : 4;
  const script = [`move ${x + 100} ${y + 100}`, 'wait 300ms'];
  for (let i = 0; i < lines; i++)
    script.push(`type ls -l /usr/bin | head -${5 + i}`, 'key Enter', 'wait 700ms');
  script.push('wait 1500ms');
  await run(['desktop', 'run', 'shadow', '--login', 'bench', '-'], script.join('\n'));
  const deadline = Date.now() + 15_000;
  let file;
  while (!file) {
    const ls = JSON.parse((await run(['recordings', 'ls', '--format', 'json'])).out);
    const end = ls.find((e) => e.event === 'windows.desktop.session.end');
    if (end && fs.existsSync(path.join(cluster.recordingsDir, `${end.sid}.tar`))) {
      file = path.join(cluster.recordingsDir, `${end.sid}.tar`);
    } else if (Date.now() > deadline) throw new Error('no desktop recording');
    else await new Promise((r) => setTimeout(r, 200));
  }

  const events = [];
  for await (const ev of new RecordingReader(fs.createReadStream(file))) events.push(ev);
  const start = events.find((e) => e.Event?.$case === 'WindowsDesktopSessionStart');
  const end = events.find((e) => e.Event?.$case === 'WindowsDesktopSessionEnd');
  const recs = events.filter((e) => e.Event?.$case === 'DesktopRecording').map((e) => e.Event.value);
  // Steady state: the messages after the first second (headers and the first full screen are before).
  const head = recs.filter((r) => r.DelayMilliseconds < 1000n);
  const loop = recs.filter((r) => r.DelayMilliseconds >= 1000n);
  const loopStart = Number(loop[0].DelayMilliseconds);
  const loopLength = Number(loop.at(-1).DelayMilliseconds) - loopStart + 100;

  const bench = path.join(work, 'ten-minutes.tar');
  const outStream = fs.createWriteStream(bench);
  const writer = new RecordingWriter(outStream, { level: 1 });
  let index = 0n;
  const write = (ev) => {
    ev.Event.value.Metadata = { ...ev.Event.value.Metadata, Index: index++ };
    return writer.write(ev);
  };
  await write(start);
  let messages = 0;
  for (const r of head) {
    await write({ Event: { $case: 'DesktopRecording', value: { ...r } } });
    messages++;
  }
  for (let shift = 0; ; shift += loopLength) {
    let done = false;
    for (const r of loop) {
      const delay = Number(r.DelayMilliseconds) + shift;
      if (delay > LENGTH_MS) {
        done = true;
        break;
      }
      await write({
        Event: { $case: 'DesktopRecording', value: { ...r, DelayMilliseconds: BigInt(delay) } },
      });
      messages++;
    }
    if (done) break;
  }
  await write(end);
  await writer.close();
  await new Promise((r) => outStream.end(r));

  const avi = path.join(work, 'out.avi');
  const r = await run(['recordings', 'export', bench, '--out', avi]);
  const frames = fs.readFileSync(avi).readUInt32LE(48);
  const ratio = r.ms / LENGTH_MS;
  const size = (fs.statSync(bench).size / 2 ** 20).toFixed(1);
  const goal = SMOKE ? 'smoke run: no goal' : `goal < 1.00x ${ratio < 1 ? 'met' : 'NOT met'}`;
  process.stdout.write(
    [
      `recordings export: ${(LENGTH_MS / 1000).toFixed(0)} s desktop recording (1024x768, ${messages} real fast-path messages, ${size} MB), AVI ${frames} frames at 30 fps`,
      `  export ${(r.ms / 1000).toFixed(2)} s vs real time ${(LENGTH_MS / 1000).toFixed(0)} s (${(LENGTH_MS / r.ms).toFixed(1)}x faster than real time): ${ratio.toFixed(2)}x  ${goal}`,
      '',
    ].join('\n'),
  );
} finally {
  await cluster?.stop();
  await desktop.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
