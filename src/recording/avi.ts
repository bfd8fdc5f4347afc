// AVI 1.0 (RIFF) muxer for one Motion-JPEG video stream, as upstream's desktop export writes
// (tool/tsh/common/recording_export.go with github.com/icza/mjpeg):
//
//   RIFF <size> 'AVI '
//     LIST <192> 'hdrl'
//       'avih' <56>  MainAVIHeader: µs per frame, max bytes/s, 0, flags HASINDEX, frames, 0,
//                    streams 1, suggested buffer, width, height, 4 reserved
//       LIST <116> 'strl'
//         'strh' <56> 'vids' 'MJPG', flags 0, priority/language 0, initial frames 0, scale 1,
//                     rate fps, start 0, length frames, suggested buffer, quality -1, sample
//                     size 0, rcFrame (0, 0, width, height as int16)
//         'strf' <40> BITMAPINFOHEADER: 40, width, height, planes 1, 24 bits, 'MJPG',
//                     width*height*3, 0, 0, 0, 0
//     LIST <size> 'movi'
//       '00dc' <size> JPEG [pad byte to even]   (one per frame)
//     'idx1' <16*frames>  per frame: '00dc', AVIIF_KEYFRAME, offset from the 'movi' fourcc, size
//
// The header has a fixed size (HEADER_SIZE bytes up to and including 'movi'), so a writer can put
// a placeholder first, append frames as they come and write the final header over it at the end.
// A repeated frame (the screen did not change) is stored once per frame: AVI 1.0 has no "repeat".

export const HEADER_SIZE = 224;
/** AVIF_HASINDEX */
export const AVIF_HASINDEX = 0x10;
/** AVIIF_KEYFRAME */
export const AVIIF_KEYFRAME = 0x10;
/** RIFF sizes are 32-bit: a file stops growing before this. */
export const MAX_RIFF_SIZE = 0xffff_fffe;

export interface AviInfo {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** Bytes of the 'movi' list's chunks (each 8 + data, padded to even). */
  moviBytes: number;
  /** The largest frame (the suggested buffer size). */
  maxFrame: number;
}

const fourcc = (b: Buffer, off: number, s: string) => b.write(s, off, 4, 'latin1');

/** The header up to and including the 'movi' fourcc, for the totals in info. */
export function aviHeader(info: AviInfo): Buffer {
  const { width, height, fps, frames, moviBytes, maxFrame } = info;
  const b = Buffer.alloc(HEADER_SIZE);
  const idxBytes = 8 + 16 * frames;
  fourcc(b, 0, 'RIFF');
  b.writeUInt32LE(HEADER_SIZE - 8 + moviBytes + idxBytes, 4);
  fourcc(b, 8, 'AVI ');
  fourcc(b, 12, 'LIST');
  b.writeUInt32LE(192, 16);
  fourcc(b, 20, 'hdrl');
  fourcc(b, 24, 'avih');
  b.writeUInt32LE(56, 28);
  b.writeUInt32LE(Math.round(1e6 / fps), 32); // dwMicroSecPerFrame
  // dwMaxBytesPerSec: a bound from the largest frame.
  b.writeUInt32LE(Math.min(0xffffffff, maxFrame * Math.ceil(fps)), 36);
  b.writeUInt32LE(0, 40); // dwPaddingGranularity
  b.writeUInt32LE(AVIF_HASINDEX, 44);
  b.writeUInt32LE(frames, 48); // dwTotalFrames
  b.writeUInt32LE(0, 52); // dwInitialFrames
  b.writeUInt32LE(1, 56); // dwStreams
  b.writeUInt32LE(maxFrame, 60); // dwSuggestedBufferSize
  b.writeUInt32LE(width, 64);
  b.writeUInt32LE(height, 68);
  // 72..87 reserved
  fourcc(b, 88, 'LIST');
  b.writeUInt32LE(116, 92);
  fourcc(b, 96, 'strl');
  fourcc(b, 100, 'strh');
  b.writeUInt32LE(56, 104);
  fourcc(b, 108, 'vids');
  fourcc(b, 112, 'MJPG');
  b.writeUInt32LE(0, 116); // dwFlags
  b.writeUInt16LE(0, 120); // wPriority
  b.writeUInt16LE(0, 122); // wLanguage
  b.writeUInt32LE(0, 124); // dwInitialFrames
  b.writeUInt32LE(1, 128); // dwScale
  b.writeUInt32LE(fps, 132); // dwRate: rate/scale = frames per second
  b.writeUInt32LE(0, 136); // dwStart
  b.writeUInt32LE(frames, 140); // dwLength
  b.writeUInt32LE(maxFrame, 144); // dwSuggestedBufferSize
  b.writeInt32LE(-1, 148); // dwQuality: default
  b.writeUInt32LE(0, 152); // dwSampleSize: varying
  b.writeInt16LE(0, 156); // rcFrame
  b.writeInt16LE(0, 158);
  b.writeInt16LE(Math.min(width, 0x7fff), 160);
  b.writeInt16LE(Math.min(height, 0x7fff), 162);
  fourcc(b, 164, 'strf');
  b.writeUInt32LE(40, 168);
  b.writeUInt32LE(40, 172); // biSize
  b.writeInt32LE(width, 176);
  b.writeInt32LE(height, 180);
  b.writeUInt16LE(1, 184); // biPlanes
  b.writeUInt16LE(24, 186); // biBitCount
  fourcc(b, 188, 'MJPG');
  b.writeUInt32LE(width * height * 3, 192); // biSizeImage
  // 196..211: resolutions and colour counts, 0
  fourcc(b, 212, 'LIST');
  b.writeUInt32LE(4 + moviBytes, 216);
  fourcc(b, 220, 'movi');
  return b;
}

