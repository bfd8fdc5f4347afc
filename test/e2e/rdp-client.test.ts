// The RDP client against the real FreeRDP shadow server on an Xvfb display (test/helpers/rdp.ts):
// activation, what the server sends for each codec choice, typing into the xterm, clean close,
// and the one-line failures. Decoding the graphics is not tested here; updates are only
// classified by their fast-path update codes (MS-RDPBCGR 2.2.9.1.2.1).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRdp, type RdpClient, type RdpClientOptions } from '../../src/rdp/conn/client.js';
import { RdpConnectionError } from '../../src/rdp/conn/errors.js';
import { keyEvent, mouseMove, type InputEvent } from '../../src/rdp/conn/input.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';

const FASTPATH_UPDATETYPE_BITMAP = 0x1;
const FASTPATH_UPDATETYPE_SURFCMDS = 0x4;
const FASTPATH_FRAGMENT_SINGLE = 0;
const FASTPATH_FRAGMENT_FIRST = 2;
const CMDTYPE_SET_SURFACE_BITS = 0x1;
const CMDTYPE_FRAME_MARKER = 0x4;
const CMDTYPE_STREAM_SURFACE_BITS = 0x6;
const SURFACECMD_FRAMEACTION_END = 1;
const REMOTEFX_CODEC_ID = 3; // what the client assigned in its bitmap codecs set

interface Update {
  code: number;
  fragmentation: number;
  data: Buffer;
}

/** The updates in one fast-path output PDU (no encryption; bulk compression is not negotiated). */
function updates(pdu: Buffer): Update[] {
  const out: Update[] = [];
  let p = pdu[1] & 0x80 ? 3 : 2;
  while (p < pdu.length) {
    const header = pdu[p++];
    if ((header >> 6) & 0x2) p++; // compressionFlags
    const size = pdu.readUInt16LE(p);
    p += 2;
    out.push({ code: header & 0xf, fragmentation: (header >> 4) & 0x3, data: pdu.subarray(p, p + size) });
    p += size;
  }
  return out;
}

interface SurfaceCommand {
  type: number;
  codecId?: number;
  frameAction?: number;
  frameId?: number;
}

/** The surface commands at the start of a (first or only) SURFCMDS fragment. */
function surfaceCommands(data: Buffer): SurfaceCommand[] {
  const out: SurfaceCommand[] = [];
  let p = 0;
  while (p + 8 <= data.length) {
    const type = data.readUInt16LE(p);
    if (type === CMDTYPE_FRAME_MARKER) {
      out.push({ type, frameAction: data.readUInt16LE(p + 2), frameId: data.readUInt32LE(p + 4) });
      p += 8;
    } else if (type === CMDTYPE_SET_SURFACE_BITS || type === CMDTYPE_STREAM_SURFACE_BITS) {
      // cmdType, destRect (8), TS_BITMAP_DATA_EX: bpp, flags, reserved, codecID, width, height, length
      out.push({ type, codecId: data[p + 13] });
      p += 22 + data.readUInt32LE(p + 18);
    } else break;
  }
  return out;
}

// Set-1 scan codes for what the test types.
const SCANCODES: Record<string, number> = {
  ...Object.fromEntries([...'1234567890'].map((c, i) => [c, 0x02 + i])),
  ...Object.fromEntries([...'qwertyuiop'].map((c, i) => [c, 0x10 + i])),
  ...Object.fromEntries([...'asdfghjkl'].map((c, i) => [c, 0x1e + i])),
  ...Object.fromEntries([...'zxcvbnm'].map((c, i) => [c, 0x2c + i])),
  '-': 0x0c,
  ' ': 0x39,
  '\n': 0x1c,
};
const typed = (text: string): InputEvent[] =>
  [...text].flatMap((c) => [keyEvent(SCANCODES[c], true), keyEvent(SCANCODES[c], false)]);

const missing = rdpMissing();
if (missing) console.warn(`skipping the FreeRDP tests: ${missing}`);

