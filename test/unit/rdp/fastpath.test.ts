// The fast-path output parser on byte tables ([MS-RDPBCGR] 2.2.9.1.2): header and length forms,
// compression flags, every update code, fragmentation reassembly, and the same streams split at
// every byte; surface commands; the Frame Acknowledge PDU the client sends back.
import { describe, expect, it } from 'vitest';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { FastPathParser, type FastPathUpdate } from '../../../src/rdp/fastpath.js';
import { parseSurfaceCommands } from '../../../src/rdp/surface.js';
import { encodeFrameAcknowledge } from '../../../src/rdp/share.js';
import { concat, fastPathPdu, fragmentedPdus, frameMarker, hex, surfaceBits, toHex } from './build.js';

const parse = (...chunks: Uint8Array[]) => {
  const p = new FastPathParser();
  const out: FastPathUpdate[] = [];
  for (const c of chunks) out.push(...p.push(c));
  expect(p.pending).toBe(0);
  return out;
};

/** Feeds the stream split at every position (two chunks) and byte by byte: always the same updates. */
function everySplit(stream: Uint8Array): FastPathUpdate[] {
  const whole = parse(stream);
  for (let i = 1; i < stream.length; i++) {
    expect(parse(stream.subarray(0, i), stream.subarray(i)), `split at ${i}`).toEqual(whole);
  }
  const p = new FastPathParser();
  const bytes: FastPathUpdate[] = [];
  for (let i = 0; i < stream.length; i++) bytes.push(...p.push(stream.subarray(i, i + 1)));
  expect(bytes).toEqual(whole);
  return whole;
}

describe('fast-path PDU framing', () => {
  it('1-byte length: a synchronize update', () => {
    // fpOutputHeader 0x00 (fast-path, no flags), length 5, updateHeader 0x03 (synchronize), size 0
    expect(parse(hex('00 05 03 0000'))).toEqual([{ type: 'synchronize' }]);
  });

  it('2-byte length: two pointer updates in one PDU', () => {
    // length 0x8009 = 9: header(3) + [05 0000] system pointer hidden + [06 0000] default pointer
    expect(everySplit(hex('00 8009 05 0000 06 0000'))).toEqual([
      { type: 'pointer-hidden' },
      { type: 'pointer-default' },
    ]);
  });

  it('pointer position, and several PDUs back to back', () => {
    const stream = hex('00 09 08 0400 1000 2000' + '00 05 03 0000' + '00 09 08 0400 ffff 0100');
    expect(everySplit(stream)).toEqual([
      { type: 'pointer-position', x: 16, y: 32 },
      { type: 'synchronize' },
      { type: 'pointer-position', x: 65535, y: 1 },
    ]);
  });

  it('a compressionFlags byte without PACKET_COMPRESSED is skipped', () => {
    // updateHeader 0x83: synchronize, compression = FASTPATH_OUTPUT_COMPRESSION_USED; flags 0x00
    expect(parse(hex('00 06 83 00 0000'))).toEqual([{ type: 'synchronize' }]);
  });

  it('bulk compression and encryption are refused with a clear error', () => {
    expect(() => parse(hex('00 06 83 20 0000'))).toThrow(/bulk-compressed fast-path updates/);
    // fpOutputHeader 0x80: FASTPATH_OUTPUT_ENCRYPTED
    expect(() => parse(hex('80 05 03 0000'))).toThrow(/encrypted fast-path output/);
  });

  it('a slow-path frame in the stream (TPKT) is passed through whole', () => {
    const tpkt = hex('03 00 0007 02 f0 80');
    expect(everySplit(concat([tpkt, hex('00 05 03 0000')]))).toEqual([
      { type: 'x224', data: tpkt },
      { type: 'synchronize' },
    ]);
  });

  it('an update code it does not know is returned as unknown', () => {
    expect(parse(hex('00 07 0d 0200 abcd'))).toEqual([{ type: 'unknown', code: 13, data: hex('abcd') }]);
  });

  it('palette update: 256 RGB entries, fewer padded with black', () => {
    const data = hex('0200 0000 02000000 ff0000 00ff00');
    const [u] = parse(fastPathPdu([{ code: 2, data }]));
    expect(u.type).toBe('palette');
    const palette = (u as { palette: Uint8Array }).palette;
    expect(palette.length).toBe(768);
    expect([...palette.subarray(0, 9)]).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 0]);
  });

  it('orders are returned undrawn', () => {
    expect(parse(fastPathPdu([{ code: 0, data: hex('0100 0a') }]))).toEqual([
      { type: 'orders', data: hex('0100 0a') },
    ]);
  });
});

