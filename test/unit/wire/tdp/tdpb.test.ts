import { describe, expect, it } from 'vitest';
import {
  AlertSeverity,
  MFAType,
  MouseButtonType,
  MouseWheelAxis,
} from '../../../../src/gen/teleport/desktop/v1/tdpb.js';
import {
  DesktopProtocolError,
  MessageTooLargeError,
  TruncatedMessageError,
  UnknownMessageTypeError,
} from '../../../../src/wire/tdp/errors.js';
import {
  decodeTdpb,
  encodeTdpb,
  TDPB_MAX_LENGTH,
  TdpbField,
  TdpbParser,
  tdpb,
  type TdpbMessage,
} from '../../../../src/wire/tdp/tdpb.js';

/** Hex with whitespace and `|` separators stripped, so vectors can be laid out by field. */
const h = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');
const hex = (b: Buffer): string => b.toString('hex');
/** A frame: the vector's body with its uint32 length prefix. */
const frame = (body: string): Buffer => {
  const b = h(body);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

// Hand-built Envelope bodies. Tag byte = field << 3 | wire type (0 varint, 2 length-delimited);
// fields 16+ take two tag bytes. Lengths are single-byte varints here.
const fso1 = { lastModified: 1n, size: 2n, fileType: 0, isEmpty: false, path: 'x' };
const fso2 = { lastModified: 3n, size: 0n, fileType: 1, isEmpty: true, path: 'y' };
const UUID = h('00112233445566778899aabbccddeeff');

const VECTORS: [TdpbMessage, string][] = [
  [
    tdpb('clientHello', {
      username: 'alice',
      screenSpec: { width: 1920, height: 1080, scale: 100 },
      keyboardLayout: 0x409,
    }),
    // 1 client_hello {1 username, 2 screen_spec {1 800f=1920, 2 b808=1080, 3 64=100}, 3 8908=0x409}
    '0a 14 | 0a 05 616c696365 | 12 08 08800f 10b808 1864 | 18 8908',
  ],
  [
    tdpb('serverHello', {
      activationSpec: { ioChannelId: 1003, userChannelId: 1004, screenWidth: 1280, screenHeight: 720 },
      clipboardEnabled: true,
      directoryRemoveSupported: true,
      sessions: [{ name: 's1' }],
      hidpiSupported: true,
    }),
    // 2 server_hello {1 activation_spec {eb07, ec07, 800a, d005}, 2 true, 3 true, 4 {1 "s1"}, 5 true}
    '12 1a | 0a 0c 08eb07 10ec07 18800a 20d005 | 1001 | 1801 | 22 04 0a027331 | 2801',
  ],
  [
    tdpb('pngFrame', { coordinates: { left: 1, top: 2, right: 3, bottom: 4 }, data: h('89504e47') }),
    '1a 10 | 0a 08 0801 1002 1803 2004 | 12 04 89504e47',
  ],
  [tdpb('fastPathPdu', { pdu: h('0003aa') }), '22 05 | 0a 03 0003aa'],
  [tdpb('rdpResponsePdu', { response: h('beef') }), '2a 04 | 0a 02 beef'],
  [
    tdpb('syncKeys', {
      scrollLockPressed: false,
      numLockState: true,
      capsLockState: true,
      kanaLockState: false,
    }),
    '32 04 | 1001 | 1801',
  ],
  [tdpb('mouseMove', { x: 100, y: 200 }), '3a 05 | 0864 | 10c801'],
  [
    tdpb('mouseButton', { button: MouseButtonType.MOUSE_BUTTON_TYPE_RIGHT, pressed: true }),
    '42 04 | 0803 | 1001',
  ],
  [tdpb('keyboardButton', { keyCode: 0xe01d, pressed: false }), '4a 04 | 08 9dc003'],
  [tdpb('clientScreenSpec', { width: 800, height: 600, scale: 0 }), '52 06 | 08a006 | 10d804'],
  [
    tdpb('alert', { message: 'no', severity: AlertSeverity.ALERT_SEVERITY_ERROR }),
    '5a 06 | 0a 02 6e6f | 1003',
  ],
  [
    tdpb('mouseWheel', { axis: MouseWheelAxis.MOUSE_WHEEL_AXIS_VERTICAL, delta: -120 }),
    // a negative int32 is a ten-byte varint
    '62 0d | 0801 | 10 88ffffffffffffffff01',
  ],
  [tdpb('clipboardData', { data: Buffer.from('hi') }), '6a 04 | 0a 02 6869'],
  [
    tdpb('mfa', {
      type: MFAType.MFA_TYPE_WEBAUTHN,
      channelId: 'c',
      challenge: h('0a00'),
      authenticationResponse: Buffer.alloc(0),
    }),
    '72 09 | 0801 | 12 01 63 | 1a 02 0a00',
  ],
  [tdpb('sharedDirectoryAnnounce', { directoryId: 2, name: 'share' }), '7a 09 | 0802 | 12 05 7368617265'],
  [tdpb('sharedDirectoryAcknowledge', { directoryId: 2, errorCode: 0 }), '8201 02 | 0802'],
  [
    tdpb('sharedDirectoryRequest', {
      directoryId: 2,
      completionId: 7,
      operation: { $case: 'read', value: { path: 'f', offset: 0x100000000n, length: 4096 } },
    }),
    // 17 {1 dir, 2 completion, 7 read {1 "f", 2 2^32, 3 4096}}
    '8a01 12 | 0802 | 1007 | 3a 0c 0a0166 10 8080808010 18 8020',
  ],
  [
    tdpb('sharedDirectoryResponse', {
      completionId: 7,
      errorCode: 0,
      operation: { $case: 'list', value: { fsoList: [fso1, fso2] } },
    }),
    // 18 {1 completion, 6 list {1 fso {1,2,5 "x"}, 1 fso {1,3,4,5 "y"}}}
    '9201 18 | 0807 | 32 14 | 0a 07 0801 1002 2a0178 | 0a 09 0803 1801 2001 2a0179',
  ],
  [tdpb('latencyStats', { clientLatencyMs: 12, serverLatencyMs: 34 }), '9a01 04 | 080c | 1022'],
  [tdpb('ping', { uuid: UUID }), 'a201 12 | 0a 10 00112233445566778899aabbccddeeff'],
  [tdpb('sharedDirectoryRemove', { directoryId: 2 }), 'aa01 02 | 0802'],
  [tdpb('sessionSelection', { session: { name: 's1' } }), 'b201 06 | 0a 04 0a027331'],
];

describe('TDPB byte table', () => {
  it('covers every Envelope payload field 1..22', () => {
    expect(VECTORS.map(([m]) => TdpbField[m.$case])).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  for (const [msg, body] of VECTORS) {
    it(`${TdpbField[msg.$case]} ${msg.$case}: encodes to length + table bytes and decodes back`, () => {
      const bytes = frame(body);
      expect(hex(encodeTdpb(msg))).toBe(hex(bytes));
      expect(decodeTdpb(bytes)).toEqual(msg);
    });
  }

  it('frames start with a zero byte (upstream tells TDPB from legacy TDP by it)', () => {
    for (const [msg] of VECTORS) expect(encodeTdpb(msg)[0]).toBe(0);
  });

  it('decodes Truncate from older peers (end_of_file = 2) and newer ones (size = 3, > 4 GiB)', () => {
    const older = decodeTdpb(frame('8a01 0b | 0802 | 1008 | 52 05 0a0166 1064'));
    expect(older).toEqual(
      tdpb('sharedDirectoryRequest', {
        directoryId: 2,
        completionId: 8,
        operation: { $case: 'truncate', value: { path: 'f', endOfFile: 100, size: 0n } },
      }),
    );
    const newer = decodeTdpb(frame('8a01 0f | 0802 | 1009 | 52 09 0a0166 18 80e497d012'));
    expect(newer).toEqual(
      tdpb('sharedDirectoryRequest', {
        directoryId: 2,
        completionId: 9,
        operation: { $case: 'truncate', value: { path: 'f', endOfFile: 0, size: 5_000_000_000n } },
      }),
    );
  });

  it('skips unknown fields inside a known message (a newer peer)', () => {
    // ClientScreenSpec with an extra field 4 {..} (e.g. monitors on newest master)
    const m = decodeTdpb(frame('52 0a | 08a006 | 10d804 | 22 02 0801'));
    expect(m).toEqual(tdpb('clientScreenSpec', { width: 800, height: 600, scale: 0 }));
  });
});

const STREAM = Buffer.concat(VECTORS.map(([, b]) => frame(b)));
const ALL = VECTORS.map(([m]) => m);

describe('TdpbParser: incremental', () => {
  it('parses the stream split at every byte boundary', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      const p = new TdpbParser();
      const got = [...p.parse(STREAM.subarray(0, i)), ...p.parse(STREAM.subarray(i))];
      expect(got, `split at ${i}`).toEqual(ALL);
      p.end();
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const p = new TdpbParser();
    const got: TdpbMessage[] = [];
    for (let i = 0; i < STREAM.length; i++) got.push(...p.parse(STREAM.subarray(i, i + 1)));
    expect(got).toEqual(ALL);
    p.end();
  });
});

function parseError(bytes: Buffer, opts?: ConstructorParameters<typeof TdpbParser>[0]): unknown {
  try {
    const p = new TdpbParser(opts);
    p.parse(bytes);
    p.end();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('TdpbParser: hostile input', () => {
  it('an envelope with an unknown payload field is a typed error naming the field', () => {
    const err = parseError(frame('ba01 00')); // field 23, empty message
    expect(err).toBeInstanceOf(UnknownMessageTypeError);
    expect(err).toMatchObject({ protocol: 'TDPB', messageType: 23 });
    expect((err as Error).message).toBe('TDPB: unknown message (envelope field 23)');
  });

  it('an empty envelope is an unknown message too', () => {
    expect(parseError(frame(''))).toMatchObject({ code: 'unknown-type', messageType: undefined });
  });

  it('permissive mode skips unknown envelopes, as upstream DecodePermissive does', () => {
    const unknown: UnknownMessageTypeError[] = [];
    const p = new TdpbParser({ permissive: true, onUnknown: (e) => unknown.push(e) });
    const got = p.parse(Buffer.concat([frame('ba01 00'), frame('3a 05 0864 10c801'), frame('')]));
    expect(got).toEqual([tdpb('mouseMove', { x: 100, y: 200 })]);
    expect(unknown.map((e) => e.messageType)).toEqual([23, undefined]);
  });

  it('a length of 2^24 - 1 or more is refused from the header alone', () => {
    const err = parseError(h('00ffffff'));
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err).toMatchObject({ declared: 0xffffff, max: TDPB_MAX_LENGTH });
  });

  it('a non-zero first byte (e.g. legacy TDP bytes) is refused at the first byte', () => {
    const err = parseError(h('07'));
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect((err as Error).message).toMatch(/a legacy TDP message\?/);
    // and after a good frame, too
    const p = new TdpbParser();
    expect(() => p.parse(Buffer.concat([frame('3a 05 0864 10c801'), h('07')]))).toThrow(MessageTooLargeError);
  });

  it('malformed protobuf inside a frame is a malformed error', () => {
    const err = parseError(frame('3a 09 0864'));
    expect(err).toBeInstanceOf(DesktopProtocolError);
    expect(err).toMatchObject({ code: 'malformed' });
  });

  it('a stream ending inside a header or a body is truncation', () => {
    expect(parseError(h('0000'))).toBeInstanceOf(TruncatedMessageError);
    expect(parseError(frame('3a 05 0864 10c801').subarray(0, -1))).toBeInstanceOf(TruncatedMessageError);
    expect(() => decodeTdpb(frame('3a 05 0864 10c801').subarray(0, -1))).toThrow(TruncatedMessageError);
    expect(() => decodeTdpb(h('0000'))).toThrow(TruncatedMessageError);
  });

  it('decodeTdpb refuses trailing bytes', () => {
    expect(() => decodeTdpb(Buffer.concat([frame('3a 02 0864'), h('00')]))).toThrow(/trailing/);
  });

  it('encodeTdpb refuses a message over the frame limit', () => {
    const big = tdpb('fastPathPdu', { pdu: Buffer.alloc(TDPB_MAX_LENGTH) });
    expect(() => encodeTdpb(big)).toThrow(expect.objectContaining({ code: 'encode' }));
  });
});
