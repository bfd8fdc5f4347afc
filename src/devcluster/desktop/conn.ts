// One desktop client connection as the service sees it, whichever dialect the ALPN result chose:
// incoming legacy TDP or TDPB messages become one ClientMessage shape (with the encoded bytes
// kept for the recording), and the few messages the service sends are encoded per dialect.
// Reading pauses the TLS socket while unread messages pile up; writes report backpressure.
import type * as tls from 'node:tls';
import { serialize } from '../../wire/tdp/serializer.js';
import { TdpParser } from '../../wire/tdp/parser.js';
import { Severity, TdpLimits, type TdpMessage } from '../../wire/tdp/messages.js';
import { encodeTdpb, tdpb, TdpbParser, type TdpbMessage } from '../../wire/tdp/tdpb.js';
import { AlertSeverity, MouseButtonType, MouseWheelAxis } from '../../gen/teleport/desktop/v1/tdpb.js';

export type Dialect = 'tdpb' | 'tdp';

export type ClientMessage =
  /** TDPB ClientHello. */
  | { kind: 'hello'; username: string; width: number; height: number; scale: number; keyboardLayout: number }
  | { kind: 'username'; username: string }
  | { kind: 'screenSpec'; width: number; height: number; scale: number }
  | { kind: 'keyboardLayout'; layout: number }
  | { kind: 'mouseMove'; x: number; y: number }
  | { kind: 'mouseButton'; button?: 'left' | 'middle' | 'right'; pressed: boolean }
  | { kind: 'keyboard'; keyCode: number; pressed: boolean }
  /** delta as TDP has it: vertical positive = up, horizontal positive = left. */
  | { kind: 'wheel'; horizontal: boolean; delta: number }
  | { kind: 'syncKeys'; scrollLock: boolean; numLock: boolean; capsLock: boolean; kanaLock: boolean }
  | { kind: 'rdpResponse'; data: Buffer }
  | { kind: 'ping'; uuid: Buffer }
  /** The user's clipboard (UTF-8 text, as the web client sends it). */
  | { kind: 'clipboard'; data: Buffer }
  /** Anything the service does not act on (shared directories, MFA, …). */
  | { kind: 'other'; name: string };

/** A received message and, for the kinds a recording keeps, its encoding in the client's dialect. */
export interface Received {
  msg: ClientMessage;
  encoded: () => Buffer;
}

const LEGACY_BUTTONS = ['left', 'middle', 'right'] as const;

function fromLegacy(m: TdpMessage): ClientMessage {
  switch (m.kind) {
    case 'clientUsername':
      return { kind: 'username', username: m.username };
    case 'clientScreenSpec':
      return { kind: 'screenSpec', width: m.width, height: m.height, scale: 0 };
    case 'clientKeyboardLayout':
      return { kind: 'keyboardLayout', layout: m.keyboardLayout };
    case 'mouseMove':
      return { kind: 'mouseMove', x: m.x, y: m.y };
    case 'mouseButton':
      return { kind: 'mouseButton', button: LEGACY_BUTTONS[m.button], pressed: m.pressed };
    case 'keyboardButton':
      return { kind: 'keyboard', keyCode: m.keyCode, pressed: m.pressed };
    case 'mouseWheel':
      return { kind: 'wheel', horizontal: m.axis === 1, delta: m.delta };
    case 'syncKeys':
      return {
        kind: 'syncKeys',
        scrollLock: m.scrollLock,
        numLock: m.numLock,
        capsLock: m.capsLock,
        kanaLock: m.kanaLock,
      };
    case 'rdpResponsePdu':
      return { kind: 'rdpResponse', data: m.data };
    case 'ping':
      return { kind: 'ping', uuid: m.uuid };
    case 'clipboardData':
      return { kind: 'clipboard', data: m.data };
    default:
      return { kind: 'other', name: m.kind };
  }
}

const TDPB_BUTTONS: Partial<Record<number, 'left' | 'middle' | 'right'>> = {
  [MouseButtonType.MOUSE_BUTTON_TYPE_LEFT]: 'left',
  [MouseButtonType.MOUSE_BUTTON_TYPE_MIDDLE]: 'middle',
  [MouseButtonType.MOUSE_BUTTON_TYPE_RIGHT]: 'right',
};

