// Client input → RDP fast-path input events (MS-RDPBCGR 2.2.8.1.2): mouse moves and buttons at
// the last pointer position, wheel turns (TDP's horizontal sign is the opposite of RDP's, as
// upstream's service flips it), set-1 scan codes (0xE0xx: extended), lock-key sync.
import {
  keyEvent,
  mouseButton,
  mouseMove,
  mouseWheel,
  syncEvent,
  type InputEvent,
} from '../../rdp/conn/index.js';
import type { ClientMessage } from './conn.js';

const TS_SYNC_SCROLL_LOCK = 0x01;
const TS_SYNC_NUM_LOCK = 0x02;
const TS_SYNC_CAPS_LOCK = 0x04;
const TS_SYNC_KANA_LOCK = 0x08;

export class InputTranslator {
  private x = 0;
  private y = 0;

  /** The RDP events for one client message (empty for messages that are not input). */
  translate(m: ClientMessage): InputEvent[] {
    switch (m.kind) {
      case 'mouseMove':
        // Upstream truncates the 32-bit TDP coordinates to RDP's 16 bits.
        this.x = m.x & 0xffff;
        this.y = m.y & 0xffff;
        return [mouseMove(this.x, this.y)];
      case 'mouseButton':
        return m.button ? [mouseButton(m.button, m.pressed, this.x, this.y)] : [];
      case 'wheel':
        return [mouseWheel(m.horizontal ? -m.delta : m.delta, this.x, this.y, m.horizontal)];
      case 'keyboard':
        try {
          return [keyEvent(m.keyCode & 0xffff, m.pressed)];
        } catch {
          return []; // not a set-1 scan code: nothing to send
        }
      case 'syncKeys':
        return [
          syncEvent(
            (m.scrollLock ? TS_SYNC_SCROLL_LOCK : 0) |
              (m.numLock ? TS_SYNC_NUM_LOCK : 0) |
              (m.capsLock ? TS_SYNC_CAPS_LOCK : 0) |
              (m.kanaLock ? TS_SYNC_KANA_LOCK : 0),
          ),
        ];
      default:
        return [];
    }
  }
}
