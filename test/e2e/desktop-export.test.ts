// tshjs recordings export of real desktop sessions: the dev cluster records a session with the
// real FreeRDP shadow server (test/helpers/rdp.ts; TDPB and legacy TDP), then the recording is
// exported from the cluster (StreamSessionEvents) and from its file, as AVI and as PNG frames.
// The last frame must show the session's final screen: the screenshot `desktop run` took at the
// end of its script, compared outside the xclock (which ticks on): PNG frames come from the same
// RemoteFX decoding as the screenshot, so they match within MIN_PSNR_PNG; AVI frames are JPEG
// (quality 75) and match within MIN_PSNR_AVI. The same session re-written by the upstream-format
// writer of the unit tests (protobufjs + proto-stream V1 by hand) exports to the same frames.
// Also: `recordings ls` lists the session as upstream's "windows" row, and `play` of the file
// says to use `recordings export`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { decodePng, type RgbaImage } from '../../src/rdp/png.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { loginArgs, startCluster, tempHome, TOTP_SECRET, tshjs } from '../helpers/cluster.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';
import { compareOutsideClock } from '../helpers/screen.js';
import { desktopEvents, protoStreamV1 } from '../unit/recording/upstream-writer.js';

const missing =
  rdpMissing() ?? (fs.existsSync('/usr/bin/convert') ? undefined : 'ImageMagick convert is missing');
if (missing) console.warn(`skipping the desktop export tests: ${missing}`);

const MIN_PSNR_PNG = 50; // measured: identical (Infinity) outside the clock
const MIN_PSNR_AVI = 40; // measured: 52-54 dB

/** The JPEG frames of an AVI, from its idx1. */
function aviFrames(avi: Buffer): Buffer[] {
  const idx = avi.indexOf('idx1', 224, 'latin1');
  const n = avi.readUInt32LE(idx + 4) / 16;
  return Array.from({ length: n }, (_, i) => {
    const at = 220 + avi.readUInt32LE(idx + 16 + 16 * i);
    return avi.subarray(at + 8, at + 8 + avi.readUInt32LE(idx + 20 + 16 * i));
  });
}

function jpegRgb(jpeg: Buffer, dir: string): { width: number; height: number; data: Uint8Array } {
  const f = path.join(dir, 'frame.jpg');
  fs.writeFileSync(f, jpeg);
  const [width, height] = execFileSync('/usr/bin/convert', [f, '-format', '%w %h', 'info:'])
    .toString()
    .split(' ')
    .map(Number);
  const data = execFileSync('/usr/bin/convert', [f, '-depth', '8', 'rgb:-'], { maxBuffer: 64 << 20 });
  return { width: width!, height: height!, data };
}

