// The RDP graphics pipeline of a desktop session: fast-path output in (the bytes of TDP
// RDPFastPathPDU / TDPB FastPathPDU messages), a framebuffer and pointer state out, plus the RDP PDUs
// the client has to send back (TDP RDPResponsePDU / TDPB rdp_response_pdu): a Frame Acknowledge for
// each frame-end marker. Legacy TDP PNG frames draw into the same framebuffer.
import { BitmapDecoder, convertPixels, bytesPerPixel, GREY_PALETTE, type Palette } from './bitmap.js';
import { malformed, unsupported } from './errors.js';
import { FastPathParser, type FastPathUpdate } from './fastpath.js';
import { Framebuffer } from './framebuffer.js';
import { decodePng, encodePng } from './png.js';
import { decodePointer, type PointerImage } from './pointer.js';
import { RfxDecoder } from './rfx/message.js';
import { type ChannelIds, encodeFrameAcknowledge } from './share.js';
import type { SurfaceBits } from './surface.js';

/** RDP_CODEC_ID_NONE: uncompressed surface bits. */
export const CODEC_ID_NONE = 0;
/** The id FreeRDP and IronRDP give RemoteFX in their Bitmap Codecs capability set. */
export const CODEC_ID_REMOTEFX = 3;

export interface GraphicsOptions {
  width: number;
  height: number;
  /** From ConnectionActivated / ServerHello; without them no response PDUs are built. */
  ioChannelId?: number;
  userChannelId?: number;
  shareId?: number;
  /** Acknowledge frame-end markers (default true, as upstream's web client does). */
  frameAcknowledge?: boolean;
  /** Codec ids the client gave RemoteFX in its capabilities (default [3]). */
  remoteFxCodecIds?: number[];
  /** Largest reassembled fast-path update (default 32 MiB). */
  maxUpdateSize?: number;
}

export interface PointerState {
  /** 'system' is the default arrow; 'custom' has an image. */
  kind: 'system' | 'hidden' | 'custom';
  x: number;
  y: number;
  image?: PointerImage;
}

export interface GraphicsStats {
  pdus: number;
  updates: number;
  /** Frame-end markers seen. */
  frames: number;
  surfaceBits: number;
  bitmapRects: number;
  pointerUpdates: number;
  /** Updates that draw nothing here (orders, slow-path frames, unknown codes). */
  ignored: number;
}

export class DesktopGraphics {
  readonly framebuffer: Framebuffer;
  readonly pointer: PointerState = { kind: 'system', x: 0, y: 0 };
  readonly stats: GraphicsStats = {
    pdus: 0,
    updates: 0,
    frames: 0,
    surfaceBits: 0,
    bitmapRects: 0,
    pointerUpdates: 0,
    ignored: 0,
  };
  palette: Palette = GREY_PALETTE;
  private parser: FastPathParser;
  private rfx = new RfxDecoder();
  private readonly bitmaps = new BitmapDecoder();
  private readonly pointerCache = new Map<number, PointerImage>();
  private ids: ChannelIds | undefined;
  private readonly frameAck: boolean;
  private readonly remoteFx: Set<number>;
  private readonly maxUpdateSize: number | undefined;
  private scratch = new Uint8Array(0);

  constructor(options: GraphicsOptions) {
    this.framebuffer = new Framebuffer(options.width, options.height);
    this.frameAck = options.frameAcknowledge ?? true;
    this.remoteFx = new Set(options.remoteFxCodecIds ?? [CODEC_ID_REMOTEFX]);
    this.maxUpdateSize = options.maxUpdateSize;
    this.parser = new FastPathParser({ maxUpdateSize: this.maxUpdateSize });
    this.setIds(options);
  }

  /**
   * A (re)activation: new channel ids and screen size. The server starts its codecs over (RemoteFX
   * headers come again), so decoder state is dropped; the picture is kept where it still fits.
   */
  activate(a: {
    width: number;
    height: number;
    ioChannelId?: number;
    userChannelId?: number;
    shareId?: number;
  }): void {
    this.framebuffer.resize(a.width, a.height);
    this.setIds(a);
    this.rfx = new RfxDecoder();
    this.parser = new FastPathParser({ maxUpdateSize: this.maxUpdateSize });
    this.pointerCache.clear();
  }

  private setIds(a: { ioChannelId?: number; userChannelId?: number; shareId?: number }): void {
    this.ids =
      a.ioChannelId !== undefined && a.userChannelId !== undefined
        ? { ioChannelId: a.ioChannelId, userChannelId: a.userChannelId, shareId: a.shareId }
        : undefined;
  }

