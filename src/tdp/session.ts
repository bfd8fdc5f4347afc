// A desktop session over an established inner TLS connection: runs the handshake state machine
// (negotiate.ts) with the incremental TDP/TDPB parsers, draws what the service forwards into a
// DesktopGraphics framebuffer, sends back the RDP PDUs it builds (Frame Acknowledges: FreeRDP's
// shadow server slows to about one frame a second without them), answers Pings, and offers input
// (scancodes, mouse) and waits (activation, a change, a settled screen) to commands and scripts.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { noLog, type Logger } from '../client/config.js';
import { DesktopGraphics } from '../rdp/graphics.js';
import type { Rect } from '../rdp/framebuffer.js';
import type { PointerImage } from '../rdp/pointer.js';
import { TshError } from '../util/errors.js';
import type { TdpMessage } from '../wire/tdp/messages.js';
import { TdpParser } from '../wire/tdp/parser.js';
import { TdpbParser, type TdpbMessage } from '../wire/tdp/tdpb.js';
import { DesktopHandshake, type AlertLevel, type DesktopEvent } from './negotiate.js';
import {
  encodeOutgoing,
  type ClientInput,
  type Dialect,
  type MouseButtonName,
  type Outgoing,
} from './outgoing.js';
import { comboKeyEvents, textKeyEvents, type KeyEvent } from './scancodes.js';
import {
  allowsFromRemote,
  allowsToRemote,
  DEFAULT_CLIPBOARD_POLICY,
  refuseDirectoryRequest,
  type ClipboardPolicy,
} from './policy.js';
import { TdpLimits } from '../wire/tdp/messages.js';

/** One wheel notch, in the units RDP and the web client use. */
export const WHEEL_NOTCH = 120;

export interface DesktopSessionOptions {
  desktop: string;
  /** Windows login. */
  login: string;
  dialect: Dialect;
  /** Requested screen size; the service may answer with another (the shadow server shares its own). */
  width: number;
  height: number;
  keyboardLayout?: number;
  /** Teleport version of the service, when known (legacy TDP's third handshake message). */
  serverVersion?: string;
  log?: Logger;
  /** Called once the session is over, e.g. to tear down the stream under the TLS socket. */
  onClose?: () => void;
  /** A better explanation for an unexpected end (the proxy stream's own error), when there is one. */
  transportError?: () => Error | undefined;
  /** Which way clipboard text may go, whatever the service allows (default both). */
  clipboard?: ClipboardPolicy;
  /** Ends the session after this long without input (keys, mouse, clipboard) once it is active. */
  idleTimeoutMs?: number;
}

export interface ActivatedInfo {
  width: number;
  height: number;
  dialect: Dialect;
  reactivation: boolean;
}

export interface FrameInfo {
  /** Framebuffer version after this update. */
  version: number;
  /** Areas changed by this update. */
  dirty: Rect[];
}

/** The pointer to show: the system default, none, or an image (the same object while it is the same
 * cached pointer). */
export interface PointerShape {
  kind: 'system' | 'hidden' | 'custom';
  image?: PointerImage;
}

export interface SessionStats {
  /** Messages received from the service. */
  messages: number;
  /** RDP fast-path PDUs and PNG frames drawn. */
  updates: number;
  /** Frame-end markers (each acknowledged). */
  frames: number;
  /** RDP PDUs sent back (Frame Acknowledges). */
  responses: number;
}

export interface DesktopSessionEvents {
  activated: [ActivatedInfo];
  frame: [FrameInfo];
  alert: [{ level: AlertLevel; message: string }];
  /** Text copied on the desktop (only when the clipboard policy lets it come back). */
  clipboard: [{ text: string }];
  /** The desktop's pointer shape changed (RDP pointer updates; the position alone does not count). */
  pointer: [PointerShape];
  closed: [Error | undefined];
}

