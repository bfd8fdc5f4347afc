#!/usr/bin/env node
// The direct path bench/desktop.js compares tshjs against: tshjs's own RDP client straight to the
// RDP server (no certificate, no proxy, no inner TLS, no TDP), drawing into the same framebuffer
// and acknowledging frames the same way, in its own process.
//   shot PORT FILE IDLE_MS SETTLE_MS   connect, wait until something is drawn and the screen then
//                                      stays unchanged for IDLE_MS (at most SETTLE_MS), write a PNG
//   fps PORT SECONDS                   after 1 s, count decoded frames for SECONDS; prints frames/s
import * as fs from 'node:fs';
import { connectRdp } from '../dist/rdp/conn/index.js';
import { DesktopGraphics } from '../dist/rdp/graphics.js';

const [mode, port, ...rest] = process.argv.slice(2);
const rdp = await connectRdp({
  host: '127.0.0.1',
  port: Number(port),
  username: 'bench',
  width: 1024,
  height: 768,
  serverCertificate: { insecure: true },
  codecs: 'remotefx',
  frameAcknowledge: 2,
});
const a = rdp.activation;
const g = new DesktopGraphics({ width: a.width, height: a.height });
g.activate(a);
let lastChange = 0;
let drawn = false;
const pump = (async () => {
  for await (const ev of rdp) {
    if (ev.type === 'activated') g.activate(ev.activation);
    if (ev.type !== 'fastpath') continue;
    const before = g.stats.updates;
    for (const r of g.processFastPath(ev.pdu)) rdp.sendRaw(Buffer.from(r));
    if (g.stats.updates !== before) {
      drawn = true;
      lastChange = performance.now();
    }
  }
})();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (mode === 'shot') {
  const [file, idle, settle] = rest;
  const t0 = performance.now();
  while (performance.now() - t0 < Number(settle)) {
    if (drawn && performance.now() - lastChange >= Number(idle)) break;
    await sleep(20);
  }
  fs.writeFileSync(file, g.screenshot());
} else {
  await sleep(1000);
  const f0 = g.stats.frames;
  const seconds = Number(rest[0]);
  await sleep(seconds * 1000);
  process.stdout.write(`${((g.stats.frames - f0) / seconds).toFixed(2)}\n`);
}
await rdp.close();
await pump.catch(() => undefined);
