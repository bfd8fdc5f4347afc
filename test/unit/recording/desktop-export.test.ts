// tshjs recordings export on desktop recordings built by an upstream-format writer that is not
// ours (upstream-writer.ts: protobufjs from the .proto files, proto-stream V1 by hand), PNG
// pictures made by ImageMagick: the frame timing of upstream's exporter (30 per second from
// DelayMilliseconds, the first drawing event only marks the time, the end event stops), the size
// from the largest screen spec / activation, legacy TDP and TDPB, AVI and PNG outputs decoded back
// by ImageMagick, and the refusals.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  progressBar,
  runRecordingsExport,
  type RecordingsExportOptions,
} from '../../../src/commands/recordings.js';
import { decodePng } from '../../../src/rdp/png.js';
import { FRAME_DELAY_MS, renderDesktopRecording } from '../../../src/recording/desktop-export.js';
import { OneOf } from '../../../src/gen/teleport/legacy/types/events/events.js';
import { TeleportClient, fakeContext } from '../commands/fake.js';
import { desktopEvents, protoStreamV1, tdp, tdpbFrame } from './upstream-writer.js';

const convert = fs.existsSync('/usr/bin/convert') ? '/usr/bin/convert' : undefined;
const SID = '7e1f6a52-3c1b-4a8e-b7d1-0c9a4e2f5b61';
let dir: string;
let red: Buffer;
let blue: Buffer;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-dexport-'));
  if (convert) {
    // 8-bit RGB, as Go's png.Encode writes an opaque picture (src/rdp/png.ts reads no palettes).
    red = execFileSync(convert, ['-size', '64x48', 'xc:#ff0000', 'PNG24:-']);
    blue = execFileSync(convert, ['-size', '16x8', 'xc:#0000ff', 'PNG24:-']);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function exportIt(o: RecordingsExportOptions, tty = false) {
  const c = fakeContext((config) => new TeleportClient(config), {}, { TELEPORT_HOME: dir });
  if (tty) Object.assign(c.ctx.io.stderr, { isTTY: true });
  try {
    const code = await runRecordingsExport(o, c.ctx);
    return { code, out: c.stdout(), err: c.stderr() };
  } finally {
    c.ctx.close();
  }
}

/** RGB of an image file as ImageMagick decodes it. */
function pixels(file: string): Buffer {
  return execFileSync(convert!, [file, '-depth', '8', 'rgb:-']);
}

/** The JPEG of each '00dc' chunk listed in idx1. */
function aviFrames(avi: Buffer): Buffer[] {
  const idx = avi.indexOf('idx1', 224, 'latin1');
  const n = avi.readUInt32LE(idx + 4) / 16;
  const frames: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const at = 220 + avi.readUInt32LE(idx + 8 + 16 * i + 8);
    frames.push(avi.subarray(at + 8, at + 8 + avi.readUInt32LE(idx + 8 + 16 * i + 12)));
  }
  return frames;
}

/** Red 64x48 with a blue 16x8 at (8, 8). */
function expectRedWithBlue(rgb: Buffer, tolerance: number): void {
  expect(rgb.length).toBe(64 * 48 * 3);
  for (const [x, y, want] of [
    [0, 0, [255, 0, 0]],
    [63, 47, [255, 0, 0]],
    [12, 10, [0, 0, 255]],
    [40, 30, [255, 0, 0]],
  ] as const) {
    const o = (y * 64 + x) * 3;
    for (let c = 0; c < 3; c++)
      expect(Math.abs(rgb[o + c]! - want[c]!), `${x},${y}`).toBeLessThanOrEqual(tolerance);
  }
}

const legacyMessages = () => [
  { delay: 0, legacy: tdp.screenSpec(32, 24) },
  { delay: 0, legacy: tdp.screenSpec(64, 48) }, // the largest spec sizes the video
  { delay: 0, legacy: tdp.png2(0, 0, 63, 47, red) },
  { delay: 1000, legacy: tdp.png2(8, 8, 23, 15, blue) },
  { delay: 2000, legacy: tdp.mouseMove(5, 5) },
];

