// A server-initiated Deactivation-Reactivation (MS-RDPBCGR 1.3.1.3) driven byte by byte by the
// scripted server of peer.ts (real sockets and TLS, PDUs from the codecs' server halves): the new
// Demand Active is confirmed with the same capabilities at the new size, the finalization PDUs
// carry the new share id, output sent before the Font Map follows the 'activated' event, input
// given meanwhile is held and sent afterwards; and the slow-path updates the dev cluster re-frames
// as fast-path output decode to the same bitmaps.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CAPSETTYPE_BITMAP_CODECS,
  CAPSETTYPE_FRAME_ACKNOWLEDGE,
  CAPSTYPE_BITMAP,
} from '../../../../src/rdp/conn/capabilities.js';
import { RdpClient, connectRdp, type RdpEvent } from '../../../../src/rdp/conn/client.js';
import { RdpConnectionError } from '../../../../src/rdp/conn/errors.js';
import { keyEvent } from '../../../../src/rdp/conn/input.js';
import {
  CTRLACTION_COOPERATE,
  CTRLACTION_REQUEST_CONTROL,
  PDUTYPE2_CONTROL,
  PDUTYPE2_FONTLIST,
  PDUTYPE2_SYNCHRONIZE,
  PDUTYPE2_UPDATE,
  PDUTYPE_DEACTIVATEALLPDU,
  decodeControl,
  encodeDemandActive,
  encodeShareControl,
  encodeShareData,
  updateAsFastPath,
} from '../../../../src/rdp/conn/share.js';
import { Writer } from '../../../../src/rdp/conn/bytes.js';
import { FastPathParser } from '../../../../src/rdp/fastpath.js';
import { SHARE_ID, startPeer, type Peer, type PeerSession } from './peer.js';

const NEW_SHARE_ID = 0x000203ea;

let peer: Peer | undefined;
let client: RdpClient | undefined;
afterEach(async () => {
  await client?.close();
  await peer?.close();
  client = peer = undefined;
});

/** Connects; the peer finalizes the first activation at once and leaves later ones to the test. */
async function connect(phase = 3000) {
  let confirms = 0;
  peer = await startPeer({
    width: 800,
    height: 600,
    onConfirmActive: (s) => {
      if (confirms++ === 0) s.finalize();
    },
  });
  client = await connectRdp({
    host: '127.0.0.1',
    port: peer.port,
    username: 'alice',
    serverCertificate: { insecure: true },
    codecs: 'remotefx',
    frameAcknowledge: 2,
    timeouts: { phase },
  });
  return { client, session: await peer.session() };
}

/** A Demand Active like peer.ts's, with its own share id and size. */
function demandActive(shareId: number, width: number, height: number): Buffer {
  const bitmap = Buffer.alloc(24);
  bitmap.writeUInt16LE(32, 0);
  bitmap.writeUInt16LE(width, 8);
  bitmap.writeUInt16LE(height, 10);
  const input = Buffer.alloc(84);
  input.writeUInt16LE(0x29, 0); // scancodes, mouse, fast-path input
  const general = Buffer.alloc(20);
  general.writeUInt16LE(0x0401, 10);
  return encodeDemandActive({
    shareId,
    sourceDescriptor: 'RDP',
    capabilities: [
      { type: 1, data: general },
      { type: 2, data: bitmap },
      { type: 13, data: input },
    ],
    sessionId: 0,
  });
}

/** A slow-path bitmap update body: one uncompressed 2x1 rectangle at 32 bpp, at (x, y). */
function bitmapUpdateBody(x: number, y: number, pixels = Buffer.from('0000ff00ff000000', 'hex')): Buffer {
  return new Writer()
    .u16(1) // UPDATETYPE_BITMAP
    .u16(1)
    .u16(x)
    .u16(y)
    .u16(x + 1)
    .u16(y)
    .u16(2)
    .u16(1)
    .u16(32)
    .u16(0) // uncompressed
    .u16(pixels.length)
    .bytes(pixels)
    .toBuffer();
}

async function next(c: RdpClient): Promise<RdpEvent> {
  for await (const ev of c) return ev;
  throw new Error('the event stream ended');
}

