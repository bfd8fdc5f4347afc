import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/rdp/conn/bytes.js';
import {
  CAPSETTYPE_BITMAP_CODECS,
  CAPSETTYPE_FRAME_ACKNOWLEDGE,
  CAPSETTYPE_SURFACE_COMMANDS,
  CAPSTYPE_BITMAP,
  CAPSTYPE_GENERAL,
  CAPSTYPE_INPUT,
  CODEC_GUID_REMOTEFX,
  clientCapabilities,
  decodeBitmapCodecs,
  decodeCapabilitySets,
  encodeBitmapCodecs,
  encodeCapabilitySets,
  readServerCapabilities,
  remoteFxClientProperties,
  type ClientCapabilityOptions,
} from '../../../../src/rdp/conn/capabilities.js';
import { hx } from './hex.js';

const OPTIONS: ClientCapabilityOptions = {
  desktopWidth: 1024,
  desktopHeight: 768,
  codecs: 'remotefx',
  keyboardLayout: 0x409,
  multifragMaxRequestSize: 0x800000,
  frameAcknowledge: 2,
};

const setBytes = (type: number, o = OPTIONS) => {
  const s = clientCapabilities(o).find((c) => c.type === type);
  if (!s) throw new Error(`no set ${type}`);
  return encodeCapabilitySets([s]).subarray(4); // without numberCapabilities/pad
};

describe('client capability sets', () => {
  it('has every set a server expects, each with its spec length', () => {
    const sets = clientCapabilities(OPTIONS).map((s) => [s.type, s.data.length + 4]);
    expect(sets).toEqual([
      [1, 24], // general
      [2, 28], // bitmap
      [3, 88], // order
      [4, 40], // bitmap cache (rev. 1)
      [8, 10], // pointer
      [13, 88], // input
      [15, 8], // brush
      [16, 52], // glyph cache
      [17, 12], // offscreen bitmap cache
      [20, 12], // virtual channel
      [12, 8], // sound
      [5, 12], // control
      [7, 12], // window activation
      [9, 8], // share
      [14, 8], // font
      [10, 8], // color table cache
      [26, 8], // multifragment update
      [27, 6], // large pointer
      [28, 12], // surface commands
      [29, 73], // bitmap codecs: RemoteFX
      [30, 8], // frame acknowledge
    ]);
  });

  it('leaves out surface commands, codecs and frame acknowledgement when asked', () => {
    const types = clientCapabilities({ ...OPTIONS, codecs: 'none', frameAcknowledge: 0 }).map((s) => s.type);
    expect(types).not.toContain(CAPSETTYPE_SURFACE_COMMANDS);
    expect(types).not.toContain(CAPSETTYPE_BITMAP_CODECS);
    expect(types).not.toContain(CAPSETTYPE_FRAME_ACKNOWLEDGE);
    expect(types).toHaveLength(18);
  });

  it('encodes the general set: fast-path output, no compression header, refresh and suppress', () => {
    expect(setBytes(CAPSTYPE_GENERAL)).toEqual(hx`
      01 00 18 00                     # CAPSTYPE_GENERAL, 24 bytes
      04 00 07 00                     # OSMAJORTYPE_UNIX, OSMINORTYPE_NATIVE_XSERVER
      00 02 00 00 00 00               # protocolVersion 0x200, pad, generalCompressionTypes
      05 04                           # extraFlags FASTPATH_OUTPUT | LONG_CREDENTIALS | NO_BITMAP_COMPRESSION_HDR
      00 00 00 00 00 00               # updateCapabilityFlag, remoteUnshareFlag, compressionLevel
      01 01                           # refreshRectSupport, suppressOutputSupport
    `);
  });

  it('encodes the bitmap set with the desktop size and 32 bpp', () => {
    expect(setBytes(CAPSTYPE_BITMAP)).toEqual(hx`
      02 00 1c 00
      20 00 01 00 01 00 01 00         # preferredBitsPerPixel 32, receive 1/4/8 bpp
      00 04 00 03                     # 1024 x 768
      00 00 01 00 01 00               # pad, desktopResizeFlag, bitmapCompressionFlag
      00 08                           # highColorFlags, drawingFlags DRAW_ALLOW_SKIP_ALPHA
      01 00 00 00                     # multipleRectangleSupport, pad
    `);
  });

  it('encodes the input set with fast-path input, Unicode and extended mouse buttons', () => {
    expect(setBytes(CAPSTYPE_INPUT)).toEqual(hx`
      0d 00 58 00
      3d 01 00 00                     # SCANCODES|MOUSEX|FASTPATH_INPUT|UNICODE|FASTPATH_INPUT2|MOUSE_HWHEEL
      09 04 00 00  04 00 00 00  00 00 00 00  0c 00 00 00
      ${'00 '.repeat(64)}
    `);
  });

  it('advertises RemoteFX with the client capability container of MS-RDPRFX 2.2.1.1.1', () => {
    expect(remoteFxClientProperties()).toEqual(hx`
      31 00 00 00  01 00 00 00  25 00 00 00      # length 49, CARDP_CAPS_CAPTURE_NON_CAC, capsLength 37
      c0 cb 08 00 00 00 01 00                    # TS_RFX_CAPS: one capset
      c1 cb 1d 00 00 00 01 c0 cf 02 00 08 00     # TS_RFX_CAPSET: codecId 1, CLY_CAPSET, 2 icaps of 8
      00 01 40 00 02 01 01 01                    # version 1.0, 64x64 tiles, image mode, ICT, DWT 5/3, RLGR1
      00 01 40 00 02 01 01 04                    # the same with RLGR3
    `);
    const set = clientCapabilities(OPTIONS).find((s) => s.type === CAPSETTYPE_BITMAP_CODECS)!;
    expect(set.data.subarray(0, 20)).toEqual(
      hx`01  12 2f 77 76 72 bd 63 44 af b3 b7 3c 9c 6f 78 86  03  31 00`,
    );
    expect(decodeBitmapCodecs(set.data)).toEqual([
      { guid: CODEC_GUID_REMOTEFX, id: 3, properties: remoteFxClientProperties() },
    ]);
  });

  it('encodes surface commands, multifragment size and frame acknowledgement', () => {
    expect(setBytes(CAPSETTYPE_SURFACE_COMMANDS)).toEqual(hx`1c 00 0c 00  52 00 00 00  00 00 00 00`);
    expect(setBytes(26)).toEqual(hx`1a 00 08 00  00 00 80 00`);
    expect(setBytes(CAPSETTYPE_FRAME_ACKNOWLEDGE)).toEqual(hx`1e 00 08 00  02 00 00 00`);
  });

  it('round-trips a list of sets', () => {
    const sets = clientCapabilities(OPTIONS);
    const bytes = encodeCapabilitySets(sets);
    expect(bytes.subarray(0, 4)).toEqual(hx`15 00 00 00`); // 21 sets, pad
    expect(decodeCapabilitySets(new Reader(bytes, 'caps'))).toEqual(sets);
    expect(() => decodeCapabilitySets(new Reader(hx`01 00 00 00 01 00 02 00`, 'caps'))).toThrow(
      /capability set 1 length 2/,
    );
  });
});

