// Client input: the fast-path input PDU (MS-RDPBCGR 2.2.8.1.2) and, for servers that do not
// allow fast-path input, the slow-path TS_INPUT_PDU_DATA body (2.2.8.1.1.3). Keyboard by scan
// code (with the extended / extended1 prefixes), Unicode code units, mouse, extended mouse
// buttons, wheel, and lock-key synchronization.
import { Reader, Writer, hex } from './bytes.js';
import { malformed } from './errors.js';

export type InputEvent =
  | { type: 'scancode'; code: number; release: boolean; extended: boolean; extended1: boolean }
  | { type: 'unicode'; code: number; release: boolean }
  /** `flags` are PTRFLAGS_*: move, buttons 1–3 with DOWN, wheel. */
  | { type: 'mouse'; flags: number; x: number; y: number }
  /** `flags` are PTRXFLAGS_*: the X1/X2 buttons. */
  | { type: 'mousex'; flags: number; x: number; y: number }
  /** `flags` are the TS_SYNC_* lock-key states. */
  | { type: 'sync'; flags: number };

// Pointer flags (TS_POINTER_EVENT).
export const PTRFLAGS_HWHEEL = 0x0400;
export const PTRFLAGS_WHEEL = 0x0200;
export const PTRFLAGS_WHEEL_NEGATIVE = 0x0100;
export const WHEEL_ROTATION_MASK = 0x01ff;
export const PTRFLAGS_MOVE = 0x0800;
export const PTRFLAGS_DOWN = 0x8000;
export const PTRFLAGS_BUTTON1 = 0x1000; // left
export const PTRFLAGS_BUTTON2 = 0x2000; // right
export const PTRFLAGS_BUTTON3 = 0x4000; // middle
export const PTRXFLAGS_DOWN = 0x8000;
export const PTRXFLAGS_BUTTON1 = 0x0001;
export const PTRXFLAGS_BUTTON2 = 0x0002;

// Toggle flags (TS_SYNC_EVENT).
export const TS_SYNC_SCROLL_LOCK = 0x01;
export const TS_SYNC_NUM_LOCK = 0x02;
export const TS_SYNC_CAPS_LOCK = 0x04;
export const TS_SYNC_KANA_LOCK = 0x08;

export type MouseButton = 'left' | 'right' | 'middle' | 'x1' | 'x2';

/**
 * A key press or release. `scancode` is a set-1 make code; 0xE0xx and 0xE1xx name keys sent
 * with the extended / extended1 prefix (e.g. 0xE01C numpad Enter, 0xE048 up arrow).
 */
export function keyEvent(scancode: number, down: boolean): InputEvent {
  const prefix = scancode >> 8;
  if (prefix !== 0 && prefix !== 0xe0 && prefix !== 0xe1)
    throw new RangeError(`scan code ${hex(scancode, 4)}`);
  return {
    type: 'scancode',
    code: scancode & 0xff,
    release: !down,
    extended: prefix === 0xe0,
    extended1: prefix === 0xe1,
  };
}

/** A UTF-16 code unit typed as itself (no keyboard layout involved). */
export function unicodeEvent(codeUnit: number, down: boolean): InputEvent {
  return { type: 'unicode', code: codeUnit & 0xffff, release: !down };
}

export function mouseMove(x: number, y: number): InputEvent {
  return { type: 'mouse', flags: PTRFLAGS_MOVE, x, y };
}

export function mouseButton(button: MouseButton, down: boolean, x: number, y: number): InputEvent {
  if (button === 'x1' || button === 'x2') {
    const flags = (button === 'x1' ? PTRXFLAGS_BUTTON1 : PTRXFLAGS_BUTTON2) | (down ? PTRXFLAGS_DOWN : 0);
    return { type: 'mousex', flags, x, y };
  }
  const bit = { left: PTRFLAGS_BUTTON1, right: PTRFLAGS_BUTTON2, middle: PTRFLAGS_BUTTON3 }[button];
  return { type: 'mouse', flags: bit | (down ? PTRFLAGS_DOWN : 0), x, y };
}

