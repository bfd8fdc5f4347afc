// `tshjs desktop connect` in a real browser: Debian's Chromium (headless, driven by
// playwright-core) opens the viewer of a real tshjs process, connected through the dev cluster to
// the real FreeRDP shadow server on Xvfb. The canvas must show the X display (`xwd -root`, the
// RemoteFX bound of desktop-session.test.ts), typed keys must reach the shell in the xterm, a click
// must land on the cell under the pointer (xterm's mouse report, read by the shell), wrong or spent
// secrets must be refused, and closing the tab or Ctrl-C must end the process with status 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { RgbaImage } from '../../src/rdp/png.js';
import { loginArgs, startCluster, tempHome, TOTP_SECRET, tshjs } from '../helpers/cluster.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';
import { captureX, compareOutsideClock } from '../helpers/screen.js';
import { startViewer as spawnViewer, waitFor, type Viewer } from '../helpers/viewer.js';

const startViewer = (home: string, desktop = 'shadow'): Viewer => spawnViewer(home, desktop);

const CHROMIUM = '/usr/bin/chromium';
const missing =
  rdpMissing() ?? (fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`);
if (missing) console.warn(`skipping the desktop viewer tests: ${missing}`);

const MIN_PSNR_DB = 45;
const MAX_CHANNEL_ERROR = 40;
// xterm at +0+0: 6x13 cells inside a 2-pixel border (test/helpers/rdp.ts's xtermArea).
const CELL = { w: 6, h: 13, border: 2 };

async function fileText(file: string): Promise<string> {
  return waitFor(`${file}`, () => {
    if (!fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, 'utf8');
    return text.endsWith('\n') ? text : undefined;
  });
}

// Playwright's keyboard.type sends a capital or a symbol as one key with no Shift key event; a real
// keyboard holds Shift. Typed here as a person does, so the page sees ShiftLeft down and up.
const SHIFTED: Record<string, string> = Object.fromEntries(
  [...'~!@#$%^&*()_+{}|:"<>?'].map((c, i) => [
    c,
    [
      'Backquote',
      'Digit1',
      'Digit2',
      'Digit3',
      'Digit4',
      'Digit5',
      'Digit6',
      'Digit7',
      'Digit8',
      'Digit9',
      'Digit0',
      'Minus',
      'Equal',
      'BracketLeft',
      'BracketRight',
      'Backslash',
      'Semicolon',
      'Quote',
      'Comma',
      'Period',
      'Slash',
    ][i]!,
  ]),
);

async function typeLikeAPerson(page: Page, text: string): Promise<void> {
  for (const ch of text) {
    const shifted = SHIFTED[ch] ?? (/[A-Z]/.test(ch) ? `Key${ch}` : undefined);
    await page.keyboard.press(shifted ? `Shift+${shifted}` : ch);
  }
}

interface PageStats {
  rects: number;
  bytes: number;
  ready: boolean;
  ended: boolean;
  width: number;
  height: number;
}
const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { __tshjsViewer: PageStats }).__tshjsViewer);

/** Waits until no rectangle arrived for `quietMs`. */
async function settled(page: Page, quietMs = 600): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitFor('the canvas to settle', async () => {
    const { rects } = await stats(page);
    if (rects !== last) {
      last = rects;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since >= quietMs ? true : undefined;
  });
}

async function canvasImage(page: Page): Promise<RgbaImage> {
  const { width, height, b64 } = await page.evaluate(() => {
    const c = document.getElementById('screen') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, b64: btoa(s) };
  });
  return { width, height, data: new Uint8Array(Buffer.from(b64, 'base64')) };
}

describe.skipIf(missing)(
  'desktop connect: the viewer in Chromium through the dev cluster to a real RDP server',
  () => {
    let rdp: RdpServer;
    let cluster: DevCluster;
    let home: string;
    let browser: Browser;

    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      rdp = await startRdpServer();
      [cluster, browser] = await Promise.all([
        startCluster({
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
          desktops: [
            {
              name: 'shadow',
              addr: `127.0.0.1:${rdp.port}`,
              labels: { env: 'dev' },
              rdp_fingerprint256: rdp.fingerprint256,
            },
            // Port 9 (discard): nothing listens there.
            { name: 'down', addr: '127.0.0.1:9', labels: { env: 'dev' } },
          ],
        }),
        chromium.launch({
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
        }),
      ]);
      home = tempHome();
      const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: `alice-pw\n${totp(TOTP_SECRET)}\n` });
      expect(r.code, r.stderr).toBe(0);
    }, 40_000);

    afterAll(async () => {
      await browser?.close();
      await cluster?.stop();
      await rdp?.stop();
    });

    it('shows the display, types into the xterm, clicks where the pointer is, refuses spent and wrong secrets, ends when the tab closes', async () => {
      const v = startViewer(home);
      try {
        const url = await v.url;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}$/);
        expect(v.stdout()).toMatch(/^connected to shadow as alice \(1024x768, TDPB\)\n/);
        const origin = new URL(url).origin;

        // A wrong secret gets nothing, and does not spend the link.
        const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
        const probe = await ctx.newPage();
        expect((await probe.goto(`${origin}/not-the-secret`))?.status()).toBe(404);

        const page = await ctx.newPage();
        expect((await page.goto(url))?.status()).toBe(200);
        await waitFor('the screen', async () => ((await stats(page)).ready ? true : undefined));
        expect(await stats(page)).toMatchObject({ width: 1024, height: 768 });
        await waitFor('browser connected', () => v.stdout().includes('browser connected\n') || undefined);

        // The link is spent: the same URL again (someone who read it) is refused and reported.
        const again = await probe.goto(url);
        expect(again?.status()).toBe(403);
        expect(await again?.text()).toMatch(/already used/);
        await waitFor(
          'the warning',
          () =>
            v.stderr().includes('WARNING: refused a page load: the viewer link was already used') ||
            undefined,
        );
        await probe.close();

        // The canvas shows the X display.
        await settled(page);
        const { psnr, maxError } = compareOutsideClock(await canvasImage(page), captureX(rdp));
        expect(psnr).toBeGreaterThanOrEqual(MIN_PSNR_DB);
        expect(maxError).toBeLessThanOrEqual(MAX_CHANNEL_ERROR);

        // Keyboard: the pointer over the xterm gives it the focus (no window manager), then type.
        const box = (await page.locator('#screen').boundingBox())!;
        expect([box.width, box.height]).toEqual([1024, 768]); // shown 1:1: page pixels are desktop pixels
        const at = (x: number, y: number) => [box.x + x, box.y + y] as const;
        await page.mouse.move(...at(rdp.xtermArea.x + 100, rdp.xtermArea.y + 100));
        await typeLikeAPerson(page, `echo 'Viewer, typed!' $((6*7)) > typed.txt`);
        await page.keyboard.press('Enter');
        expect(await fileText(path.join(rdp.dir, 'typed.txt'))).toBe('Viewer, typed! 42\n');

        // Click: the shell turns on xterm's mouse reports and reads the press and release of one
        // click: ESC [ M button col+32 row+32, twice. Cell (40, 20) is at its centre pixel below.
        await typeLikeAPerson(
          page,
          `printf '\\033[?1000h'; stty raw -echo; : > armed; dd bs=1 count=12 2>/dev/null | od -An -tu1 > click.txt; stty sane; printf '\\033[?1000l'`,
        );
        await page.keyboard.press('Enter');
        await waitFor(
          'the shell to wait for a click',
          () => fs.existsSync(path.join(rdp.dir, 'armed')) || undefined,
        );
        const [col, row] = [40, 20];
        const x = rdp.xtermArea.x + CELL.border + (col - 1) * CELL.w + 3;
        const y = rdp.xtermArea.y + CELL.border + (row - 1) * CELL.h + 6;
        await page.mouse.move(...at(x, y));
        await page.mouse.down();
        await page.mouse.up();
        const report = (await fileText(path.join(rdp.dir, 'click.txt'))).trim().split(/\s+/).map(Number);
        expect(report).toEqual([27, 91, 77, 32, 32 + col, 32 + row, 27, 91, 77, 35, 32 + col, 32 + row]);

        // The page asks for another size when the window changes; the shadow server keeps its own,
        // and the canvas scales to fit.
        await page.setViewportSize({ width: 640, height: 500 });
        await new Promise((r) => setTimeout(r, 600));
        expect(await stats(page)).toMatchObject({ width: 1024, height: 768, ended: false });
        const small = (await page.locator('#screen').boundingBox())!;
        expect(small.width).toBeLessThanOrEqual(640);
        expect(small.width / small.height).toBeCloseTo(1024 / 768, 1);

        // Closing the tab ends the session: exit 0.
        await page.close();
        expect(await v.exit).toBe(0);
        expect(v.stdout()).toMatch(/browser disconnected\nviewer closed: session ended\n$/);
        expect(v.stderr()).toBe('WARNING: refused a page load: the viewer link was already used\n');
        await ctx.close();
      } finally {
        v.child.kill('SIGKILL');
      }
    }, 60_000);

    it('Ctrl-C ends the session cleanly (exit 0), and the page says so', async () => {
      const v = startViewer(home);
      try {
        const url = await v.url;
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(url);
        await waitFor('browser connected', () => v.stdout().includes('browser connected\n') || undefined);
        v.child.kill('SIGINT');
        expect(await v.exit).toBe(0);
        expect(v.stdout()).toMatch(/session ended\n$/);
        expect(v.stderr()).toBe('');
        await waitFor('the page to show the end', async () => ((await stats(page)).ended ? true : undefined));
        expect(await page.locator('#status').textContent()).toBe('session ended');
        await ctx.close();
      } finally {
        v.child.kill('SIGKILL');
      }
    }, 30_000);

    it('a session that fails is one error line and exit 1, before any URL is printed', async () => {
      const v = startViewer(home, 'down');
      try {
        expect(await v.exit).toBe(1);
        expect(v.stdout()).toBe('');
        expect(v.stderr()).toMatch(/^ERROR: RDP client exited with an error: .*\n$/);
        await expect(v.url).rejects.toThrow(/tshjs exited/);
      } finally {
        v.child.kill('SIGKILL');
      }
    }, 30_000);
  },
);
