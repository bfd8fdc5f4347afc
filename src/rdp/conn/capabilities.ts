// Capability sets of the capability exchange (MS-RDPBCGR 2.2.7; RemoteFX: MS-RDPRFX 2.2.1; frame
// acknowledgement: MS-RDPRFX 2.2.1.3). The client advertises what it can take; the server's sets
// tell it the desktop size, whether fast-path input is allowed and how big a fragmented update
// may get.
import { Reader, Writer } from './bytes.js';
import { malformed } from './errors.js';

export const CAPSTYPE_GENERAL = 1;
export const CAPSTYPE_BITMAP = 2;
export const CAPSTYPE_ORDER = 3;
export const CAPSTYPE_BITMAPCACHE = 4;
export const CAPSTYPE_CONTROL = 5;
export const CAPSTYPE_ACTIVATION = 7;
export const CAPSTYPE_POINTER = 8;
export const CAPSTYPE_SHARE = 9;
export const CAPSTYPE_COLORCACHE = 10;
export const CAPSTYPE_SOUND = 12;
export const CAPSTYPE_INPUT = 13;
export const CAPSTYPE_FONT = 14;
export const CAPSTYPE_BRUSH = 15;
export const CAPSTYPE_GLYPHCACHE = 16;
export const CAPSTYPE_OFFSCREENCACHE = 17;
export const CAPSTYPE_BITMAPCACHE_REV2 = 19;
export const CAPSTYPE_VIRTUALCHANNEL = 20;
export const CAPSSETTYPE_MULTIFRAGMENTUPDATE = 26;
export const CAPSETTYPE_LARGE_POINTER = 27;
export const CAPSETTYPE_SURFACE_COMMANDS = 28;
export const CAPSETTYPE_BITMAP_CODECS = 29;
export const CAPSETTYPE_FRAME_ACKNOWLEDGE = 30;

export interface CapabilitySet {
  type: number;
  /** The set's bytes after its 4-byte header. */
  data: Buffer;
}

/** numberCapabilities, pad2Octets and the sets: the combinedCapabilities of Demand/Confirm Active. */
export function encodeCapabilitySets(sets: CapabilitySet[]): Buffer {
  const w = new Writer().u16(sets.length).u16(0);
  for (const s of sets)
    w.u16(s.type)
      .u16(s.data.length + 4)
      .bytes(s.data);
  return w.toBuffer();
}

export function decodeCapabilitySets(r: Reader): CapabilitySet[] {
  const n = r.u16('numberCapabilities');
  r.u16('pad2Octets');
  const out: CapabilitySet[] = [];
  for (let i = 0; i < n; i++) {
    const type = r.u16('capabilitySetType');
    const length = r.u16('lengthCapability');
    if (length < 4) throw malformed(r.what, `capability set ${type} length ${length}`);
    out.push({ type, data: r.bytes(length - 4, `capability set ${type}`) });
  }
  return out;
}

// ---------------- client sets ----------------

// General capability extraFlags.
export const FASTPATH_OUTPUT_SUPPORTED = 0x0001;
export const LONG_CREDENTIALS_SUPPORTED = 0x0004;
export const AUTORECONNECT_SUPPORTED = 0x0008;
export const ENC_SALTED_CHECKSUM = 0x0010;
export const NO_BITMAP_COMPRESSION_HDR = 0x0400;
const OSMAJORTYPE_UNIX = 4;
const OSMINORTYPE_NATIVE_XSERVER = 7;

// Input capability inputFlags.
export const INPUT_FLAG_SCANCODES = 0x0001;
export const INPUT_FLAG_MOUSEX = 0x0004;
export const INPUT_FLAG_FASTPATH_INPUT = 0x0008;
export const INPUT_FLAG_UNICODE = 0x0010;
export const INPUT_FLAG_FASTPATH_INPUT2 = 0x0020;
export const INPUT_FLAG_MOUSE_HWHEEL = 0x0100;

// Surface commands cmdFlags.
export const SURFCMDS_SET_SURFACE_BITS = 0x02;
export const SURFCMDS_FRAME_MARKER = 0x10;
export const SURFCMDS_STREAM_SURFACE_BITS = 0x40;

