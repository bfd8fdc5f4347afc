// A desktop session shown in the viewer page: the framebuffer's dirty rectangles go out as raw
// RGBA (read at send time, so a slow page gets the newest pixels, never a backlog of stale ones),
// the page's input comes back as scancodes, mouse and wheel messages, in order. Clipboard text goes
// both ways as the session's --clipboard policy lets it (the session enforces it; the page is told
// which ways are open so it does not even read what may not go), and the desktop's pointer shape
// becomes the page's cursor.
import type { Logger } from '../client/config.js';
import type { Rect } from '../rdp/framebuffer.js';
import type { MouseButtonName } from '../tdp/outgoing.js';
import { KEY_SCANCODES } from '../tdp/scancodes.js';
import {
  ClipboardDisabledError,
  WHEEL_NOTCH,
  type DesktopSession,
  type PointerShape,
} from '../tdp/session.js';
import {
  clipboardPolicyMessage,
  encodeRect,
  parsePageInput,
  PointerEncoder,
  type PageInput,
} from './protocol.js';
import type { ServerSocket } from './socket.js';

/** Stop sending pixels while this much is still queued for the page; resume on drain. */
const HIGH_WATER = 4 << 20;
/** Rectangles are cut into bands of at most this many pixels (1 MiB of RGBA). */
const MAX_RECT_PIXELS = 1 << 18;
/** More pending rectangles than this are merged into their bounding box. */
const MAX_PENDING = 32;

const BUTTONS: Record<number, MouseButtonName> = { 0: 'left', 1: 'middle', 2: 'right' };

export interface BridgeStats {
  rects: number;
  bytes: number;
  /** Time spent copying pixels into messages (ms). */
  encodeMs: number;
  inputs: number;
  /** Clipboard texts sent to the desktop / to the page. */
  clipboardOut: number;
  clipboardIn: number;
  /** Pointer shapes sent to the page. */
  pointers: number;
}

export class ViewerBridge {
  readonly stats: BridgeStats = {
    rects: 0,
    bytes: 0,
    encodeMs: 0,
    inputs: 0,
    clipboardOut: 0,
    clipboardIn: 0,
    pointers: 0,
  };
  private pending: Rect[] = [];
  private scheduled = false;
  private inputQueue: Promise<void> = Promise.resolve();
  private readonly detach: () => void;
  private readonly pointers = new PointerEncoder();
  private clipboardPolicy = '';
  /** The page's script said it runs: clipboard and pointer messages go from then on. */
  private ready = false;

  constructor(
    private readonly session: DesktopSession,
    private readonly socket: ServerSocket,
    private readonly log: Logger,
  ) {
    const onFrame = ({ dirty }: { dirty: Rect[] }) => this.queue(dirty);
    const onActivated = () => {
      this.sendScreen();
      this.sendClipboardPolicy(); // the service says again whether it shares the clipboard
    };
    const onDrain = () => this.schedule();
    const onClipboard = ({ text }: { text: string }) => this.sendClipboard(text);
    const onPointer = (p: PointerShape) => this.sendPointer(p);
    session.on('frame', onFrame);
    session.on('activated', onActivated);
    session.on('clipboard', onClipboard);
    session.on('pointer', onPointer);
    socket.on('drain', onDrain);
    socket.on('text', (t) => this.onInput(t));
    this.detach = () => {
      session.off('frame', onFrame);
      session.off('activated', onActivated);
      session.off('clipboard', onClipboard);
      session.off('pointer', onPointer);
      socket.off('drain', onDrain);
    };
    socket.once('close', () => this.detach());
    this.sendScreen();
  }

  /** The page's script runs (its 'ready'): the clipboard ways, what the desktop copied before, the pointer. */
  private sendState(): void {
    if (this.ready) return;
    this.ready = true;
    this.sendClipboardPolicy();
    // The session keeps only text that may come back.
    const copied = this.session.clipboardFromRemote ? this.session.remoteClipboard : undefined;
    if (copied !== undefined) this.sendClipboard(copied);
    const pointer = this.session.graphics?.pointer;
    if (pointer && pointer.kind !== 'system') this.sendPointer(pointer);
  }

  private sendJson(m: object): void {
    if (this.socket.open) this.socket.sendText(JSON.stringify(m));
  }

  /** Which ways the clipboard is open, when that changed (the page shows it once). */
  private sendClipboardPolicy(): void {
    if (!this.ready) return;
    const m = clipboardPolicyMessage(this.session);
    const key = JSON.stringify(m);
    if (key === this.clipboardPolicy) return;
    this.clipboardPolicy = key;
    this.log('viewer: clipboard', { toRemote: m.toRemote, fromRemote: m.fromRemote });
    this.sendJson(m);
  }

  private sendClipboard(text: string): void {
    // The session drops text the policy keeps from coming back; checked again for the page.
    if (!this.ready || !this.session.clipboardFromRemote) return;
    this.stats.clipboardIn++;
    this.sendJson({ type: 'clipboard', text });
  }

