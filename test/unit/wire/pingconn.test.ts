// The "-ping" framing byte for byte: frame headers, pings, frames split at every offset, the
// Duplex both ways with a server's ping ticker, and a stream that ends inside a frame.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { PassThrough, Duplex } from 'node:stream';
import {
  encodeFrame,
  frameHeader,
  PING_FRAME,
  PingFrameDecoder,
  pingDuplex,
  relayPing,
  unwrapPing,
} from '../../../src/wire/pingconn.js';
import * as net from 'node:net';

test('frames are a 4-byte big-endian length then the payload; empty writes send nothing', () => {
  assert.deepEqual(encodeFrame(Buffer.from('abc')), Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63]));
  assert.deepEqual(frameHeader(0x01020304), Buffer.from([1, 2, 3, 4]));
  assert.equal(encodeFrame(Buffer.alloc(0)).length, 0);
  assert.deepEqual(PING_FRAME, Buffer.from([0, 0, 0, 0]));
  assert.throws(() => frameHeader(-1), RangeError);
  assert.throws(() => frameHeader(2 ** 32), RangeError);
});

test('the decoder drops pings and joins frames split anywhere', () => {
  const wire = Buffer.concat([
    PING_FRAME,
    encodeFrame(Buffer.from('hello')),
    PING_FRAME,
    encodeFrame(Buffer.from('world!')),
  ]);
  for (let step = 1; step <= wire.length; step++) {
    const d = new PingFrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < wire.length; i += step) out.push(...d.push(wire.subarray(i, i + step)));
    assert.equal(Buffer.concat(out).toString(), 'helloworld!', `step ${step}`);
    assert.ok(d.atBoundary);
  }
  const d = new PingFrameDecoder();
  d.push(Buffer.from([0, 0, 0, 5, 1]));
  assert.equal(d.atBoundary, false);
});

/** A connected pair of byte streams. */
function pair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  return [a, b];
}

test('pingDuplex frames writes, unframes reads, and a server pings on its interval', async () => {
  const [a, b] = pair();
  const client = pingDuplex(a);
  const raw: Buffer[] = [];
  const server = pingDuplex(b, { pingIntervalMs: 5 });
  client.write('select 1');
  const got = await new Promise<Buffer>((resolve) => server.once('data', resolve));
  assert.equal(got.toString(), 'select 1');
  a.on('data', (c: Buffer) => raw.push(c));
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(Buffer.concat(raw).includes(PING_FRAME), 'a ping reached the client');
  server.write('row');
  const back = await new Promise<Buffer>((resolve) => client.once('data', resolve));
  assert.equal(back.toString(), 'row');
  client.destroy();
  server.destroy();
});

test('an end inside a frame is an error, not a clean end', async () => {
  const src = new PassThrough();
  const d = pingDuplex(Duplex.from({ readable: src, writable: new PassThrough() }));
  const err = new Promise<Error>((resolve) => d.on('error', resolve));
  d.resume();
  src.end(Buffer.from([0, 0, 0, 9, 1, 2]));
  assert.match((await err).message, /inside a ping frame/);
});

/** Two connected loopback sockets. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const a = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const b = await accepted;
  server.close();
  return [a, b];
}

function collect(s: net.Socket): { text: () => string } {
  const got: Buffer[] = [];
  s.on('data', (c: Buffer) => got.push(c));
  return { text: () => Buffer.concat(got).toString() };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
};

test('relayPing over real sockets: frames one way, unframes (pings dropped) the other, ends pass through', async () => {
  // client ⇄ [plainIn | relay | framedOut] ⇄ peer (speaks the framing)
  const [client, plainIn] = await socketPair();
  const [framedOut, peer] = await socketPair();
  const tapped: string[] = [];
  const ended = new Promise<Error | undefined>((resolve) =>
    relayPing(plainIn, framedOut, resolve, {
      tapPlain: (c) => tapped.push(`p:${c.toString()}`),
      tapFramed: (c) => tapped.push(`f:${c.toString()}`),
    }),
  );
  const atPeer = collect(peer);
  const atClient = collect(client);
  client.write('query');
  await until(() => atPeer.text().length === 9);
  assert.deepEqual(Buffer.from(atPeer.text(), 'latin1'), encodeFrame(Buffer.from('query')));
  peer.write(
    Buffer.concat([PING_FRAME, encodeFrame(Buffer.from('ans')), PING_FRAME, encodeFrame(Buffer.from('wer'))]),
  );
  await until(() => atClient.text() === 'answer');
  assert.deepEqual(tapped, ['p:query', 'f:answer']);
  client.end();
  peer.end();
  assert.equal(await ended, undefined);
});

test('unwrapPing takes a pingDuplex over with what it had unframed; relayPing goes on from there', async () => {
  const [client, plainIn] = await socketPair();
  const [framedOut, peer] = await socketPair();
  const outer = pingDuplex(framedOut);
  peer.write(Buffer.concat([encodeFrame(Buffer.from('early')), frameHeader(4), Buffer.from('la')]));
  // Read a little through the Duplex first, as an engine's start-up does, then stop.
  const first = await new Promise<Buffer>((r) =>
    outer.once('data', (c: Buffer) => {
      outer.pause();
      r(c);
    }),
  );
  assert.equal(first.toString(), 'early');
  await new Promise((r) => setTimeout(r, 50));
  const take = unwrapPing(outer);
  assert.ok(take);
  assert.equal(unwrapPing(new PassThrough()), undefined);
  const atClient = collect(client);
  const ended = new Promise<Error | undefined>((resolve) => relayPing(plainIn, take, resolve));
  peer.write('te'); // the rest of the frame that began before the takeover
  await until(() => atClient.text() === 'late');
  peer.write(Buffer.from([0, 0, 0, 9, 1])); // ends inside a frame
  peer.end();
  const err = await ended;
  assert.match(String(err?.message), /inside a ping frame/);
  client.destroy();
  plainIn.destroy();
  outer.destroy();
});
