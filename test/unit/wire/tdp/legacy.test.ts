import { describe, expect, it } from 'vitest';
import {
  DesktopProtocolError,
  MessageTooLargeError,
  TruncatedMessageError,
  UnknownMessageTypeError,
} from '../../../../src/wire/tdp/errors.js';
import { TdpDirection, TdpType, type TdpKind, type TdpMessage } from '../../../../src/wire/tdp/messages.js';
import { decodeMessage, TdpParser } from '../../../../src/wire/tdp/parser.js';
import { serialize } from '../../../../src/wire/tdp/serializer.js';

/** Hex with whitespace and `|` separators stripped, so vectors can be laid out by field. */
const h = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');
const hex = (b: Buffer): string => b.toString('hex');

// A real 1x1 RGBA PNG: signature, IHDR, IDAT, IEND (67 bytes).
const PNG_HEX =
  '89504e470d0a1a0a 0000000d 49484452 00000001 00000001 0806000000 1f15c489' +
  ' 0000000a 49444154 789c6300010000050001 0d0a2db4 00000000 49454e44 ae426082';
const PNG = h(PNG_HEX);
const UUID = h('00112233445566778899aabbccddeeff');

// One vector per legacy type byte: [message, its bytes laid out field by field].
const VECTORS: [TdpMessage, string][] = [
  [{ kind: 'clientScreenSpec', width: 1920, height: 1080 }, '01 | 00000780 | 00000438'],
  [
    { kind: 'pngFrame', left: 0, top: 10, right: 1, bottom: 11, png: PNG },
    `02 | 00000000 | 0000000a | 00000001 | 0000000b | ${PNG_HEX}`,
  ],
  [{ kind: 'mouseMove', x: 100, y: 200 }, '03 | 00000064 | 000000c8'],
  [{ kind: 'mouseButton', button: 2, pressed: true }, '04 | 02 | 01'],
  [{ kind: 'keyboardButton', keyCode: 0xe01d, pressed: false }, '05 | 0000e01d | 00'],
  [{ kind: 'clipboardData', data: Buffer.from('hi') }, '06 | 00000002 6869'],
  [{ kind: 'clientUsername', username: 'alice' }, '07 | 00000005 616c696365'],
  [{ kind: 'mouseWheel', axis: 0, delta: -120 }, '08 | 00 | ff88'],
  [{ kind: 'error', message: 'boom' }, '09 | 00000004 626f6f6d'],
  [{ kind: 'mfa', mfaType: 0x6e, json: '{}' }, '0a | 6e | 00000002 7b7d'],
  [
    { kind: 'sharedDirectoryAnnounce', directoryId: 2, name: 'share' },
    '0b | 00000000 (discard) | 00000002 | 00000005 7368617265',
  ],
  [{ kind: 'sharedDirectoryAcknowledge', errCode: 0, directoryId: 2 }, '0c | 00000000 | 00000002'],
  [
    { kind: 'sharedDirectoryInfoRequest', completionId: 7, directoryId: 2, path: 'a/b' },
    '0d | 00000007 | 00000002 | 00000003 612f62',
  ],
  [
    {
      kind: 'sharedDirectoryInfoResponse',
      completionId: 7,
      errCode: 0,
      fso: { lastModified: 1700000000000n, size: 5n, fileType: 0, isEmpty: false, path: 'a/b' },
    },
    '0e | 00000007 | 00000000 | 0000018bcfe56800 | 0000000000000005 | 00000000 | 00 | 00000003 612f62',
  ],
  [
    { kind: 'sharedDirectoryCreateRequest', completionId: 8, directoryId: 2, fileType: 1, path: 'd' },
    '0f | 00000008 | 00000002 | 00000001 | 00000001 64',
  ],
  [
    {
      kind: 'sharedDirectoryCreateResponse',
      completionId: 8,
      errCode: 3,
      fso: { lastModified: 0n, size: 0n, fileType: 1, isEmpty: true, path: 'd' },
    },
    '10 | 00000008 | 00000003 | 0000000000000000 | 0000000000000000 | 00000001 | 01 | 00000001 64',
  ],
  [
    { kind: 'sharedDirectoryDeleteRequest', completionId: 9, directoryId: 2, path: 'd' },
    '11 | 00000009 | 00000002 | 00000001 64',
  ],
  [{ kind: 'sharedDirectoryDeleteResponse', completionId: 9, errCode: 2 }, '12 | 00000009 | 00000002'],
  [
    {
      kind: 'sharedDirectoryReadRequest',
      completionId: 10,
      directoryId: 2,
      path: 'f',
      offset: 0x100000000n,
      length: 4096,
    },
    '13 | 0000000a | 00000002 | 00000001 66 | 0000000100000000 | 00001000',
  ],
  [
    { kind: 'sharedDirectoryReadResponse', completionId: 10, errCode: 0, data: Buffer.from('abc') },
    '14 | 0000000a | 00000000 | 00000003 616263',
  ],
  [
    {
      kind: 'sharedDirectoryWriteRequest',
      completionId: 11,
      directoryId: 2,
      offset: 16n,
      path: 'f',
      data: Buffer.from('xyz'),
    },
    // offset before path, as upstream's encoder and both decoders have it
    '15 | 0000000b | 00000002 | 0000000000000010 | 00000001 66 | 00000003 78797a',
  ],
  [
    { kind: 'sharedDirectoryWriteResponse', completionId: 11, errCode: 0, bytesWritten: 3 },
    '16 | 0000000b | 00000000 | 00000003',
  ],
  [
    { kind: 'sharedDirectoryMoveRequest', completionId: 12, directoryId: 2, originalPath: 'a', newPath: 'b' },
    '17 | 0000000c | 00000002 | 00000001 61 | 00000001 62',
  ],
  [{ kind: 'sharedDirectoryMoveResponse', completionId: 12, errCode: 1 }, '18 | 0000000c | 00000001'],
  [
    { kind: 'sharedDirectoryListRequest', completionId: 13, directoryId: 2, path: '' },
    '19 | 0000000d | 00000002 | 00000000',
  ],
  [
    {
      kind: 'sharedDirectoryListResponse',
      completionId: 13,
      errCode: 0,
      fsoList: [
        { lastModified: 1n, size: 2n, fileType: 0, isEmpty: false, path: 'x' },
        { lastModified: 3n, size: 0n, fileType: 1, isEmpty: true, path: 'y' },
      ],
    },
    '1a | 0000000d | 00000000 | 00000002' +
      ' | 0000000000000001 0000000000000002 00000000 00 00000001 78' +
      ' | 0000000000000003 0000000000000000 00000001 01 00000001 79',
  ],
  [
    { kind: 'png2Frame', left: 1, top: 2, right: 3, bottom: 4, png: PNG },
    `1b | 00000043 (png_length 67) | 00000001 | 00000002 | 00000003 | 00000004 | ${PNG_HEX}`,
  ],
  [{ kind: 'alert', message: 'careful', severity: 1 }, '1c | 00000007 6361726566756c | 01'],
  [{ kind: 'rdpFastPathPdu', data: h('0003aa') }, '1d | 00000003 0003aa'],
  [{ kind: 'rdpResponsePdu', data: h('beef') }, '1e | 00000002 beef'],
  [
    {
      kind: 'connectionActivated',
      ioChannelId: 1003,
      userChannelId: 1004,
      screenWidth: 1280,
      screenHeight: 720,
    },
    '1f | 03eb | 03ec | 0500 | 02d0',
  ],
  [
    { kind: 'syncKeys', scrollLock: false, numLock: true, capsLock: false, kanaLock: false },
    '20 | 00 01 00 00',
  ],
  [
    { kind: 'sharedDirectoryTruncateRequest', completionId: 14, directoryId: 2, path: 'f', endOfFile: 100 },
    '21 | 0000000e | 00000002 | 00000001 66 | 00000064',
  ],
  [{ kind: 'sharedDirectoryTruncateResponse', completionId: 14, errCode: 0 }, '22 | 0000000e | 00000000'],
  [{ kind: 'latencyStats', clientLatency: 12, serverLatency: 34 }, '23 | 0000000c | 00000022'],
  [{ kind: 'ping', uuid: UUID }, '24 | 00112233445566778899aabbccddeeff'],
  [{ kind: 'clientKeyboardLayout', keyboardLayout: 0x409 }, '25 | 00000004 (length) | 00000409'],
  [{ kind: 'tdpbUpgrade' }, '26'],
];
// Vectors may carry "(comments)" between fields.
const bytesOf = (v: string): Buffer => h(v.replace(/\([^)]*\)/g, ''));