function fromTdpb(m: TdpbMessage): ClientMessage {
  switch (m.$case) {
    case 'clientHello': {
      const s = m.value.screenSpec;
      return {
        kind: 'hello',
        username: m.value.username,
        width: s?.width ?? 0,
        height: s?.height ?? 0,
        scale: s?.scale ?? 0,
        keyboardLayout: m.value.keyboardLayout,
      };
    }
    case 'clientScreenSpec':
      return { kind: 'screenSpec', width: m.value.width, height: m.value.height, scale: m.value.scale };
    case 'mouseMove':
      return { kind: 'mouseMove', x: m.value.x, y: m.value.y };
    case 'mouseButton':
      return { kind: 'mouseButton', button: TDPB_BUTTONS[m.value.button], pressed: m.value.pressed };
    case 'keyboardButton':
      return { kind: 'keyboard', keyCode: m.value.keyCode, pressed: m.value.pressed };
    case 'mouseWheel':
      return {
        kind: 'wheel',
        horizontal: m.value.axis === MouseWheelAxis.MOUSE_WHEEL_AXIS_HORIZONTAL,
        delta: m.value.delta | 0,
      };
    case 'syncKeys':
      return {
        kind: 'syncKeys',
        scrollLock: m.value.scrollLockPressed,
        numLock: m.value.numLockState,
        capsLock: m.value.capsLockState,
        kanaLock: m.value.kanaLockState,
      };
    case 'rdpResponsePdu':
      return { kind: 'rdpResponse', data: m.value.response };
    case 'ping':
      return { kind: 'ping', uuid: m.value.uuid };
    case 'clipboardData':
      return { kind: 'clipboard', data: m.value.data };
    default:
      return { kind: 'other', name: m.$case };
  }
}

/** Messages parsed but not yet taken above which the socket is paused. */
const QUEUE_HIGH_WATER = 256;

export class DesktopConn {
  private readonly queue: Received[] = [];
  private waiter?: { resolve: (r: Received | null) => void; reject: (e: Error) => void };
  private ended = false;
  private failure?: Error;

  constructor(
    readonly socket: tls.TLSSocket,
    readonly dialect: Dialect,
  ) {
    const legacy = new TdpParser();
    const modern = new TdpbParser({ permissive: true });
    socket.on('data', (chunk: Buffer) => {
      if (this.failure || this.ended) return;
      try {
        if (dialect === 'tdp') {
          for (const m of legacy.parse(chunk)) this.push({ msg: fromLegacy(m), encoded: () => serialize(m) });
        } else {
          for (const m of modern.parse(chunk)) this.push({ msg: fromTdpb(m), encoded: () => encodeTdpb(m) });
        }
      } catch (err) {
        this.fail(err as Error);
      }
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (err) => this.fail(err));
  }

  private push(r: Received): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(r);
      return;
    }
    this.queue.push(r);
    if (this.queue.length >= QUEUE_HIGH_WATER) this.socket.pause();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiter && this.queue.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(null);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  /** The next message; null when the client closed its side. Rejects on a protocol error. */
  next(): Promise<Received | null> {
    const r = this.queue.shift();
    if (r) {
      if (this.queue.length < QUEUE_HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(r);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  // ---- what the service sends ----

  alert(message: string): Buffer {
    const text = message.length > TdpLimits.alertText ? message.slice(0, TdpLimits.alertText) : message;
    return this.dialect === 'tdp'
      ? serialize({ kind: 'alert', message: text, severity: Severity.error })
      : encodeTdpb(tdpb('alert', { message: text, severity: AlertSeverity.ALERT_SEVERITY_ERROR }));
  }

  /**
   * Legacy ConnectionActivated (31) or TDPB ServerHello; `clipboard`: the session shares the
   * clipboard (legacy TDP has no such flag: a legacy client learns it from ClipboardData).
   */
  activated(
    a: { ioChannelId: number; userChannelId: number; width: number; height: number },
    clipboard = false,
  ): Buffer {
    const spec = {
      ioChannelId: a.ioChannelId,
      userChannelId: a.userChannelId,
      screenWidth: a.width,
      screenHeight: a.height,
    };
    if (this.dialect === 'tdp') return serialize({ kind: 'connectionActivated', ...spec });
    return encodeTdpb(
      tdpb('serverHello', {
        activationSpec: spec,
        // Directory sharing is not implemented; the clipboard as the roles allow.
        clipboardEnabled: clipboard,
        directoryRemoveSupported: false,
        sessions: [],
        hidpiSupported: false,
      }),
    );
  }

  fastPath(pdu: Buffer): Buffer {
    return this.dialect === 'tdp'
      ? serialize({ kind: 'rdpFastPathPdu', data: pdu })
      : encodeTdpb(tdpb('fastPathPdu', { pdu }));
  }

  /** Text copied on the desktop, as UTF-8 (legacy ClipboardData 6 / TDPB ClipboardData). */
  clipboard(data: Buffer): Buffer {
    return this.dialect === 'tdp'
      ? serialize({ kind: 'clipboardData', data })
      : encodeTdpb(tdpb('clipboardData', { data }));
  }

  ping(uuid: Buffer): Buffer {
    return this.dialect === 'tdp' ? serialize({ kind: 'ping', uuid }) : encodeTdpb(tdpb('ping', { uuid }));
  }

  /** Writes encoded bytes; false when the socket's buffer is full (wait for drained()). */
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    return this.socket.write(bytes);
  }

  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
