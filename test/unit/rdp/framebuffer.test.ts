// The framebuffer: clipped blits and fills, dirty rectangles, crops, resizes.
import { describe, expect, it } from 'vitest';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { Framebuffer } from '../../../src/rdp/framebuffer.js';

const px = (fb: Framebuffer, x: number, y: number) => [
  ...fb.data.subarray((y * fb.width + x) * 4, (y * fb.width + x) * 4 + 4),
];

describe('Framebuffer', () => {
  it('starts opaque black; blits clip on every side and force alpha opaque', () => {
    const fb = new Framebuffer(4, 3);
    expect(px(fb, 3, 2)).toEqual([0, 0, 0, 255]);
    // a 3x3 source whose pixel (i, j) is (10 i, 10 j, 7, 0)
    const src = new Uint8Array(3 * 3 * 4);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) src.set([10 * i, 10 * j, 7, 0], (j * 3 + i) * 4);
    fb.blit(src, 3, -1, -1, 3, 3);
    expect(px(fb, 0, 0)).toEqual([10, 10, 7, 255]);
    expect(px(fb, 1, 1)).toEqual([20, 20, 7, 255]);
    expect(px(fb, 2, 0)).toEqual([0, 0, 0, 255]);
    expect(fb.takeDirty()).toEqual([{ x: 0, y: 0, width: 2, height: 2 }]);
    fb.blit(src, 3, 3, 2, 3, 3, 1, 1); // source offset (1, 1), mostly off screen
    expect(px(fb, 3, 2)).toEqual([10, 10, 7, 255]);
    expect(fb.takeDirty()).toEqual([{ x: 3, y: 2, width: 1, height: 1 }]);
    fb.blit(src, 3, 10, 10, 3, 3);
    expect(fb.takeDirty()).toEqual([]);
  });

  it('dirty rectangles: a row of tiles merges, many become their bounding box, version counts changes', () => {
    const fb = new Framebuffer(256, 256);
    const v = fb.version;
    for (let x = 0; x < 256; x += 64) fb.fill(x, 0, 64, 64, 1, 2, 3);
    expect(fb.takeDirty()).toEqual([{ x: 0, y: 0, width: 256, height: 64 }]);
    expect(fb.version).toBe(v + 4);
    for (let i = 0; i < 100; i++) fb.fill(i * 2, i, 1, 1, 9, 9, 9);
    expect(fb.dirtyBounds).toEqual({ x: 0, y: 0, width: 199, height: 100 });
    const dirty = fb.takeDirty();
    expect(dirty.length).toBeLessThanOrEqual(65);
    expect(dirty[0]).toEqual({ x: 0, y: 0, width: 129, height: 65 }); // the first 65, merged
  });

  it('crop copies a clipped rectangle; resize keeps what still fits', () => {
    const fb = new Framebuffer(4, 4);
    fb.fill(1, 1, 2, 2, 200, 100, 50);
    expect(fb.crop(1, 1, 10, 1)).toEqual({
      width: 3,
      height: 1,
      data: Uint8Array.of(200, 100, 50, 255, 200, 100, 50, 255, 0, 0, 0, 255),
    });
    fb.resize(2, 6);
    expect(fb.width).toBe(2);
    expect(px(fb, 1, 1)).toEqual([200, 100, 50, 255]);
    expect(px(fb, 1, 5)).toEqual([0, 0, 0, 255]);
    expect(fb.takeDirty()).toEqual([{ x: 0, y: 0, width: 2, height: 6 }]);
    expect(() => fb.resize(0, 5)).toThrow(RdpDecodeError);
    expect(() => new Framebuffer(10, 8193)).toThrow(/out of range/);
  });
});