describe('legacy TDP byte table', () => {
  it('covers every type byte 1..38 in both directions', () => {
    expect(VECTORS.map(([m]) => TdpType[m.kind])).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    const dirs = new Set(VECTORS.map(([m]) => TdpDirection[m.kind]));
    expect([...dirs].sort()).toEqual(['C>S', 'S>C', 'both']);
  });

  for (const [msg, vector] of VECTORS) {
    it(`${TdpType[msg.kind]} ${msg.kind}: encodes to the table bytes and decodes back`, () => {
      const bytes = bytesOf(vector);
      expect(hex(serialize(msg))).toBe(hex(bytes));
      expect(decodeMessage(bytes)).toEqual(msg);
    });
  }

  it('decodes any non-zero discard word in SharedDirectoryAnnounce (and writes 0)', () => {
    const m = decodeMessage(h('0b | 00000005 | 00000002 | 00000001 73'));
    expect(m).toEqual({ kind: 'sharedDirectoryAnnounce', directoryId: 2, name: 's' });
  });

  it('accepts the legacy U2F MFA type byte', () => {
    expect(decodeMessage(h('0a 75 00000002 7b7d'))).toEqual({ kind: 'mfa', mfaType: 0x75, json: '{}' });
  });
});

const STREAM = Buffer.concat(VECTORS.map(([, v]) => bytesOf(v)));
const ALL = VECTORS.map(([m]) => m);

