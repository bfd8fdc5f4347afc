// DesktopSession against a scripted desktop service on a real TCP socket (no TLS: the session
// runs over any byte stream): the handshake in both dialects, frames drawn and acknowledged,
// Ping answered, input bytes, Alerts as one-line errors, and an early close.
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/rdp/png.js';
import { encodeFrameAcknowledge } from '../../../src/rdp/share.js';
import { DesktopSession, DesktopSessionClosedError } from '../../../src/tdp/session.js';
import type { Dialect } from '../../../src/tdp/outgoing.js';
import { DesktopAlertError } from '../../../src/wire/tdp/errors.js';
import type { TdpMessage } from '../../../src/wire/tdp/messages.js';
import { TdpParser } from '../../../src/wire/tdp/parser.js';
import { serialize } from '../../../src/wire/tdp/serializer.js';
import { encodeTdpb, tdpb, TdpbParser, type TdpbMessage } from '../../../src/wire/tdp/tdpb.js';
import { concat, fastPathPdu, frameMarker, surfaceBits } from '../rdp/build.js';

const SURFCMDS = 0x4;
const IO_CHANNEL = 1003;
const USER_CHANNEL = 1007;

/** The service's end of one connection: what it received, and a way to send. */
class Peer {
  readonly received: (TdpMessage | TdpbMessage)[] = [];
  private waiters: (() => void)[] = [];
  private readonly parse: (c: Buffer) => (TdpMessage | TdpbMessage)[];