/**
 * A wheel turn of `delta` units (120 = one notch; positive: away from the user / to the right),
 * clamped to the 9-bit two's-complement field.
 */
export function mouseWheel(delta: number, x: number, y: number, horizontal = false): InputEvent {
  const d = Math.max(-255, Math.min(255, Math.trunc(delta)));
  const flags = (horizontal ? PTRFLAGS_HWHEEL : PTRFLAGS_WHEEL) | (d & WHEEL_ROTATION_MASK);
  return { type: 'mouse', flags, x, y };
}

export function syncEvent(flags: number): InputEvent {
  return { type: 'sync', flags };
}

// ---------------- fast-path ----------------

const FASTPATH_INPUT_EVENT_SCANCODE = 0x0;
const FASTPATH_INPUT_EVENT_MOUSE = 0x1;
const FASTPATH_INPUT_EVENT_MOUSEX = 0x2;
const FASTPATH_INPUT_EVENT_SYNC = 0x3;
const FASTPATH_INPUT_EVENT_UNICODE = 0x4;
const FASTPATH_INPUT_KBDFLAGS_RELEASE = 0x01;
const FASTPATH_INPUT_KBDFLAGS_EXTENDED = 0x02;
const FASTPATH_INPUT_KBDFLAGS_EXTENDED1 = 0x04;
/** The largest length the 15-bit length field holds. */
const MAX_FASTPATH_LENGTH = 0x7fff;

function encodeFastPathEvent(w: Writer, e: InputEvent): void {
  const header = (code: number, flags: number) => w.u8((code << 5) | (flags & 0x1f));
  switch (e.type) {
    case 'scancode':
      header(
        FASTPATH_INPUT_EVENT_SCANCODE,
        (e.release ? FASTPATH_INPUT_KBDFLAGS_RELEASE : 0) |
          (e.extended ? FASTPATH_INPUT_KBDFLAGS_EXTENDED : 0) |
          (e.extended1 ? FASTPATH_INPUT_KBDFLAGS_EXTENDED1 : 0),
      );
      w.u8(e.code);
      return;
    case 'unicode':
      header(FASTPATH_INPUT_EVENT_UNICODE, e.release ? FASTPATH_INPUT_KBDFLAGS_RELEASE : 0);
      w.u16(e.code);
      return;
    case 'mouse':
    case 'mousex':
      header(e.type === 'mouse' ? FASTPATH_INPUT_EVENT_MOUSE : FASTPATH_INPUT_EVENT_MOUSEX, 0);
      w.u16(e.flags).u16(e.x).u16(e.y);
      return;
    case 'sync':
      header(FASTPATH_INPUT_EVENT_SYNC, e.flags);
      return;
  }
}

/** One fast-path input PDU carrying `events` (1 to 255 of them). */
export function encodeFastPathInput(events: InputEvent[]): Buffer {
  if (events.length < 1 || events.length > 255) throw new RangeError(`${events.length} input events`);
  const body = new Writer();
  // numEvents fits the header's 4 bits up to 15; beyond that it follows the length.
  if (events.length > 15) body.u8(events.length);
  for (const e of events) encodeFastPathEvent(body, e);
  const b = body.toBuffer();
  const headerByte = (events.length > 15 ? 0 : events.length) << 2; // action FASTPATH_INPUT_ACTION_FASTPATH
  const short = 2 + b.length;
  if (short <= 0x7f) return Buffer.concat([Buffer.from([headerByte, short]), b]);
  const long = 3 + b.length;
  if (long > MAX_FASTPATH_LENGTH) throw new RangeError(`fast-path input PDU of ${long} bytes`);
  return Buffer.concat([Buffer.from([headerByte, 0x80 | (long >> 8), long & 0xff]), b]);
}

