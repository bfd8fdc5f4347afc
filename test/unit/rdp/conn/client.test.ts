// The RDP client against a scripted server over real sockets and TLS: the connection sequence,
// what reaches the consumer, input and display control on the wire, reactivation, and every way
// a connection can fail (one line each, never an unhandled rejection).
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CAPSETTYPE_BITMAP_CODECS,
  CAPSETTYPE_FRAME_ACKNOWLEDGE,
  CAPSTYPE_BITMAP,
} from '../../../../src/rdp/conn/capabilities.js';
import {
  RdpClient,
  connectRdp,
  type RdpClientOptions,
  type RdpEvent,
} from '../../../../src/rdp/conn/client.js';
import { RdpConnectionError } from '../../../../src/rdp/conn/errors.js';
import { LICENSE_REQUEST, encodeSecurityHeader, SEC_LICENSE_PKT } from '../../../../src/rdp/conn/info.js';
import { keyEvent, mouseMove } from '../../../../src/rdp/conn/input.js';
import {
  PDUTYPE2_CONTROL,
  PDUTYPE2_FONTLIST,
  PDUTYPE2_FRAME_ACKNOWLEDGE,
  PDUTYPE2_INPUT,
  PDUTYPE2_REFRESH_RECT,
  PDUTYPE2_SUPPRESS_OUTPUT,
  PDUTYPE2_SYNCHRONIZE,
  PDUTYPE2_UPDATE,
  decodeFrameAcknowledge,
  decodeRefreshRect,
  decodeSuppressOutput,
} from '../../../../src/rdp/conn/share.js';
import { HYBRID_REQUIRED_BY_SERVER, PROTOCOL_RDP } from '../../../../src/rdp/conn/tpkt.js';
import { SHARE_ID, peerCertificate, startPeer, type Peer, type PeerOptions } from './peer.js';

let peer: Peer | undefined;
let client: RdpClient | undefined;
afterEach(async () => {
  await client?.close();
  await peer?.close();
  client = peer = undefined;
});

async function connect(opts: PeerOptions = {}, extra: Partial<RdpClientOptions> = {}) {
  peer = await startPeer(opts);
  client = await connectRdp(options(peer.port, extra));
  return { client, session: await peer.session() };
}

function options(port: number, extra: Partial<RdpClientOptions> = {}): RdpClientOptions {
  return {
    host: '127.0.0.1',
    port,
    username: 'alice',
    domain: 'CORP',
    serverCertificate: { insecure: true },
    timeouts: { phase: 3000 },
    ...extra,
  };
}

