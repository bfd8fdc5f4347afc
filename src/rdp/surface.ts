// Surface commands ([MS-RDPBCGR] 2.2.9.2): the payload of a fast-path FASTPATH_UPDATETYPE_SURFCMDS
// update (2.2.9.1.2.1.10) is a sequence of TS_SURFCMD structures, each a Set Surface Bits or Stream
// Surface Bits command (2.2.9.2.1, 2.2.9.2.2: a destination and a TS_BITMAP_DATA_EX, 2.2.9.2.1.1) or
// a Frame Marker (2.2.9.2.3). Commands have no length field, so an unknown type ends the parse.
import { malformed } from './errors.js';
import { Reader } from './reader.js';

export const CMDTYPE_SET_SURFACE_BITS = 0x0001;
export const CMDTYPE_FRAME_MARKER = 0x0004;
export const CMDTYPE_STREAM_SURFACE_BITS = 0x0006;
export const SURFACECMD_FRAMEACTION_BEGIN = 0x0000;
export const SURFACECMD_FRAMEACTION_END = 0x0001;
const EX_COMPRESSED_BITMAP_HEADER_PRESENT = 0x01;
/** TS_COMPRESSED_BITMAP_HEADER_EX: highUniqueId, lowUniqueId, tmMilliseconds, tmSeconds. */
const EX_HEADER_SIZE = 24;

export interface SurfaceBits {
  type: 'surface-bits';
  /** Stream Surface Bits (0x0006) rather than Set Surface Bits (0x0001); drawn the same way. */
  stream: boolean;
  destLeft: number;
  destTop: number;
  /** Exclusive bounds. */
  destRight: number;
  destBottom: number;
  bpp: number;
  codecId: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface FrameMarker {
  type: 'frame-marker';
  action: 'begin' | 'end';
  frameId: number;
}

export type SurfaceCommand = SurfaceBits | FrameMarker;

export function parseSurfaceCommands(data: Uint8Array): SurfaceCommand[] {
  const r = new Reader(data, 'surface command');
  const out: SurfaceCommand[] = [];
  while (r.left > 0) {
    const cmdType = r.u16('cmdType');
    switch (cmdType) {
      case CMDTYPE_SET_SURFACE_BITS:
      case CMDTYPE_STREAM_SURFACE_BITS: {
        const destLeft = r.u16('destLeft');
        const destTop = r.u16('destTop');
        const destRight = r.u16('destRight');
        const destBottom = r.u16('destBottom');
        const bpp = r.u8('bpp');
        const flags = r.u8('flags');
        r.u8('reserved');
        const codecId = r.u8('codecID');
        const width = r.u16('width');
        const height = r.u16('height');
        const length = r.u32('bitmapDataLength');
        if (flags & EX_COMPRESSED_BITMAP_HEADER_PRESENT) r.skip(EX_HEADER_SIZE, 'exBitmapDataHeader');
        const bits = r.bytes(length, 'bitmapData');
        out.push({
          type: 'surface-bits',
          stream: cmdType === CMDTYPE_STREAM_SURFACE_BITS,
          destLeft,
          destTop,
          destRight,
          destBottom,
          bpp,
          codecId,
          width,
          height,
          data: bits,
        });
        break;
      }
      case CMDTYPE_FRAME_MARKER: {
        const action = r.u16('frameAction');
        if (action !== SURFACECMD_FRAMEACTION_BEGIN && action !== SURFACECMD_FRAMEACTION_END) {
          throw malformed('surface command', `frame action ${action}`);
        }
        // Some servers end the stream after frameAction; the id is then 0.
        const frameId = r.left >= 4 ? r.u32('frameId') : 0;
        out.push({
          type: 'frame-marker',
          action: action === SURFACECMD_FRAMEACTION_END ? 'end' : 'begin',
          frameId,
        });
        break;
      }
      default:
        throw malformed('surface command', `unknown command type 0x${cmdType.toString(16)}`);
    }
  }
  return out;
}