  private sendPointer(p: PointerShape): void {
    if (!this.ready) return;
    try {
      this.sendJson(this.pointers.message(p));
      this.stats.pointers++;
    } catch (err) {
      this.log('viewer: pointer not shown', { error: (err as Error).message });
    }
  }

  /** The screen size, then the whole screen. */
  private sendScreen(): void {
    const { width, height } = this.session;
    if (!width || !height) return;
    this.socket.sendText(JSON.stringify({ type: 'size', width, height }));
    this.pending = [];
    this.queue([{ x: 0, y: 0, width, height }]);
  }

  private queue(rects: Rect[]): void {
    this.pending.push(...rects);
    if (this.pending.length > MAX_PENDING) this.pending = [bounds(this.pending)];
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    // After the current batch of session data: updates that arrive together go out together.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.socket.open) return;
    if (this.socket.buffered > HIGH_WATER) return; // 'drain' schedules again
    const gfx = this.session.graphics;
    if (!gfx) return;
    const fb = gfx.framebuffer;
    const rects = withoutCovered(this.pending);
    this.pending = [];
    const t0 = performance.now();
    for (const r of rects) {
      for (const band of bands(clip(r, fb.width, fb.height))) {
        const msg = encodeRect(fb.data, fb.width, band);
        this.stats.rects++;
        this.stats.bytes += msg.length;
        this.socket.sendBinary(msg);
      }
    }
    this.stats.encodeMs += performance.now() - t0;
  }

  private onInput(text: string): void {
    const input = parsePageInput(text);
    if (!input) {
      this.log('viewer: ignored a message from the page', { text: text.slice(0, 100) });
      return;
    }
    if (input.t === 'ready') {
      this.sendState();
      return;
    }
    this.stats.inputs++;
    // One after another: a click must not overtake the move before it.
    this.inputQueue = this.inputQueue
      .then(() => this.apply(input))
      .catch((err: Error) => this.log('viewer: input not sent', { error: err.message }));
  }

  private async apply(i: PageInput): Promise<void> {
    const s = this.session;
    if (!s.active) return;
    switch (i.t) {
      case 'key': {
        const scancodes = KEY_SCANCODES[i.code];
        if (!scancodes) {
          this.log('viewer: no scancode for key', { code: i.code });
          return;
        }
        await s.send(scancodes.map((scancode) => ({ type: 'key', scancode, pressed: i.down })));
        return;
      }
      case 'move':
        if (i.x < s.width && i.y < s.height) await s.send([{ type: 'mouseMove', x: i.x, y: i.y }]);
        return;
      case 'button': {
        const button = BUTTONS[i.button];
        if (button) await s.send([{ type: 'mouseButton', button, pressed: i.down }]);
        return;
      }
      case 'wheel':
        if (i.y) await s.scroll(i.y);
        // TDP: horizontal positive = left; the page's positive x is right.
        for (let n = 0; n < Math.abs(i.x); n++) {
          await s.send([{ type: 'wheel', axis: 'horizontal', delta: i.x > 0 ? -WHEEL_NOTCH : WHEEL_NOTCH }]);
        }
        return;
      case 'resize':
        // A desktop that keeps its size (a shadowed X display) ignores this; the page scales.
        if (i.width !== s.width || i.height !== s.height) {
          this.log('viewer: asking for a new screen size', { width: i.width, height: i.height });
          await s.send([{ type: 'screenSpec', width: i.width, height: i.height }]);
        }
        return;
      case 'clipboard':
        try {
          await s.setClipboard(i.text);
          this.stats.clipboardOut++;
        } catch (err) {
          // The page was told the way is closed; a page that sends anyway gets nothing through.
          if (!(err instanceof ClipboardDisabledError)) throw err;
          this.log('viewer: clipboard text not sent', { reason: err.message });
        }
        return;
    }
  }
}

function clip(r: Rect, width: number, height: number): Rect {
  const x = Math.max(0, r.x);
  const y = Math.max(0, r.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(width, r.x + r.width) - x),
    height: Math.max(0, Math.min(height, r.y + r.height) - y),
  };
}

/** Horizontal bands of at most MAX_RECT_PIXELS each. */
function bands(r: Rect): Rect[] {
  if (r.width === 0 || r.height === 0) return [];
  const rows = Math.max(1, Math.floor(MAX_RECT_PIXELS / r.width));
  const out: Rect[] = [];
  for (let y = r.y; y < r.y + r.height; y += rows) {
    out.push({ x: r.x, y, width: r.width, height: Math.min(rows, r.y + r.height - y) });
  }
  return out;
}

function bounds(rects: Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.width));
  const y1 = Math.max(...rects.map((r) => r.y + r.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const covers = (a: Rect, b: Rect) =>
  a.x <= b.x && a.y <= b.y && a.x + a.width >= b.x + b.width && a.y + a.height >= b.y + b.height;

/** Drops rectangles inside another (the same tile drawn twice between two sends). */
function withoutCovered(rects: Rect[]): Rect[] {
  return rects.filter((r, i) => !rects.some((o, j) => j !== i && covers(o, r) && (!covers(r, o) || j < i)));
}
