// A server-initiated resize end to end: tshjs → dev cluster proxy → Windows Desktop Service (its
// RDP client) → xrdp in front of TigerVNC's Xvnc. `xrandr -s` on the X display makes xrdp send
// Deactivate All and a new Demand Active at the new size (measured: xrdp 0.9.21 does so for every
// size change of the VNC desktop). The session must survive: the client hears of the new size
// (a second TDPB ServerHello), its screen matches the X display at each size, typing still
// reaches the X client, `desktop run` screenshots come out at the new size, and the recording
// replays through the export renderer with the size change.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeleportClient } from '../../src/client/teleport.js';
import { graphicsScreen } from '../../src/commands/recordings.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { OneOf } from '../../src/gen/teleport/legacy/types/events/events.js';
import {
  renderDesktopRecording,
  scanDesktopRecording,
  screenOp,
} from '../../src/recording/desktop-export.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { decodePng, type RgbaImage } from '../../src/rdp/png.js';
import { openDesktopSession } from '../../src/tdp/open.js';
import type { DesktopSession } from '../../src/tdp/session.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { startXrdp, xrdpMissing } from '../helpers/rdp.js';
import { parseXwd } from '../helpers/screen.js';

const BINARIES = {
  xrandr: '/usr/bin/xrandr',
  xterm: '/usr/bin/xterm',
  xsetroot: '/usr/bin/xsetroot',
  xwd: '/usr/bin/xwd',
};
const missingBins = Object.entries(BINARIES)
  .filter(([, p]) => !fs.existsSync(p))
  .map(([n]) => n);
const missing =
  xrdpMissing() ??
  (missingBins.length > 0
    ? `the reactivation tests need ${missingBins.join(', ')} (apt-get install -y x11-xserver-utils x11-apps xterm)`
    : undefined);
if (missing) console.warn(`skipping the desktop reactivation tests: ${missing}`);

async function waitFor<T>(what: string, test: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = test();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** xrdp on an 800x600 Xvnc (test/helpers/rdp.ts) showing a solid root and an xterm whose shell
 * writes what is typed to a file. */
async function startDesktop(dir: string) {
  const server = await startXrdp(dir);
  const env = server.env;
  execFileSync(BINARIES.xsetroot, ['-solid', '#2a6f9e'], { env });
  const typed = path.join(dir, 'typed.txt');
  const xterm = spawn(BINARIES.xterm, ['-geometry', '60x12+10+10', '-e', 'sh', '-c', `cat > ${typed}`], {
    env,
    stdio: 'ignore',
  });
  return {
    port: server.port,
    typed,
    resize: (size: string) => execFileSync(BINARIES.xrandr, ['-s', size], { env, stdio: 'pipe' }),
    capture: (): RgbaImage =>
      parseXwd(execFileSync(BINARIES.xwd, ['-root', '-silent'], { env, maxBuffer: 64 << 20 })),
    stop: async () => {
      if (xterm.exitCode === null && xterm.signalCode === null) {
        xterm.kill();
        await once(xterm, 'exit');
      }
      await server.stop();
    },
  };
}

/** Pixels whose colour differs between the session's screen and the X display (sizes must agree). */
function differing(a: RgbaImage, b: RgbaImage): number {
  if (a.width !== b.width || a.height !== b.height) return -1;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
  }
  return n;
}

