// The RFC 6455 codec byte for byte, both directions: the examples of RFC 6455 §5.7 and §1.3,
// length encodings at their edges, fragmentation with control frames in between, input fed one
// byte at a time, and every protocol violation with the close code it calls for.
import { describe, expect, it } from 'vitest';
import {
  acceptKey,
  CLOSE_INVALID_DATA,
  CLOSE_NO_STATUS,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  decodeClosePayload,
  encodeClosePayload,
  encodeFrame,
  OPCODE,
  validKey,
  WebSocketError,
  WebSocketParser,
  type WebSocketMessage,
} from '../../../src/wire/websocket.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASK = hex('37fa213d'); // RFC 6455 §5.7
const server = () => new WebSocketParser({ masked: true }); // reads a client's (masked) frames
const client = () => new WebSocketParser({ masked: false });

/** Parses bytes whole and one byte at a time; both must agree. */
function parseBoth(make: () => WebSocketParser, bytes: Buffer): WebSocketMessage[] {
  const whole = make().push(bytes);
  const p = make();
  const bytewise = [...bytes].flatMap((b) => p.push(Buffer.from([b])));
  expect(bytewise).toEqual(whole);
  return whole;
}

function violation(make: () => WebSocketParser, bytes: Buffer): WebSocketError {
  try {
    make().push(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(WebSocketError);
    return err as WebSocketError;
  }
  throw new Error('accepted');
}

describe('frames out (encodeFrame)', () => {
  it('the RFC 6455 §5.7 examples', () => {
    const hello = Buffer.from('Hello');
    expect(encodeFrame({ opcode: OPCODE.text, payload: hello })).toEqual(hex('81 05 48656c6c6f'));
    expect(encodeFrame({ opcode: OPCODE.text, payload: hello, mask: MASK })).toEqual(
      hex('81 85 37fa213d 7f9f4d5158'),
    );
    expect(encodeFrame({ fin: false, opcode: OPCODE.text, payload: Buffer.from('Hel') })).toEqual(
      hex('01 03 48656c'),
    );
    expect(encodeFrame({ opcode: OPCODE.continuation, payload: Buffer.from('lo') })).toEqual(
      hex('80 02 6c6f'),
    );
    expect(encodeFrame({ opcode: OPCODE.ping, payload: hello })).toEqual(hex('89 05 48656c6c6f'));
    expect(encodeFrame({ opcode: OPCODE.pong, payload: hello, mask: MASK })).toEqual(
      hex('8a 85 37fa213d 7f9f4d5158'),
    );
    // 256 bytes: 16-bit length; 65536: 64-bit length.
    expect(encodeFrame({ opcode: OPCODE.binary, payload: Buffer.alloc(256) }).subarray(0, 4)).toEqual(
      hex('82 7e 0100'),
    );
    expect(encodeFrame({ opcode: OPCODE.binary, payload: Buffer.alloc(65536) }).subarray(0, 10)).toEqual(
      hex('82 7f 0000000000010000'),
    );
  });

  it('lengths at the edges of each encoding', () => {
    for (const [n, head] of [
      [0, '8200'],
      [125, '827d'],
      [126, '827e007e'],
      [65535, '827effff'],
      [65536, '827f0000000000010000'],
    ] as const) {
      const f = encodeFrame({ opcode: OPCODE.binary, payload: Buffer.alloc(n, 7) });
      expect(f.subarray(0, head.length / 2).toString('hex')).toBe(head);
      expect(f.length).toBe(head.length / 2 + n);
      expect(client().push(f)).toEqual([{ type: 'binary', data: Buffer.alloc(n, 7) }]);
    }
  });

  it('does not mask the caller’s payload in place', () => {
    const payload = Buffer.from('abc');
    encodeFrame({ opcode: OPCODE.binary, payload, mask: MASK });
    expect(payload.toString()).toBe('abc');
  });

  it('refuses control frames over 125 bytes or fragmented', () => {
    expect(() => encodeFrame({ opcode: OPCODE.ping, payload: Buffer.alloc(126) })).toThrow(WebSocketError);
    expect(() => encodeFrame({ opcode: OPCODE.close, fin: false })).toThrow(WebSocketError);
  });

  it('close payloads: status and reason, cut to 123 bytes at a character boundary', () => {
    expect(encodeClosePayload(1000, 'bye')).toEqual(hex('03e8 627965'));
    expect(encodeClosePayload()).toEqual(Buffer.alloc(0));
    const long = encodeClosePayload(1001, 'é'.repeat(100));
    expect(long.length).toBe(2 + 122); // 61 two-byte characters fit in 123
    expect(decodeClosePayload(long)).toEqual({ code: 1001, reason: 'é'.repeat(61) });
    expect(decodeClosePayload(Buffer.alloc(0))).toEqual({ code: CLOSE_NO_STATUS, reason: '' });
  });
});

describe('frames in (WebSocketParser)', () => {
  it('reads masked client frames and unmasked server frames, whole or byte by byte', () => {
    expect(parseBoth(server, hex('81 85 37fa213d 7f9f4d5158'))).toEqual([{ type: 'text', data: 'Hello' }]);
    expect(parseBoth(client, hex('81 05 48656c6c6f'))).toEqual([{ type: 'text', data: 'Hello' }]);
    const big = Buffer.alloc(70000, 0x5a);
    expect(parseBoth(server, encodeFrame({ opcode: OPCODE.binary, payload: big, mask: MASK }))).toEqual([
      { type: 'binary', data: big },
    ]);
  });

  it('reassembles a fragmented message with control frames between its fragments', () => {
    const bytes = Buffer.concat([
      encodeFrame({ fin: false, opcode: OPCODE.text, payload: Buffer.from('Hé'), mask: MASK }),
      encodeFrame({ opcode: OPCODE.ping, payload: Buffer.from('p'), mask: MASK }),
      // A character split across fragments is fine: UTF-8 is checked on the whole message.
      encodeFrame({ fin: false, opcode: OPCODE.continuation, payload: hex('c3'), mask: MASK }),
      encodeFrame({ opcode: OPCODE.continuation, payload: hex('a9 21'), mask: MASK }),
      encodeFrame({ opcode: OPCODE.pong, mask: MASK }),
      encodeFrame({ opcode: OPCODE.close, payload: encodeClosePayload(1001, 'gone'), mask: MASK }),
    ]);
    expect(parseBoth(server, bytes)).toEqual([
      { type: 'ping', data: Buffer.from('p') },
      { type: 'text', data: 'Héé!' },
      { type: 'pong', data: Buffer.alloc(0) },
      { type: 'close', code: 1001, reason: 'gone' },
    ]);
  });

  it('waits for the rest of a frame', () => {
    const p = server();
    const f = encodeFrame({ opcode: OPCODE.binary, payload: Buffer.alloc(300, 1), mask: MASK });
    expect(p.push(f.subarray(0, 3))).toEqual([]);
    expect(p.push(f.subarray(3, 100))).toEqual([]);
    expect(p.push(Buffer.concat([f.subarray(100), f.subarray(0, 1)]))).toEqual([
      { type: 'binary', data: Buffer.alloc(300, 1) },
    ]);
  });

  it('refuses what RFC 6455 forbids, with the close code for it', () => {
    const cases: [string, () => WebSocketParser, Buffer, number][] = [
      ['unmasked from a client', server, hex('81 05 48656c6c6f'), CLOSE_PROTOCOL_ERROR],
      ['masked from a server', client, hex('81 85 37fa213d 7f9f4d5158'), CLOSE_PROTOCOL_ERROR],
      ['reserved bits', client, hex('c1 00'), CLOSE_PROTOCOL_ERROR],
      ['unknown opcode', client, hex('83 00'), CLOSE_PROTOCOL_ERROR],
      ['unknown control opcode', client, hex('8b 00'), CLOSE_PROTOCOL_ERROR],
      ['fragmented control frame', client, hex('09 00'), CLOSE_PROTOCOL_ERROR],
      [
        'control frame over 125 bytes',
        client,
        Buffer.concat([hex('89 7e 007e'), Buffer.alloc(126)]),
        CLOSE_PROTOCOL_ERROR,
      ],
      ['continuation without a message', client, hex('80 00'), CLOSE_PROTOCOL_ERROR],
      ['a new message inside a fragmented one', client, hex('01 00 81 00'), CLOSE_PROTOCOL_ERROR],
      ['16-bit length not minimal', client, hex('82 7e 0005 0000000000'), CLOSE_PROTOCOL_ERROR],
      ['64-bit length not minimal', client, hex('82 7f 00000000000000ff'), CLOSE_PROTOCOL_ERROR],
      ['64-bit length with the top bit', client, hex('82 7f 8000000000000000'), CLOSE_PROTOCOL_ERROR],
      ['text that is not UTF-8', client, hex('81 02 c328'), CLOSE_INVALID_DATA],
      ['close reason that is not UTF-8', client, hex('88 03 03e8 ff'), CLOSE_INVALID_DATA],
      ['close with 1 byte', client, hex('88 01 03'), CLOSE_PROTOCOL_ERROR],
      ['close with status 1005', client, hex('88 02 03ed'), CLOSE_PROTOCOL_ERROR],
      ['close with status 999', client, hex('88 02 03e7'), CLOSE_PROTOCOL_ERROR],
      ['message over the limit', client, hex('82 7f 0000000100000000'), CLOSE_TOO_BIG],
    ];
    for (const [what, make, bytes, code] of cases) {
      expect(violation(make, bytes).closeCode, what).toBe(code);
    }
  });

  it('counts every fragment toward the message limit', () => {
    const p = new WebSocketParser({ masked: false, maxMessage: 10 });
    expect(p.push(encodeFrame({ fin: false, opcode: OPCODE.binary, payload: Buffer.alloc(6) }))).toEqual([]);
    expect(() => p.push(encodeFrame({ opcode: OPCODE.continuation, payload: Buffer.alloc(6) }))).toThrow(
      /too big/,
    );
  });
});

describe('handshake', () => {
  it('Sec-WebSocket-Accept of the RFC 6455 §1.3 example', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('a key is 16 bytes of base64', () => {
    expect(validKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
    expect(validKey(undefined)).toBe(false);
    expect(validKey('dGhlIHNhbXBsZQ==')).toBe(false);
    expect(validKey('dGhlIHNhbXBsZSBub25jZQ')).toBe(false);
  });
});