/** The session ended (or failed) before or while something waited on it. */
export class DesktopSessionClosedError extends TshError {
  constructor(message: string) {
    super(message, 'connection-problem');
    this.name = 'DesktopSessionClosedError';
  }
}

/** The session sat without input for longer than its idle timeout. */
export class DesktopIdleTimeoutError extends TshError {
  constructor(message: string) {
    super(message, 'connection-problem');
    this.name = 'DesktopIdleTimeoutError';
  }
}

/** The clipboard policy or the service does not let text go that way. */
export class ClipboardDisabledError extends TshError {
  constructor(message: string) {
    super(message, 'access-denied');
    this.name = 'ClipboardDisabledError';
  }
}

/** A wait for the desktop ran out of time. */
export class DesktopTimeoutError extends TshError {
  constructor(message: string) {
    super(message, 'connection-problem');
    this.name = 'DesktopTimeoutError';
  }
}

export class DesktopSession extends EventEmitter<DesktopSessionEvents> {
  readonly desktop: string;
  readonly login: string;
  readonly dialect: Dialect;
  readonly stats: SessionStats = { messages: 0, updates: 0, frames: 0, responses: 0 };
  private readonly hs: DesktopHandshake;
  private readonly parse: (chunk: Buffer) => (TdpMessage | TdpbMessage)[];
  private readonly endParser: () => void;
  private readonly log: Logger;
  private gfx?: DesktopGraphics;
  private closedWith?: { error: Error | undefined };
  private lastChangeAt = 0;
  private closing = false;
  private policy: ClipboardPolicy;
  private idleTimeoutMs?: number;
  /** The service's ServerHello clipboard_enabled (legacy TDP: always true). */
  private serviceClipboard = false;
  private remoteText?: string;
  private clipboardSeq = 0;
  private lastInputAt = 0;
  private idleTimer?: NodeJS.Timeout;
  private directoryRefused = false;

