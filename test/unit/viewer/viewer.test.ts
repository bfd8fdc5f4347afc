// The whole viewer over real sockets, with a scripted desktop service on the other side (as
// test/unit/tdp/session.test.ts): the page gets the screen size and the whole screen, then each
// drawn rectangle with its pixels; its keys, moves and clicks reach the service as TDPB input;
// and a session that fails ends the viewer with that error (the page is told, `done` rejects).
import { once } from 'node:events';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopSession } from '../../../src/tdp/session.js';
import { startViewer } from '../../../src/viewer/viewer.js';
import { encodeTdpb, tdpb, TdpbParser, type TdpbMessage } from '../../../src/wire/tdp/tdpb.js';
import { encodeFrame, OPCODE, WebSocketParser, type WebSocketMessage } from '../../../src/wire/websocket.js';
import { concat, fastPathPdu, frameMarker, surfaceBits } from '../rdp/build.js';

const MASK = Buffer.from([9, 8, 7, 6]);

/** Uncompressed 32 bpp surface bits (bottom-up BGRX) of one colour. */
function solid(left: number, top: number, width: number, height: number, [r, g, b]: number[]) {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([b!, g!, r!, 0xff], i * 4);
  return surfaceBits({ left, top, width, height, codecId: 0, data });
}
const frame = (id: number, ...cmds: Uint8Array[]) =>
  Buffer.from(
    fastPathPdu([{ code: 0x4, data: concat([frameMarker(false, id), ...cmds, frameMarker(true, id)]) }]),
  );

/** Reads until `n` things arrived, from an array filled by an event handler. */
async function nth<T>(list: T[], n: number): Promise<T[]> {
  const until = Date.now() + 5000;
  while (list.length < n) {
    if (Date.now() > until) throw new Error(`only ${list.length} of ${n} arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return list.slice(0, n);
}

describe('the viewer between a page and a desktop session', () => {
  let service: net.Server;
  let peer: net.Socket;
  const received: TdpbMessage[] = [];
  let session: DesktopSession;

  beforeAll(async () => {
    const accepted = new Promise<net.Socket>((resolve) => {
      service = net.createServer(resolve);
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const sock = net.connect((service.address() as net.AddressInfo).port, '127.0.0.1');
    await once(sock, 'connect');
    peer = await accepted;
    const parser = new TdpbParser();
    peer.on('data', (c: Buffer) => received.push(...parser.parse(c)));
    peer.on('error', () => undefined);
    session = new DesktopSession(sock, {
      desktop: 'win',
      login: 'Administrator',
      dialect: 'tdpb',
      width: 64,
      height: 48,
    });
    const activated = once(session, 'activated');
    peer.write(
      encodeTdpb(
        tdpb('serverHello', {
          activationSpec: { ioChannelId: 1003, userChannelId: 1007, screenWidth: 32, screenHeight: 16 },
          clipboardEnabled: false,
          directoryRemoveSupported: false,
          sessions: [],
          hidpiSupported: false,
        }),
      ),
    );
    await activated;
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: frame(1, solid(0, 0, 32, 16, [10, 20, 30])) })));
    await session.waitForChange(5000, 0);
  });
  afterAll(async () => {
    peer?.destroy();
    await session?.close();
    await new Promise<void>((r) => service.close(() => r()));
  });

  it('shows the screen, forwards input, and ends with the session’s error', async () => {
    const lines: string[] = [];
    const viewer = await startViewer({
      session,
      browser: false,
      env: {},
      status: (l) => lines.push(l),
      warn: (l) => lines.push(`WARNING: ${l}`),
    });
    const { port } = viewer.server.address;
    const ended = viewer.done.then(
      () => undefined,
      (err: Error) => err,
    );

    // The page, then its WebSocket.
    const res = await fetch(viewer.url);
    const token = /data-token="([^"]+)"/.exec(await res.text())![1]!;
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(
      `GET /${token}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const inbox: WebSocketMessage[] = [];
    const parser = new WebSocketParser({ masked: false, maxMessage: 1 << 24 });
    let head: Buffer | undefined = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      if (head) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        expect(head.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
        c = head.subarray(end + 4);
        head = undefined;
      }
      inbox.push(...parser.push(c));
    });
    const send = (m: unknown) =>
      sock.write(encodeFrame({ opcode: OPCODE.text, payload: Buffer.from(JSON.stringify(m)), mask: MASK }));

    // Size, status and the whole screen (32x16 of one colour).
    const first = await nth(inbox, 3);
    const texts = first.filter((m) => m.type === 'text').map((m) => JSON.parse(m.data as string));
    expect(texts).toContainEqual({ type: 'size', width: 32, height: 16 });
    expect(texts).toContainEqual({ type: 'status', text: 'win as Administrator' });
    const whole = first.find((m) => m.type === 'binary')!.data as Buffer;
    expect(whole.subarray(0, 12).toString('hex')).toBe('0100' + '0000' + '0000' + '0020' + '0010' + '0000');
    expect(whole.length).toBe(12 + 32 * 16 * 4);
    expect([...whole.subarray(12, 16)]).toEqual([10, 20, 30, 255]);

    // A drawn rectangle arrives with its pixels.
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: frame(2, solid(4, 2, 3, 2, [200, 0, 0])) })));
    const [rect] = (await nth(inbox, 4)).slice(3);
    if (rect?.type !== 'binary') throw new Error(`a rectangle was expected, got ${JSON.stringify(rect)}`);
    const r = rect.data;
    expect(r.subarray(0, 12).toString('hex')).toBe('0100' + '0004' + '0002' + '0003' + '0002' + '0000');
    expect([...r.subarray(12)]).toEqual(Array.from({ length: 6 }, () => [200, 0, 0, 255]).flat());

    // Input, in order: a key by KeyboardEvent.code, a move, a click, a wheel notch down; junk is dropped.
    const before = received.length;
    send({ t: 'key', code: 'KeyA', down: true });
    send({ t: 'nonsense' });
    send({ t: 'key', code: 'NotAKey', down: true });
    send({ t: 'move', x: 5, y: 6 });
    send({ t: 'move', x: 500, y: 6 }); // outside the 32x16 screen: dropped
    send({ t: 'button', button: 2, down: true });
    send({ t: 'wheel', x: 0, y: 1 });
    const input = (await nth(received, before + 4)).slice(before).filter((m) => m.$case !== 'rdpResponsePdu');
    expect(input).toEqual([
      tdpb('keyboardButton', { keyCode: 0x1e, pressed: true }),
      tdpb('mouseMove', { x: 5, y: 6 }),
      tdpb('mouseButton', { button: 3, pressed: true }),
      tdpb('mouseWheel', { axis: 1, delta: -120 }),
    ]);

    // The service goes away: the page is told, the viewer ends with the session's error.
    peer.destroy();
    const err = await ended;
    expect(err?.message).toMatch(/^desktop session to win ended: the desktop service closed the connection/);
    // The page was told before the socket closed.
    const end = inbox.map((m) => (m.type === 'text' ? JSON.parse(m.data) : m)).find((m) => m.type === 'end');

    expect(end).toMatchObject({
      type: 'end',
      error: true,
      text: expect.stringMatching(/^session ended: desktop session to win ended/),
    });
    expect(lines).toEqual(['viewer page opened', 'browser connected']);
    sock.destroy();
  });
});
