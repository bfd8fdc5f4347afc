// Fuzzing what a remote peer sends the client's SSH helpers: the forwarded agent protocol
// (src/ssh/agentproto.ts) and the SOCKS5 server behind `ssh -D` (src/ssh/socks5.ts).
import { once } from 'node:events';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe } from 'vitest';
import { SshWriter } from '../../src/auth/ssh/wire.js';
import {
  AGENT,
  AgentStream,
  answer,
  frame,
  keyRingIdentities,
  parseSignRequest,
} from '../../src/ssh/agentproto.js';
import { parseRequest, socksServer } from '../../src/ssh/socks5.js';
import {
  FuzzDefect,
  fuzz,
  fuzzAsync,
  hostileBytes,
  isTypedError,
  parseOrTypedError,
  parseOrTypedErrorAsync,
} from './harness.js';
import { certBlobs, sshKeys } from './seeds.js';

const ids = [
  ...keyRingIdentities(sshKeys.ed25519!, certBlobs[0], 'teleport:alice'),
  ...keyRingIdentities(sshKeys.rsa!),
  ...keyRingIdentities(sshKeys.p521!),
];
const signRequest = (blob: Buffer, flags: number) =>
  new SshWriter().string(blob).string(Buffer.from('session-id and userauth request')).u32(flags).toBuffer();
const REQUESTS = [
  frame(AGENT.REQUEST_IDENTITIES),
  ...ids.map((id, i) => frame(AGENT.SIGN_REQUEST, signRequest(id.blob, i % 2 ? 4 : 2))),
  frame(99, Buffer.from('unknown')),
];

describe('SSH agent protocol (src/ssh/agentproto.ts)', () => {
  fuzz(
    'sign requests and answers',
    fc.tuple(fc.integer({ min: 0, max: 255 }), hostileBytes(REQUESTS.map((r) => r.subarray(5)))),
    ([type, payload]) => {
      parseOrTypedError(payload, () => parseSignRequest(payload));
      const out = answer(ids, type, payload); // must always answer, never throw
      if (out.readUInt32BE(0) !== out.length - 4) throw new FuzzDefect('answer is not one frame', payload);
    },
    { weight: 2 },
  );
  fuzzAsync(
    'a byte stream of requests in any chunks',
    fc.tuple(
      hostileBytes([Buffer.concat(REQUESTS)], 1024),
      fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }),
    ),
    async ([bytes, cuts]) => {
      await parseOrTypedErrorAsync(bytes, async () => {
        const errors: unknown[] = [];
        const agent = new AgentStream(ids, (e) => errors.push(e));
        agent.on('error', (e) => errors.push(e));
        agent.on('data', () => {});
        const ended = once(agent, 'end').catch(() => undefined);
        let off = 0;
        for (const c of cuts) {
          agent.write(bytes.subarray(off, off + c));
          off += c;
        }
        agent.end(bytes.subarray(off));
        agent.resume();
        await Promise.race([ended, once(agent, 'close')]);
        const bad = errors.find((e) => !isTypedError(e));
        if (bad) throw bad;
      });
    },
    { weight: 0.5 },
  );
});

const CONNECTS = [
  Buffer.from('050100030b6578616d706c652e636f6d0050', 'hex'), // example.com:80
  Buffer.from('050100017f0000011f90', 'hex'), // 127.0.0.1:8080
  Buffer.from('05010004000000000000000000000000000000010016', 'hex'), // [::1]:22
];

describe('SOCKS5 (src/ssh/socks5.ts)', () => {
  fuzz(
    'CONNECT requests',
    hostileBytes(CONNECTS, 300),
    (buf) => {
      const r = parseOrTypedError(buf, () => parseRequest(buf));
      // No CONNECT request is longer than 262 bytes: past that, "need more" would wait forever.
      if (r === undefined && buf.length >= 262) throw new FuzzDefect('still incomplete after 262 bytes', buf);
      if (r && 'host' in r && (r.length > buf.length || !(r.port >= 0 && r.port <= 65535)))
        throw new FuzzDefect(`request ${JSON.stringify(r)}`, buf);
    },
    { weight: 2 },
  );

  fuzzAsync(
    'a client that sends anything and hangs up',
    hostileBytes(
      CONNECTS.map((c) => Buffer.concat([Buffer.from('050100', 'hex'), c])),
      300,
    ),
    async (bytes) => {
      const server = socksServer(async () => new PassThrough());
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        await parseOrTypedErrorAsync(bytes, async () => {
          const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
          sock.on('error', () => {});
          sock.on('data', () => {});
          sock.end(bytes);
          await once(sock, 'close');
        });
      } finally {
        server.close();
      }
    },
    { weight: 0.1 },
  );
});