  constructor(
    private readonly socket: Duplex,
    private readonly opts: DesktopSessionOptions,
  ) {
    super();
    this.desktop = opts.desktop;
    this.login = opts.login;
    this.dialect = opts.dialect;
    this.log = opts.log ?? noLog;
    this.policy = opts.clipboard ?? DEFAULT_CLIPBOARD_POLICY;
    this.idleTimeoutMs = opts.idleTimeoutMs;
    this.hs = new DesktopHandshake({
      dialect: opts.dialect,
      username: opts.login,
      width: opts.width,
      height: opts.height,
      keyboardLayout: opts.keyboardLayout,
      serverVersion: opts.serverVersion,
    });
    if (opts.dialect === 'tdpb') {
      const p = new TdpbParser({
        permissive: true,
        onUnknown: (e) => this.log('desktop: skipped unknown TDPB message', { error: e.message }),
      });
      this.parse = (c) => p.parse(c);
      this.endParser = () => p.end();
    } else {
      const p = new TdpParser({
        onSkip: (e) => this.log('desktop: skipped over-limit TDP payload', { error: e.message }),
      });
      this.parse = (c) => p.parse(c);
      this.endParser = () => p.end();
    }
    // The session never emits 'error': a failure ends it, with the error, as 'closed'.
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.finish(this.unexpected(err)));
    socket.on('close', () => this.finish(this.closing ? undefined : this.unexpected()));
    for (const o of this.hs.start()) this.write(o);
  }

  /** True once the RDP connection is up (input is accepted). */
  get active(): boolean {
    return this.hs.canSendInput && !this.closedWith;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The error the session ended with (undefined while open or after a clean close). */
  get error(): Error | undefined {
    return this.closedWith?.error;
  }

  /** Screen size (the service's, after activation). */
  get width(): number {
    return this.gfx?.framebuffer.width ?? 0;
  }
  get height(): number {
    return this.gfx?.framebuffer.height ?? 0;
  }

  /** Framebuffer version: bumped by every drawn change. */
  get version(): number {
    return this.gfx?.framebuffer.version ?? 0;
  }

  get graphics(): DesktopGraphics | undefined {
    return this.gfx;
  }

  // --- receiving -------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closedWith) return;
    try {
      for (const msg of this.parse(chunk)) {
        this.stats.messages++;
        const step = this.hs.receive(msg);
        for (const o of step.send) this.write(o);
        for (const ev of step.events) this.handle(ev);
        if (step.fatal) {
          this.finish(step.fatal);
          return;
        }
        if (this.closedWith) return;
      }
    } catch (err) {
      this.finish(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private handle(ev: DesktopEvent): void {
    switch (ev.type) {
      case 'activated': {
        const size = { width: ev.width, height: ev.height };
        const ids = { ioChannelId: ev.ioChannelId, userChannelId: ev.userChannelId };
        if (this.gfx) this.gfx.activate({ ...size, ...ids });
        else this.gfx = new DesktopGraphics({ ...size, ...ids });
        this.gfx.framebuffer.takeDirty();
        this.serviceClipboard = ev.clipboardEnabled;
        if (!ev.reactivation) this.noteInput();
        this.log('desktop: activated', {
          ...size,
          dialect: this.dialect,
          reactivation: ev.reactivation,
          clipboard: ev.clipboardEnabled ? this.clipboardPolicy : 'disabled by the service',
        });
        this.emit('activated', { ...size, dialect: this.dialect, reactivation: ev.reactivation });
        return;
      }
      case 'fastPath': {
        const gfx = this.requireGraphics('an RDP update');
        const before = gfx.stats.frames;
        const { kind, image } = gfx.pointer;
        for (const pdu of gfx.processFastPath(ev.pdu)) {
          this.write(
            this.hs.input({ type: 'rdpResponse', pdu: Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length) }),
          );
          this.stats.responses++;
        }
        this.stats.frames += gfx.stats.frames - before;
        this.updated(gfx);
        const p = gfx.pointer;
        if (p.kind !== kind || p.image !== image) this.emit('pointer', { kind: p.kind, image: p.image });
        return;
      }
      case 'png': {
        const gfx = this.requireGraphics('a PNG frame');
        gfx.drawPng(ev.left, ev.top, ev.png);
        this.updated(gfx);
        return;
      }
      case 'alert':
        if (ev.level !== 'error') this.log(`desktop: ${ev.level} alert`, { message: ev.message });
        this.emit('alert', { level: ev.level, message: ev.message });
        return;
      case 'clipboard': {
        if (!allowsFromRemote(this.clipboardPolicy)) {
          this.log('desktop: clipboard text from the desktop dropped', { policy: this.clipboardPolicy });
          return;
        }
        const text = ev.data.toString('utf8');
        this.remoteText = text;
        this.clipboardSeq++;
        this.log('desktop: clipboard text from the desktop', { bytes: ev.data.length });
        this.emit('clipboard', { text });
        return;
      }
      case 'other': {
        const answer = refuseDirectoryRequest(ev.message);
        if (!answer) {
          this.log('desktop: ignored message', { type: ev.type });
          return;
        }
        if (!this.directoryRefused)
          this.log('desktop: refused a shared directory request (nothing is shared)');
        this.directoryRefused = true;
        this.write(answer);
        return;
      }
      default:
        this.log('desktop: ignored message', { type: ev.type });
    }
  }

  private requireGraphics(what: string): DesktopGraphics {
    if (!this.gfx) throw new DesktopSessionClosedError(`desktop service sent ${what} before activation`);
    return this.gfx;
  }

  private updated(gfx: DesktopGraphics): void {
    this.stats.updates++;
    const dirty = gfx.framebuffer.takeDirty();
    if (dirty.length === 0) return;
    this.lastChangeAt = Date.now();
    this.emit('frame', { version: gfx.framebuffer.version, dirty });
  }

  private onEnd(): void {
    if (this.closedWith) return;
    try {
      this.endParser();
    } catch (err) {
      this.finish(err as Error);
      return;
    }
    this.finish(this.closing ? undefined : this.unexpected());
  }

  /** Why the session ended when nobody asked it to. */
  private unexpected(err?: Error): Error {
    const transport = this.opts.transportError?.();
    if (transport) return transport;
    if (err instanceof TshError) return err;
    const why = err ? `: ${err.message}` : '';
    return new DesktopSessionClosedError(
      this.hs.canSendInput
        ? `desktop session to ${this.desktop} ended: the desktop service closed the connection${why}`
        : `the desktop service closed the connection to ${this.desktop} before the RDP session started${why}`,
    );
  }

  private finish(error: Error | undefined): void {
    if (this.closedWith) return;
    this.closedWith = { error };
    clearTimeout(this.idleTimer);
    if (error) this.log('desktop: session ended', { error: error.message });
    this.socket.destroy();
    this.opts.onClose?.();
    this.emit('closed', error);
  }

  // --- sending ---------------------------------------------------------------------------------

  private write(o: Outgoing): boolean {
    if (this.closedWith || this.socket.destroyed) return true;
    return this.socket.write(encodeOutgoing(o));
  }

  /** Sends input, waiting for the socket to drain when its buffer is full (backpressure). */
  async send(inputs: ClientInput[]): Promise<void> {
    for (const i of inputs) {
      this.checkOpen();
      if (!this.hs.canSendInput) {
        throw new DesktopSessionClosedError(
          `cannot send input to ${this.desktop} before the session is active`,
        );
      }
      if (i.type !== 'rdpResponse' && i.type !== 'screenSpec') this.noteInput();
      if (!this.write(this.hs.input(i))) await this.drained();
    }
  }

  /**
   * Changes the clipboard policy and the idle timeout of an open session (openDesktopSession
   * takes both as options, in force from the start).
   */
  applyPolicy(p: { clipboard?: ClipboardPolicy; idleTimeoutMs?: number }): void {
    if (p.clipboard) this.policy = p.clipboard;
    if (p.idleTimeoutMs !== undefined) {
      this.idleTimeoutMs = p.idleTimeoutMs || undefined;
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      if (this.hs.canSendInput) this.noteInput();
    }
  }

  get clipboardPolicy(): ClipboardPolicy {
    return this.policy;
  }

  /** Input was sent (or the session started): the idle timeout starts again. */
  private noteInput(): void {
    const idle = this.idleTimeoutMs;
    if (!idle || this.closedWith) return;
    this.lastInputAt = Date.now();
    if (this.idleTimer) return; // the running timer looks at lastInputAt when it fires
    const check = () => {
      const left = this.lastInputAt + idle - Date.now();
      if (left > 0) {
        this.idleTimer = setTimeout(check, left);
        return;
      }
      this.idleTimer = undefined;
      this.finish(
        new DesktopIdleTimeoutError(
          `desktop session to ${this.desktop} ended: no input for ${seconds(idle)} (idle timeout)`,
        ),
      );
    };
    this.idleTimer = setTimeout(check, idle);
    this.idleTimer.unref?.();
  }

  // --- clipboard -------------------------------------------------------------------------------

  /** Whether text may go to the desktop: the policy allows it and the service shares the clipboard. */
  get clipboardToRemote(): boolean {
    return allowsToRemote(this.clipboardPolicy) && this.serviceClipboard;
  }

  /** Whether text copied on the desktop comes back. */
  get clipboardFromRemote(): boolean {
    return allowsFromRemote(this.clipboardPolicy) && this.serviceClipboard;
  }

  /** The last text copied on the desktop that came back, if any. */
  get remoteClipboard(): string | undefined {
    return this.remoteText;
  }

  private clipboardRefusal(toRemote: boolean): ClipboardDisabledError | undefined {
    const allowed = toRemote ? allowsToRemote(this.clipboardPolicy) : allowsFromRemote(this.clipboardPolicy);
    const way = toRemote ? `to ${this.desktop}` : `from ${this.desktop}`;
    if (!allowed) {
      return new ClipboardDisabledError(`the clipboard ${way} is off (--clipboard=${this.clipboardPolicy})`);
    }
    if (this.hs.canSendInput && !this.serviceClipboard) {
      return new ClipboardDisabledError(
        `the desktop service does not share the clipboard of ${this.desktop} (the role option desktop_clipboard is false)`,
      );
    }
    return undefined;
  }

  /** Puts text on the desktop's clipboard (the user's copy; a paste there gets it). */
  async setClipboard(text: string): Promise<void> {
    this.checkOpen();
    const refused = this.clipboardRefusal(true);
    if (refused) throw refused;
    const data = Buffer.from(text, 'utf8');
    if (data.length > TdpLimits.clipboard) {
      throw new TshError(
        `clipboard text of ${data.length} bytes is over the ${TdpLimits.clipboard}-byte limit`,
        'bad-parameter',
      );
    }
    await this.send([{ type: 'clipboard', data }]);
  }

  /**
   * The desktop's clipboard text: what came back last, or the next text to come back within
   * timeoutMs (`fresh`: only text that arrives after this call).
   */
  waitForClipboard(timeoutMs: number, fresh = false): Promise<string> {
    const refused = this.clipboardRefusal(false);
    if (refused) return Promise.reject(refused);
    const since = fresh || this.remoteText === undefined ? this.clipboardSeq : this.clipboardSeq - 1;
    return this.waitFor(
      () => (this.clipboardSeq > since ? this.remoteText : undefined),
      timeoutMs,
      () =>
        new DesktopTimeoutError(
          `no clipboard text came from ${this.desktop} within ${seconds(timeoutMs)} (copy something there first)`,
        ),
    );
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.off('closed', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.once('closed', done);
    });
  }

  private checkOpen(): void {
    if (this.closedWith) {
      throw (
        this.closedWith.error ??
        new DesktopSessionClosedError(`the desktop session to ${this.desktop} is closed`)
      );
    }
  }

  async keyEvents(events: KeyEvent[]): Promise<void> {
    await this.send(events.map((e) => ({ type: 'key', scancode: e.scancode, pressed: e.pressed })));
  }

  /** Types text with scancodes (US layout, Shift held for shifted characters). */
  async typeText(text: string): Promise<void> {
    await this.keyEvents(textKeyEvents(text));
  }

  /** Presses a combo such as "Ctrl+Alt+T" and releases it in reverse order. */
  async key(combo: string): Promise<void> {
    await this.keyEvents(comboKeyEvents(combo));
  }

  private checkPoint(x: number, y: number): void {
    if (
      !Number.isInteger(x) ||
      !Number.isInteger(y) ||
      x < 0 ||
      y < 0 ||
      x >= this.width ||
      y >= this.height
    ) {
      throw new TshError(
        `point ${x},${y} is outside the ${this.width}x${this.height} screen`,
        'bad-parameter',
      );
    }
  }

  async mouseMove(x: number, y: number): Promise<void> {
    this.checkPoint(x, y);
    await this.send([{ type: 'mouseMove', x, y }]);
  }

  async click(x: number, y: number, button: MouseButtonName = 'left'): Promise<void> {
    this.checkPoint(x, y);
    await this.send([
      { type: 'mouseMove', x, y },
      { type: 'mouseButton', button, pressed: true },
      { type: 'mouseButton', button, pressed: false },
    ]);
  }

  /** Turns the wheel `notches` notches: positive scrolls down (toward the user), negative up. */
  async scroll(notches: number): Promise<void> {
    if (!Number.isInteger(notches))
      throw new TshError(`scroll by ${notches}: not a whole number`, 'bad-parameter');
    // TDP: vertical positive = up. One message per notch keeps every delta in range on every server.
    const delta = notches > 0 ? -WHEEL_NOTCH : WHEEL_NOTCH;
    const inputs: ClientInput[] = Array.from({ length: Math.abs(notches) }, () => ({
      type: 'wheel',
      axis: 'vertical',
      delta,
    }));
    await this.send(inputs);
  }

  // --- waiting ---------------------------------------------------------------------------------

  /**
   * Waits for `test` to hold, checked now and after every event; rejects with the session's error
   * if it ends first, or with `onTimeout()` after timeoutMs. `test` may return a value to resolve with.
   */
  private waitFor<T>(
    test: () => T | undefined,
    timeoutMs: number,
    onTimeout: () => Error | T,
    extraTimer?: { ms: () => number | undefined },
  ): Promise<T> {
    if (this.closedWith) {
      return Promise.reject(
        this.closedWith.error ??
          new DesktopSessionClosedError(`the desktop session to ${this.desktop} is closed`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let tick: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        clearTimeout(tick);
        this.off('frame', check);
        this.off('activated', check);
        this.off('clipboard', check);
        this.off('closed', onClosed);
      };
      const check = () => {
        let v: T | undefined;
        try {
          v = test();
        } catch (err) {
          cleanup();
          reject(err as Error);
          return;
        }
        if (v !== undefined) {
          cleanup();
          resolve(v);
          return;
        }
        const ms = extraTimer?.ms();
        clearTimeout(tick);
        if (ms !== undefined) tick = setTimeout(check, Math.max(0, ms));
      };
      const onClosed = (err: Error | undefined) => {
        cleanup();
        reject(err ?? new DesktopSessionClosedError(`the desktop session to ${this.desktop} is closed`));
      };
      const timer = setTimeout(() => {
        cleanup();
        const r = onTimeout();
        if (r instanceof Error) reject(r);
        else resolve(r);
      }, timeoutMs);
      this.on('frame', check);
      this.on('activated', check);
      this.on('clipboard', check);
      this.on('closed', onClosed);
      check();
    });
  }

  /** Resolves once the RDP session is active. */
  waitForActivation(timeoutMs: number): Promise<ActivatedInfo> {
    return this.waitFor(
      () =>
        this.hs.canSendInput
          ? { width: this.width, height: this.height, dialect: this.dialect, reactivation: false }
          : undefined,
      timeoutMs,
      () =>
        new DesktopTimeoutError(
          `desktop ${this.desktop}: the RDP session did not start within ${seconds(timeoutMs)}`,
        ),
    );
  }

  /** Resolves with the new version once the screen changes after version `since` (default: now). */
  waitForChange(timeoutMs: number, since = this.version): Promise<number> {
    return this.waitFor(
      () => (this.version > since ? this.version : undefined),
      timeoutMs,
      () =>
        new DesktopTimeoutError(`the screen of ${this.desktop} did not change within ${seconds(timeoutMs)}`),
    );
  }

  /**
   * Waits until the screen has drawn something and then not changed for quietMs. Resolves true
   * when it settled, false when timeoutMs passed first (the screen kept changing, e.g. a video).
   */
  waitForSettle(quietMs: number, timeoutMs: number): Promise<boolean> {
    const quietFor = () => (this.lastChangeAt === 0 ? undefined : quietMs - (Date.now() - this.lastChangeAt));
    return this.waitFor<boolean>(
      () => {
        const left = quietFor();
        return left !== undefined && left <= 0 ? true : undefined;
      },
      timeoutMs,
      () => false,
      { ms: quietFor },
    );
  }

  /** The screen as a PNG. */
  screenshotPng(): Buffer {
    this.checkOpen();
    if (!this.gfx)
      throw new DesktopSessionClosedError(`desktop ${this.desktop} has not shown its screen yet`);
    return this.gfx.screenshot();
  }

  /** Ends the session: closes the TLS connection (the service then ends its RDP connection). */
  async close(): Promise<void> {
    if (this.closedWith) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.once('closed', () => resolve()));
    this.socket.end();
    // The service closes its side at once; do not hang on one that does not.
    const timer = setTimeout(() => this.finish(undefined), 2_000);
    await closed;
    clearTimeout(timer);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
