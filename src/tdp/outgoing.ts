// Client → server messages in either dialect, built from one dialect-neutral description, so
// the session and the input script never branch on TDP vs TDPB themselves.
import { MouseButtonType, MouseWheelAxis } from '../gen/teleport/desktop/v1/tdpb.js';
import type { TdpMessage } from '../wire/tdp/messages.js';
import { serialize } from '../wire/tdp/serializer.js';
import { encodeTdpb, tdpb, type TdpbMessage } from '../wire/tdp/tdpb.js';

/** TDP: legacy binary protocol (ALPN ""); TDPB: protobuf envelopes (ALPN teleport-tdpb-1.0). */
export type Dialect = 'tdp' | 'tdpb';

export type Outgoing = { dialect: 'tdp'; message: TdpMessage } | { dialect: 'tdpb'; message: TdpbMessage };

export function encodeOutgoing(o: Outgoing): Buffer {
  return o.dialect === 'tdp' ? serialize(o.message) : encodeTdpb(o.message);
}

export type MouseButtonName = 'left' | 'middle' | 'right';

/** Input and other client messages, independent of the dialect. */
export type ClientInput =
  | { type: 'key'; scancode: number; pressed: boolean }
  | { type: 'mouseMove'; x: number; y: number }
  | { type: 'mouseButton'; button: MouseButtonName; pressed: boolean }
  /** delta: wheel units, vertical positive = up, horizontal positive = left. */
  | { type: 'wheel'; axis: 'vertical' | 'horizontal'; delta: number }
  | { type: 'syncKeys'; scrollLock: boolean; numLock: boolean; capsLock: boolean; kanaLock: boolean }
  | { type: 'screenSpec'; width: number; height: number; scale?: number }
  | { type: 'clipboard'; data: Buffer }
  | { type: 'rdpResponse'; pdu: Buffer };

const LEGACY_BUTTON: Record<MouseButtonName, number> = { left: 0, middle: 1, right: 2 };
const TDPB_BUTTON: Record<MouseButtonName, MouseButtonType> = {
  left: MouseButtonType.MOUSE_BUTTON_TYPE_LEFT,
  middle: MouseButtonType.MOUSE_BUTTON_TYPE_MIDDLE,
  right: MouseButtonType.MOUSE_BUTTON_TYPE_RIGHT,
};

export function buildInput(dialect: Dialect, input: ClientInput): Outgoing {
  return dialect === 'tdp'
    ? { dialect, message: legacyInput(input) }
    : { dialect, message: tdpbInput(input) };
}

function legacyInput(i: ClientInput): TdpMessage {
  switch (i.type) {
    case 'key':
      return { kind: 'keyboardButton', keyCode: i.scancode, pressed: i.pressed };
    case 'mouseMove':
      return { kind: 'mouseMove', x: i.x, y: i.y };
    case 'mouseButton':
      return { kind: 'mouseButton', button: LEGACY_BUTTON[i.button], pressed: i.pressed };
    case 'wheel':
      return { kind: 'mouseWheel', axis: i.axis === 'vertical' ? 0 : 1, delta: i.delta };
    case 'syncKeys':
      return {
        kind: 'syncKeys',
        scrollLock: i.scrollLock,
        numLock: i.numLock,
        capsLock: i.capsLock,
        kanaLock: i.kanaLock,
      };
    case 'screenSpec':
      // Legacy TDP has no scale: the size is taken as physical pixels.
      return { kind: 'clientScreenSpec', width: i.width, height: i.height };
    case 'clipboard':
      return { kind: 'clipboardData', data: i.data };
    case 'rdpResponse':
      return { kind: 'rdpResponsePdu', data: i.pdu };
  }
}

function tdpbInput(i: ClientInput): TdpbMessage {
  switch (i.type) {
    case 'key':
      return tdpb('keyboardButton', { keyCode: i.scancode, pressed: i.pressed });
    case 'mouseMove':
      return tdpb('mouseMove', { x: i.x, y: i.y });
    case 'mouseButton':
      return tdpb('mouseButton', { button: TDPB_BUTTON[i.button], pressed: i.pressed });
    case 'wheel':
      return tdpb('mouseWheel', {
        axis:
          i.axis === 'vertical'
            ? MouseWheelAxis.MOUSE_WHEEL_AXIS_VERTICAL
            : MouseWheelAxis.MOUSE_WHEEL_AXIS_HORIZONTAL,
        delta: i.delta,
      });
    case 'syncKeys':
      return tdpb('syncKeys', {
        scrollLockPressed: i.scrollLock,
        numLockState: i.numLock,
        capsLockState: i.capsLock,
        kanaLockState: i.kanaLock,
      });
    case 'screenSpec':
      return tdpb('clientScreenSpec', { width: i.width, height: i.height, scale: i.scale ?? 0 });
    case 'clipboard':
      return tdpb('clipboardData', { data: i.data });
    case 'rdpResponse':
      return tdpb('rdpResponsePdu', { response: i.pdu });
  }
}
