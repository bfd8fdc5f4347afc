// The viewer's shared clipboard and remote pointer in a real browser: Debian's Chromium (headless,
// playwright-core) on the page of a real `tshjs desktop connect`, through the dev cluster to xrdp in
// front of Xvnc (the FreeRDP shadow server has no clipboard; xrdp bridges CLIPRDR to the X CLIPBOARD
// selection, which xclip reads and sets). Checked: a paste in the page reaches the X clipboard
// (through the paste event, with no clipboard permission), an X copy reaches the browser's clipboard
// (waiting for a click while the browser refuses the write), --clipboard=off lets nothing through
// either way, and the canvas's cursor follows the X pointer (xterm's I-beam, the root window's X).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { decodePng } from '../../src/rdp/png.js';
import { loginArgs, startCluster, tempHome, TOTP_SECRET, tshjs } from '../helpers/cluster.js';
import { copyToXClipboard, readXClipboard, startXrdp, xrdpMissing, type XrdpServer } from '../helpers/rdp.js';
import { startViewer as spawnViewer, waitFor, type Viewer } from '../helpers/viewer.js';

const startViewer = (home: string, flags: string[]): Viewer => spawnViewer(home, 'xrdp', flags);

const CHROMIUM = '/usr/bin/chromium';
const BINS = { xclip: '/usr/bin/xclip', xterm: '/usr/bin/xterm' };
const missing =
  xrdpMissing() ??
  ([CHROMIUM, ...Object.values(BINS)]
    .filter((p) => !fs.existsSync(p))
    .map((p) => `${p} is missing (apt-get install -y chromium xclip xterm)`)[0] ||
    undefined);
if (missing) console.warn(`skipping the viewer clipboard tests: ${missing}`);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PageStats {
  ready: boolean;
  pointers: number;
  pointer: string;
  csp: string[];
  clipboard: { sent: number; received: number; written: number; pending: boolean; note: string };
}
const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { __tshjsViewer: PageStats }).__tshjsViewer);
const cursor = (page: Page) => page.evaluate(() => document.getElementById('screen')!.style.cursor);
const readBrowserClipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

/** Puts text on the browser's clipboard (write permission only while doing so). */
async function browserCopy(ctx: BrowserContext, page: Page, text: string): Promise<void> {
  await ctx.grantPermissions(['clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await ctx.clearPermissions();
}

/** The opaque pixels' bounding box of a cursor's PNG data: URL. */
function cursorShape(css: string): { width: number; height: number; hot: [number, number] } {
  const m = /^url\("data:image\/png;base64,([A-Za-z0-9+/=]+)"\) (\d+) (\d+), default$/.exec(css);
  if (!m) throw new Error(`not a PNG cursor: ${css.slice(0, 80)}`);
  const img = decodePng(Buffer.from(m[1]!, 'base64'));
  let [x0, y0, x1, y1] = [img.width, img.height, -1, -1];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4 + 3]! < 128) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1, hot: [Number(m[2]), Number(m[3])] };
}