describe.skipIf(missing)('recordings export of desktop sessions recorded by the dev cluster', () => {
  let rdp: RdpServer;
  const clusters: Record<'tdpb' | 'tdp', { cluster: DevCluster; home: string }> = {} as never;
  let out: string;

  const config = () => ({
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
    desktops: [{ name: 'shadow', addr: `127.0.0.1:${rdp.port}`, labels: { env: 'dev' } }],
  });

  beforeAll(async () => {
    rdp = await startRdpServer();
    out = fs.mkdtempSync(path.join(rdp.dir, 'export-'));
    const [a, b] = await Promise.all([
      startCluster(config()),
      startCluster({ ...config(), windows_desktop_service: { tdpb: false } }),
    ]);
    clusters.tdpb = { cluster: a, home: tempHome() };
    clusters.tdp = { cluster: b, home: tempHome() };
    for (const { cluster, home } of Object.values(clusters)) {
      const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: `alice-pw\n${totp(TOTP_SECRET)}\n` });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of Object.values(clusters)) await c.cluster.stop();
    await rdp?.stop();
  });

  /** Runs a session that types a line, screenshots the end state, and waits for the clock to tick. */
  async function recordSession(
    dialect: 'tdpb' | 'tdp',
  ): Promise<{ sid: string; file: string; final: RgbaImage }> {
    const { cluster, home } = clusters[dialect];
    const shot = path.join(out, `${dialect}-final.png`);
    const script = [
      `move ${rdp.xtermArea.x + 100} ${rdp.xtermArea.y + 100}`,
      'wait 200ms',
      `type echo export-${dialect}`,
      'key Enter',
      'wait-change 10s',
      'wait-settle 500ms 5s',
      `screenshot ${shot}`,
      // The clock ticks on: its updates are the later events that emit frames of this screen.
      'wait 1500ms',
    ].join('\n');
    const r = await tshjs(['desktop', 'run', 'shadow', '--login', 'alice', '-'], { home, stdin: script });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ls = await tshjs(['recordings', 'ls', '--format', 'json'], { home });
      const ends = (JSON.parse(ls.stdout) as { event: string; sid: string }[]).filter(
        (e) => e.event === 'windows.desktop.session.end',
      );
      if (ends.length > 0) {
        const sid = ends[0]!.sid;
        const file = path.join(cluster.recordingsDir, `${sid}.tar`);
        if (fs.existsSync(file)) return { sid, file, final: decodePng(fs.readFileSync(shot)) };
      }
      if (Date.now() > deadline) throw new Error('no desktop recording listed');
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  for (const dialect of ['tdpb', 'tdp'] as const) {
    it(`${dialect}: AVI from the cluster and PNG frames from the file end on the final screen`, async () => {
      const { home } = clusters[dialect];
      const { sid, file, final } = await recordSession(dialect);

      const ls = await tshjs(['recordings', 'ls'], { home });
      expect(ls.stderr).toBe('');
      expect(ls.stdout).toMatch(
        new RegExp(`^${sid} windows alice +shadow +\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC $`, 'm'),
      );

      const avi = path.join(out, `${dialect}.avi`);
      const a = await tshjs(['recordings', 'export', sid, '--out', avi], { home });
      expect(a.stderr).toBe('');
      expect(a.stdout).toBe(`Wrote recording to ${avi}\n`);
      const frames = aviFrames(fs.readFileSync(avi));
      expect(frames.length).toBeGreaterThan(30);
      const lastJpeg = jpegRgb(frames.at(-1)!, out);
      expect([lastJpeg.width, lastJpeg.height]).toEqual([1024, 768]);
      expect(compareOutsideClock(final, lastJpeg, 3).psnr).toBeGreaterThanOrEqual(MIN_PSNR_AVI);

      const dir = path.join(out, `${dialect}-png`);
      const p = await tshjs(['recordings', 'export', file, '--format', 'png', '-o', dir], { home });
      expect(p.stderr).toBe('');
      expect(p.stdout).toBe(`Wrote ${frames.length} frames to ${dir}\n`);
      const names = fs.readdirSync(dir).sort();
      expect(names).toHaveLength(frames.length);
      const lastPng = decodePng(fs.readFileSync(path.join(dir, names.at(-1)!)));
      expect(compareOutsideClock(final, lastPng).psnr).toBeGreaterThanOrEqual(MIN_PSNR_PNG);

      // The same messages in a recording written by the upstream-format writer export the same.
      const messages: { delay: number; legacy?: Buffer; tdpb?: Buffer }[] = [];
      for await (const ev of new RecordingReader(fs.createReadStream(file))) {
        if (ev.Event?.$case !== 'DesktopRecording') continue;
        const v = ev.Event.value;
        messages.push({
          delay: Number(v.DelayMilliseconds),
          ...(v.Message.length ? { legacy: v.Message } : { tdpb: v.TDPBMessage }),
        });
      }
      expect(messages.length).toBeGreaterThan(5);
      const upstream = path.join(out, `${dialect}-upstream.tar`);
      fs.writeFileSync(upstream, protoStreamV1(desktopEvents({ sid, messages }), 256 * 1024));
      const udir = path.join(out, `${dialect}-upstream-png`);
      const u = await tshjs(['recordings', 'export', upstream, '--format', 'png', '-o', udir], { home });
      expect(u.stderr).toBe('');
      expect(u.stdout).toBe(`Wrote ${frames.length} frames to ${udir}\n`);
      const lastUp = fs.readFileSync(path.join(udir, names.at(-1)!));
      expect(lastUp.equals(fs.readFileSync(path.join(dir, names.at(-1)!)))).toBe(true);

      const play = await tshjs(['play', file], { home });
      expect(play.code).toBe(1);
      expect(play.stderr).toMatch(
        /^ERROR: Desktop sessions cannot be played with tshjs play\. .*tshjs recordings export/,
      );
    }, 60_000);
  }
});