describe.skipIf(!convert)('recordings export of an upstream-format desktop recording', () => {
  // 1000 ms is 29 frames, not 30: as in Go, 1000 / (1000/30 as a float64) is 29.999999999999996,
  // truncated; so the two 1000 ms gaps make 58 frames.
  it('legacy TDP PNG frames: numbered PNG files at 30 fps', async () => {
    const file = path.join(dir, `${SID}.tar`);
    fs.writeFileSync(file, protoStreamV1(desktopEvents({ sid: SID, messages: legacyMessages() }), 100));
    const out = path.join(dir, 'png');
    const r = await exportIt({ target: file, format: 'png', out });
    expect(r).toEqual({ code: 0, out: `Wrote 58 frames to ${out}\n`, err: '' });
    const names = fs.readdirSync(out).sort();
    expect(names).toHaveLength(58);
    expect(names[0]).toBe('frame-000001.png');
    expect(names[57]).toBe('frame-000058.png');
    // Frame 1 already shows the blue rectangle drawn by the event that emitted it.
    expectRedWithBlue(pixels(path.join(out, names[0]!)), 0);
    const last = decodePng(fs.readFileSync(path.join(out, names[57]!)));
    expect([last.width, last.height]).toEqual([64, 48]);
  });

  it('the same recording as AVI: 58 JPEG frames that ImageMagick decodes', async () => {
    const file = path.join(dir, 'legacy.tar');
    fs.writeFileSync(file, protoStreamV1(desktopEvents({ sid: SID, messages: legacyMessages() })));
    const out = path.join(dir, 'legacy-video.AVI');
    const r = await exportIt({ target: file, out });
    const written = path.join(dir, 'legacy-video.avi');
    expect(r).toEqual({ code: 0, out: `Wrote recording to ${written}\n`, err: '' });
    const avi = fs.readFileSync(written);
    expect(avi.subarray(0, 4).toString()).toBe('RIFF');
    expect(avi.readUInt32LE(48)).toBe(58);
    expect([avi.readUInt32LE(64), avi.readUInt32LE(68)]).toEqual([64, 48]);
    const frames = aviFrames(avi);
    expect(frames).toHaveLength(58);
    const jpg = path.join(dir, 'last.jpg');
    fs.writeFileSync(jpg, frames[57]!);
    expectRedWithBlue(pixels(jpg), 40);
    // No temporary file left beside it.
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('TDPB: sized by the ServerHello activation, PNG frames in envelopes', async () => {
    const file = path.join(dir, 'tdpb.tar');
    const messages = [
      {
        delay: 0,
        tdpb: tdpbFrame({
          server_hello: {
            activation_spec: {
              io_channel_id: 1003,
              user_channel_id: 1004,
              screen_width: 64,
              screen_height: 48,
            },
          },
        }),
      },
      {
        delay: 10,
        tdpb: tdpbFrame({
          png_frame: { coordinates: { left: 0, top: 0, right: 63, bottom: 47 }, data: red },
        }),
      },
      {
        delay: 500,
        tdpb: tdpbFrame({
          png_frame: { coordinates: { left: 8, top: 8, right: 23, bottom: 15 }, data: blue },
        }),
      },
    ];
    fs.writeFileSync(file, protoStreamV1(desktopEvents({ sid: SID, messages })));
    const out = path.join(dir, 'tdpb-png');
    const r = await exportIt({ target: file, format: 'png', out });
    // 500 / 33.333333333333336 = 14.999999999999998: 14 frames, emitted by the last event.
    expect(r.out).toBe(`Wrote 14 frames to ${out}\n`);
    expectRedWithBlue(pixels(path.join(out, 'frame-000014.png')), 0);
  });

  it('a progress bar on stderr when it is a terminal', async () => {
    const file = path.join(dir, 'tty.tar');
    fs.writeFileSync(file, protoStreamV1(desktopEvents({ sid: SID, messages: legacyMessages() })));
    const r = await exportIt({ target: file, out: path.join(dir, 'tty') }, true);
    expect(r.out).toBe(`Wrote recording to ${path.join(dir, 'tty.avi')}\n`);
    const draws = r.err.split('\r').filter(Boolean);
    expect(draws.length).toBeGreaterThan(2);
    for (const d of draws.slice(0, -1)) expect(d).toMatch(/^Exporting recording \[=* *\] {1,2}\d{2}%$/);
    expect(draws.at(-1)).toBe(`Exporting recording [${'='.repeat(30)}] 100%\n`);
  });

  it('refuses a session that is not a desktop one, with upstream text', async () => {
    const file = path.join(dir, 'ssh.tar');
    fs.writeFileSync(
      file,
      protoStreamV1(desktopEvents({ sid: SID, messages: legacyMessages(), sshStart: true })),
    );
    await expect(exportIt({ target: file })).rejects.toThrow(/^only desktop recordings can be exported$/);
    expect(fs.existsSync(path.join(dir, 'ssh.avi'))).toBe(false);
  });

  it('no screen data: says so and writes nothing', async () => {
    const file = path.join(dir, 'empty.tar');
    const messages = [
      { delay: 0, legacy: tdp.screenSpec(64, 48) },
      { delay: 900, legacy: tdp.mouseMove(1, 1) },
    ];
    fs.writeFileSync(file, protoStreamV1(desktopEvents({ sid: SID, messages })));
    const r = await exportIt({ target: file, out: path.join(dir, 'empty') });
    expect(r.out).toBe('No video was written (the recording contained no screen data).\n');
    expect(fs.existsSync(path.join(dir, 'empty.avi'))).toBe(false);
  });

  it('rejects a bad format and a target that is neither a file nor a session ID', async () => {
    await expect(exportIt({ target: SID, format: 'mp4' })).rejects.toThrow(
      'unsupported format "mp4", use avi or png',
    );
    await expect(exportIt({ target: 'nope' })).rejects.toThrow(
      "'nope' is not a valid session ID (must be GUID)",
    );
  });
});

describe('progress bar', () => {
  it('redraws only when the percentage changes, ends with a newline', () => {
    let text = '';
    const bar = progressBar({ write: (s: string) => ((text += s), true) } as never, 200);
    bar.tick();
    bar.tick(); // 1%
    bar.tick(); // still 1%
    bar.done();
    expect(
      text
        .split('\r')
        .filter(Boolean)
        .map((l) => l.slice(-5)),
    ).toEqual(['   0%', '   1%', '100%\n']);
  });
});

describe('frame timing', () => {
  const rec = (delay: number, legacy: Buffer): OneOf => ({
    Event: {
      $case: 'DesktopRecording',
      value: {
        Metadata: undefined,
        Message: legacy,
        DelayMilliseconds: BigInt(delay),
        TDPBMessage: Buffer.alloc(0),
      },
    },
  });
  const end: OneOf = OneOf.fromPartial({ Event: { $case: 'WindowsDesktopSessionEnd', value: {} } });
  async function* from(evs: OneOf[]) {
    yield* evs;
  }
  const screen = { reset() {}, fastPath() {}, png() {}, rgba: () => new Uint8Array(4) };
  const pngMsg = tdp.png2(0, 0, 0, 0, Buffer.from('x'));

  it('emits floor(delta / (1000/30)) frames per event once there is screen data; the end event stops', async () => {
    const counts: number[] = [];
    const sink = { emit: async (_: Uint8Array, n: number) => void counts.push(n) };
    const n = await renderDesktopRecording(
      from([
        rec(100, tdp.screenSpec(1, 1)), // marks the time: 100
        rec(300, tdp.mouseMove(0, 0)), // no screen data yet: nothing
        rec(310, pngMsg), // (310-100)/33.3 = 6
        rec(320, tdp.mouseMove(0, 0)), // 10 ms: 0, last stays 310
        rec(345, tdp.mouseMove(0, 0)), // 35 ms: 1
        end,
        rec(9999, pngMsg), // after the end: ignored
      ]),
      screen,
      sink,
    );
    expect(counts).toEqual([6, 1]);
    expect(n).toBe(7);
    expect(FRAME_DELAY_MS).toBe(33.333333333333336);
    expect(Math.floor(1000 / FRAME_DELAY_MS)).toBe(29); // as Go's int64(float64(1000) / frameDelayMillis)
  });
});