describe('fragmentation', () => {
  // a frame marker (END, id 42) cut into three fragments: FIRST 0x24, NEXT 0x34, LAST 0x14
  const stream = hex('00 08 24 0300 040001' + '00 08 34 0300 002a00' + '00 07 14 0200 0000');

  it('is reassembled across PDUs, split at every byte', () => {
    expect(everySplit(stream)).toEqual([
      { type: 'surface-commands', commands: [{ type: 'frame-marker', action: 'end', frameId: 42 }] },
    ]);
  });

  it('nothing comes out before the last fragment', () => {
    const p = new FastPathParser();
    expect(p.push(stream.subarray(0, 16))).toEqual([]);
    expect(p.push(stream.subarray(16))).toHaveLength(1);
  });

  it('a big update over many PDUs (what a RemoteFX frame looks like)', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const cmd = surfaceBits({ left: 0, top: 0, width: 1, height: 1, codecId: 3, data: big });
    const pdus = fragmentedPdus(4, cmd, 30_000);
    expect(pdus.length).toBe(4);
    const [u] = parse(...pdus);
    expect(u.type).toBe('surface-commands');
    const bits = (u as { commands: { data: Uint8Array }[] }).commands[0];
    expect(Buffer.from(bits.data).equals(Buffer.from(big))).toBe(true);
  });

  it('out-of-order fragments are RdpDecodeErrors', () => {
    expect(() => parse(hex('00 07 14 0200 0000'))).toThrow(/fragment without a first fragment/);
    expect(() => parse(hex('00 08 24 0300 040001 00 08 24 0300 040001'))).toThrow(/first fragment inside/);
    expect(() => parse(hex('00 08 24 0300 040001 00 05 03 0000'))).toThrow(/unfragmented update inside/);
    expect(() => parse(hex('00 08 24 0300 040001 00 07 11 0200 0000'))).toThrow(
      /fragment of update 1 inside update 4/,
    );
  });

  it('refuses to reassemble more than its limit', () => {
    const p = new FastPathParser({ maxUpdateSize: 10 });
    expect(() => p.push(hex('00 0b 24 0600 000000000000 00 0b 34 0600 000000000000'))).toThrow(
      RdpDecodeError,
    );
  });
});

describe('surface commands', () => {
  it('Set Surface Bits, Stream Surface Bits and frame markers', () => {
    const bytes = hex(
      // TS_FRAME_MARKER begin, frame 7
      '0400 0000 07000000' +
        // TS_SURFCMD_SET_SURF_BITS: dest (10,20)-(12,21), bpp 32, flags 0, codec 0, 2x1, 8 bytes
        '0100 0a00 1400 0c00 1500 20 00 00 00 0200 0100 08000000 0000ff00 ff000000' +
        // TS_SURFCMD_STREAM_SURF_BITS with the 24-byte TS_COMPRESSED_BITMAP_HEADER_EX, codec 3, 2 bytes
        '0600 0000 0000 4000 4000 20 01 00 03 4000 4000 02000000' +
        '00'.repeat(24) +
        'abcd' +
        '0400 0100 07000000',
    );
    expect(parseSurfaceCommands(bytes)).toEqual([
      { type: 'frame-marker', action: 'begin', frameId: 7 },
      {
        type: 'surface-bits',
        stream: false,
        destLeft: 10,
        destTop: 20,
        destRight: 12,
        destBottom: 21,
        bpp: 32,
        codecId: 0,
        width: 2,
        height: 1,
        data: hex('0000ff00 ff000000'),
      },
      {
        type: 'surface-bits',
        stream: true,
        destLeft: 0,
        destTop: 0,
        destRight: 64,
        destBottom: 64,
        bpp: 32,
        codecId: 3,
        width: 64,
        height: 64,
        data: hex('abcd'),
      },
      { type: 'frame-marker', action: 'end', frameId: 7 },
    ]);
  });

  it('a frame marker without its frameId at the end of the data has id 0', () => {
    expect(parseSurfaceCommands(hex('0400 0100'))).toEqual([
      { type: 'frame-marker', action: 'end', frameId: 0 },
    ]);
  });

  it('an unknown command or a short one is an RdpDecodeError', () => {
    expect(() => parseSurfaceCommands(hex('0200 0000'))).toThrow(/unknown command type 0x2/);
    expect(() => parseSurfaceCommands(hex('0100 0a00 1400'))).toThrow(/destRight truncated/);
    expect(() => parseSurfaceCommands(hex('0400 0900 00000000'))).toThrow(/frame action 9/);
  });

  it('the builder used by other tests writes the same bytes', () => {
    expect(toHex(frameMarker(true, 7))).toBe('0400010007000000');
  });
});

describe('Frame Acknowledge PDU', () => {
  it('is TPKT + X.224 + MCS Send Data Request + Share Control/Data headers + frameID', () => {
    const pdu = encodeFrameAcknowledge({ ioChannelId: 1003, userChannelId: 1007 }, 42);
    expect(toHex(pdu)).toBe(
      [
        '03000024', // TPKT, 36 bytes
        '02f080', // X.224 Data TPDU
        '64 0006 03eb 70 16', // SendDataRequest: initiator 1007 (1001 + 6), channel 1003, high/begin|end, 22 bytes
        '1600 1700 ef03', // Share Control: totalLength 22, PDUTYPE_DATAPDU | version 1, pduSource 1007
        '00000000 00 02 0800 38 00 0000', // Share Data: shareId 0, STREAM_MED, uncompressedLength 8, FRAME_ACKNOWLEDGE
        '2a000000', // frameID 42
      ]
        .join('')
        .replace(/\s+/g, ''),
    );
    // a share id from the Demand Active, and a PER length over 127 bytes is not needed for this PDU
    const withShare = encodeFrameAcknowledge(
      { ioChannelId: 1003, userChannelId: 1004, shareId: 0x103ea },
      0xffffffff,
    );
    expect(toHex(withShare.subarray(20, 24))).toBe('ea030100');
    expect(toHex(withShare.subarray(32))).toBe('ffffffff');
    expect(() => encodeFrameAcknowledge({ ioChannelId: 1003, userChannelId: 5 }, 1)).toThrow(RdpDecodeError);
  });
});
