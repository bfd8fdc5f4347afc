// Fuzzing the desktop protocol readers: legacy TDP and TDPB frames (src/wire/tdp) and the RDP
// fast-path updates, bitmaps, surface commands, pointers and PNGs a desktop sends (src/rdp).
import fc from 'fast-check';
import { describe } from 'vitest';
import { parseBitmapUpdate } from '../../src/rdp/bitmap.js';
import { FastPathParser, decodeUpdate } from '../../src/rdp/fastpath.js';
import { decodePng, encodePng } from '../../src/rdp/png.js';
import { parseSurfaceCommands } from '../../src/rdp/surface.js';
import { decodeMessage, TdpParser } from '../../src/wire/tdp/parser.js';
import { serialize } from '../../src/wire/tdp/serializer.js';
import { TdpbParser, decodeTdpb, encodeTdpb, tdpb } from '../../src/wire/tdp/tdpb.js';
import { bitmapUpdate, fastPathPdu, frameMarker, hex, surfaceBits } from '../unit/rdp/build.js';
import { fuzz, hostileBytes, parseOrTypedError } from './harness.js';

const UUID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const TDP = [
  serialize({ kind: 'ping', uuid: UUID }),
  serialize({ kind: 'latencyStats', clientLatency: 12, serverLatency: 34 }),
  serialize({ kind: 'clientKeyboardLayout', keyboardLayout: 0x409 }),
  serialize({
    kind: 'sharedDirectoryTruncateRequest',
    completionId: 14,
    directoryId: 2,
    path: 'f',
    endOfFile: 100,
  }),
  serialize({ kind: 'tdpbUpgrade' }),
];
const TDPB = [
  encodeTdpb(tdpb('mouseMove', { x: 100, y: 200 })),
  encodeTdpb(tdpb('fastPathPdu', { pdu: Buffer.from('0003aa', 'hex') })),
  encodeTdpb(tdpb('rdpResponsePdu', { response: Buffer.from('beef', 'hex') })),
];
const BITMAP = bitmapUpdate([
  { left: 0, top: 0, width: 2, height: 2, bpp: 32, compressed: false, data: new Uint8Array(16).fill(7) },
  { left: 4, top: 4, width: 4, height: 1, bpp: 16, compressed: true, data: hex('0c 01 02') },
]);
const SURFACE = Buffer.concat([
  frameMarker(false, 1),
  surfaceBits({ left: 0, top: 0, width: 2, height: 2, codecId: 0, data: new Uint8Array(16) }),
  frameMarker(true, 1),
]);
const FASTPATH = [
  hex('00 05 03 0000'),
  fastPathPdu([{ code: 1, data: BITMAP }]),
  fastPathPdu([{ code: 4, data: SURFACE }]),
  fastPathPdu([{ code: 8, data: hex('0a00 1400') }]),
];
const PNG = encodePng({ width: 3, height: 2, data: new Uint8Array(24).fill(200) });

/** Feeds `bytes` to an incremental parser in chunks of the given sizes. */
function chunked(bytes: Buffer, cuts: number[], feed: (c: Buffer) => unknown): void {
  let off = 0;
  for (const c of cuts) {
    feed(bytes.subarray(off, off + c));
    off += c;
  }
  feed(bytes.subarray(off));
}
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 5 });

describe('TDP and TDPB (src/wire/tdp)', () => {
  fuzz(
    'legacy TDP messages',
    fc.tuple(hostileBytes(TDP, 128), cuts),
    ([b, c]) => {
      parseOrTypedError(b, () => decodeMessage(b));
      parseOrTypedError(b, () => {
        const p = new TdpParser({ onSkip: () => {} });
        chunked(b, c, (x) => p.parse(x));
      });
    },
    { weight: 2 },
  );
  fuzz(
    'TDPB frames',
    fc.tuple(hostileBytes(TDPB, 128), cuts),
    ([b, c]) => {
      parseOrTypedError(b, () => decodeTdpb(b));
      parseOrTypedError(b, () => {
        const p = new TdpbParser({ permissive: true });
        chunked(b, c, (x) => p.parse(x));
      });
    },
    { weight: 2 },
  );
});

describe('RDP fast-path output (src/rdp)', () => {
  fuzz(
    'fast-path PDU streams',
    fc.tuple(hostileBytes(FASTPATH, 256), cuts),
    ([b, c]) => {
      parseOrTypedError(b, () => {
        const p = new FastPathParser({ maxUpdateSize: 1 << 20 });
        chunked(b, c, (x) => p.push(x));
      });
    },
    { weight: 2 },
  );
  fuzz(
    'update bodies of every type',
    fc.tuple(fc.integer({ min: 0, max: 15 }), hostileBytes([BITMAP, SURFACE, hex('0a00 1400')], 256)),
    ([code, b]) => {
      parseOrTypedError(b, () => decodeUpdate(code, b));
      parseOrTypedError(b, () => parseBitmapUpdate(b));
      parseOrTypedError(b, () => parseSurfaceCommands(b));
    },
    { weight: 2 },
  );
  fuzz('PNGs', hostileBytes([PNG], 128), (b) => void parseOrTypedError(b, () => decodePng(b)));
});
