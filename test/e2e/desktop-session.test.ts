// Desktop sessions end to end: `tshjs desktop screenshot` and `tshjs desktop run` (and the library's
// openDesktopSession) through the dev cluster's proxy and Windows Desktop Service to the real
// FreeRDP shadow server on an Xvfb display (test/helpers/rdp.ts). Screenshots are compared with
// the X display captured directly (`xwd -root`, parsed here); typing is checked by what the shell in
// the xterm writes to a file; both dialects; the one-line failures.
//
// Bound: the shadow server sends RemoteFX (lossy) to the dev cluster's service, so pixels are
// compared over the screen without the clock (which ticks between the two captures) by PSNR, at
// least 45 dB, and by the largest error of one channel, at most 40 (measured: about 60 dB and 7).
// A session that got only bitmaps / planar (lossless) must match exactly.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { decodePng, type RgbaImage } from '../../src/rdp/png.js';
import { openDesktopSession } from '../../src/tdp/open.js';
import {
  loginArgs,
  startCluster,
  tempHome,
  TOTP_SECRET,
  TSHJS_BIN,
  tshjs,
  type CliResult,
} from '../helpers/cluster.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';
import { captureX, compareOutsideClock } from '../helpers/screen.js';

const missing = rdpMissing();
if (missing) console.warn(`skipping the desktop session tests: ${missing}`);

const MIN_PSNR_DB = 45;
const MAX_CHANNEL_ERROR = 40;

