// DesktopGraphics end to end on server-shaped input: RemoteFX surface commands over fragmented
// fast-path PDUs (FreeRDP's messages, as the shadow server sends them), planar and uncompressed
// bitmap updates, uncompressed surface bits, pointers, legacy PNG frames, and the Frame Acknowledge
// PDUs that come back.
import { describe, expect, it } from 'vitest';
import { RdpDecodeError } from '../../../src/rdp/errors.js';
import { DesktopGraphics } from '../../../src/rdp/graphics.js';
import { decodePng, encodePng } from '../../../src/rdp/png.js';
import { encodeFrameAcknowledge } from '../../../src/rdp/share.js';
import { bitmapUpdate, concat, fastPathPdu, fragmentedPdus, frameMarker, hex, surfaceBits } from './build.js';
import { compareRgb, planarCases, rfxCases, vectorFile } from './vectors.js';

const ids = { ioChannelId: 1003, userChannelId: 1007 };

describe('DesktopGraphics', () => {
  it('RemoteFX frames in surface commands, fragmented, acknowledged frame by frame', () => {
    const c = rfxCases.find((x) => x.name === 'rfx-rlgr3-session')!;
    const g = new DesktopGraphics({ width: c.screenWidth, height: c.screenHeight, ...ids });
    c.steps.forEach((step, i) => {
      const cmds = concat([
        frameMarker(false, 100 + i),
        surfaceBits({
          left: 0,
          top: 0,
          width: c.width,
          height: c.height,
          codecId: 3,
          data: vectorFile(`${c.name}.${i}.msg`),
          stream: i === 1,
        }),
        frameMarker(true, 100 + i),
      ]);
      const pdus = fragmentedPdus(4, cmds, 4000);
      expect(pdus.length).toBeGreaterThan(1);
      const responses = pdus.flatMap((p) => g.processFastPath(p));
      expect(responses).toEqual([encodeFrameAcknowledge(ids, 100 + i)]);
      expect(compareRgb(g.framebuffer.data, vectorFile(step.decoded)).maxErr).toBeLessThanOrEqual(1);
    });
    expect(g.stats).toMatchObject({ frames: 3, surfaceBits: 3 });
  });

  it('no acknowledgements without channel ids or when turned off', () => {
    const c = rfxCases.find((x) => x.name === 'rfx-rlgr3-64')!;
    const pdu = fragmentedPdus(
      4,
      concat([
        surfaceBits({
          left: 0,
          top: 0,
          width: 64,
          height: 64,
          codecId: 3,
          data: vectorFile(`${c.name}.0.msg`),
        }),
        frameMarker(true, 1),
      ]),
    );
    expect(new DesktopGraphics({ width: 64, height: 64 }).processFastPath(concat(pdu))).toEqual([]);
    expect(
      new DesktopGraphics({ width: 64, height: 64, ...ids, frameAcknowledge: false }).processFastPath(
        concat(pdu),
      ),
    ).toEqual([]);
    // RemoteFX under another codec id is refused unless configured
    const other = fastPathPdu([
      { code: 4, data: surfaceBits({ left: 0, top: 0, width: 1, height: 1, codecId: 5, data: hex('00') }) },
    ]);
    expect(() => new DesktopGraphics({ width: 64, height: 64 }).processFastPath(other)).toThrow(/codec id 5/);
  });

  it('planar bitmap updates (what the shadow server sends without RemoteFX): exact', () => {
    const c = planarCases.find((x) => x.name === 'planar-rle-na-64')!;
    const g = new DesktopGraphics({ width: 200, height: 100 });
    const update = bitmapUpdate([
      {
        left: 100,
        top: 30,
        width: 64,
        height: 64,
        bpp: 32,
        compressed: true,
        data: vectorFile(`${c.name}.msg`),
      },
    ]);
    g.processFastPath(concat(fragmentedPdus(1, update, 1000)));
    const shown = g.framebuffer.crop(100, 30, 64, 64).data;
    expect(Buffer.from(shown).equals(Buffer.from(vectorFile(`${c.name}.freerdp.rgba.gz`)))).toBe(true);
    expect(g.framebuffer.takeDirty()).toEqual([{ x: 100, y: 30, width: 64, height: 64 }]);
    // clipped at the screen edge
    g.processFastPath(
      concat(
        fragmentedPdus(
          1,
          bitmapUpdate([
            {
              left: 180,
              top: 90,
              width: 64,
              height: 64,
              bpp: 32,
              compressed: true,
              data: vectorFile(`${c.name}.msg`),
            },
          ]),
          1000,
        ),
      ),
    );
    expect(g.framebuffer.takeDirty()).toEqual([{ x: 180, y: 90, width: 20, height: 10 }]);
  });

  it('uncompressed bitmaps: bottom-up, 4-byte rows, 8/15/16/24/32 bpp, destination narrower than the bitmap', () => {
    const g = new DesktopGraphics({ width: 8, height: 4 });
    // 2x2 at 16 bpp: rows bottom-up, each 4 bytes (no padding needed); red, green / blue, white
    const rgb565 = hex('1f00 ffff' + '00f8 e007');
    // 3x1 at 24 bpp, padded to 12 bytes, but the destination is only 2 wide
    const bgr = hex('0000ff 00ff00 ff0000 000000');
    const p8 = hex('0200 0000 02000000 102030 405060');
    g.processFastPath(fastPathPdu([{ code: 2, data: p8 }]));
    g.processFastPath(
      fastPathPdu([
        {
          code: 1,
          data: bitmapUpdate([
            { left: 0, top: 0, width: 2, height: 2, bpp: 16, compressed: false, data: rgb565 },
            { left: 2, top: 0, width: 3, height: 1, bpp: 24, compressed: false, data: bgr, destWidth: 2 },
            { left: 4, top: 0, width: 4, height: 1, bpp: 8, compressed: false, data: hex('00010001') },
            { left: 0, top: 2, width: 2, height: 1, bpp: 15, compressed: false, data: hex('007c ff7f') },
            { left: 2, top: 2, width: 1, height: 1, bpp: 32, compressed: false, data: hex('11223300') },
          ]),
        },
      ]),
    );
    const px = (x: number, y: number) => [
      ...g.framebuffer.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 4),
    ];
    expect(px(0, 0)).toEqual([255, 0, 0, 255]);
    expect(px(1, 0)).toEqual([0, 255, 0, 255]);
    expect(px(0, 1)).toEqual([0, 0, 255, 255]);
    expect(px(1, 1)).toEqual([255, 255, 255, 255]);
    expect(px(2, 0)).toEqual([255, 0, 0, 255]);
    expect(px(3, 0)).toEqual([0, 255, 0, 255]);
    expect(px(4, 0)).toEqual([0x10, 0x20, 0x30, 255]); // palette
    expect(px(5, 0)).toEqual([0x40, 0x50, 0x60, 255]);
    expect(px(0, 2)).toEqual([255, 0, 0, 255]); // RGB555
    expect(px(1, 2)).toEqual([255, 255, 255, 255]);
    expect(px(2, 2)).toEqual([0x33, 0x22, 0x11, 255]);
    expect(g.stats.bitmapRects).toBe(5);
  });

  it('uncompressed surface bits are bottom-up BGRX', () => {
    const g = new DesktopGraphics({ width: 4, height: 4 });
    const bits = surfaceBits({
      left: 1,
      top: 1,
      width: 1,
      height: 2,
      codecId: 0,
      data: hex('0000ff00 ff000000'),
    });
    g.processFastPath(fastPathPdu([{ code: 4, data: bits }]));
    expect([...g.framebuffer.data.subarray((1 * 4 + 1) * 4, (1 * 4 + 1) * 4 + 4)]).toEqual([0, 0, 255, 255]);
    expect([...g.framebuffer.data.subarray((2 * 4 + 1) * 4, (2 * 4 + 1) * 4 + 4)]).toEqual([255, 0, 0, 255]);
    const short = surfaceBits({ left: 0, top: 0, width: 1000, height: 1000, codecId: 0, data: hex('00') });
    expect(() => g.processFastPath(fastPathPdu([{ code: 4, data: short }]))).toThrow(RdpDecodeError);
  });

  it('pointers: colour pointer masks, cache, hidden, default, position', () => {
    const g = new DesktopGraphics({ width: 4, height: 4 });
    // 2x2 colour pointer (24 bpp): XOR rows of 6 bytes (already even), AND rows of 2, both bottom-up.
    const xor = hex('ffffff 0000ff' + '00ff00 000000');
    const and = hex('8000' + '4000');
    const attr = concat([hex('0500 0100 0100 0200 0200 0400 0c00'), xor, and]);
    g.processFastPath(fastPathPdu([{ code: 9, data: attr }]));
    expect(g.pointer.kind).toBe('custom');
    expect(g.pointer.image).toMatchObject({ width: 2, height: 2, hotX: 1, hotY: 1 });
    expect([...g.pointer.image!.rgba]).toEqual([
      ...[0, 255, 0, 255], // top left: green
      ...[0, 0, 0, 0], // top right: AND over black: transparent
      ...[0, 0, 0, 255], // bottom left: AND over white: screen-inverting, drawn black
      ...[255, 0, 0, 255], // bottom right: red
    ]);
    const image = g.pointer.image;
    g.processFastPath(fastPathPdu([{ code: 5, data: new Uint8Array(0) }]));
    expect(g.pointer).toMatchObject({ kind: 'hidden', image: undefined });
    g.processFastPath(fastPathPdu([{ code: 10, data: hex('0500') }])); // cached pointer 5
    expect(g.pointer.kind).toBe('custom');
    expect(g.pointer.image).toBe(image);
    g.processFastPath(
      fastPathPdu([
        { code: 6, data: new Uint8Array(0) },
        { code: 8, data: hex('0300 0200') },
      ]),
    );
    expect(g.pointer).toMatchObject({ kind: 'system', x: 3, y: 2 });
    // new pointer, 1 bpp, 3x1: XOR 110.., AND 011..: white, inverted (drawn black), transparent
    g.processFastPath(
      fastPathPdu([{ code: 11, data: hex('0100 0000 0000 0000 0300 0100 0200 0200 c000 6000') }]),
    );
    expect([...g.pointer.image!.rgba]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0]);
    // large pointer, 32 bpp with alpha
    g.processFastPath(
      fastPathPdu([{ code: 12, data: hex('2000 0100 0000 0000 0100 0100 00000000 04000000 10203080') }]),
    );
    expect([...g.pointer.image!.rgba]).toEqual([0x30, 0x20, 0x10, 0x80]);
    expect(() =>
      g.processFastPath(fastPathPdu([{ code: 9, data: hex('0000 0000 0000 0200 0200 0000 0100 00') }])),
    ).toThrow(/XOR mask of 1 bytes/);
  });

  it('legacy PNG frames draw into the framebuffer; screenshots are PNGs of it', () => {
    const g = new DesktopGraphics({ width: 3, height: 2 });
    g.drawPng(1, 1, encodePng({ width: 2, height: 1, data: Uint8Array.of(1, 2, 3, 255, 4, 5, 6, 255) }));
    const shot = decodePng(g.screenshot());
    expect(shot.width).toBe(3);
    expect([...shot.data]).toEqual([
      ...[0, 0, 0, 255],
      ...[0, 0, 0, 255],
      ...[0, 0, 0, 255],
      ...[0, 0, 0, 255],
      ...[1, 2, 3, 255],
      ...[4, 5, 6, 255],
    ]);
  });

  it('activate: new size and ids; RemoteFX context starts over', () => {
    const c = rfxCases.find((x) => x.name === 'rfx-rlgr3-session')!;
    const g = new DesktopGraphics({ width: c.screenWidth, height: c.screenHeight, ...ids });
    const send = (i: number) =>
      g.processFastPath(
        concat(
          fragmentedPdus(
            4,
            concat([
              surfaceBits({
                left: 0,
                top: 0,
                width: c.width,
                height: c.height,
                codecId: 3,
                data: vectorFile(`${c.name}.${i}.msg`),
              }),
              frameMarker(true, i),
            ]),
          ),
        ),
      );
    send(0);
    g.activate({ width: 50, height: 50, ioChannelId: 1003, userChannelId: 1010 });
    expect(g.framebuffer.width).toBe(50);
    expect(() => send(1)).toThrow(/before TS_RFX_CONTEXT/); // the server sends headers again after reactivation
    expect(send(0)).toEqual([encodeFrameAcknowledge({ ioChannelId: 1003, userChannelId: 1010 }, 0)]);
  });
});
