#!/usr/bin/env node
// The browser viewer end to end: `tshjs desktop connect --no-browser` through the dev cluster to a
// FreeRDP shadow server, shown in headless Chromium, against tshjs's RDP client straight to the same
// server (no Teleport, no browser; as bench/desktop-bare.js) in the same run:
//   keystroke to pixel: a key pressed in the page (keydown) until the canvas is drawn inside the
//     xterm's text area, against the key's scancode sent straight over RDP until the next decoded
//     update touching that area. Keys alternate 'x' and Backspace, so each one changes the screen.
//   frames per second while the clock redraws: animation frames in which the page drew the canvas,
//     against frames the direct client decodes on the same desktop.
// The page's draws are observed by wrapping putImageData before the viewer's script runs
// (addInitScript): src/viewer needs no test hook. BENCH_SMOKE=1: 3 keys and 1 s of frames.
/* global window, CanvasRenderingContext2D, requestAnimationFrame -- the page's, in functions run there */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shadowDesktopMissing, startShadowDesktop } from '../dist/devcluster/shadowdesktop.js';
import { startDevCluster } from './devcluster.js';
import { connectRdp, keyEvent, mouseMove } from '../dist/rdp/conn/index.js';
import { DesktopGraphics } from '../dist/rdp/graphics.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const KEYS = SMOKE ? 3 : 40;
const FPS_SECONDS = SMOKE ? 1 : 5;
// After each key: long enough for its echo to be drawn completely before the next one.
const KEY_GAP_MS = 200;
const KEY_TIMEOUT_MS = 5000;
const CHROMIUM = '/usr/bin/chromium';
// Scancodes of the keys the page sends as KeyboardEvent.code KeyX and Backspace.
const SCANCODES = { KeyX: 0x2d, Backspace: 0x0e };
const PAGE_KEYS = { KeyX: 'x', Backspace: 'Backspace' };
const keyAt = (i) => (i % 2 === 0 ? 'KeyX' : 'Backspace');