/** Parses a fast-path input PDU: the server side, for tests and peers. */
export function decodeFastPathInput(buf: Buffer): InputEvent[] {
  const what = 'fast-path input PDU';
  const r = new Reader(buf, what);
  const header = r.u8('fpInputHeader');
  if ((header & 3) !== 0) throw malformed(what, `action ${header & 3}`);
  if (header >> 6) throw malformed(what, 'encrypted input (standard RDP security is not supported)');
  const len1 = r.u8('length');
  const length = len1 & 0x80 ? ((len1 & 0x7f) << 8) | r.u8('length') : len1;
  if (length !== buf.length) throw malformed(what, `length ${length} for ${buf.length} bytes`);
  let n = (header >> 2) & 0xf;
  if (n === 0) n = r.u8('numEvents');
  const out: InputEvent[] = [];
  for (let i = 0; i < n; i++) {
    const eh = r.u8('eventHeader');
    const flags = eh & 0x1f;
    switch (eh >> 5) {
      case FASTPATH_INPUT_EVENT_SCANCODE:
        out.push({
          type: 'scancode',
          code: r.u8('keyCode'),
          release: (flags & FASTPATH_INPUT_KBDFLAGS_RELEASE) !== 0,
          extended: (flags & FASTPATH_INPUT_KBDFLAGS_EXTENDED) !== 0,
          extended1: (flags & FASTPATH_INPUT_KBDFLAGS_EXTENDED1) !== 0,
        });
        break;
      case FASTPATH_INPUT_EVENT_UNICODE:
        out.push({ type: 'unicode', code: r.u16('unicodeCode'), release: (flags & 1) !== 0 });
        break;
      case FASTPATH_INPUT_EVENT_MOUSE:
      case FASTPATH_INPUT_EVENT_MOUSEX: {
        const type = eh >> 5 === FASTPATH_INPUT_EVENT_MOUSE ? 'mouse' : 'mousex';
        out.push({ type, flags: r.u16('pointerFlags'), x: r.u16('xPos'), y: r.u16('yPos') });
        break;
      }
      case FASTPATH_INPUT_EVENT_SYNC:
        out.push({ type: 'sync', flags });
        break;
      default:
        throw malformed(what, `event code ${eh >> 5}`);
    }
  }
  r.done('input events');
  return out;
}

// ---------------- slow-path ----------------

const INPUT_EVENT_SYNC = 0x0000;
const INPUT_EVENT_SCANCODE = 0x0004;
const INPUT_EVENT_UNICODE = 0x0005;
const INPUT_EVENT_MOUSE = 0x8001;
const INPUT_EVENT_MOUSEX = 0x8002;
const KBDFLAGS_EXTENDED = 0x0100;
const KBDFLAGS_EXTENDED1 = 0x0200;
const KBDFLAGS_DOWN = 0x4000;
const KBDFLAGS_RELEASE = 0x8000;

/** The TS_INPUT_PDU_DATA body of a slow-path Input PDU (share data type PDUTYPE2_INPUT). */
export function encodeSlowPathInput(events: InputEvent[]): Buffer {
  const w = new Writer().u16(events.length).u16(0);
  for (const e of events) {
    w.u32(0); // eventTime: ignored by servers
    switch (e.type) {
      case 'scancode':
        w.u16(INPUT_EVENT_SCANCODE)
          .u16(
            (e.release ? KBDFLAGS_RELEASE : KBDFLAGS_DOWN) |
              (e.extended ? KBDFLAGS_EXTENDED : 0) |
              (e.extended1 ? KBDFLAGS_EXTENDED1 : 0),
          )
          .u16(e.code)
          .u16(0);
        break;
      case 'unicode':
        w.u16(INPUT_EVENT_UNICODE)
          .u16(e.release ? KBDFLAGS_RELEASE : 0)
          .u16(e.code)
          .u16(0);
        break;
      case 'mouse':
      case 'mousex':
        w.u16(e.type === 'mouse' ? INPUT_EVENT_MOUSE : INPUT_EVENT_MOUSEX)
          .u16(e.flags)
          .u16(e.x)
          .u16(e.y);
        break;
      case 'sync':
        w.u16(INPUT_EVENT_SYNC).u16(0).u32(e.flags);
        break;
    }
  }
  return w.toBuffer();
}