/** Share data PDUs the client sent after its n-th Confirm Active (0-based). */
const afterConfirm = (s: PeerSession, n: number) => s.data.slice(4 * n);

describe('RDP client: server-initiated deactivation-reactivation', () => {
  it('confirms the new Demand Active, finalizes with the new share id, holds output and input', async () => {
    const { client, session } = await connect();
    expect(client.activation).toMatchObject({ width: 800, height: 600, shareId: SHARE_ID });

    session.sendDeactivateAll();
    expect(await next(client)).toEqual({ type: 'deactivated' });
    expect(client.activation).toBeUndefined();
    // Input meanwhile is held, not written (the server would drop it).
    expect(client.sendInput([keyEvent(0x1e, true), keyEvent(0x1e, false)])).toBe(true);

    session.sendIo(demandActive(NEW_SHARE_ID, 1024, 768));
    await session.until(() => afterConfirm(session, 1).length === 4);
    // Output the server sends before its Font Map (xrdp redraws at the new size then).
    const fast = Buffer.from([0x00, 0x07, 0x04, 0x02, 0x00, 0x11, 0x22]);
    session.socket.write(fast);
    session.sendIo(encodeShareData(NEW_SHARE_ID, 1002, PDUTYPE2_UPDATE, bitmapUpdateBody(1000, 700)));
    expect(session.input).toEqual([]);
    session.finalize();

    const activated = await next(client);
    expect(activated).toMatchObject({
      type: 'activated',
      activation: { width: 1024, height: 768, shareId: NEW_SHARE_ID, ioChannelId: 1003, userChannelId: 1007 },
    });
    expect(await next(client)).toEqual({ type: 'fastpath', pdu: fast });
    expect(await next(client)).toMatchObject({ type: 'slowpath', pduType2: PDUTYPE2_UPDATE });
    expect(client.activation).toMatchObject({ width: 1024, height: 768, shareId: NEW_SHARE_ID });

    // The second Confirm Active: the new share id, the same capabilities but the desktop size.
    const [first, second] = session.confirmActive;
    expect(second.shareId).toBe(NEW_SHARE_ID);
    const byType = (caps: typeof first.capabilities, type: number) => caps.find((c) => c.type === type)!;
    expect(second.capabilities.map((c) => c.type)).toEqual(first.capabilities.map((c) => c.type));
    for (const c of second.capabilities) {
      if (c.type !== CAPSTYPE_BITMAP) expect(c.data).toEqual(byType(first.capabilities, c.type).data);
    }
    expect(byType(second.capabilities, CAPSETTYPE_BITMAP_CODECS).data.length).toBeGreaterThan(1);
    expect(byType(second.capabilities, CAPSETTYPE_FRAME_ACKNOWLEDGE)).toBeDefined();
    const bitmap = byType(second.capabilities, CAPSTYPE_BITMAP).data;
    expect([bitmap.readUInt16LE(8), bitmap.readUInt16LE(10)]).toEqual([1024, 768]);

    // Finalization again: Synchronize, Control Cooperate, Control Request Control, Font List.
    const fin = afterConfirm(session, 1);
    expect(fin.map((d) => d.pduType2)).toEqual([
      PDUTYPE2_SYNCHRONIZE,
      PDUTYPE2_CONTROL,
      PDUTYPE2_CONTROL,
      PDUTYPE2_FONTLIST,
    ]);
    expect(fin.every((d) => d.shareId === NEW_SHARE_ID)).toBe(true);
    expect([decodeControl(fin[1].body).action, decodeControl(fin[2].body).action]).toEqual([
      CTRLACTION_COOPERATE,
      CTRLACTION_REQUEST_CONTROL,
    ]);

    // The held input goes out after the Font Map; new input goes straight out.
    await session.until(() => session.input.length === 2);
    expect(session.input).toEqual([keyEvent(0x1e, true), keyEvent(0x1e, false)]);
    expect(client.sendInput([keyEvent(0x30, true)])).toBe(true);
    await session.until(() => session.input.length === 3);
  });

  it("takes xrdp's short Deactivate All, and a Demand Active without one, twice in a row", async () => {
    const { client, session } = await connect();
    // xrdp's form: the share control header alone, no shareId or source descriptor.
    session.sendIo(encodeShareControl(PDUTYPE_DEACTIVATEALLPDU, 1002, Buffer.alloc(0)));
    expect(await next(client)).toEqual({ type: 'deactivated' });
    session.sendIo(demandActive(NEW_SHARE_ID, 640, 480));
    await session.until(() => afterConfirm(session, 1).length === 4);
    session.finalize();
    expect(await next(client)).toMatchObject({ type: 'activated', activation: { width: 640, height: 480 } });

    // A Demand Active while active: the same sequence, reported the same way.
    session.sendIo(demandActive(NEW_SHARE_ID + 1, 1280, 720));
    expect(await next(client)).toEqual({ type: 'deactivated' });
    await session.until(() => afterConfirm(session, 2).length === 4);
    session.finalize();
    expect(await next(client)).toMatchObject({
      type: 'activated',
      activation: { width: 1280, height: 720, shareId: NEW_SHARE_ID + 1 },
    });
    expect(session.confirmActive.map((c) => c.shareId)).toEqual([SHARE_ID, NEW_SHARE_ID, NEW_SHARE_ID + 1]);
  });

  it('ends the session with one line when the reactivation never finishes', async () => {
    const { client, session } = await connect(500);
    session.sendDeactivateAll();
    session.sendIo(demandActive(NEW_SHARE_ID, 1024, 768));
    const events: RdpEvent[] = [];
    const err = await (async () => {
      for await (const ev of client) events.push(ev);
    })().then(
      () => new Error('the stream ended without an error'),
      (e: unknown) => e,
    );
    expect(events).toEqual([{ type: 'deactivated' }]);
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(
      'RDP server 127.0.0.1:' + peer!.port + ' timed out during reactivation (500 ms)',
    );
  });
});

