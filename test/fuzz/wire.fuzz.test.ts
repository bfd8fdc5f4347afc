// Fuzzing what the dev cluster's router and the gRPC tunnels read off the network: TLS
// ClientHellos (src/wire/clienthello.ts), cluster-name SNI (alpn.ts), frame streams
// (framestream.ts) and the protobuf cursor (pbcursor.ts).
import { once } from 'node:events';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import * as tls from 'node:tls';
import fc from 'fast-check';
import { describe } from 'vitest';
import { authAlpn, decodeClusterName, encodeClusterName } from '../../src/wire/alpn.js';
import { parseClientHello, peekClientHello } from '../../src/wire/clienthello.js';
import { frameDuplex, type FrameCall } from '../../src/wire/framestream.js';
import { PbCursor } from '../../src/wire/pbcursor.js';
import {
  FuzzDefect,
  fuzz,
  fuzzAsync,
  hostileBytes,
  parseOrTypedError,
  parseOrTypedErrorAsync,
} from './harness.js';

/** The first flight of a real Node TLS client, captured over a loopback socket. */
async function captureHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (sock) => {
      let buf = Buffer.alloc(0);
      sock.on('error', () => {});
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (parseClientHello(buf).complete) {
          resolve(buf);
          sock.destroy();
        }
      });
    });
  });
  const client = tls.connect({ host: '127.0.0.1', port, ...options });
  client.on('error', () => {});
  try {
    return await got;
  } finally {
    client.destroy();
    server.close();
  }
}

const HELLOS = [
  await captureHello({
    servername: encodeClusterName('root.example'),
    ALPNProtocols: [authAlpn('root.example'), 'h2'],
  }),
  await captureHello({
    servername: 'proxy.example.com',
    ALPNProtocols: ['teleport-proxy-ssh-grpc'],
    maxVersion: 'TLSv1.2',
  }),
  await captureHello({}),
];

describe('TLS ClientHello (src/wire/clienthello.ts)', () => {
  fuzz(
    'mutated ClientHellos',
    hostileBytes(HELLOS, 600),
    (buf) => {
      const r = parseOrTypedError(buf, () => parseClientHello(buf));
      if (r?.complete && (r.length > buf.length || r.length <= 0))
        throw new FuzzDefect(`length ${r.length}`, buf);
      if (r && !r.complete && r.need !== undefined && !(r.need > 0))
        throw new FuzzDefect(`need ${r.need}`, buf);
    },
    { weight: 4 },
  );
  fuzz(
    'every prefix of a ClientHello asks for more bytes',
    fc.tuple(fc.constantFrom(...HELLOS), fc.nat()),
    ([hello, n]) => {
      const prefix = hello.subarray(0, n % hello.length);
      const r = parseClientHello(prefix);
      if (r.complete) throw new FuzzDefect('complete before the end', prefix);
    },
  );
  // The router's socket reader: bytes in arbitrary chunks, then the peer hangs up.
  fuzzAsync(
    'peeking at a socket',
    fc.tuple(hostileBytes(HELLOS, 600), fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 6 })),
    async ([bytes, cuts]) => {
      const sock = new PassThrough();
      const peek = parseOrTypedErrorAsync(bytes, () =>
        peekClientHello(sock as unknown as net.Socket, { timeoutMs: 500, maxBytes: 1024 }),
      );
      let off = 0;
      for (const c of cuts) {
        sock.write(bytes.subarray(off, off + c));
        off += c;
      }
      sock.end(bytes.subarray(off));
      await peek;
    },
    { weight: 0.5 },
  );
});

describe('cluster-name SNI (src/wire/alpn.ts)', () => {
  const hexSni = fc
    .tuple(
      fc.stringMatching(/^[0-9a-fA-F]{0,12}$/),
      fc.constantFrom('.teleport.cluster.local', '.teleport.cluster.localx', ''),
    )
    .map(([h, d]) => h + d);
  fuzz(
    'an SNI names at most one cluster; every name round-trips',
    fc.tuple(fc.oneof(hexSni, fc.string({ unit: 'binary' })), fc.string({ minLength: 1, unit: 'grapheme' })),
    ([sni, name]) => {
      const decoded = decodeClusterName(sni);
      if (decoded !== undefined && encodeClusterName(decoded) !== sni)
        throw new FuzzDefect(`decoded to ${JSON.stringify(decoded)}, which encodes differently`, sni);
      if (decodeClusterName(encodeClusterName(name)) !== name) throw new FuzzDefect('name changed', name);
    },
  );
});

interface Msg {
  data?: Buffer | null;
}

describe('gRPC frame streams (src/wire/framestream.ts)', () => {
  const msg: fc.Arbitrary<Msg> = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((d) => ({ data: Buffer.from(d) })),
    fc.constant({ data: null }),
    fc.constant({}),
  );
  fuzzAsync(
    'any sequence of peer messages',
    fc.tuple(fc.array(msg, { maxLength: 8 }), fc.constantFrom('end', 'error')),
    async ([msgs, close]) => {
      const call = new PassThrough({ objectMode: true }) as unknown as FrameCall<Buffer, Msg> & PassThrough;
      const d = frameDuplex<Buffer, Msg>(
        call,
        (b) => b,
        (m) => m.data,
      );
      const read = (async () => {
        const chunks: Buffer[] = [];
        for await (const c of d) chunks.push(c as Buffer);
        return chunks;
      })();
      for (const m of msgs) call.emit('data', m);
      if (close === 'end') call.emit('end');
      else call.emit('error', new Error('peer reset'));
      const got = await parseOrTypedErrorAsync(msgs, () => read).catch((err: unknown) => {
        // The transport's own error passes through unchanged: only our protocol errors must be typed.
        if (err instanceof FuzzDefect && (err.cause as Error)?.message === 'peer reset') return undefined;
        throw err;
      });
      const want = msgs.findIndex((m) => m.data === undefined);
      if (got && want >= 0)
        throw new FuzzDefect('a message without a frame was accepted', JSON.stringify(msgs));
    },
    { weight: 0.5 },
  );
});

describe('protobuf cursor (src/wire/pbcursor.ts)', () => {
  const ops = fc.array(
    fc.constantFrom('varint', 'int64', 'end', 'string', 'skip0', 'skip1', 'skip2', 'skip5', 'skip3'),
    { maxLength: 10 },
  );
  fuzz(
    'any read sequence over any bytes',
    fc.tuple(fc.uint8Array({ maxLength: 64 }).map(Buffer.from), ops),
    ([buf, list]) => {
      parseOrTypedError(buf, () => {
        const c = new PbCursor(buf, 0);
        for (const op of list) {
          if (op.startsWith('skip')) c.skip(Number(op.slice(4)));
          else (c[op as 'varint'] as () => unknown).call(c);
          if (c.pos > buf.length || c.pos < 0)
            throw new FuzzDefect(`position ${c.pos} outside the buffer`, buf);
        }
      });
    },
    { weight: 2 },
  );
});
