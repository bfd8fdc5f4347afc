// The viewer's clipboard and pointer over real sockets, with a scripted desktop service (as
// viewer.test.ts): after the page's `ready` it is told the clipboard ways of the session's policy
// (--clipboard=from-remote here), gets the desktop's text, and its own text is refused by the
// session even when a page sends it anyway; RDP pointer updates become pointer messages, each
// image once.
import { once } from 'node:events';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopSession } from '../../../src/tdp/session.js';
import { startViewer } from '../../../src/viewer/viewer.js';
import { encodeTdpb, tdpb, TdpbParser, type TdpbMessage } from '../../../src/wire/tdp/tdpb.js';
import { encodeFrame, OPCODE, WebSocketParser, type WebSocketMessage } from '../../../src/wire/websocket.js';
import { fastPathPdu } from '../rdp/build.js';

const MASK = Buffer.from([1, 2, 3, 4]);
const u16 = (n: number) => [n & 0xff, n >> 8];

/** TS_POINTERATTRIBUTE (fast-path new pointer): 2x2 at 24 bpp, no AND mask. */
function newPointer(cacheIndex: number, rgb: number[]): Uint8Array {
  const xor = [...rgb, ...rgb, 0, 0, ...rgb, ...rgb, 0, 0]; // two rows of 2 px, padded to 2 bytes
  return Uint8Array.from([
    ...u16(24),
    ...u16(cacheIndex),
    ...u16(1), // hotspot
    ...u16(0),
    ...u16(2), // width, height
    ...u16(2),
    ...u16(0), // lengthAndMask
    ...u16(xor.length),
    ...xor,
  ]);
}
const pointerPdu = (code: number, data: number[] | Uint8Array) =>
  Buffer.from(fastPathPdu([{ code, data: Uint8Array.from(data) }]));

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the viewer bridge: clipboard by the session policy, pointer shapes', () => {
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
      width: 16,
      height: 16,
      clipboard: 'from-remote',
    });
    const activated = once(session, 'activated');
    peer.write(
      encodeTdpb(
        tdpb('serverHello', {
          activationSpec: { ioChannelId: 1003, userChannelId: 1007, screenWidth: 16, screenHeight: 16 },
          clipboardEnabled: true,
          directoryRemoveSupported: false,
          sessions: [],
          hidpiSupported: false,
        }),
      ),
    );
    await activated;
    // Copied on the desktop before any page: kept by the session, handed over on `ready`.
    peer.write(encodeTdpb(tdpb('clipboardData', { data: Buffer.from('before the page') })));
    await session.waitForClipboard(5000);
  });
  afterAll(async () => {
    peer?.destroy();
    await session?.close();
    await new Promise<void>((r) => service.close(() => r()));
  });

  it('clipboard one way only, pointer messages', async () => {
    const viewer = await startViewer({ session, browser: false, env: {}, status: () => {}, warn: () => {} });
    const { port } = viewer.server.address;
    const token = /data-token="([^"]+)"/.exec(await (await fetch(viewer.url)).text())![1]!;
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(
      `GET /${token}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const texts: Record<string, unknown>[] = [];
    const parser = new WebSocketParser({ masked: false, maxMessage: 1 << 24 });
    let head: Buffer | undefined = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      if (head) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        c = head.subarray(end + 4);
        head = undefined;
      }
      for (const m of parser.push(c) as WebSocketMessage[]) {
        if (m.type === 'text') texts.push(JSON.parse(m.data) as Record<string, unknown>);
      }
    });
    const send = (m: unknown) =>
      sock.write(encodeFrame({ opcode: OPCODE.text, payload: Buffer.from(JSON.stringify(m)), mask: MASK }));
    const next = (type: string, after = 0) =>
      until(type, () => texts.slice(after).find((m) => m.type === type));

    // Nothing about the clipboard or pointer before the page's script says it runs.
    await next('size');
    expect(texts.filter((m) => m.type === 'clipboard-policy')).toEqual([]);
    send({ t: 'ready' });
    expect(await next('clipboard-policy')).toEqual({
      type: 'clipboard-policy',
      toRemote: false,
      fromRemote: true,
      text: 'clipboard: only from the desktop (--clipboard=from-remote)',
    });
    expect(await next('clipboard')).toEqual({ type: 'clipboard', text: 'before the page' });

    // The desktop copies: the page gets it.
    let mark = texts.length;
    peer.write(encodeTdpb(tdpb('clipboardData', { data: Buffer.from('copied on the desktop\r\n') })));
    expect(await next('clipboard', mark)).toEqual({ type: 'clipboard', text: 'copied on the desktop\r\n' });

    // A page that sends its text anyway: the session refuses it, the service gets no clipboard data
    // (the key after it shows the input before it was handled).
    const before = received.length;
    send({ t: 'clipboard', text: 'must not reach the desktop' });
    send({ t: 'key', code: 'KeyA', down: true });
    await until('the key', () => received.slice(before).find((m) => m.$case === 'keyboardButton'));
    expect(received.slice(before).filter((m) => m.$case === 'clipboardData')).toEqual([]);

    // Pointers: a new one (with its PNG), hidden, default, the cached one again (by id only), and a
    // position alone (no message).
    mark = texts.length;
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: pointerPdu(0xb, newPointer(3, [0, 0, 255])) })));
    const first = await next('pointer', mark);
    expect(first).toMatchObject({ kind: 'custom', id: 1, hotX: 1, hotY: 0 });
    expect(first.url).toMatch(/^data:image\/png;base64,/);
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: pointerPdu(0x5, []) })));
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: pointerPdu(0x8, [...u16(3), ...u16(4)]) })));
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: pointerPdu(0x6, []) })));
    peer.write(encodeTdpb(tdpb('fastPathPdu', { pdu: pointerPdu(0xa, u16(3)) })));
    await until('four pointer messages', () =>
      texts.slice(mark).filter((m) => m.type === 'pointer').length >= 4 ? true : undefined,
    );
    expect(
      texts
        .slice(mark)
        .filter((m) => m.type === 'pointer')
        .slice(1),
    ).toEqual([
      { type: 'pointer', kind: 'hidden' },
      { type: 'pointer', kind: 'system' },
      { type: 'pointer', kind: 'custom', id: 1, hotX: 1, hotY: 0 },
    ]);

    viewer.stop();
    await viewer.done;
    sock.destroy();
  });
});
