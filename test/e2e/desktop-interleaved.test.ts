// Interleaved RLE bitmaps end to end: xrdp on Xvnc (the only peer that sends them) capped at 16
// and at 24 bpp (xrdp.ini max_bpp: our client asks for more and xrdp lowers it), behind the dev
// cluster. A gradient background, an xterm with text and a solid block are drawn on the X display;
// `tshjs desktop screenshot` must show what `xwd -root` captures: exactly at 24 bpp, within the
// 5/6/5-bit loss at 16 bpp. A direct RDP connection (the library's client) checks that the
// screen really came as compressed bitmaps at that depth, and decodes the same.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { connectRdp } from '../../src/rdp/conn/client.js';
import { PDUTYPE2_UPDATE, updateAsFastPath } from '../../src/rdp/conn/share.js';
import { FastPathParser } from '../../src/rdp/fastpath.js';
import { DesktopGraphics } from '../../src/rdp/graphics.js';
import { decodePng, type RgbaImage } from '../../src/rdp/png.js';
import { loginArgs, startCluster, tempHome, TOTP_SECRET, tshjs } from '../helpers/cluster.js';
import { startXrdp, xrdpMissing, type XrdpServer } from '../helpers/rdp.js';
import { compareOutsideClock, parseXwd } from '../helpers/screen.js';

const TOOLS = ['/usr/bin/xterm', '/usr/bin/xwd', '/usr/bin/convert', '/usr/bin/display'];
const missing =
  xrdpMissing() ??
  (TOOLS.some((t) => !fs.existsSync(t))
    ? `needs ${TOOLS.join(', ')} (apt-get install -y xterm x11-apps imagemagick)`
    : undefined);
if (missing) console.warn(`skipping the interleaved RLE desktop tests: ${missing}`);

const WIDTH = 1024;
const HEIGHT = 768;
const DEPTHS = [16, 24] as const;
/** 16 bpp keeps 5 bits of red and blue and 6 of green: at most 7 off per channel. */
const MAX_ERROR = { 16: 7, 24: 0 };

function captureX(x: XrdpServer): RgbaImage {
  return parseXwd(
    execFileSync('/usr/bin/xwd', ['-root', '-silent', '-display', x.display], {
      env: x.env,
      maxBuffer: 64 << 20,
    }),
  );
}

/** Draws the test picture on the display; returns the clients to stop afterwards. */
function draw(x: XrdpServer, dir: string, bpp: number): ChildProcess[] {
  const bg = path.join(dir, `bg-${bpp}.png`);
  execFileSync('/usr/bin/convert', ['-size', `${WIDTH}x${HEIGHT}`, 'gradient:#183060-#f0c040', bg]);
  // sets the root window's background and exits (with status 1, whatever happened)
  spawnSync('/usr/bin/display', ['-window', 'root', bg], { env: x.env, timeout: 10_000 });
  const text = `interleaved RLE at ${bpp} bpp\\n${'The quick brown fox jumps over the lazy dog. 0123456789\\n'.repeat(6)}`;
  const clients = [
    spawn(
      '/usr/bin/xterm',
      [
        '-geometry',
        '64x12+60+80',
        '-bg',
        '#f8f8f0',
        '-fg',
        '#102040',
        '-e',
        'sh',
        '-c',
        `printf '${text}'; sleep 600`,
      ],
      { env: x.env, stdio: 'ignore' },
    ),
    // a solid block: an empty xterm with a dark red background and no cursor
    spawn('/usr/bin/xterm', ['-geometry', '30x8+560+420', '-bg', '#a02030', '+cm', '-e', 'sleep', '600'], {
      env: x.env,
      stdio: 'ignore',
    }),
  ];
  return clients;
}

/** Waits until two captures of the display a moment apart are the same. */
async function settled(x: XrdpServer): Promise<void> {
  let last = captureX(x).data;
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = captureX(x).data;
    if (Buffer.from(now).equals(Buffer.from(last))) return;
    last = now;
  }
  throw new Error(`display ${x.display} did not settle`);
}