describe('server capability sets', () => {
  it('reads what the client needs from a Demand Active', () => {
    const sets = decodeCapabilitySets(
      new Reader(
        hx`
          06 00 00 00
          01 00 18 00  01 00 03 00 00 02 00 00 00 00 1d 04 00 00 00 00 00 00 01 01   # general: fast-path output
          02 00 1c 00  20 00 01 00 01 00 01 00 80 07 38 04 00 00 01 00 01 00 00 08 01 00 00 00   # 1920x1080
          0d 00 08 00  29 00 00 00                    # input: SCANCODES|FASTPATH_INPUT|FASTPATH_INPUT2
          1a 00 08 00  00 40 30 00                    # multifragment 0x304000
          1c 00 0c 00  52 00 00 00 00 00 00 00        # surface commands
          1d 00 18 00  01  12 2f 77 76 72 bd 63 44 af b3 b7 3c 9c 6f 78 86  00  00 00   # codecs: RemoteFX
        `,
        'caps',
      ),
    );
    expect(readServerCapabilities(sets)).toEqual({
      desktopWidth: 1920,
      desktopHeight: 1080,
      preferredBitsPerPixel: 32,
      fastPathOutput: true,
      fastPathInput: true,
      inputFlags: 0x29,
      multifragMaxRequestSize: 0x304000,
      surfaceCommands: 0x52,
      bitmapCodecs: ['122f777672bd6344afb3b73c9c6f7886'],
    });
  });

  it('sees slow-path-only input', () => {
    const sets = [{ type: CAPSTYPE_INPUT, data: hx`01 00 00 00` }];
    expect(readServerCapabilities(sets)).toMatchObject({ fastPathInput: false, inputFlags: 1 });
    expect(encodeBitmapCodecs([]).data).toEqual(hx`00`);
  });
});
