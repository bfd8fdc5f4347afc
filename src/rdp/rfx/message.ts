// RemoteFX message decoding ([MS-RDPRFX] 2.2.2): the header blocks (TS_RFX_SYNC, CODEC_VERSIONS,
// CHANNELS, CONTEXT; 2.2.2.2) set up a context that lasts across messages, and each frame
// (TS_RFX_FRAME_BEGIN, REGION, TILESET, FRAME_END; 2.2.2.3) draws 64x64 tiles into the framebuffer,
// clipped to the region's rectangles and the screen. One decoder per RDP connection: a server sends
// the headers once, in its first message.
import { malformed } from '../errors.js';
import type { Framebuffer, Rect } from '../framebuffer.js';
import { Reader } from '../reader.js';
import { ycbcrToRgba } from './color.js';
import { inverseDwt } from './dwt.js';
import { dequantizeLL3, parseQuantValues, shiftTable } from './quant.js';
import { rlgrDecode, type RlgrMode } from './rlgr.js';

const WBT_SYNC = 0xccc0;
const WBT_CODEC_VERSIONS = 0xccc1;
const WBT_CHANNELS = 0xccc2;
const WBT_CONTEXT = 0xccc3;
const WBT_FRAME_BEGIN = 0xccc4;
const WBT_FRAME_END = 0xccc5;
const WBT_REGION = 0xccc6;
const WBT_EXTENSION = 0xccc7; // the tileset
const CBT_REGION = 0xcac1;
const CBT_TILESET = 0xcac2;
const CBT_TILE = 0xcac3;
const WF_MAGIC = 0xcaccacca;
const WF_VERSION_1_0 = 0x0100;
const CLW_ENTROPY_RLGR1 = 0x01;
const CLW_ENTROPY_RLGR3 = 0x04;
const TILE_HEADER = 19; // blockType, blockLen, 3 quant indexes, xIdx, yIdx, 3 lengths

type Expect = 'frame-begin' | 'region' | 'tileset' | 'frame-end';

export interface RfxFrame {
  frameIdx: number;
  /** The frame's region on the screen (clipped to it). */
  rects: Rect[];
  tiles: number;
}

export class RfxDecoder {
  /** From TS_RFX_CHANNELS: the surface the region defaults to. */
  width = 0;
  height = 0;
  /** From TS_RFX_CONTEXT. */
  mode: RlgrMode | undefined;
  private expect: Expect = 'frame-begin';
  private frameIdx = 0;
  private rects: Rect[] = [];
  private drawn: Rect[] = [];
  private tiles = 0;
  private quants = new Uint8Array(0);
  /** 4096 shifts per quant of the current tileset. */
  private shifts = new Uint8Array(0);
  private shiftViews: Uint8Array[] = [];
  // per-tile scratch, reused
  private readonly yBuf = new Int16Array(4096);
  private readonly cbBuf = new Int16Array(4096);
  private readonly crBuf = new Int16Array(4096);
  private readonly tmp = new Int16Array(4096);
  private wordsFor: Uint8Array | undefined;
  private words: Uint32Array = new Uint32Array(0);

  /**
   * Decodes one RemoteFX message (the bitmapData of a surface command) for a surface command whose
   * destination is (left, top), drawing into fb. Returns the frames that ended in this message.
   */
  decode(data: Uint8Array, left: number, top: number, fb: Framebuffer): RfxFrame[] {
    try {
      return this.blocks(data, left, top, fb);
    } catch (err) {
      // A broken message ends its frame: the next one starts over at TS_RFX_FRAME_BEGIN.
      this.expect = 'frame-begin';
      throw err;
    }
  }