/** CODEC_GUID_REMOTEFX {76772F12-BD72-4463-AFB3-B73C9C6F7886}, as it appears on the wire. */
export const CODEC_GUID_REMOTEFX = Buffer.from('122f7776' + '72bd' + '6344' + 'afb3b73c9c6f7886', 'hex');
/** The codec id the client assigns to RemoteFX; surface bits name it (FreeRDP uses 3 too). */
export const REMOTEFX_CODEC_ID = 3;

export interface ClientCapabilityOptions {
  desktopWidth: number;
  desktopHeight: number;
  /** 'remotefx': RemoteFX surface commands; 'none': plain (planar/interleaved) bitmap updates. */
  codecs: 'remotefx' | 'none';
  keyboardLayout: number;
  /** The largest fragmented fast-path update the client reassembles. */
  multifragMaxRequestSize: number;
  /** Frames the server may send before waiting for an acknowledgement; 0: no such set. */
  frameAcknowledge: number;
}

const set = (type: number, w: Writer): CapabilitySet => ({ type, data: w.toBuffer() });

function general(): CapabilitySet {
  return set(
    CAPSTYPE_GENERAL,
    new Writer()
      .u16(OSMAJORTYPE_UNIX)
      .u16(OSMINORTYPE_NATIVE_XSERVER)
      .u16(0x0200) // protocolVersion TS_CAPS_PROTOCOLVERSION
      .u16(0)
      .u16(0) // generalCompressionTypes
      .u16(FASTPATH_OUTPUT_SUPPORTED | NO_BITMAP_COMPRESSION_HDR | LONG_CREDENTIALS_SUPPORTED)
      .u16(0) // updateCapabilityFlag
      .u16(0) // remoteUnshareFlag
      .u16(0) // generalCompressionLevel
      .u8(1) // refreshRectSupport
      .u8(1), // suppressOutputSupport
  );
}

function bitmap(width: number, height: number): CapabilitySet {
  return set(
    CAPSTYPE_BITMAP,
    new Writer()
      .u16(32) // preferredBitsPerPixel
      .u16(1) // receive1BitPerPixel
      .u16(1) // receive4BitsPerPixel
      .u16(1) // receive8BitsPerPixel
      .u16(width)
      .u16(height)
      .u16(0)
      .u16(1) // desktopResizeFlag: the server may change the size (then it reactivates)
      .u16(1) // bitmapCompressionFlag
      .u8(0) // highColorFlags
      .u8(0x08) // drawingFlags: DRAW_ALLOW_SKIP_ALPHA
      .u16(1) // multipleRectangleSupport
      .u16(0),
  );
}

/** No drawing orders: everything arrives as bitmaps or surface commands. */
function order(): CapabilitySet {
  return set(
    CAPSTYPE_ORDER,
    new Writer()
      .zeros(16) // terminalDescriptor
      .u32(0)
      .u16(1) // desktopSaveXGranularity
      .u16(20) // desktopSaveYGranularity
      .u16(0)
      .u16(1) // maximumOrderLevel ORD_LEVEL_1_ORDERS
      .u16(0) // numberFonts
      .u16(0x0002 | 0x0008) // orderFlags NEGOTIATEORDERSUPPORT | ZEROBOUNDSDELTASSUPPORT
      .zeros(32) // orderSupport: none
      .u16(0) // textFlags
      .u16(0) // orderSupportExFlags
      .u32(0)
      .u32(0) // desktopSaveSize
      .u16(0)
      .u16(0)
      .u16(0) // textANSICodePage
      .u16(0),
  );
}

function bitmapCache(): CapabilitySet {
  return set(CAPSTYPE_BITMAPCACHE, new Writer().zeros(24).zeros(12)); // no caches
}

function pointer(): CapabilitySet {
  // colorPointerFlag, colorPointerCacheSize, pointerCacheSize (new-style pointers)
  return set(CAPSTYPE_POINTER, new Writer().u16(1).u16(25).u16(25));
}

function input(keyboardLayout: number): CapabilitySet {
  return set(
    CAPSTYPE_INPUT,
    new Writer()
      .u16(
        INPUT_FLAG_SCANCODES |
          INPUT_FLAG_MOUSEX |
          INPUT_FLAG_FASTPATH_INPUT |
          INPUT_FLAG_UNICODE |
          INPUT_FLAG_FASTPATH_INPUT2 |
          INPUT_FLAG_MOUSE_HWHEEL,
      )
      .u16(0)
      .u32(keyboardLayout)
      .u32(4) // keyboardType: IBM enhanced (101/102 keys)
      .u32(0) // keyboardSubType
      .u32(12) // keyboardFunctionKey
      .zeros(64), // imeFileName
  );
}