describe.skipIf(missing)('RDP client against the FreeRDP shadow server', () => {
  let srv: RdpServer;
  const opened: RdpClient[] = [];
  beforeAll(async () => {
    srv = await startRdpServer();
  });
  afterAll(async () => {
    for (const c of opened) await c.close();
    await srv?.stop();
  });

  /** Ends the session after `ms` so a loop waiting for output cannot hang the file. */
  const deadline = (c: RdpClient, ms = 15_000) => {
    const t = setTimeout(() => void c.close(), ms);
    void c.closed.then(() => clearTimeout(t));
  };

  const connect = async (extra: Partial<RdpClientOptions> = {}) => {
    const c = await connectRdp({
      host: '127.0.0.1',
      port: srv.port,
      username: 'alice',
      serverCertificate: { fingerprint256: srv.fingerprint256 },
      ...extra,
    });
    opened.push(c);
    return c;
  };

  it('activates with RemoteFX and gets RemoteFX surface bits in acknowledged frames', async () => {
    const c = await connect({ codecs: 'remotefx', frameAcknowledge: 2 });
    deadline(c);
    expect(c.activation).toMatchObject({ width: 1024, height: 768, ioChannelId: 1003, fastPathInput: true });
    expect(c.activation?.server.bitmapCodecs).toContain('122f777672bd6344afb3b73c9c6f7886');
    const codes = new Set<number>();
    const codecs = new Set<number>();
    let framesEnded = 0;
    for await (const ev of c) {
      if (ev.type !== 'fastpath') continue;
      for (const u of updates(ev.pdu)) {
        codes.add(u.code);
        if (u.code !== FASTPATH_UPDATETYPE_SURFCMDS) continue;
        if (u.fragmentation !== FASTPATH_FRAGMENT_SINGLE && u.fragmentation !== FASTPATH_FRAGMENT_FIRST)
          continue;
        for (const cmd of surfaceCommands(u.data)) {
          if (cmd.codecId !== undefined) codecs.add(cmd.codecId);
          if (cmd.frameAction === SURFACECMD_FRAMEACTION_END) {
            c.acknowledgeFrame(cmd.frameId!);
            framesEnded++;
          }
        }
      }
      if (framesEnded >= 2) break; // the first full screen and a clock tick
    }
    expect(codes.has(FASTPATH_UPDATETYPE_SURFCMDS)).toBe(true);
    expect(codes.has(FASTPATH_UPDATETYPE_BITMAP)).toBe(false);
    expect([...codecs]).toEqual([REMOTEFX_CODEC_ID]);
    await c.close();
    await c.closed;
  });

  it('advertises no codec and gets bitmap updates (planar, 32 bpp, compressed)', async () => {
    const c = await connect({ codecs: 'none' });
    deadline(c);
    const codes = new Set<number>();
    let first: Buffer | undefined;
    for await (const ev of c) {
      if (ev.type !== 'fastpath') continue;
      for (const u of updates(ev.pdu)) {
        codes.add(u.code);
        if (
          u.code === FASTPATH_UPDATETYPE_BITMAP &&
          !first &&
          u.fragmentation !== 1 &&
          u.fragmentation !== 3
        ) {
          first = u.data;
        }
      }
      if (first) break;
    }
    expect(codes.has(FASTPATH_UPDATETYPE_SURFCMDS)).toBe(false);
    // TS_UPDATE_BITMAP_DATA: updateType UPDATETYPE_BITMAP, numberRectangles, then TS_BITMAP_DATA
    expect(first!.readUInt16LE(0)).toBe(1);
    expect(first!.readUInt16LE(4 + 12)).toBe(32); // bitsPerPixel
    expect(first!.readUInt16LE(4 + 14) & 0x0001).toBe(1); // BITMAP_COMPRESSION
    await c.close();
  });

  it('types into the xterm: the shell runs the command and more output arrives', async () => {
    const c = await connect();
    deadline(c);
    const marker = `typed-${process.pid}`;
    const area = srv.xtermArea;
    // The X server gives the keyboard to the window under the pointer (no window manager).
    expect(c.sendInput([mouseMove(area.x + area.width / 2, area.y + area.height / 2)])).toBe(true);
    expect(c.sendInput(typed(`touch ${marker}\n`))).toBe(true);
    const file = path.join(srv.dir, marker);
    let after = 0;
    // The clock redraws every second, so output keeps coming while the shell works.
    for await (const ev of c) {
      if (ev.type === 'fastpath') after++;
      if (after > 0 && fs.existsSync(file)) break;
    }
    expect(fs.existsSync(file)).toBe(true);
    expect(after).toBeGreaterThan(0);
    await c.close();
  });

  it('closes cleanly: the stream ends without an error and the server takes the next session', async () => {
    const c = await connect();
    const drained = (async () => {
      for await (const ev of c) void ev;
      return 'ended';
    })();
    await c.close();
    expect(await drained).toBe('ended');
    const again = await connect();
    expect(again.activation?.width).toBe(1024);
    await again.close();
  });

  it('refuses a server whose certificate does not match the pin', async () => {
    const pin = 'AB:'.repeat(31) + 'AB';
    const err = await connect({ serverCertificate: { fingerprint256: pin } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(
      `RDP server 127.0.0.1:${srv.port} presented a TLS certificate with SHA-256 fingerprint ${srv.fingerprint256}, not the pinned ${pin}`,
    );
  });

  it('says so when the server refuses TLS', async () => {
    const rdpOnly = await startRdpServer({ xterm: false, clock: false, args: ['/sec:rdp'] });
    try {
      const err = await connectRdp({
        host: '127.0.0.1',
        port: rdpOnly.port,
        username: 'alice',
        serverCertificate: { insecure: true },
      }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `RDP server 127.0.0.1:${rdpOnly.port} refused TLS: it allows only standard RDP security, not TLS`,
      );
    } finally {
      await rdpOnly.stop();
    }
  });
});

describe('RDP client: unreachable server', () => {
  it('fails with one line', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const err = await connectRdp({
      host: '127.0.0.1',
      port,
      username: 'alice',
      serverCertificate: { insecure: true },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(
      `RDP server 127.0.0.1:${port} unreachable: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