const missing =
  shadowDesktopMissing() ??
  (fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`);
if (missing) {
  process.stdout.write(`bench:viewer skipped: ${missing}\n`);
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-viewer-'));
const home = path.join(work, 'home');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p95 = (xs) => sorted(xs)[Math.max(0, Math.ceil(xs.length * 0.95) - 1)];

function run(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, TELEPORT_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${args.slice(1, 3).join(' ')} exited ${code}: ${err.trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** The xterm's text area (inside its 2-pixel border). */
function textArea(a) {
  return { x: a.x + 2, y: a.y + 2, width: a.width - 4, height: a.height - 4 };
}
const touches = (r, a) =>
  r.x < a.x + a.width && a.x < r.x + r.width && r.y < a.y + a.height && a.y < r.y + r.height;

/** Direct RDP: key scancode to the next decoded update touching `area`; frames per second. */
async function direct(port, area) {
  const rdp = await connectRdp({
    host: '127.0.0.1',
    port,
    username: 'bench',
    width: 1024,
    height: 768,
    serverCertificate: { insecure: true },
    codecs: 'remotefx',
    frameAcknowledge: 2,
  });
  const g = new DesktopGraphics({ width: rdp.activation.width, height: rdp.activation.height });
  g.activate(rdp.activation);
  let lastUpdate = performance.now();
  let waiter;
  const pump = (async () => {
    for await (const ev of rdp) {
      if (ev.type === 'activated') g.activate(ev.activation);
      if (ev.type !== 'fastpath') continue;
      for (const r of g.processFastPath(ev.pdu)) rdp.sendRaw(Buffer.from(r));
      const dirty = g.framebuffer.takeDirty();
      if (dirty.length > 0) lastUpdate = performance.now();
      if (waiter && dirty.some((r) => touches(r, area))) waiter(performance.now());
    }
  })();
  try {
    // The pointer over the xterm gives it the keyboard (no window manager); then let the screen settle.
    rdp.sendInput([mouseMove(area.x + 100, area.y + 100)]);
    const t0 = performance.now();
    while (performance.now() - lastUpdate < 500 && performance.now() - t0 < 10_000) await sleep(20);

    const latencies = [];
    for (let i = 0; i < KEYS; i++) {
      const sc = SCANCODES[keyAt(i)];
      const drawn = new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('direct RDP: no update after a key')),
          KEY_TIMEOUT_MS,
        );
        waiter = (t) => {
          clearTimeout(timer);
          waiter = undefined;
          resolve(t);
        };
      });
      const sent = performance.now();
      rdp.sendInput([keyEvent(sc, true), keyEvent(sc, false)]);
      latencies.push((await drawn) - sent);
      await sleep(KEY_GAP_MS);
    }

    await sleep(1000);
    const f0 = g.stats.frames;
    await sleep(FPS_SECONDS * 1000);
    const fps = (g.stats.frames - f0) / FPS_SECONDS;
    return { latencies, fps };
  } finally {
    await rdp.close();
    await pump.catch(() => undefined);
  }
}

/** Runs in the page before the viewer's script: times keydowns and canvas draws. */
function pageHook(area) {
  const b = (window.__bench = { draws: 0, t0: undefined, latency: undefined });
  window.addEventListener('keydown', () => (b.t0 ??= performance.now()), true);
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (img, x, y, ...rest) {
    put.call(this, img, x, y, ...rest);
    b.draws++;
    const r = { x, y, width: img.width, height: img.height };
    const hit =
      r.x < area.x + area.width &&
      area.x < r.x + r.width &&
      r.y < area.y + area.height &&
      area.y < r.y + r.height;
    if (hit && b.t0 !== undefined && b.latency === undefined) b.latency = performance.now() - b.t0;
  };
  // Animation frames in which the canvas was drawn: the frames the page shows.
  b.drawFrames = 0;
  let seen = 0;
  const tick = () => {
    if (b.draws !== seen) {
      seen = b.draws;
      b.drawFrames++;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** The viewer: a `tshjs desktop connect` process and its page in Chromium. */
async function viewer(area) {
  const child = spawn(
    process.execPath,
    [path.join(repo, 'bin/tshjs.js'), 'desktop', 'connect', 'shadow', '-l', 'bench', '--no-browser'],
    { env: { ...process.env, TELEPORT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise((r) => child.on('close', r));
  let browser;
  try {
    const url = await Promise.race([
      (async () => {
        for (;;) {
          const m = /open this URL in a browser: (\S+)\n/.exec(out);
          if (m) return m[1];
          await sleep(20);
        }
      })(),
      exited.then((code) => Promise.reject(new Error(`tshjs desktop connect exited ${code}: ${err.trim()}`))),
      sleep(30_000).then(() => Promise.reject(new Error('no viewer URL within 30 s'))),
    ]);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    await page.addInitScript(pageHook, area);
    await page.goto(url);
    await page.waitForFunction(() => window.__tshjsViewer?.ready, undefined, { timeout: 15_000 });
    // Settled: no rectangle for 500 ms (the clock redraws once a second).
    let last = -1;
    let since = Date.now();
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
      const draws = await page.evaluate(() => window.__bench.draws);
      if (draws !== last) [last, since] = [draws, Date.now()];
      else if (Date.now() - since >= 500) break;
    }
    // A click on the xterm focuses the canvas, and the pointer left there gives the xterm the keyboard.
    const box = await page.locator('#screen').boundingBox();
    await page.mouse.click(box.x + area.x + 100, box.y + area.y + 100);
    await sleep(300);

    const latencies = [];
    for (let i = 0; i < KEYS; i++) {
      await page.evaluate(() => {
        window.__bench.t0 = undefined;
        window.__bench.latency = undefined;
      });
      await page.keyboard.press(PAGE_KEYS[keyAt(i)]);
      await page.waitForFunction(() => window.__bench.latency !== undefined, undefined, {
        timeout: KEY_TIMEOUT_MS,
        polling: 10,
      });
      latencies.push(await page.evaluate(() => window.__bench.latency));
      await sleep(KEY_GAP_MS);
    }

    await sleep(1000);
    const count = () =>
      page.evaluate(() => ({ frames: window.__bench.drawFrames, draws: window.__bench.draws }));
    const c0 = await count();
    await sleep(FPS_SECONDS * 1000);
    const c1 = await count();
    await page.close();
    // Closing the tab ends the session: tshjs exits 0.
    const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
    if (code !== 0) throw new Error(`tshjs desktop connect ended with ${code}: ${err.trim()}`);
    return {
      latencies,
      fps: (c1.frames - c0.frames) / FPS_SECONDS,
      putsPerSecond: (c1.draws - c0.draws) / FPS_SECONDS,
    };
  } finally {
    await browser?.close();
    child.kill('SIGKILL');
  }
}

const desk = await startShadowDesktop();
const cfg = path.join(work, 'cluster.yaml');
fs.writeFileSync(
  cfg,
  [
    'cluster_name: bench.localhost',
    'users: [{name: alice, password: pw, roles: [desktops]}]',
    "roles: [{name: desktops, windows_desktop_logins: [bench], windows_desktop_labels: {'*': '*'}}]",
    'desktops:',
    `  - {name: shadow, addr: '127.0.0.1:${desk.port}', rdp_fingerprint256: '${desk.fingerprint256}'}`,
    '',
  ].join('\n'),
);
let cluster;
let ready;
let failed = false;
try {
  ({ child: cluster, ready } = await startDevCluster(cfg));
  await run(
    [path.join(repo, 'bin/tshjs.js'), 'login', `--proxy=${ready.proxy}`, '--user=alice', '--insecure'],
    'pw\n',
  );
  const area = textArea(desk.xtermArea);
  const d = await direct(desk.port, area);
  const v = await viewer(area);

  const [vm, vp, dm, dp] = [median(v.latencies), p95(v.latencies), median(d.latencies), p95(d.latencies)];
  // A direct client that decoded nothing in the window (a 1 s smoke window can miss the clock
  // tick) leaves nothing to compare against: 1.
  const fpsRatio = d.fps > 0 ? v.fps / d.fps : 1;
  process.stdout.write(
    [
      `viewer (1024x768 FreeRDP shadow server, RemoteFX, headless Chromium; ${KEYS} keys, ${FPS_SECONDS} s of frames)`,
      `  keystroke to pixel: viewer median ${vm.toFixed(1)} ms p95 ${vp.toFixed(1)} ms, direct RDP median ${dm.toFixed(1)} ms p95 ${dp.toFixed(1)} ms: ${(vm / dm).toFixed(2)}x`,
      `  viewer fps while the clock redraws: page ${v.fps.toFixed(1)} drawn frames/s (${v.putsPerSecond.toFixed(1)} rectangles/s), direct RDP ${d.fps.toFixed(1)} decoded frames/s: ${fpsRatio.toFixed(2)}x`,
      '',
    ].join('\n'),
  );
} catch (err) {
  failed = true;
  process.stderr.write(`bench:viewer failed: ${err.message}\n`);
} finally {
  cluster?.kill();
  await desk.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