  constructor(
    readonly socket: net.Socket,
    readonly dialect: Dialect,
  ) {
    const p = dialect === 'tdp' ? new TdpParser() : new TdpbParser();
    this.parse = (c) => p.parse(c);
    socket.on('data', (c) => {
      this.received.push(...this.parse(c));
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  send(m: TdpMessage | TdpbMessage): void {
    this.socket.write('$case' in m ? encodeTdpb(m) : serialize(m));
  }

  /** Resolves once `n` messages have arrived. */
  async count(n: number): Promise<(TdpMessage | TdpbMessage)[]> {
    while (this.received.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.received.slice(0, n);
  }
}

let server: net.Server;
const peers: ((s: net.Socket) => void)[] = [];
beforeAll(async () => {
  server = net.createServer((s) => peers.shift()!(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function connect(dialect: Dialect): Promise<{ session: DesktopSession; peer: Peer }> {
  const accepted = new Promise<net.Socket>((r) => peers.push(r));
  const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const peer = new Peer(await accepted, dialect);
  const session = new DesktopSession(sock, {
    desktop: 'win',
    login: 'Administrator',
    dialect,
    width: 64,
    height: 48,
  });
  session.on('closed', () => undefined);
  return { session, peer };
}

/** Uncompressed 32 bpp surface bits (bottom-up BGRX) filling a rectangle with one colour. */
function solid(left: number, top: number, width: number, height: number, [r, g, b]: number[]) {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([b!, g!, r!, 0xff], i * 4);
  return surfaceBits({ left, top, width, height, codecId: 0, data });
}

const frame = (id: number, ...cmds: Uint8Array[]) =>
  Buffer.from(
    fastPathPdu([{ code: SURFCMDS, data: concat([frameMarker(false, id), ...cmds, frameMarker(true, id)]) }]),
  );

describe('desktop session over TDPB', () => {
  it('says hello, draws and acknowledges frames, answers Ping and sends key combos', async () => {
    const { session, peer } = await connect('tdpb');
    const [hello] = await peer.count(1);
    expect(hello).toEqual(
      tdpb('clientHello', {
        username: 'Administrator',
        screenSpec: { width: 64, height: 48, scale: 0 },
        keyboardLayout: 0,
      }),
    );
    const activated = new Promise((r) => session.once('activated', r));
    peer.send(
      tdpb('serverHello', {
        activationSpec: {
          ioChannelId: IO_CHANNEL,
          userChannelId: USER_CHANNEL,
          screenWidth: 32,
          screenHeight: 16,
        },
        clipboardEnabled: true,
        directoryRemoveSupported: false,
        sessions: [],
        hidpiSupported: false,
      }),
    );
    expect(await activated).toEqual({ width: 32, height: 16, dialect: 'tdpb', reactivation: false });
    expect(session.active).toBe(true);

    const changed = session.waitForChange(5000);
    peer.send(
      tdpb('fastPathPdu', {
        pdu: frame(7, solid(0, 0, 32, 16, [10, 20, 30]), solid(4, 2, 3, 2, [200, 0, 0])),
      }),
    );
    await changed;
    const acks = await peer.count(2);
    const ack = Buffer.from(
      encodeFrameAcknowledge({ ioChannelId: IO_CHANNEL, userChannelId: USER_CHANNEL }, 7),
    );
    expect(acks[1]).toEqual(tdpb('rdpResponsePdu', { response: ack }));
    expect(session.stats).toMatchObject({ frames: 1, responses: 1, updates: 1 });

    const img = decodePng(session.screenshotPng());
    expect([img.width, img.height]).toEqual([32, 16]);
    const px = (x: number, y: number) => [...img.data.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 3)];
    expect(px(0, 0)).toEqual([10, 20, 30]);
    expect(px(5, 3)).toEqual([200, 0, 0]);
    expect(px(7, 3)).toEqual([10, 20, 30]);
    expect(await session.waitForSettle(1, 5000)).toBe(true);

    const uuid = Buffer.alloc(16, 0xab);
    peer.send(tdpb('ping', { uuid }));
    expect((await peer.count(3))[2]).toEqual(tdpb('ping', { uuid }));

    await session.key('Ctrl+Alt+T');
    await session.click(31, 15, 'right');
    await session.scroll(-1);
    const input = (await peer.count(3 + 6 + 3 + 1)).slice(3);
    expect(input).toEqual([
      tdpb('keyboardButton', { keyCode: 0x1d, pressed: true }),
      tdpb('keyboardButton', { keyCode: 0x38, pressed: true }),
      tdpb('keyboardButton', { keyCode: 0x14, pressed: true }),
      tdpb('keyboardButton', { keyCode: 0x14, pressed: false }),
      tdpb('keyboardButton', { keyCode: 0x38, pressed: false }),
      tdpb('keyboardButton', { keyCode: 0x1d, pressed: false }),
      tdpb('mouseMove', { x: 31, y: 15 }),
      tdpb('mouseButton', { button: 3, pressed: true }),
      tdpb('mouseButton', { button: 3, pressed: false }),
      tdpb('mouseWheel', { axis: 1, delta: 120 }),
    ]);
    await expect(session.click(32, 0)).rejects.toThrow('point 32,0 is outside the 32x16 screen');

    const closed = new Promise((r) => peer.socket.once('end', r));
    await session.close();
    await closed;
    expect(session.error).toBeUndefined();
  });
});

describe('desktop session over legacy TDP', () => {
  it('sends Username, ScreenSpec, ScreenSpec and types text with Shift', async () => {
    const { session, peer } = await connect('tdp');
    expect(await peer.count(3)).toEqual([
      { kind: 'clientUsername', username: 'Administrator' },
      { kind: 'clientScreenSpec', width: 64, height: 48 },
      { kind: 'clientScreenSpec', width: 64, height: 48 },
    ]);
    peer.send({
      kind: 'connectionActivated',
      ioChannelId: IO_CHANNEL,
      userChannelId: USER_CHANNEL,
      screenWidth: 64,
      screenHeight: 48,
    });
    await session.waitForActivation(5000);
    await session.typeText('A\n');
    expect((await peer.count(3 + 6)).slice(3)).toEqual([
      { kind: 'keyboardButton', keyCode: 0x2a, pressed: true },
      { kind: 'keyboardButton', keyCode: 0x1e, pressed: true },
      { kind: 'keyboardButton', keyCode: 0x1e, pressed: false },
      { kind: 'keyboardButton', keyCode: 0x2a, pressed: false },
      { kind: 'keyboardButton', keyCode: 0x1c, pressed: true },
      { kind: 'keyboardButton', keyCode: 0x1c, pressed: false },
    ]);
    await session.close();
  });

  it("ends with the service's Alert text as a one-line error; waits fail with it", async () => {
    const { session, peer } = await connect('tdp');
    await peer.count(3);
    const waiting = session.waitForActivation(5000);
    peer.send({ kind: 'alert', message: 'access denied: login "bob" is not allowed\nmore', severity: 2 });
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopAlertError);
    expect((err as DesktopAlertError).message).toBe('access denied: login "bob" is not allowed; more');
    expect((err as DesktopAlertError).kind).toBe('access-denied');
    expect(session.closed).toBe(true);
    await expect(session.key('Enter')).rejects.toBe(err);
  });

  it('passes warnings on without ending the session', async () => {
    const { session, peer } = await connect('tdp');
    await peer.count(3);
    const alert = new Promise((r) => session.once('alert', r));
    peer.send({ kind: 'alert', message: 'clipboard sharing is disabled', severity: 1 });
    expect(await alert).toEqual({ level: 'warning', message: 'clipboard sharing is disabled' });
    expect(session.closed).toBe(false);
    await session.close();
  });

  it('reports a service that hangs up before activation', async () => {
    const { session, peer } = await connect('tdp');
    await peer.count(3);
    const waiting = session.waitForActivation(5000);
    peer.socket.end();
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopSessionClosedError);
    expect((err as Error).message).toBe(
      'the desktop service closed the connection to win before the RDP session started',
    );
  });
});