describe.skipIf(missing)('interleaved RLE bitmaps from xrdp at 16 and 24 bpp', () => {
  const servers = new Map<number, XrdpServer>();
  const clients: ChildProcess[] = [];
  let cluster: DevCluster;
  let home: string;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-interleaved-'));
    await Promise.all(
      DEPTHS.map(async (bpp) => {
        const d = path.join(dir, String(bpp));
        fs.mkdirSync(d);
        servers.set(bpp, await startXrdp(d, { width: WIDTH, height: HEIGHT, maxBpp: bpp }));
      }),
    );
    for (const bpp of DEPTHS) clients.push(...draw(servers.get(bpp)!, dir, bpp));
    await Promise.all(DEPTHS.map((bpp) => settled(servers.get(bpp)!)));
    cluster = await startCluster({
      second_factor: 'otp',
      users: [{ name: 'alice', password: 'alice-pw', totp_secret: TOTP_SECRET, roles: ['desk'] }],
      roles: [
        {
          name: 'desk',
          logins: ['alice'],
          node_labels: {},
          windows_desktop_labels: { env: 'dev' },
          windows_desktop_logins: ['alice'],
        },
      ],
      desktops: DEPTHS.map((bpp) => ({
        name: `xrdp-${bpp}`,
        addr: `127.0.0.1:${servers.get(bpp)!.port}`,
        labels: { env: 'dev' },
        rdp_password: 'x',
      })),
    });
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: `alice-pw\n${totp(TOTP_SECRET)}\n` });
    expect(r.code, r.stderr).toBe(0);
  }, 40_000);

  afterAll(async () => {
    for (const c of clients) c.kill();
    await cluster?.stop();
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });

  for (const bpp of DEPTHS) {
    it(`the server sends compressed ${bpp} bpp bitmaps, and they decode to the X display`, async () => {
      const x = servers.get(bpp)!;
      const rdp = await connectRdp({
        host: '127.0.0.1',
        port: x.port,
        username: 'alice',
        password: 'x',
        answerLicenseRequest: true,
        serverCertificate: { insecure: true },
        codecs: 'none',
        width: WIDTH,
        height: HEIGHT,
      });
      const g = new DesktopGraphics({ width: WIDTH, height: HEIGHT });
      const parser = new FastPathParser();
      const depths = new Map<string, number>();
      let quietSince = Date.now();
      const timer = setInterval(() => {
        if (Date.now() - quietSince > 1500) void rdp.close();
      }, 100);
      try {
        for await (const ev of rdp) {
          const pdus =
            ev.type === 'fastpath'
              ? [ev.pdu]
              : ev.type === 'slowpath' && ev.pduType2 === PDUTYPE2_UPDATE
                ? (updateAsFastPath(ev.body) ?? [])
                : [];
          for (const pdu of pdus) {
            // count the rectangles by depth and compression, then draw them
            for (const u of parser.push(pdu)) {
              if (u.type !== 'bitmap') continue;
              for (const r of u.rects) {
                const k = `${r.bpp}${r.compressed ? ' compressed' : ''}`;
                depths.set(k, (depths.get(k) ?? 0) + 1);
              }
            }
            g.processFastPath(pdu);
            quietSince = Date.now();
          }
        }
      } finally {
        clearInterval(timer);
        await rdp.close();
      }
      expect(depths.get(`${bpp} compressed`) ?? 0, JSON.stringify([...depths])).toBeGreaterThan(10);
      const shot = decodePng(g.screenshot());
      const d = compareOutsideClock(shot, captureX(x));
      expect(d.maxError, JSON.stringify(d)).toBeLessThanOrEqual(MAX_ERROR[bpp]);
    }, 20_000);

    it(`tshjs desktop screenshot through the dev cluster matches the X display at ${bpp} bpp`, async () => {
      const file = path.join(dir, `shot-${bpp}.png`);
      const r = await tshjs(['desktop', 'screenshot', `xrdp-${bpp}`, '--login', 'alice', '-o', file], {
        home,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const shot = decodePng(fs.readFileSync(file));
      const d = compareOutsideClock(shot, captureX(servers.get(bpp)!));
      expect(d.maxError, JSON.stringify(d)).toBeLessThanOrEqual(MAX_ERROR[bpp]);
    }, 20_000);
  }
});