describe('TdpParser: incremental', () => {
  it('parses the whole stream in one chunk', () => {
    const p = new TdpParser();
    expect(p.parse(STREAM)).toEqual(ALL);
    expect(p.bufferedBytes).toBe(0);
    p.end();
  });

  it('parses the stream split at every byte boundary', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      const p = new TdpParser();
      const got = [...p.parse(STREAM.subarray(0, i)), ...p.parse(STREAM.subarray(i))];
      expect(got, `split at ${i}`).toEqual(ALL);
      p.end();
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const p = new TdpParser();
    const got: TdpMessage[] = [];
    for (let i = 0; i < STREAM.length; i++) got.push(...p.parse(STREAM.subarray(i, i + 1)));
    expect(got).toEqual(ALL);
    p.end();
  });

  it('returns message buffers that do not alias the input', () => {
    const input = Buffer.from(bytesOf('06 00000002 6869'));
    const [m] = new TdpParser().parse(input);
    input.fill(0);
    expect(m).toEqual({ kind: 'clipboardData', data: Buffer.from('hi') });
  });
});

function parseError(bytes: Buffer, opts?: ConstructorParameters<typeof TdpParser>[0]): unknown {
  try {
    const p = new TdpParser(opts);
    p.parse(bytes);
    p.end();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('TdpParser: hostile input', () => {
  it.each([0, 39, 0x7f, 0xff])('unknown type byte %i is a typed error naming the type', (t) => {
    const err = parseError(Buffer.from([t, 1, 2, 3]));
    expect(err).toBeInstanceOf(UnknownMessageTypeError);
    expect(err).toMatchObject({ code: 'unknown-type', protocol: 'TDP', messageType: t });
    expect((err as Error).message).toBe(`unsupported desktop protocol message type ${t}`);
  });

  it('an unknown type after good messages fails only when it arrives', () => {
    const p = new TdpParser();
    expect(p.parse(bytesOf('03 00000001 00000002'))).toHaveLength(1);
    expect(() => p.parse(Buffer.from([99]))).toThrow(UnknownMessageTypeError);
  });

  it('every vector truncated by one byte is a TruncatedMessageError at end()', () => {
    for (const [msg, v] of VECTORS) {
      const bytes = bytesOf(v);
      if (bytes.length === 1) continue; // the empty-bodied Upgrade
      const p = new TdpParser();
      expect(p.parse(bytes.subarray(0, -1)), msg.kind).toEqual([]);
      expect(() => p.end(), msg.kind).toThrow(TruncatedMessageError);
      expect(() => decodeMessage(bytes.subarray(0, -1)), msg.kind).toThrow(TruncatedMessageError);
    }
  });

  it('trailing bytes after one whole message are refused by decodeMessage', () => {
    expect(() => decodeMessage(bytesOf('04 00 01 ff'))).toThrow(/1 trailing bytes/);
  });

  // [what, bytes up to and including the over-limit length, declared, limit]
  const oversize: [string, string, number, number][] = [
    ['username', '07 00000101', 257, 256],
    ['alert text', '1c 00002801', 10241, 10240],
    ['read request path', '13 00000001 00000002 00002801', 10241, 10240],
    ['move new path', '17 00000001 00000002 00000000 00002801', 10241, 10240],
    ['fso path', '0e 00000001 00000000 0000000000000000 0000000000000000 00000000 00 00002801', 10241, 10240],
    ['png2 length', '1b 00a00001', 0xa00001, 0xa00000],
    ['fast-path PDU', '1d 01000001', 0x1000001, 0x1000000],
    ['response PDU', '1e ffffffff', 0xffffffff, 0x1000000],
    ['list count', '1a 00000001 00000000 00100001', 0x100001, 0x100000],
  ];
  it.each(oversize)(
    '%s over its limit is refused as soon as the length arrives',
    (_, bytes, declared, max) => {
      const err = parseError(h(bytes));
      expect(err).toBeInstanceOf(MessageTooLargeError);
      expect(err).toMatchObject({ code: 'too-large', declared, max, skippable: false });
    },
  );

  it('a PNG frame whose chunks run past 10 MiB is refused', () => {
    const bytes = h(`02 ${'00000000'.repeat(4)} 89504e470d0a1a0a 00a00000 49444154`);
    expect(parseError(bytes)).toBeInstanceOf(MessageTooLargeError);
  });

  it('a PNG frame without the PNG signature is malformed', () => {
    const err = parseError(h(`02 ${'00000000'.repeat(4)} 0000000000000000`));
    expect(err).toBeInstanceOf(DesktopProtocolError);
    expect(err).toMatchObject({ code: 'malformed' });
  });

  it('a keyboard layout with a payload length other than 4 is malformed', () => {
    expect(parseError(h('25 00000008 00000409 00000000'))).toMatchObject({ code: 'malformed' });
  });

  it('an MFA message with an unknown type byte or no JSON is malformed', () => {
    expect(parseError(h('0a 78 00000002 7b7d'))).toMatchObject({ code: 'malformed' });
    expect(parseError(h('0a 6e 00000000'))).toMatchObject({ code: 'malformed' });
  });

  it('an over-limit clipboard is a skippable MessageTooLargeError', () => {
    const err = parseError(h('06 00100001'));
    expect(err).toMatchObject({ declared: 0x100001, max: 0x100000, skippable: true });
  });

  it('with onSkip, an over-limit final field is discarded unbuffered and parsing goes on', () => {
    const skipped: MessageTooLargeError[] = [];
    const p = new TdpParser({ onSkip: (e) => skipped.push(e) });
    const size = 0x100001;
    const got: TdpMessage[] = [];
    got.push(...p.parse(h('06 00100001')));
    for (let sent = 0; sent < size; sent += 65536) {
      got.push(...p.parse(Buffer.alloc(Math.min(65536, size - sent), 0x41)));
      expect(p.bufferedBytes).toBe(0);
    }
    got.push(...p.parse(bytesOf('03 00000001 00000002')));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toBe(
      'desktop protocol: clipboardData data of 1048577 bytes exceeds the limit of 1048576 bytes',
    );
    expect(got).toEqual([{ kind: 'mouseMove', x: 1, y: 2 }]);
    p.end();
  });

  it('end() inside a skipped payload is truncation', () => {
    const p = new TdpParser({ onSkip: () => undefined });
    p.parse(h('14 00000001 00000000 00100001 41'));
    expect(() => p.end()).toThrow(TruncatedMessageError);
  });
});

describe('serialize: refuses what the wire cannot carry', () => {
  const bad: [string, TdpMessage][] = [
    ['u32 overflow', { kind: 'mouseMove', x: 2 ** 32, y: 0 }],
    ['negative', { kind: 'clientScreenSpec', width: -1, height: 1 }],
    ['fraction', { kind: 'clientScreenSpec', width: 1.5, height: 1 }],
    ['int16 overflow', { kind: 'mouseWheel', axis: 0, delta: 40000 }],
    [
      'u16 overflow',
      { kind: 'connectionActivated', ioChannelId: 70000, userChannelId: 0, screenWidth: 0, screenHeight: 0 },
    ],
    ['long username', { kind: 'clientUsername', username: 'u'.repeat(257) }],
    ['short ping', { kind: 'ping', uuid: Buffer.alloc(15) }],
    ['not a PNG', { kind: 'pngFrame', left: 0, top: 0, right: 0, bottom: 0, png: Buffer.from('GIF89a') }],
  ];
  it.each(bad)('%s', (_, msg) => {
    expect(() => serialize(msg)).toThrow(DesktopProtocolError);
    try {
      serialize(msg);
    } catch (e) {
      expect(e).toMatchObject({ code: 'encode' });
    }
  });

  it('every kind has a type byte and a direction', () => {
    for (const kind of Object.keys(TdpType) as TdpKind[]) expect(TdpDirection[kind]).toBeDefined();
  });
});
