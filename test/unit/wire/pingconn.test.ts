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
} from '../../../src/wire/pingconn.js';

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
