// The AVI muxer byte by byte: a two-frame file (one odd-sized, so padded) against a table of
// offsets and values of the RIFF AVI 1.0 layout, and the chunks walked back as a reader does.
import { describe, expect, it } from 'vitest';
import { AviMuxer, HEADER_SIZE, MAX_RIFF_SIZE, buildAvi } from '../../../src/recording/avi.js';

const f1 = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]); // 7 bytes: padded
const f2 = Buffer.from([0xff, 0xd8, 9, 9, 0xff, 0xd9]); // 6 bytes

describe('AVI muxer', () => {
  const avi = buildAvi(640, 480, 30, [f1, f2]);
  const moviBytes = 8 + 8 + 8 + 6; // chunk headers + data + pad
  const u32 = (o: number) => avi.readUInt32LE(o);
  const cc = (o: number) => avi.subarray(o, o + 4).toString('latin1');

  it('writes the header table', () => {
    const table: [number, string | number, string][] = [
      [0, 'RIFF', 'fourcc'],
      [4, avi.length - 8, 'RIFF size'],
      [8, 'AVI ', 'form'],
      [12, 'LIST', ''],
      [16, 192, 'hdrl size'],
      [20, 'hdrl', ''],
      [24, 'avih', ''],
      [28, 56, 'avih size'],
      [32, 33333, 'µs per frame'],
      [44, 0x10, 'AVIF_HASINDEX'],
      [48, 2, 'total frames'],
      [56, 1, 'streams'],
      [60, 7, 'suggested buffer'],
      [64, 640, 'width'],
      [68, 480, 'height'],
      [88, 'LIST', ''],
      [92, 116, 'strl size'],
      [96, 'strl', ''],
      [100, 'strh', ''],
      [104, 56, 'strh size'],
      [108, 'vids', ''],
      [112, 'MJPG', 'handler'],
      [128, 1, 'scale'],
      [132, 30, 'rate'],
      [140, 2, 'length'],
      [148, 0xffffffff, 'quality -1'],
      [164, 'strf', ''],
      [168, 40, 'strf size'],
      [172, 40, 'biSize'],
      [176, 640, 'biWidth'],
      [180, 480, 'biHeight'],
      [188, 'MJPG', 'biCompression'],
      [192, 640 * 480 * 3, 'biSizeImage'],
      [212, 'LIST', ''],
      [216, 4 + moviBytes, 'movi size'],
      [220, 'movi', ''],
      [224, '00dc', 'frame 1'],
      [228, 7, 'frame 1 size'],
      [240, '00dc', 'frame 2 (after the pad byte)'],
      [244, 6, 'frame 2 size'],
      [254, 'idx1', ''],
      [258, 32, 'idx1 size'],
      [262, '00dc', 'entry 1'],
      [266, 0x10, 'AVIIF_KEYFRAME'],
      [270, 4, 'offset from movi'],
      [274, 7, 'size'],
      [278, '00dc', 'entry 2'],
      [286, 20, 'offset'],
      [290, 6, 'size'],
    ];
    for (const [off, want, what] of table) {
      expect(typeof want === 'string' ? cc(off) : u32(off), `${off} ${what}`).toBe(want);
    }
    expect(avi.readUInt16LE(184)).toBe(1); // planes
    expect(avi.readUInt16LE(186)).toBe(24); // bit count
    expect([160, 162].map((o) => avi.readInt16LE(o))).toEqual([640, 480]); // rcFrame right, bottom
    expect(avi.length).toBe(294);
    expect(HEADER_SIZE).toBe(224);
    expect(avi.subarray(232, 239)).toEqual(f1);
    expect(avi[239]).toBe(0);
  });

  it('the idx1 offsets point at the frames', () => {
    const movi = 220;
    for (let i = 0; i < 2; i++) {
      const e = 262 + 16 * i;
      const at = movi + u32(e + 8);
      expect(cc(at)).toBe('00dc');
      expect(avi.subarray(at + 8, at + 8 + u32(e + 12))).toEqual([f1, f2][i]);
    }
  });

  it('an empty video is still well formed', () => {
    const empty = buildAvi(2, 2, 30, []);
    expect(empty.length).toBe(HEADER_SIZE + 8);
    expect(empty.readUInt32LE(4)).toBe(empty.length - 8);
    expect(empty.subarray(224, 228).toString()).toBe('idx1');
  });

  it('refuses to grow past the RIFF 1.0 limit', () => {
    const m = new AviMuxer(1, 1, 30);
    expect(m.sizeWith(MAX_RIFF_SIZE)).toBeGreaterThan(MAX_RIFF_SIZE);
    expect(() => m.frame({ length: MAX_RIFF_SIZE } as unknown as Uint8Array)).toThrow(/4 GiB/);
  });
});