  private blocks(data: Uint8Array, left: number, top: number, fb: Framebuffer): RfxFrame[] {
    const frames: RfxFrame[] = [];
    const r = new Reader(data, 'RemoteFX message');
    while (r.left > 0) {
      if (r.left < 6) throw malformed('RemoteFX message', `${r.left} stray bytes after the last block`);
      const blockStart = r.pos;
      const blockType = r.u16('blockType');
      const blockLen = r.u32('blockLen');
      if (blockLen < 6 || blockLen > r.left + 6) {
        throw malformed('RemoteFX message', `block 0x${blockType.toString(16)} length ${blockLen}`);
      }
      const end = blockStart + blockLen;
      const b = new Reader(data, `RemoteFX block 0x${blockType.toString(16)}`, r.pos, end);
      r.pos = end;
      if (blockType >= WBT_CONTEXT && blockType <= WBT_EXTENSION) {
        // TS_RFX_CODEC_CHANNELT: codecId 1, channelId 0xFF for the context and 0 for data blocks
        const codecId = b.u8('codecId');
        const channelId = b.u8('channelId');
        const wantChannel = blockType === WBT_CONTEXT ? 0xff : 0;
        if (codecId !== 1 || channelId !== wantChannel) {
          throw malformed(
            'RemoteFX message',
            `codec ${codecId} channel ${channelId} in block 0x${blockType.toString(16)}`,
          );
        }
      }
      switch (blockType) {
        case WBT_SYNC: {
          const magic = b.u32('magic');
          const version = b.u16('version');
          if (magic !== WF_MAGIC || version !== WF_VERSION_1_0) {
            throw malformed(
              'RemoteFX sync',
              `magic 0x${magic.toString(16)} version 0x${version.toString(16)}`,
            );
          }
          break;
        }
        case WBT_CODEC_VERSIONS: {
          const n = b.u8('numCodecs');
          const id = b.u8('codecId');
          const version = b.u16('version');
          if (n !== 1 || id !== 1 || version !== WF_VERSION_1_0) {
            throw malformed(
              'RemoteFX codec versions',
              `${n} codecs, id ${id}, version 0x${version.toString(16)}`,
            );
          }
          break;
        }
        case WBT_CHANNELS: {
          const n = b.u8('numChannels');
          if (n < 1) throw malformed('RemoteFX channels', 'no channel');
          // Only the first channel (monitor) is drawn, as FreeRDP does.
          const channelId = b.u8('channelId');
          const width = b.u16('width');
          const height = b.u16('height');
          b.skip(5 * (n - 1), 'channels');
          if (channelId !== 0 || width === 0 || height === 0) {
            throw malformed('RemoteFX channels', `channel ${channelId} of ${width}x${height}`);
          }
          this.width = width;
          this.height = height;
          break;
        }
        case WBT_CONTEXT: {
          b.u8('ctxId');
          b.u16('tileSize');
          const properties = b.u16('properties');
          const et = (properties >> 9) & 0x0f;
          if (et === CLW_ENTROPY_RLGR1) this.mode = 1;
          else if (et === CLW_ENTROPY_RLGR3) this.mode = 3;
          else throw malformed('RemoteFX context', `entropy algorithm ${et}`);
          break;
        }
        case WBT_FRAME_BEGIN:
          this.want('frame-begin', 'TS_RFX_FRAME_BEGIN');
          this.frameIdx = b.u32('frameIdx');
          b.u16('numRegions');
          this.rects = [];
          this.drawn = [];
          this.tiles = 0;
          this.expect = 'region';
          break;
        case WBT_REGION:
          this.want('region', 'TS_RFX_REGION');
          this.region(b);
          this.expect = 'tileset';
          break;
        case WBT_EXTENSION:
          this.want('tileset', 'TS_RFX_TILESET');
          this.tileset(b, left, top, fb);
          this.expect = 'frame-end';
          break;
        case WBT_FRAME_END:
          this.want('frame-end', 'TS_RFX_FRAME_END');
          frames.push({ frameIdx: this.frameIdx, rects: this.drawn, tiles: this.tiles });
          this.expect = 'frame-begin';
          break;
        default:
          throw malformed('RemoteFX message', `unknown block type 0x${blockType.toString(16)}`);
      }
    }
    return frames;
  }

  private want(state: Expect, block: string): void {
    if (this.expect !== state) {
      throw malformed('RemoteFX message', `${block} where ${this.expect} was expected`);
    }
    if (state !== 'frame-begin' && state !== 'frame-end' && this.mode === undefined) {
      throw malformed('RemoteFX message', 'frame data before TS_RFX_CONTEXT');
    }
  }

  private region(b: Reader): void {
    b.u8('regionFlags');
    const numRects = b.u16('numRects');
    b.need(numRects * 8 + 4, 'rects');
    const rects: Rect[] = [];
    for (let i = 0; i < numRects; i++) {
      rects.push({ x: b.u16('x'), y: b.u16('y'), width: b.u16('width'), height: b.u16('height') });
    }
    const regionType = b.u16('regionType');
    const numTilesets = b.u16('numTilesets');
    if (regionType !== CBT_REGION || numTilesets !== 1) {
      throw malformed('RemoteFX region', `type 0x${regionType.toString(16)} with ${numTilesets} tilesets`);
    }
    // No rectangles means the whole surface (2.2.2.3.3).
    this.rects =
      numRects > 0 ? rects : [{ x: 0, y: 0, width: this.width || 0xffff, height: this.height || 0xffff }];
  }