const brush = () => set(CAPSTYPE_BRUSH, new Writer().u32(0)); // BRUSH_DEFAULT
const glyphCache = () => set(CAPSTYPE_GLYPHCACHE, new Writer().zeros(40).u32(0).u16(0).u16(0)); // GLYPH_SUPPORT_NONE
const offscreenCache = () => set(CAPSTYPE_OFFSCREENCACHE, new Writer().u32(0).u16(0).u16(0));
const virtualChannel = () => set(CAPSTYPE_VIRTUALCHANNEL, new Writer().u32(0).u32(1600)); // no compression
const sound = () => set(CAPSTYPE_SOUND, new Writer().u16(0).u16(0));
const control = () => set(CAPSTYPE_CONTROL, new Writer().u16(0).u16(0).u16(2).u16(2)); // CONTROLPRIORITY_NEVER
const activation = () => set(CAPSTYPE_ACTIVATION, new Writer().zeros(8));
const share = () => set(CAPSTYPE_SHARE, new Writer().u16(0).u16(0));
const font = () => set(CAPSTYPE_FONT, new Writer().u16(1).u16(0)); // FONTSUPPORT_FONTLIST
const colorCache = () => set(CAPSTYPE_COLORCACHE, new Writer().u16(6).u16(0));
const multifragment = (max: number) => set(CAPSSETTYPE_MULTIFRAGMENTUPDATE, new Writer().u32(max));
const largePointer = () => set(CAPSETTYPE_LARGE_POINTER, new Writer().u16(1)); // 96x96 pointers
const frameAck = (n: number) => set(CAPSETTYPE_FRAME_ACKNOWLEDGE, new Writer().u32(n));

function surfaceCommands(): CapabilitySet {
  const flags = SURFCMDS_SET_SURFACE_BITS | SURFCMDS_FRAME_MARKER | SURFCMDS_STREAM_SURFACE_BITS;
  return set(CAPSETTYPE_SURFACE_COMMANDS, new Writer().u32(flags).u32(0));
}

/** TS_RFX_CLNT_CAPS_CONTAINER (MS-RDPRFX 2.2.1.1.1): one capset, image mode, RLGR1 and RLGR3. */
export function remoteFxClientProperties(): Buffer {
  const icap = (entropyBits: number) =>
    new Writer()
      .u16(0x0100) // version CLW_VERSION_1_0
      .u16(0x40) // tileSize CT_TILE_64x64
      .u8(0x02) // flags CODEC_MODE: image mode, as FreeRDP's client asks
      .u8(1) // colConvBits CLW_COL_CONV_ICT
      .u8(1) // transformBits CLW_XFORM_DWT_53_A
      .u8(entropyBits)
      .toBuffer();
  const icaps = Buffer.concat([icap(0x01), icap(0x04)]); // CLW_ENTROPY_RLGR1, CLW_ENTROPY_RLGR3
  const capset = new Writer()
    .u16(0xcbc1) // blockType CBY_CAPSET
    .u32(13 + icaps.length)
    .u8(1) // codecId
    .u16(0xcfc0) // capsetType CLY_CAPSET
    .u16(2) // numIcaps
    .u16(8) // icapLen
    .bytes(icaps)
    .toBuffer();
  const caps = new Writer()
    .u16(0xcbc0) // blockType CBY_CAPS
    .u32(8)
    .u16(1) // numCapsets
    .bytes(capset)
    .toBuffer();
  return new Writer()
    .u32(12 + caps.length) // length
    .u32(0x1) // captureFlags CARDP_CAPS_CAPTURE_NON_CAC
    .u32(caps.length)
    .bytes(caps)
    .toBuffer();
}

export interface BitmapCodec {
  guid: Buffer;
  id: number;
  properties: Buffer;
}

export function encodeBitmapCodecs(codecs: BitmapCodec[]): CapabilitySet {
  const w = new Writer().u8(codecs.length);
  for (const c of codecs) w.bytes(c.guid).u8(c.id).u16(c.properties.length).bytes(c.properties);
  return set(CAPSETTYPE_BITMAP_CODECS, w);
}