/** One '00dc' chunk: header + JPEG (+ a pad byte when odd). */
export function aviFrameChunk(jpeg: Uint8Array): Buffer[] {
  const h = Buffer.alloc(8);
  fourcc(h, 0, '00dc');
  h.writeUInt32LE(jpeg.length, 4);
  const parts = [h, Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength)];
  if (jpeg.length & 1) parts.push(Buffer.alloc(1));
  return parts;
}

/** The 'idx1' chunk for frames of the given sizes, stored back to back in 'movi'. */
export function aviIndex(sizes: readonly number[]): Buffer {
  const b = Buffer.alloc(8 + 16 * sizes.length);
  fourcc(b, 0, 'idx1');
  b.writeUInt32LE(16 * sizes.length, 4);
  let offset = 4; // from the 'movi' fourcc to the chunk's header
  sizes.forEach((size, i) => {
    const o = 8 + 16 * i;
    fourcc(b, o, '00dc');
    b.writeUInt32LE(AVIIF_KEYFRAME, o + 4);
    b.writeUInt32LE(offset, o + 8);
    b.writeUInt32LE(size, o + 12);
    offset += 8 + size + (size & 1);
  });
  return b;
}

/**
 * Builds an AVI from frames as they come: `frame()` returns the bytes to append, `finish()` the
 * index to append and the header to write at offset 0. Refuses a frame that would take the file
 * past the 32-bit RIFF size.
 */
export class AviMuxer {
  private readonly sizes: number[] = [];
  private moviBytes = 0;
  private maxFrame = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly fps: number,
  ) {}

  get frames(): number {
    return this.sizes.length;
  }

  /** The size the file would have with one more frame of n bytes. */
  sizeWith(n: number): number {
    return HEADER_SIZE + this.moviBytes + 8 + n + (n & 1) + 8 + 16 * (this.sizes.length + 1);
  }

  /** The chunk to append for one frame. */
  frame(jpeg: Uint8Array): Buffer[] {
    if (this.sizeWith(jpeg.length) > MAX_RIFF_SIZE) {
      throw new RangeError('the AVI file would exceed 4 GiB (RIFF 1.0)');
    }
    this.sizes.push(jpeg.length);
    this.moviBytes += 8 + jpeg.length + (jpeg.length & 1);
    this.maxFrame = Math.max(this.maxFrame, jpeg.length);
    return aviFrameChunk(jpeg);
  }

  /** The index to append after the last frame, and the final header for offset 0. */
  finish(): { index: Buffer; header: Buffer } {
    return {
      index: aviIndex(this.sizes),
      header: aviHeader({
        width: this.width,
        height: this.height,
        fps: this.fps,
        frames: this.sizes.length,
        moviBytes: this.moviBytes,
        maxFrame: this.maxFrame,
      }),
    };
  }
}

/** A whole AVI in memory (tests, small exports). */
export function buildAvi(width: number, height: number, fps: number, jpegs: readonly Uint8Array[]): Buffer {
  const m = new AviMuxer(width, height, fps);
  const body = jpegs.flatMap((j) => m.frame(j));
  const { index, header } = m.finish();
  return Buffer.concat([header, ...body, index]);
}