async function failure(
  opts: PeerOptions,
  extra: Partial<RdpClientOptions> = {},
): Promise<RdpConnectionError> {
  peer = await startPeer(opts);
  const err = await connectRdp(options(peer.port, extra)).then(
    () => new Error('connected'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RdpConnectionError);
  return err as RdpConnectionError;
}

async function take(c: RdpClient, n: number): Promise<RdpEvent[]> {
  const out: RdpEvent[] = [];
  if (n === 0) return out;
  for await (const ev of c) {
    out.push(ev);
    if (out.length === n) break;
  }
  return out;
}

describe('RDP client: the connection sequence', () => {
  it('activates with the server-chosen size and sends what the server needs', async () => {
    const { client, session } = await connect({ width: 800, height: 600 }, { width: 1280, height: 1024 });
    expect(client.activation).toMatchObject({
      width: 800,
      height: 600,
      ioChannelId: 1003,
      userChannelId: 1007,
      shareId: SHARE_ID,
      fastPathInput: true,
    });
    expect(session.clientInfo).toMatchObject({ username: 'alice', domain: 'CORP', password: '' });
    const [ca] = session.confirmActive;
    expect(ca.shareId).toBe(SHARE_ID);
    const bitmap = ca.capabilities.find((c) => c.type === CAPSTYPE_BITMAP)!;
    expect([bitmap.data.readUInt16LE(8), bitmap.data.readUInt16LE(10)]).toEqual([800, 600]);
    expect(ca.capabilities.some((c) => c.type === CAPSETTYPE_BITMAP_CODECS)).toBe(true);
    expect(ca.capabilities.some((c) => c.type === CAPSETTYPE_FRAME_ACKNOWLEDGE)).toBe(false);
    expect(session.data.map((d) => d.pduType2)).toEqual([
      PDUTYPE2_SYNCHRONIZE,
      PDUTYPE2_CONTROL,
      PDUTYPE2_CONTROL,
      PDUTYPE2_FONTLIST,
    ]);
  });

  it('forwards fast-path PDUs byte for byte and slow-path updates whole', async () => {
    const { client, session } = await connect();
    const small = Buffer.from([0x00, 0x06, 0x04, 0x01, 0x00, 0xaa]);
    const big = Buffer.concat([Buffer.from([0x00, 0xff, 0xff]), Buffer.alloc(0x7fff - 3, 0x33)]);
    session.socket.write(Buffer.concat([small, big, small]));
    session.sendShareData(PDUTYPE2_UPDATE, Buffer.from([0x03, 0x00, 0x00, 0x00])); // TS_UPDATE_SYNC
    const events = await take(client, 4);
    expect(events.slice(0, 3)).toEqual([
      { type: 'fastpath', pdu: small },
      { type: 'fastpath', pdu: big },
      { type: 'fastpath', pdu: small },
    ]);
    expect(events[3]).toMatchObject({
      type: 'slowpath',
      pduType2: PDUTYPE2_UPDATE,
      body: Buffer.from([3, 0, 0, 0]),
    });
    const raw = (events[3] as { raw: Buffer }).raw;
    expect(raw.subarray(0, 4)).toEqual(Buffer.from([0x03, 0x00, 0x00, raw.length]));
  });

  it('sends fast-path input, frame acknowledgements, refresh and suppress requests', async () => {
    const { client, session } = await connect({}, { frameAcknowledge: 3 });
    expect(session.confirmActive[0].capabilities.some((c) => c.type === CAPSETTYPE_FRAME_ACKNOWLEDGE)).toBe(
      true,
    );
    expect(client.sendInput([mouseMove(5, 6), keyEvent(0x1e, true), keyEvent(0x1e, false)])).toBe(true);
    expect(client.acknowledgeFrame(42)).toBe(true);
    expect(client.refreshRect()).toBe(true);
    expect(client.setDisplayUpdates(false)).toBe(true);
    expect(client.setDisplayUpdates(true)).toBe(true);
    await session.until(() => session.input.length === 3 && session.data.length === 8);
    expect(session.input).toEqual([mouseMove(5, 6), keyEvent(0x1e, true), keyEvent(0x1e, false)]);
    const [ack, refresh, stop, allow] = session.data.slice(4);
    expect(ack.pduType2).toBe(PDUTYPE2_FRAME_ACKNOWLEDGE);
    expect(decodeFrameAcknowledge(ack.body)).toBe(42);
    expect(refresh.pduType2).toBe(PDUTYPE2_REFRESH_RECT);
    expect(decodeRefreshRect(refresh.body)).toEqual([{ left: 0, top: 0, right: 799, bottom: 599 }]);
    expect([stop.pduType2, allow.pduType2]).toEqual([PDUTYPE2_SUPPRESS_OUTPUT, PDUTYPE2_SUPPRESS_OUTPUT]);
    expect(decodeSuppressOutput(stop.body)).toEqual({ allow: false });
    expect(decodeSuppressOutput(allow.body).allow).toBe(true);
  });

  it('falls back to slow-path input when the server does not allow fast-path input', async () => {
    const { client, session } = await connect({ inputFlags: 0x0001 });
    expect(client.activation?.fastPathInput).toBe(false);
    client.sendInput([keyEvent(0x1e, true)]);
    await session.until(() => session.data.length === 5);
    expect(session.data[4].pduType2).toBe(PDUTYPE2_INPUT);
    expect(session.input).toEqual([]);
  });

  it('closes cleanly: Disconnect Provider Ultimatum, then the stream ends without an error', async () => {
    const { client, session } = await connect();
    const drained = (async () => {
      const seen: RdpEvent[] = [];
      for await (const ev of client) seen.push(ev);
      return seen;
    })();
    await client.close();
    await session.until(() => session.disconnectReason !== undefined);
    expect(session.disconnectReason).toBe(3); // rn-user-requested
    expect(await drained).toEqual([]);
    await client.closed;
    expect(client.sendInput([keyEvent(0x1e, true)])).toBe(false);
    await client.close(); // twice is fine
  });

  it('goes through deactivation and reactivation, with a new size', async () => {
    const { client, session } = await connect({ width: 800, height: 600 });
    session.sendDeactivateAll();
    session.sendDemandActive(640, 480);
    const [deactivated] = await take(client, 1);
    expect(deactivated).toEqual({ type: 'deactivated' });
    const [activated] = await take(client, 1);
    expect(activated).toMatchObject({ type: 'activated', activation: { width: 640, height: 480 } });
    expect(client.activation?.width).toBe(640);
    expect(session.confirmActive).toHaveLength(2);
    expect(session.data.map((d) => d.pduType2).slice(4)).toEqual([
      PDUTYPE2_SYNCHRONIZE,
      PDUTYPE2_CONTROL,
      PDUTYPE2_CONTROL,
      PDUTYPE2_FONTLIST,
    ]);
  });

  it('does not lose PDUs when the consumer falls behind', async () => {
    const { client, session } = await connect();
    const pdu = (i: number) => Buffer.from([0x00, 0x07, 0x04, 0x02, 0x00, i & 0xff, i >> 8]);
    const n = 3000;
    for (let i = 0; i < n; i++) session.socket.write(pdu(i));
    await new Promise((r) => setTimeout(r, 200)); // let the client read ahead and pause
    const got = await take(client, n);
    expect(got.every((e, i) => e.type === 'fastpath' && e.pdu.equals(pdu(i)))).toBe(true);
  });
});

describe('RDP client: the server ends the session', () => {
  it('reports the error info and ends the stream when the user logs off', async () => {
    const { client, session } = await connect();
    session.sendErrorInfo(0x0c);
    session.sendDisconnect(1);
    session.socket.end();
    const events: RdpEvent[] = [];
    for await (const ev of client) events.push(ev);
    expect(events).toEqual([
      { type: 'error-info', code: 0x0c, text: 'the user logged off' },
      { type: 'disconnected', reason: 'the user logged off', errorInfo: 0x0c },
    ]);
  });

  it('reports a disconnect without error info', async () => {
    const { client, session } = await connect();
    session.sendDisconnect(1);
    session.socket.end();
    expect(await take(client, 1)).toEqual([
      { type: 'disconnected', reason: 'the server ended the session (provider initiated)' },
    ]);
  });

  it('throws from the stream when the connection just drops', async () => {
    const { client, session } = await connect();
    session.socket.destroy();
    const err = await take(client, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(`RDP server 127.0.0.1:${peer!.port} closed the connection`);
    expect((err as RdpConnectionError).failure).toBe('closed');
  });
});

describe('RDP client: failures are one line', () => {
  it('unreachable', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const err = await connectRdp(options(port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(
      `RDP server 127.0.0.1:${port} unreachable: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect((err as RdpConnectionError).failure).toBe('unreachable');
  });

  it('close() while connecting makes start() reject', async () => {
    peer = await startPeer({ negotiation: 'silent' });
    const c = new RdpClient(options(peer.port));
    const started = c.start().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50)); // connected, waiting for the Connection Confirm
    await c.close();
    const err = await started;
    expect(err).toBeInstanceOf(RdpConnectionError);
    expect((err as Error).message).toBe(`RDP connection to 127.0.0.1:${peer.port} closed before activation`);
  });

  it('a server that never answers times out in X.224 negotiation', async () => {
    const err = await failure({ negotiation: 'silent' }, { timeouts: { phase: 300 } });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} timed out during X.224 negotiation (300 ms)`,
    );
    expect(err.failure).toBe('timeout');
  });

  it('a server that is not an RDP server', async () => {
    const err = await failure({ negotiation: 'garbage' });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} did not answer as an RDP server (reply starts with 0x48, not a TPKT header)`,
    );
  });

  it('a server that hangs up', async () => {
    const err = await failure({ negotiation: 'close' });
    expect(err.message).toMatch(
      new RegExp(
        `^RDP server 127.0.0.1:${peer!.port} (closed the connection|reset the connection) during X.224 negotiation`,
      ),
    );
  });

  it('refused TLS: NLA required, standard security selected, or no negotiation at all', async () => {
    const nla = await failure({ negotiation: { type: 'failure', failureCode: HYBRID_REQUIRED_BY_SERVER } });
    expect(nla.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} refused TLS: it requires Network Level Authentication (CredSSP), which is not supported`,
    );
    expect(nla.kind).toBe('bad-tls');
    await peer!.close();
    const rdp = await failure({
      negotiation: { type: 'response', flags: 0, selectedProtocol: PROTOCOL_RDP },
    });
    expect(rdp.message).toMatch(/refused TLS: it selected standard RDP security$/);
    await peer!.close();
    const legacy = await failure({ negotiation: { type: 'none' } });
    expect(legacy.message).toMatch(/refused TLS: it supports only standard RDP security$/);
  });

  it('checks a pinned certificate fingerprint', async () => {
    const { cert } = await peerCertificate();
    const fp = new X509Certificate(cert).fingerprint256;
    await connect({}, { serverCertificate: { fingerprint256: fp.replace(/:/g, '').toLowerCase() } });
    expect(client!.activation).toBeDefined();
    await client!.close();
    await peer!.close();
    const wrong = 'AA:'.repeat(31) + 'AA';
    const err = await failure({}, { serverCertificate: { fingerprint256: wrong } });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} presented a TLS certificate with SHA-256 fingerprint ${fp}, not the pinned ${wrong}`,
    );
    expect(err.failure).toBe('tls');
  });

  it('a server that wants a license exchange', async () => {
    const request = Buffer.concat([
      encodeSecurityHeader(SEC_LICENSE_PKT),
      Buffer.from([LICENSE_REQUEST, 3, 8, 0, 0, 0, 0, 0]),
    ]);
    const err = await failure({ license: request });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} requires a client license exchange (MS-RDPELE message 0x01), which is not supported`,
    );
    expect(err.failure).toBe('licensing');
  });

  it('a server that denies the session during finalization', async () => {
    const err = await failure({
      onConfirmActive: (s) => {
        s.sendErrorInfo(0x07);
        s.sendDisconnect(1);
        s.socket.end();
      },
    });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} disconnected during finalization: the server denied the connection`,
    );
    expect(err.kind).toBe('access-denied');
    expect(err.failure).toBe('denied');
  });

  it('a server that never finishes activation times out in finalization', async () => {
    const err = await failure({ onConfirmActive: () => undefined }, { timeouts: { phase: 300 } });
    expect(err.message).toBe(`RDP server 127.0.0.1:${peer!.port} timed out during finalization (300 ms)`);
  });

  it('a malformed PDU names the structure', async () => {
    const err = await failure({
      onConfirmActive: (s) => s.sendIo(Buffer.from([0x08, 0x00, 0x17, 0x00, 0xea, 0x03, 0x01])),
    });
    expect(err.message).toBe(
      `RDP server 127.0.0.1:${peer!.port} sent a malformed share control PDU: share control body truncated (2 bytes needed, 1 left)`,
    );
  });
});

describe('RDP client: options', () => {
  it('insists on a certificate check', async () => {
    const base = { host: '127.0.0.1', port: 1, username: 'alice' };
    for (const serverCertificate of [undefined, {}, { insecure: false }, { fingerprint256: 'abc' }]) {
      await expect(connectRdp({ ...base, serverCertificate } as RdpClientOptions)).rejects.toThrow(
        'RDP client: serverCertificate must be { fingerprint256: "<64 hex digits>" } or { insecure: true }',
      );
    }
  });
});