export function decodeBitmapCodecs(data: Buffer): BitmapCodec[] {
  const r = new Reader(data, 'bitmap codecs capability set');
  const n = r.u8('bitmapCodecCount');
  const out: BitmapCodec[] = [];
  for (let i = 0; i < n; i++) {
    const guid = r.bytes(16, 'codecGUID');
    const id = r.u8('codecID');
    out.push({ guid, id, properties: r.bytes(r.u16('codecPropertiesLength'), 'codecProperties') });
  }
  return out;
}

/** The sets of the Confirm Active PDU. */
export function clientCapabilities(o: ClientCapabilityOptions): CapabilitySet[] {
  const sets = [
    general(),
    bitmap(o.desktopWidth, o.desktopHeight),
    order(),
    bitmapCache(),
    pointer(),
    input(o.keyboardLayout),
    brush(),
    glyphCache(),
    offscreenCache(),
    virtualChannel(),
    sound(),
    control(),
    activation(),
    share(),
    font(),
    colorCache(),
    multifragment(o.multifragMaxRequestSize),
    largePointer(),
  ];
  if (o.codecs === 'remotefx') {
    sets.push(
      surfaceCommands(),
      encodeBitmapCodecs([
        { guid: CODEC_GUID_REMOTEFX, id: REMOTEFX_CODEC_ID, properties: remoteFxClientProperties() },
      ]),
    );
  }
  if (o.frameAcknowledge > 0) sets.push(frameAck(o.frameAcknowledge));
  return sets;
}

// ---------------- server sets ----------------

/** What the client needs from the server's Demand Active capability sets. */
export interface ServerCapabilities {
  desktopWidth: number;
  desktopHeight: number;
  preferredBitsPerPixel: number;
  fastPathOutput: boolean;
  /** Fast-path input allowed (INPUT_FLAG_FASTPATH_INPUT or _INPUT2). */
  fastPathInput: boolean;
  inputFlags: number;
  multifragMaxRequestSize?: number;
  surfaceCommands?: number;
  frameAcknowledge?: number;
  /** GUIDs (hex) of the codecs the server offers, if it sent the set. */
  bitmapCodecs?: string[];
}

export function readServerCapabilities(sets: CapabilitySet[]): ServerCapabilities {
  const out: ServerCapabilities = {
    desktopWidth: 0,
    desktopHeight: 0,
    preferredBitsPerPixel: 0,
    fastPathOutput: false,
    fastPathInput: false,
    inputFlags: 0,
  };
  for (const s of sets) {
    const r = new Reader(s.data, `server capability set ${s.type}`);
    switch (s.type) {
      case CAPSTYPE_GENERAL:
        r.skip(10, 'general header fields');
        out.fastPathOutput = (r.u16('extraFlags') & FASTPATH_OUTPUT_SUPPORTED) !== 0;
        break;
      case CAPSTYPE_BITMAP:
        out.preferredBitsPerPixel = r.u16('preferredBitsPerPixel');
        r.skip(6, 'receive flags');
        out.desktopWidth = r.u16('desktopWidth');
        out.desktopHeight = r.u16('desktopHeight');
        break;
      case CAPSTYPE_INPUT:
        out.inputFlags = r.u16('inputFlags');
        out.fastPathInput = (out.inputFlags & (INPUT_FLAG_FASTPATH_INPUT | INPUT_FLAG_FASTPATH_INPUT2)) !== 0;
        break;
      case CAPSSETTYPE_MULTIFRAGMENTUPDATE:
        out.multifragMaxRequestSize = r.u32('MaxRequestSize');
        break;
      case CAPSETTYPE_SURFACE_COMMANDS:
        out.surfaceCommands = r.u32('cmdFlags');
        break;
      case CAPSETTYPE_FRAME_ACKNOWLEDGE:
        out.frameAcknowledge = r.u32('maxUnacknowledgedFrameCount');
        break;
      case CAPSETTYPE_BITMAP_CODECS:
        out.bitmapCodecs = decodeBitmapCodecs(s.data).map((c) => c.guid.toString('hex'));
        break;
      default:
        break;
    }
  }
  return out;
}