  private tileset(b: Reader, left: number, top: number, fb: Framebuffer): void {
    const subtype = b.u16('subtype');
    if (subtype !== CBT_TILESET) throw malformed('RemoteFX tileset', `subtype 0x${subtype.toString(16)}`);
    b.u16('idx');
    b.u16('properties');
    const numQuant = b.u8('numQuant');
    b.u8('tileSize');
    const numTiles = b.u16('numTiles');
    const tilesDataSize = b.u32('tilesDataSize');
    if (numQuant < 1) throw malformed('RemoteFX tileset', 'no quantization values');
    b.need(numQuant * 5, 'quantVals');
    if (this.quants.length < numQuant * 10) this.quants = new Uint8Array(numQuant * 10);
    parseQuantValues(b.buf, b.pos, numQuant, this.quants);
    b.pos += numQuant * 5;
    if (this.shifts.length < numQuant * 4096) this.shifts = new Uint8Array(numQuant * 4096);
    this.shiftViews = [];
    for (let q = 0; q < numQuant; q++) {
      const view = this.shifts.subarray(q * 4096, (q + 1) * 4096);
      shiftTable(this.quants, q * 10, view);
      this.shiftViews.push(view);
    }
    if (numTiles === 0) return; // Windows Server 2012 sends empty tilesets
    if (tilesDataSize > b.left) {
      throw malformed(
        'RemoteFX tileset',
        `tilesDataSize ${tilesDataSize} beyond the block (${b.left} bytes)`,
      );
    }

    // The region on the screen: rects offset by the destination, clipped.
    const clip: Rect[] = [];
    for (const rc of this.rects) {
      const x0 = Math.max(0, left + rc.x);
      const y0 = Math.max(0, top + rc.y);
      const x1 = Math.min(fb.width, left + rc.x + rc.width);
      const y1 = Math.min(fb.height, top + rc.y + rc.height);
      if (x1 > x0 && y1 > y0) clip.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    this.drawn = clip;
    if (this.wordsFor !== fb.data) {
      // the framebuffer's own buffer: offset 0, a multiple of 4 bytes
      this.wordsFor = fb.data;
      this.words = new Uint32Array(fb.data.buffer, fb.data.byteOffset, fb.data.length >> 2);
    }
    const mode = this.mode as RlgrMode;
    const src = b.buf;
    for (let i = 0; i < numTiles; i++) {
      b.need(6, `tile ${i}`);
      const start = b.pos;
      const blockType = b.u16('tile blockType');
      const blockLen = b.u32('tile blockLen');
      if (blockType !== CBT_TILE)
        throw malformed('RemoteFX tileset', `tile ${i} has block type 0x${blockType.toString(16)}`);
      if (blockLen < TILE_HEADER || blockLen - 6 > b.left) {
        throw malformed('RemoteFX tileset', `tile ${i} length ${blockLen}`);
      }
      const qy = b.u8('quantIdxY');
      const qcb = b.u8('quantIdxCb');
      const qcr = b.u8('quantIdxCr');
      const xIdx = b.u16('xIdx');
      const yIdx = b.u16('yIdx');
      const yLen = b.u16('YLen');
      const cbLen = b.u16('CbLen');
      const crLen = b.u16('CrLen');
      if (qy >= numQuant || qcb >= numQuant || qcr >= numQuant) {
        throw malformed('RemoteFX tileset', `tile ${i} quant index beyond ${numQuant}`);
      }
      if (TILE_HEADER + yLen + cbLen + crLen > blockLen) {
        throw malformed('RemoteFX tileset', `tile ${i} component lengths exceed its block`);
      }
      const dataStart = b.pos;
      b.pos = start + blockLen;

      const tx = left + xIdx * 64;
      const ty = top + yIdx * 64;
      let decoded = false;
      for (const c of clip) {
        const x0 = Math.max(tx, c.x);
        const y0 = Math.max(ty, c.y);
        const x1 = Math.min(tx + 64, c.x + c.width);
        const y1 = Math.min(ty + 64, c.y + c.height);
        if (x1 <= x0 || y1 <= y0) continue;
        if (!decoded) {
          // Only tiles that show are decoded.
          this.component(src, dataStart, yLen, mode, qy, this.yBuf);
          this.component(src, dataStart + yLen, cbLen, mode, qcb, this.cbBuf);
          this.component(src, dataStart + yLen + cbLen, crLen, mode, qcr, this.crBuf);
          decoded = true;
          this.tiles++;
        }
        ycbcrToRgba(
          this.yBuf,
          this.cbBuf,
          this.crBuf,
          x0 - tx,
          y0 - ty,
          x1 - x0,
          y1 - y0,
          this.words,
          y0 * fb.width + x0,
          fb.width,
        );
        fb.markDirty(x0, y0, x1 - x0, y1 - y0);
      }
    }
  }

  private component(
    src: Uint8Array,
    start: number,
    len: number,
    mode: RlgrMode,
    q: number,
    out: Int16Array,
  ): void {
    const firstNonZero = rlgrDecode(src, start, start + len, mode, out, this.shiftViews[q]);
    dequantizeLL3(out, this.quants, q * 10);
    inverseDwt(out, this.tmp, firstNonZero);
  }
}