describe('slow-path updates as fast-path output', () => {
  it('re-frames a bitmap update so that the fast-path parser reads the same rectangles', () => {
    const body = bitmapUpdateBody(10, 20);
    const pdus = updateAsFastPath(body)!;
    expect(pdus).toHaveLength(1);
    // fpOutputHeader 0, length, updateHeader (bitmap, single), size, then the same structure.
    expect(pdus[0][0]).toBe(0);
    expect(pdus[0].subarray(-body.length)).toEqual(body);
    const [u] = new FastPathParser().push(pdus[0]);
    expect(u).toMatchObject({
      type: 'bitmap',
      rects: [{ destLeft: 10, destTop: 20, destRight: 11, destBottom: 20, width: 2, height: 1, bpp: 32 }],
    });
  });

  it('fragments a large update (first, next, last) and the parser reassembles it', () => {
    const pixels = Buffer.alloc(2 * 1 * 4 * 5000, 0x7f);
    const body = new Writer()
      .u16(1)
      .u16(1)
      .u16(0)
      .u16(0)
      .u16(9999)
      .u16(0)
      .u16(10000)
      .u16(1)
      .u16(32)
      .u16(0)
      .u16(pixels.length)
      .bytes(pixels)
      .toBuffer();
    const pdus = updateAsFastPath(body, 16_000)!;
    expect(pdus.map((p) => (p[3] >> 4) & 3)).toEqual([2, 3, 1]);
    const parser = new FastPathParser();
    const updates = pdus.flatMap((p) => parser.push(p));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ type: 'bitmap', rects: [{ width: 10000, height: 1 }] });
  });

  it('re-frames a palette, and leaves orders and synchronize alone', () => {
    const palette = new Writer()
      .u16(2)
      .u16(0)
      .u32(1)
      .bytes(Buffer.from([1, 2, 3]))
      .toBuffer();
    const [u] = new FastPathParser().push(updateAsFastPath(palette)![0]);
    expect(u.type).toBe('palette');
    expect(updateAsFastPath(new Writer().u16(0).u16(0).u16(0).u16(0).toBuffer())).toBeUndefined();
    expect(updateAsFastPath(new Writer().u16(3).u16(0).toBuffer())).toBeUndefined();
    expect(updateAsFastPath(Buffer.from([1]))).toBeUndefined();
  });
});
