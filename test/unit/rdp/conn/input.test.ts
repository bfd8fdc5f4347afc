import { describe, expect, it } from 'vitest';
import {
  TS_SYNC_CAPS_LOCK,
  TS_SYNC_NUM_LOCK,
  decodeFastPathInput,
  encodeFastPathInput,
  encodeSlowPathInput,
  keyEvent,
  mouseButton,
  mouseMove,
  mouseWheel,
  syncEvent,
  unicodeEvent,
  type InputEvent,
} from '../../../../src/rdp/conn/input.js';
import { framesAtEverySplit, hx } from './hex.js';

/** One event in a fast-path input PDU: header (action 0, one event), length, the event bytes. */
const one = (e: InputEvent) => encodeFastPathInput([e]);

describe('fast-path input events (MS-RDPBCGR 2.2.8.1.2.2)', () => {
  const table: [string, InputEvent, Buffer][] = [
    ['A pressed', keyEvent(0x1e, true), hx`04 04  00 1e`],
    ['A released', keyEvent(0x1e, false), hx`04 04  01 1e`],
    ['up arrow (E0 48) pressed', keyEvent(0xe048, true), hx`04 04  02 48`],
    ['right Ctrl (E0 1D) released', keyEvent(0xe01d, false), hx`04 04  03 1d`],
    ['Pause prefix (E1 1D) pressed', keyEvent(0xe11d, true), hx`04 04  04 1d`],
    ['Unicode é pressed', unicodeEvent(0xe9, true), hx`04 05  80 e9 00`],
    ['Unicode € released', unicodeEvent(0x20ac, false), hx`04 05  81 ac 20`],
    ['move to (100, 200)', mouseMove(100, 200), hx`04 09  20 00 08 64 00 c8 00`],
    ['left button down', mouseButton('left', true, 1, 2), hx`04 09  20 00 90 01 00 02 00`],
    ['right button up', mouseButton('right', false, 1, 2), hx`04 09  20 00 20 01 00 02 00`],
    ['middle button down', mouseButton('middle', true, 1, 2), hx`04 09  20 00 c0 01 00 02 00`],
    ['X1 button down', mouseButton('x1', true, 3, 4), hx`04 09  40 01 80 03 00 04 00`],
    ['X2 button up', mouseButton('x2', false, 3, 4), hx`04 09  40 02 00 03 00 04 00`],
    ['wheel one notch away', mouseWheel(120, 0, 0), hx`04 09  20 78 02 00 00 00 00`],
    ['wheel one notch towards (9-bit negative)', mouseWheel(-120, 0, 0), hx`04 09  20 88 03 00 00 00 00`],
    ['horizontal wheel right', mouseWheel(120, 0, 0, true), hx`04 09  20 78 04 00 00 00 00`],
    ['NumLock and CapsLock on', syncEvent(TS_SYNC_NUM_LOCK | TS_SYNC_CAPS_LOCK), hx`04 03  66`],
  ];
  for (const [name, event, bytes] of table) {
    it(name, () => {
      expect(one(event)).toEqual(bytes);
      expect(decodeFastPathInput(bytes)).toEqual([event]);
    });
  }

  it('frames like fast-path output, at every split (a server reads them with the same framer)', () => {
    const pdus = table.map(([, , bytes]) => bytes);
    const frames = framesAtEverySplit(Buffer.concat(pdus));
    expect(frames.map((f) => f.raw)).toEqual(pdus);
  });

  it('clamps the wheel to the 9-bit field', () => {
    expect(mouseWheel(1000, 0, 0)).toEqual({ type: 'mouse', flags: 0x02ff, x: 0, y: 0 });
    expect(mouseWheel(-1000, 0, 0)).toEqual({ type: 'mouse', flags: 0x0301, x: 0, y: 0 });
  });

  it('rejects scan codes with an unknown prefix', () => {
    expect(() => keyEvent(0xe21c, true)).toThrow(/scan code 0xe21c/);
  });
});

describe('fast-path input PDU framing', () => {
  it('puts up to 15 events in the header, more in a numEvents byte', () => {
    const keys = Array.from({ length: 15 }, (_, i) => keyEvent(0x10 + i, true));
    expect(encodeFastPathInput(keys).subarray(0, 3)).toEqual(hx`3c 20 00`); // 15 << 2, length 32
    const more = [...keys, keyEvent(0x30, true)];
    const pdu = encodeFastPathInput(more);
    expect(pdu.subarray(0, 3)).toEqual(hx`00 23 10`); // numEvents 0 in the header, length 35, 16 events
    expect(decodeFastPathInput(pdu)).toEqual(more);
  });

  it('switches to a two-byte length above 127 bytes', () => {
    const fits = Array.from({ length: 41 }, () => unicodeEvent(0x41, true)); // 2 + 1 + 123 = 126
    expect(encodeFastPathInput(fits)[1]).toBe(126);
    const over = Array.from({ length: 42 }, () => unicodeEvent(0x41, true)); // 3 + 1 + 126 = 130
    const pdu = encodeFastPathInput(over);
    expect(pdu.subarray(0, 4)).toEqual(hx`00 80 82 2a`);
    expect(decodeFastPathInput(pdu)).toEqual(over);
    const moves = Array.from({ length: 60 }, (_, i) => mouseMove(i, i));
    expect(encodeFastPathInput(moves).subarray(0, 4)).toEqual(hx`00 81 a8 3c`); // 424 bytes
  });

  it('refuses empty and oversized batches, and malformed PDUs', () => {
    expect(() => encodeFastPathInput([])).toThrow(RangeError);
    expect(() => encodeFastPathInput(Array(256).fill(syncEvent(0)))).toThrow(RangeError);
    expect(() => decodeFastPathInput(hx`04 05 00 1e`)).toThrow(/length 5 for 4 bytes/);
    expect(() => decodeFastPathInput(hx`05 04 00 1e`)).toThrow(/action 1/);
    expect(() => decodeFastPathInput(hx`c4 04 00 1e`)).toThrow(/encrypted input/);
    expect(() => decodeFastPathInput(hx`04 04 a0 1e`)).toThrow(/event code 5/);
    expect(() => decodeFastPathInput(hx`08 04 00 1e`)).toThrow(/eventHeader truncated/);
  });
});

describe('slow-path input (TS_INPUT_PDU_DATA)', () => {
  it('encodes the events for servers without fast-path input', () => {
    const body = encodeSlowPathInput([
      keyEvent(0x1e, true),
      keyEvent(0xe048, false),
      unicodeEvent(0xe9, true),
      mouseMove(100, 200),
      mouseButton('x1', true, 1, 2),
      syncEvent(TS_SYNC_NUM_LOCK),
    ]);
    expect(body).toEqual(hx`
      06 00 00 00                                   # numEvents, pad
      00 00 00 00  04 00  00 40 1e 00 00 00         # scancode: KBDFLAGS_DOWN, A
      00 00 00 00  04 00  00 81 48 00 00 00         # scancode: RELEASE | EXTENDED, up arrow
      00 00 00 00  05 00  00 00 e9 00 00 00         # Unicode é
      00 00 00 00  01 80  00 08 64 00 c8 00         # mouse move
      00 00 00 00  02 80  01 80 01 00 02 00         # extended mouse: X1 down
      00 00 00 00  00 00  00 00 02 00 00 00         # sync: NumLock
    `);
  });
});