describe.skipIf(missing)(
  'desktop connect: clipboard and pointer in Chromium, through the dev cluster to xrdp',
  () => {
    let dir: string;
    let x: XrdpServer;
    let cluster: DevCluster;
    let home: string;
    let browser: Browser;
    const procs: ChildProcess[] = [];

    const xclipOut = (): string => readXClipboard(x.env);
    /** A copy in X: xclip owns the selection until the next owner takes it. */
    const xclipIn = (text: string) => {
      procs.push(copyToXClipboard(x.env, text));
    };

    /** Opens the viewer's page in a fresh context (no clipboard permission) once the screen is up. */
    async function openPage(v: Viewer): Promise<{ ctx: BrowserContext; page: Page }> {
      const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      const page = await ctx.newPage();
      expect((await page.goto(await v.url))?.status()).toBe(200);
      await waitFor('the screen', async () => (await stats(page)).ready);
      return { ctx, page };
    }

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-viewer-clip-'));
      const { chromium } = await import('playwright-core');
      x = await startXrdp(dir);
      // An xterm in the top-left corner (no window manager: the keyboard follows the pointer).
      const xterm = spawn(BINS.xterm, ['-geometry', '60x20+0+0'], { env: x.env, stdio: 'ignore', cwd: dir });
      procs.push(xterm);
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
            { name: 'xrdp', addr: `127.0.0.1:${x.port}`, labels: { env: 'dev' }, rdp_password: 'x' },
          ],
        }),
        chromium.launch({
          executablePath: CHROMIUM,
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
        }),
      ]);
      home = tempHome();
      const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: `alice-pw\n${totp(TOTP_SECRET)}\n` });
      expect(r.code, r.stderr).toBe(0);
    }, 40_000);

    afterAll(async () => {
      for (const p of procs) p.kill();
      await browser?.close();
      await cluster?.stop();
      await x?.stop();
    });

    it('pastes into the desktop, copies from it (after a click), and shows the X pointer as the cursor', async () => {
      const v = startViewer(home, []);
      try {
        const { ctx, page } = await openPage(v);
        const box = (await page.locator('#screen').boundingBox())!;
        const at = (px: number, py: number) => [box.x + px, box.y + py] as const;
        const note = async () => (await stats(page)).clipboard.note || undefined;
        expect(await waitFor('the clipboard note', note)).toBe('clipboard shared both ways');

        // The pointer: xterm's I-beam over the xterm, the root window's X elsewhere; each a PNG cursor
        // (the X server only says when the shape changes, so the first one comes from the xterm).
        // Moves the mouse into an area (a pixel further each try: the X server reports a shape only
        // when the pointer enters a window) until the cursor passes `test`. A retry first visits the
        // other window, so the shape changes again even if an earlier report was lost under load.
        const pointTo = async (what: string, x0: number, y0: number, test: (css: string) => boolean) => {
          for (let i = 0; ; i++) {
            if (i > 0) await page.mouse.move(...(x0 > 400 ? at(100, 100) : at(700, 500)));
            await page.mouse.move(...at(x0 + i, y0 + i));
            try {
              return await waitFor(
                what,
                async () => {
                  const c = await cursor(page);
                  return test(c) ? c : undefined;
                },
                4000,
              );
            } catch (err) {
              if (i === 5) throw err;
            }
          }
        };
        const png = (test: (s: ReturnType<typeof cursorShape>) => boolean) => (c: string) =>
          c.startsWith('url(') && test(cursorShape(c));
        const ibeam = await pointTo(
          'the I-beam',
          100,
          100,
          png((s) => s.height >= 1.5 * s.width),
        ); // 9x16
        const root = await pointTo(
          'the X',
          700,
          500,
          png((s) => s.width > 8 && s.width === s.height),
        ); // 16x16
        // Back over the xterm: the same image again (the page's cached one).
        await pointTo('the I-beam again', 120, 110, (c) => c === ibeam);
        expect(root).not.toBe(ibeam);
        expect((await stats(page)).csp).toEqual([]);

        // Desktop → browser: a copy in X. While the browser refuses clipboard writes (here: the page
        // loses the focus — Playwright's focus emulation turned off), the page holds the text and says
        // so, and writes it on the next click it gets while the browser allows it.
        // (A copy made before xrdp's clipboard channel is up is lost: copy until one comes through.)
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
        const other = await ctx.newPage();
        await other.bringToFront();
        expect(await page.evaluate(() => document.hasFocus())).toBe(false);
        for (let i = 0; ; i++) {
          xclipIn('copied in X, second line\nthird');
          try {
            await waitFor(
              'the text in the page',
              async () => (await stats(page)).clipboard.received > 0,
              2000,
            );
            break;
          } catch (err) {
            if (i === 4) throw err;
          }
        }
        const waiting = (await stats(page)).clipboard;
        expect(waiting).toMatchObject({ received: 1, pending: true, written: 0 });
        expect(waiting.note).toMatch(/^clipboard from the desktop waiting/);
        await other.close();
        await page.bringToFront();
        await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write']); // (grants only these)
        await page.mouse.click(...at(700, 500));
        await waitFor('the write', async () => (await stats(page)).clipboard.written > 0);
        // As the desktop holds it: RDP clipboard text has CRLF line ends (xrdp adds the CR).
        expect(await readBrowserClipboard(page)).toBe('copied in X, second line\r\nthird');
        // The click also read the browser's clipboard: the desktop's own text is not sent back.
        expect((await stats(page)).clipboard).toMatchObject({ pending: false, sent: 0 });

        // Browser → desktop: Ctrl+V in the page, with no clipboard permission: the paste event
        // carries the text. The pointer rests on the root window, so the key itself reaches no client.
        await browserCopy(ctx, page, 'pasted in the browser, cafe\nline two');
        // The page may not read the clipboard itself now: only the paste event can carry the text.
        const read = () =>
          navigator.clipboard.readText().then(
            () => 'read',
            () => 'refused',
          );
        expect(await page.evaluate(read)).toBe('refused');
        await page.keyboard.press('Control+KeyV');
        await waitFor('the X clipboard', () => xclipOut() === 'pasted in the browser, cafe\nline two');
        expect((await stats(page)).clipboard).toMatchObject({ sent: 1 });

        await page.close();
        expect(await v.exit).toBe(0);
        await ctx.close();
      } finally {
        v.child.kill('SIGKILL');
      }
    }, 120_000);

    it('--clipboard=off: nothing crosses either way, and the page says so', async () => {
      xclipIn('X before');
      const v = startViewer(home, ['--clipboard=off']);
      try {
        const { ctx, page } = await openPage(v);
        const note = async () => (await stats(page)).clipboard.note || undefined;
        expect(await waitFor('the clipboard note', note)).toBe('clipboard off (--clipboard=off)');
        const box = (await page.locator('#screen').boundingBox())!;
        await browserCopy(ctx, page, 'browser text, kept here');
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
        await page.mouse.click(box.x + 700, box.y + 500);
        await page.keyboard.press('Control+KeyV');
        // Time for the text to cross, had it been let through (it did well within this above).
        await pause(1500);
        expect(xclipOut()).toBe('X before');
        xclipIn('X text, kept there');
        await pause(1500);
        expect((await stats(page)).clipboard).toMatchObject({ sent: 0, received: 0, written: 0 });
        expect(await readBrowserClipboard(page)).toBe('browser text, kept here');
        await page.close();
        expect(await v.exit).toBe(0);
        await ctx.close();
      } finally {
        v.child.kill('SIGKILL');
      }
    }, 30_000);
  },
);
