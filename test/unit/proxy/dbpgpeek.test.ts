// The Postgres startup peek byte for byte: CancelRequest, SSLRequest, GSSENCRequest and
// StartupMessage heads, malformed ones, and the peek over a real socket leaving the stream
// untouched for whoever reads next.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { classifyPgStartup, peekPgStartup } from '../../../src/proxy/dbpgpeek.js';

const head = (length: number, code: number, rest: number[] = []) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(code, 4);
  return Buffer.concat([b, Buffer.from(rest)]);
};
// psql's cancel: 16 bytes, code 80877102 (0x04D2162E), pid, secret key
const CANCEL = Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef]);
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const GSSENC_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);

test('the four startup-phase messages are told apart by their first 8 bytes', () => {
  assert.equal(classifyPgStartup(CANCEL), 'cancel');
  assert.equal(classifyPgStartup(CANCEL.subarray(0, 8)), 'cancel');
  assert.equal(classifyPgStartup(SSL_REQUEST), 'ssl');
  assert.equal(classifyPgStartup(GSSENC_REQUEST), 'gssenc');
  // StartupMessage, protocol 3.0: code 0x00030000, then "user\0alice\0\0"
  const params = Buffer.from('user\0alice\0\0');
  assert.equal(classifyPgStartup(head(8 + params.length, 0x00030000, [...params])), 'startup');
});

test('fewer than 8 bytes: not decided yet', () => {
  for (let n = 0; n < 8; n++) assert.equal(classifyPgStartup(CANCEL.subarray(0, n)), undefined);
});

test('wrong lengths or codes are not a CancelRequest', () => {
  assert.equal(classifyPgStartup(head(12, 80877102)), 'unknown');
  assert.equal(classifyPgStartup(head(16, 80877103)), 'unknown');
  assert.equal(classifyPgStartup(head(8, 0x00020000)), 'unknown');
  assert.equal(classifyPgStartup(head(8, 0x00030000)), 'unknown'); // no room for parameters
  assert.equal(classifyPgStartup(Buffer.from('GET / HTTP/1.1\r\n')), 'unknown');
});

async function pair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const srv = net.createServer({ pauseOnConnect: true });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  const accepted = once(srv, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [server] = (await accepted) as [net.Socket];
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      srv.close();
    },
  };
}

test('the peek over a socket: byte by byte, then the same bytes read again', async () => {
  const { client, server, close } = await pair();
  try {
    const peeked = peekPgStartup(server);
    for (const b of CANCEL) {
      client.write(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 1));
    }
    const r = await peeked;
    assert.equal(r?.kind, 'cancel');
    const got: Buffer[] = [];
    server.on('data', (c: Buffer) => got.push(c));
    client.end();
    await once(server, 'end');
    assert.deepEqual(Buffer.concat(got), CANCEL);
  } finally {
    close();
  }
});

test('an SSLRequest is decided on its 8 bytes alone (its sender waits for the answer)', async () => {
  const { client, server, close } = await pair();
  try {
    client.write(SSL_REQUEST);
    const r = await peekPgStartup(server);
    assert.equal(r?.kind, 'ssl');
    assert.deepEqual(server.read(8), SSL_REQUEST);
  } finally {
    close();
  }
});

test('a connection that ends before 8 bytes peeks nothing', async () => {
  const { client, server, close } = await pair();
  try {
    client.end(Buffer.from([0, 0, 0]));
    assert.equal(await peekPgStartup(server), undefined);
  } finally {
    close();
  }
});