/** A screenshot of the session against the display captured now, within the RemoteFX bound. */
function expectLikeDisplay(shot: RgbaImage, rdp: RdpServer): void {
  const { psnr, maxError } = compareOutsideClock(shot, captureX(rdp));
  expect(psnr).toBeGreaterThanOrEqual(MIN_PSNR_DB);
  expect(maxError).toBeLessThanOrEqual(MAX_CHANNEL_ERROR);
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits for a file the shell in the xterm writes (typing is asynchronous to the session). */
async function fileText(file: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    if (Date.now() > until) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One line on stderr, exit 1. */
function oneLineError(r: CliResult): string {
  expect(r.code, r.stdout).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ERROR: /);
  return lines[0]!.slice('ERROR: '.length);
}

describe.skipIf(missing)('desktop sessions through the dev cluster to a real RDP server', () => {
  let rdp: RdpServer;
  let cluster: DevCluster;
  let legacyOnly: DevCluster;
  let home: string;
  let legacyHome: string;
  let mfaHome: string;
  let out: string;

  const desk = {
    logins: ['alice'],
    node_labels: {},
    windows_desktop_labels: { env: 'dev' },
    windows_desktop_logins: ['alice', 'Administrator'],
  };
  const config = (downPort: number) => ({
    second_factor: 'otp',
    users: [
      { name: 'alice', password: 'alice-pw', totp_secret: TOTP_SECRET, roles: ['desk'] },
      { name: 'mia', password: 'mia-pw', totp_secret: TOTP_SECRET, roles: ['desk-mfa'] },
    ],
    roles: [
      { name: 'desk', ...desk },
      { name: 'desk-mfa', ...desk, require_session_mfa: true },
    ],
    desktops: [
      {
        name: 'shadow',
        addr: `127.0.0.1:${rdp.port}`,
        labels: { env: 'dev' },
        rdp_fingerprint256: rdp.fingerprint256,
      },
      { name: 'shadow-prod', addr: `127.0.0.1:${rdp.port}`, labels: { env: 'prod' } },
      { name: 'down', addr: `127.0.0.1:${downPort}`, labels: { env: 'dev' } },
    ],
  });

  beforeAll(async () => {
    rdp = await startRdpServer();
    const downPort = await closedPort();
    [cluster, legacyOnly] = await Promise.all([
      startCluster(config(downPort)),
      startCluster({ ...config(downPort), windows_desktop_service: { tdpb: false } }),
    ]);
    home = tempHome();
    legacyHome = tempHome();
    mfaHome = tempHome();
    out = fs.mkdtempSync(path.join(rdp.dir, 'shots-'));
    for (const [c, h, user] of [
      [cluster, home, 'alice'],
      [legacyOnly, legacyHome, 'alice'],
      [cluster, mfaHome, 'mia'],
    ] as const) {
      const r = await tshjs(loginArgs(c, user), { home: h, stdin: `${user}-pw\n${totp(TOTP_SECRET)}\n` });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 40_000);

  afterAll(async () => {
    await cluster?.stop();
    await legacyOnly?.stop();
    await rdp?.stop();
  });

  it('desktop screenshot writes a PNG of the screen, matching the X display', async () => {
    const file = path.join(out, 'shot.png');
    const r = await tshjs(['desktop', 'screenshot', 'shadow', '--login', 'alice', '-o', file], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}\n`);
    const shot = decodePng(fs.readFileSync(file));
    expectLikeDisplay(shot, rdp);
  });

  it('takes the shot anyway, with a warning, when the screen does not settle in time', async () => {
    const file = path.join(out, 'unsettled.png');
    const args = [
      'desktop',
      'screenshot',
      'shadow',
      '--login',
      'alice',
      '-o',
      file,
      '--settle',
      '2s',
      '--idle',
      '5s',
    ];
    const r = await tshjs(args, { home });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'WARNING: the screen of shadow was still changing after 2s (--settle); taking the screenshot anyway\n',
    );
    expect(decodePng(fs.readFileSync(file)).width).toBe(1024);
  });

  it('a real process writes the PNG to stdout with -o - and exits', async () => {
    const child = spawn(
      process.execPath,
      [TSHJS_BIN, 'desktop', 'screenshot', 'shadow', '--login', 'alice', '-o', '-'],
      {
        env: { PATH: process.env.PATH ?? '', TELEPORT_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expectLikeDisplay(decodePng(Buffer.concat(stdout)), rdp);
  });

  it('the library session decodes the display exactly where the codec is lossless, else within the PSNR bound', async () => {
    const tc = new TeleportClient({ home });
    try {
      const session = await openDesktopSession({ client: tc, desktop: 'shadow', login: 'alice' });
      try {
        expect(session.dialect).toBe('tdpb');
        expect(await session.waitForSettle(500, 10_000)).toBe(true);
        const shot = decodePng(session.screenshotPng());
        const result = compareOutsideClock(shot, captureX(rdp));
        const lossy = { psnr: result.psnr >= MIN_PSNR_DB, maxError: result.maxError <= MAX_CHANNEL_ERROR };
        const stats = session.graphics!.stats;
        if (stats.surfaceBits === 0) expect(result.differing).toBe(0);
        else expect(lossy).toEqual({ psnr: true, maxError: true });
        // Frame acknowledgements keep the server sending: more than one frame arrived.
        expect(session.stats.responses).toBe(session.stats.frames);
      } finally {
        await session.close();
      }
    } finally {
      tc.close();
    }
  });

  it('desktop run types into the xterm (scancodes with Shift) and reports JSON events', async () => {
    const shot = path.join(out, 'typed.png');
    const script = [
      '# the pointer over the xterm gives it the keyboard focus (no window manager)',
      `move ${rdp.xtermArea.x + 100} ${rdp.xtermArea.y + 100}`,
      'wait 200ms',
      `type echo 'Hello, World!' $((6*7)) > tdpb.txt`,
      'key Enter',
      'wait-change 10s',
      'wait-settle 300ms 5s',
      `screenshot ${shot}`,
    ].join('\n');
    const r = await tshjs(['desktop', 'run', 'shadow', '--login', 'alice', '--format', 'json', '-'], {
      home,
      stdin: script,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await fileText(path.join(rdp.dir, 'tdpb.txt'))).toBe('Hello, World! 42\n');
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({
      event: 'activated',
      desktop: 'shadow',
      login: 'alice',
      protocol: 'tdpb',
    });
    expect(events.map((e) => e.event)).toEqual([
      'activated',
      'frames',
      'frames',
      'frames',
      'screenshot',
      'done',
    ]);
    expect(events[4]).toMatchObject({ event: 'screenshot', line: 8, path: shot, width: 1024, height: 768 });
    // The command line is on the screen now: the xterm area of the shot matches the display.
    expectLikeDisplay(decodePng(fs.readFileSync(shot)), rdp);
  });

  it('speaks legacy TDP to a service without TDPB', async () => {
    const r = await tshjs(['desktop', 'run', 'shadow', '--login', 'Administrator', '-'], {
      home: legacyHome,
      stdin: `move 50 50\nwait 200\ntype echo legacy-$((1+1)) > tdp.txt\nkey Enter\n`,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^connected to shadow as Administrator \(1024x768, TDP\)\n/);
    expect(r.stdout).toMatch(/\ndone: 4 steps, \d+ screen updates\n$/);
    expect(await fileText(path.join(rdp.dir, 'tdp.txt'))).toBe('legacy-2\n');
    const file = path.join(out, 'legacy.png');
    const s = await tshjs(['desktop', 'screenshot', 'shadow', '--login', 'alice', '-o', file], {
      home: legacyHome,
    });
    expect(s.code, s.stderr).toBe(0);
    expectLikeDisplay(decodePng(fs.readFileSync(file)), rdp);
  });

  it.each([
    ['a login the roles do not allow', ['shadow', '--login', 'bob'], /access to windows_desktop denied/],
    [
      'a desktop the roles do not cover',
      ['shadow-prod', '--login', 'alice'],
      /access to windows_desktop denied/,
    ],
    ['an unknown desktop', ['nope', '--login', 'alice'], /^desktop "nope" not found: /],
    ['an unreachable RDP server', ['down', '--login', 'alice'], /^RDP client exited with an error: /],
    ['no login', ['shadow'], /^a Windows login is required to connect to shadow: add --login USER/],
    ['a bad size', ['shadow', '--login', 'alice', '--size', '10x10'], /^invalid --size "10x10"/],
  ])('fails with one line for %s', async (_what, args, message) => {
    const r = await tshjs(['desktop', 'screenshot', ...args, '-o', path.join(out, 'never.png')], { home });
    expect(oneLineError(r)).toMatch(message);
    expect(fs.existsSync(path.join(out, 'never.png'))).toBe(false);
  });

  it('fails with one line when per-session MFA is required but cannot be done', async () => {
    // stdin carries the script, so nothing can answer an MFA prompt.
    const r = await tshjs(['desktop', 'run', 'shadow', '--login', 'alice'], {
      home: mfaHome,
      stdin: 'wait 1\n',
    });
    expect(oneLineError(r)).toMatch(/^MFA is required to access Windows desktop "shadow"/);
  });

  it('refuses a bad script before connecting, naming the line; a failing step names its line', async () => {
    const bad = await tshjs(['desktop', 'run', 'nope', '--login', 'alice'], {
      home,
      stdin: 'wait 1\nkey Ctrl+Q+\n',
    });
    expect(oneLineError(bad)).toBe('stdin:2: empty key name in "Ctrl+Q+"');
    const offScreen = await tshjs(['desktop', 'run', 'shadow', '--login', 'alice', '-f', 'json'], {
      home,
      stdin: 'click 2000 10\n',
    });
    expect(oneLineError(offScreen)).toBe('stdin:1: point 2000,10 is outside the 1024x768 screen');
    const last = JSON.parse(offScreen.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(last).toEqual({
      event: 'error',
      line: 1,
      message: 'stdin:1: point 2000,10 is outside the 1024x768 screen',
    });
  });
});