const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe.skipIf(missing)('a server-initiated resize through the dev cluster (xrdp on Xvnc)', () => {
  let x: Awaited<ReturnType<typeof startDesktop>>;
  let cluster: DevCluster;
  let legacy: DevCluster;
  let home: string;
  let legacyHome: string;
  let dir: string;

  /** Resolves once the session's screen is the X display, pixel for pixel. */
  async function matchesX(s: DesktopSession, size: { width: number; height: number }): Promise<void> {
    let last = 0;
    await waitFor(`the screen to show the X display at ${size.width}x${size.height}`, () => {
      const fb = s.graphics!.framebuffer;
      const want = x.capture();
      // At connect xrdp sets the VNC desktop to the client's size a moment after activating.
      if (want.width !== size.width || want.height !== size.height) return undefined;
      last = differing({ width: fb.width, height: fb.height, data: fb.data }, want);
      return last === 0 ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message} (${last} pixels differ)`);
    });
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-reactivate-'));
    x = await startDesktop(dir);
    const config = {
      users: [{ name: 'alice', password: 'alice-pw', roles: ['desk'] }],
      roles: [
        {
          name: 'desk',
          logins: [],
          node_labels: {},
          windows_desktop_labels: { env: 'dev' },
          windows_desktop_logins: ['alice'],
        },
      ],
      desktops: [{ name: 'xrdp', addr: `127.0.0.1:${x.port}`, labels: { env: 'dev' }, rdp_password: 'x' }],
    };
    [cluster, legacy] = await Promise.all([
      startCluster(config),
      startCluster({ ...config, windows_desktop_service: { tdpb: false } }),
    ]);
    [home, legacyHome] = [tempHome(), tempHome()];
    for (const [c, h] of [
      [cluster, home],
      [legacy, legacyHome],
    ] as const) {
      const r = await tshjs(loginArgs(c, 'alice'), { home: h, stdin: 'alice-pw\n' });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
    await legacy?.stop();
    await x?.stop();
  });

  it('keeps the session through a grow and a shrink: new size, same picture, typing works', async () => {
    await resizes(home, 'tdpb', [
      ['1024x768', 1024, 768],
      ['640x480', 640, 480],
    ]);
  }, 40_000);

  /** A library session at 800x600 through the sizes: each a reactivation, the picture and typing checked. */
  async function resizes(
    h: string,
    dialect: 'tdp' | 'tdpb',
    sizes: (readonly [string, number, number])[],
  ): Promise<void> {
    const s = await openDesktopSession({
      client: new TeleportClient({ home: h }),
      desktop: 'xrdp',
      login: 'alice',
      width: 800,
      height: 600,
    });
    try {
      // xrdp sets the VNC desktop to the size asked for at connect.
      expect(await s.waitForActivation(10_000)).toMatchObject({ width: 800, height: 600, dialect });
      await matchesX(s, { width: 800, height: 600 });

      for (const [size, width, height] of sizes) {
        const activated = once(s, 'activated');
        x.resize(size);
        const [info] = (await activated) as [{ width: number; height: number; reactivation: boolean }];
        expect(info).toMatchObject({ width, height, dialect, reactivation: true });
        expect([s.width, s.height]).toEqual([width, height]);
        await matchesX(s, { width, height });
        expect(pngSize(s.screenshotPng())).toEqual({ width, height });

        // Keyboard focus follows the pointer (no window manager): over the xterm, then type.
        await s.mouseMove(100, 60);
        await s.typeText(`typed at ${size} over ${dialect}\n`);
        await waitFor('the typed line', () =>
          fs.existsSync(x.typed) &&
          fs.readFileSync(x.typed, 'utf8').includes(`typed at ${size} over ${dialect}\n`)
            ? true
            : undefined,
        );
        await matchesX(s, { width, height }); // the echo on the xterm came through too
      }
    } finally {
      await s.close();
    }
  }

  it('records the sizes, and the export renderer replays the session across them', async () => {
    const events = await waitFor('the finished recording', () => {
      for (const f of fs.readdirSync(cluster.recordingsDir).filter((n) => n.endsWith('.tar'))) {
        const file = path.join(cluster.recordingsDir, f);
        if (fs.statSync(file).size > 0) return file;
      }
      return undefined;
    }).then(async (file) => {
      // The recorder finishes the file as the session ends; read it once it has the end event.
      return waitForAsync(async () => {
        const out: OneOf[] = [];
        try {
          for await (const ev of new RecordingReader(fs.createReadStream(file))) out.push(ev);
        } catch {
          return undefined;
        }
        return out.some((e) => e.Event?.$case === 'WindowsDesktopSessionEnd') ? out : undefined;
      });
    });
    const sizes = events.flatMap((e) => {
      if (e.Event?.$case !== 'DesktopRecording') return [];
      const rec = e.Event.value as { Message: Buffer; TDPBMessage: Buffer };
      const op = screenOp(rec.Message, rec.TDPBMessage);
      return op.op === 'size' && op.activation ? [`${op.width}x${op.height}`] : [];
    });
    expect(sizes).toEqual(['800x600', '1024x768', '640x480']);

    const info = await scanDesktopRecording(iterate(events));
    expect([info.width, info.height]).toEqual([1024, 768]);
    const screen = graphicsScreen(info.width, info.height);
    const frameSizes = new Set<number>();
    const frames = await renderDesktopRecording(iterate(events), screen, {
      emit: async (rgba) => void frameSizes.add(rgba.length),
    });
    expect(frames).toBeGreaterThan(0);
    expect([...frameSizes]).toEqual([1024 * 768 * 4]);
    // The picture at the end: the 640x480 desktop as the X display shows it, black around it.
    const lastFrame = screen.rgba();
    const want = x.capture();
    let wrong = 0;
    for (let y = 0; y < 768; y++) {
      for (let xx = 0; xx < 1024; xx++) {
        const o = (y * 1024 + xx) * 4;
        const inside = xx < 640 && y < 480;
        const w = inside ? want.data.subarray((y * 640 + xx) * 4, (y * 640 + xx) * 4 + 3) : [0, 0, 0];
        if (lastFrame[o] !== w[0] || lastFrame[o + 1] !== w[1] || lastFrame[o + 2] !== w[2]) wrong++;
      }
    }
    expect(wrong).toBe(0);
  }, 20_000);

  it('a legacy TDP client hears of the new size through a second ConnectionActivated', async () => {
    await resizes(legacyHome, 'tdp', [['1024x768', 1024, 768]]);
  }, 30_000);

  it('desktop run: a screenshot after the desktop grew has the new size', async () => {
    x.resize('800x600');
    const before = path.join(dir, 'before.png');
    const after = path.join(dir, 'after.png');
    const run = tshjs(
      ['desktop', 'run', 'xrdp', '--login', 'alice', '--size', '800x600', '-f', 'json', '-'],
      {
        home,
        // The test resizes once the first screenshot is there; two seconds are plenty for xrdp (~150 ms).
        stdin: `wait-settle 300ms\nscreenshot ${before}\nwait 2s\nwait-settle 500ms\nscreenshot ${after}\n`,
      },
    );
    await waitFor('the first screenshot', () => (fs.existsSync(before) ? true : undefined), 20_000);
    x.resize('1024x768');
    const r = await run;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(pngSize(fs.readFileSync(before))).toEqual({ width: 800, height: 600 });
    expect(pngSize(fs.readFileSync(after))).toEqual({ width: 1024, height: 768 });
    expect(differing(decodePng(fs.readFileSync(after)), x.capture())).toBe(0);
    expect(r.stdout).toContain('"width":1024,"height":768');
  }, 40_000);
});

async function waitForAsync<T>(test: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await test();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting for the recording');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function* iterate<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}