  /**
   * Feeds fast-path output (one TDP message's PDU, or any piece of the stream) and draws what it
   * completes. Returns the RDP PDUs to send back, in order. Throws RdpDecodeError on input no server
   * sends.
   */
  processFastPath(bytes: Uint8Array): Uint8Array[] {
    const responses: Uint8Array[] = [];
    this.stats.pdus++;
    for (const update of this.parser.push(bytes)) this.apply(update, responses);
    return responses;
  }

  /** A legacy TDP PNG frame (PNGFrame / PNG2Frame) with its top-left corner at (left, top). */
  drawPng(left: number, top: number, png: Uint8Array): void {
    const img = decodePng(png);
    this.framebuffer.blit(img.data, img.width, left, top, img.width, img.height);
  }

  /** The screen as a PNG. */
  screenshot(): Buffer {
    const fb = this.framebuffer;
    return encodePng({ width: fb.width, height: fb.height, data: fb.data });
  }

  private apply(u: FastPathUpdate, responses: Uint8Array[]): void {
    this.stats.updates++;
    switch (u.type) {
      case 'surface-commands':
        for (const c of u.commands) {
          if (c.type === 'frame-marker') {
            if (c.action === 'end') {
              this.stats.frames++;
              if (this.frameAck && this.ids) responses.push(encodeFrameAcknowledge(this.ids, c.frameId));
            }
          } else {
            this.stats.surfaceBits++;
            this.surfaceBits(c);
          }
        }
        return;
      case 'bitmap':
        for (const rect of u.rects) {
          this.stats.bitmapRects++;
          const rgba = this.bitmaps.decode(rect, this.palette);
          // The bitmap may be wider than its destination (padded); the destination is inclusive.
          const w = Math.min(rect.width, rect.destRight - rect.destLeft + 1);
          const h = Math.min(rect.height, rect.destBottom - rect.destTop + 1);
          if (w > 0 && h > 0) this.framebuffer.blit(rgba, rect.width, rect.destLeft, rect.destTop, w, h);
        }
        return;
      case 'palette':
        this.palette = u.palette;
        return;
      case 'pointer-hidden':
        this.stats.pointerUpdates++;
        this.pointer.kind = 'hidden';
        this.pointer.image = undefined;
        return;
      case 'pointer-default':
        this.stats.pointerUpdates++;
        this.pointer.kind = 'system';
        this.pointer.image = undefined;
        return;
      case 'pointer-position':
        this.stats.pointerUpdates++;
        this.pointer.x = u.x;
        this.pointer.y = u.y;
        return;
      case 'pointer': {
        this.stats.pointerUpdates++;
        const image = decodePointer(u.pointer, this.palette);
        this.pointerCache.set(u.pointer.cacheIndex, image);
        this.pointer.kind = 'custom';
        this.pointer.image = image;
        return;
      }
      case 'pointer-cached': {
        this.stats.pointerUpdates++;
        const image = this.pointerCache.get(u.cacheIndex);
        // An unknown index keeps the current pointer (as IronRDP does).
        if (image) {
          this.pointer.kind = 'custom';
          this.pointer.image = image;
        }
        return;
      }
      case 'synchronize':
        return;
      default:
        this.stats.ignored++;
    }
  }

  private surfaceBits(c: SurfaceBits): void {
    if (this.remoteFx.has(c.codecId)) {
      this.rfx.decode(c.data, c.destLeft, c.destTop, this.framebuffer);
      return;
    }
    if (c.codecId !== CODEC_ID_NONE) {
      throw unsupported(`surface bits with codec id ${c.codecId} (RemoteFX and uncompressed are decoded)`);
    }
    // Uncompressed surface bits are bottom-up scanlines of width pixels, as FreeRDP draws them.
    const size = c.width * c.height * 4;
    if (size === 0) return;
    // Checked before allocating: a header must not make us allocate what the data cannot fill.
    if (c.data.length < c.width * c.height * bytesPerPixel(c.bpp)) {
      throw malformed('surface bits', `${c.width}x${c.height} at ${c.bpp} bpp in ${c.data.length} bytes`);
    }
    if (this.scratch.length < size) this.scratch = new Uint8Array(size);
    convertPixels(
      c.data,
      0,
      c.width,
      c.height,
      c.bpp,
      c.width * bytesPerPixel(c.bpp),
      true,
      this.scratch,
      this.palette,
    );
    this.framebuffer.blit(this.scratch, c.width, c.destLeft, c.destTop, c.width, c.height);
  }
}
