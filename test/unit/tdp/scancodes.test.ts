import { describe, expect, it } from 'vitest';
import {
  comboKeyEvents,
  KEY_SCANCODES,
  KeyInputError,
  parseKeyCombo,
  textKeyEvents,
  type KeyEvent,
} from '../../../src/tdp/scancodes.js';

const down = (code: string, scancode: number): KeyEvent => ({ code, scancode, pressed: true });
const up = (code: string, scancode: number): KeyEvent => ({ code, scancode, pressed: false });

describe('KEY_SCANCODES', () => {
  // Spot checks from upstream's table (FreeRDP scancode.h values).
  it.each([
    ['Escape', [0x01]],
    ['Digit1', [0x02]],
    ['Digit0', [0x0b]],
    ['KeyQ', [0x10]],
    ['KeyP', [0x19]],
    ['Enter', [0x1c]],
    ['ControlLeft', [0x1d]],
    ['KeyA', [0x1e]],
    ['KeyL', [0x26]],
    ['ShiftLeft', [0x2a]],
    ['KeyZ', [0x2c]],
    ['KeyM', [0x32]],
    ['AltLeft', [0x38]],
    ['Space', [0x39]],
    ['F1', [0x3b]],
    ['F10', [0x44]],
    ['F11', [0x57]],
    ['F12', [0x58]],
    ['F13', [0x64]],
    ['F23', [0x6e]],
    ['F24', [0x76]],
    ['NumLock', [0x45]],
    ['Pause', [0x1d, 0x45]],
    ['NumpadEnter', [0xe01c]],
    ['ControlRight', [0xe01d]],
    ['AltRight', [0xe038]],
    ['ArrowUp', [0xe048]],
    ['ArrowLeft', [0xe04b]],
    ['ArrowRight', [0xe04d]],
    ['ArrowDown', [0xe050]],
    ['Home', [0xe047]],
    ['End', [0xe04f]],
    ['PageUp', [0xe049]],
    ['PageDown', [0xe051]],
    ['Insert', [0xe052]],
    ['Delete', [0xe053]],
    ['MetaLeft', [0xe05b]],
    ['MetaRight', [0xe05c]],
    ['ContextMenu', [0xe05d]],
    ['PrintScreen', [0xe037]],
    ['MediaSelect', [0xe06d]],
  ])('%s -> %o', (code, scancodes) => {
    expect(KEY_SCANCODES[code]).toEqual(scancodes);
  });

  it('has the full upstream table (153 codes) and no duplicate scancode except known aliases', () => {
    expect(Object.keys(KEY_SCANCODES)).toHaveLength(153);
    const byScancode = new Map<number, string[]>();
    for (const [code, scs] of Object.entries(KEY_SCANCODES)) {
      if (scs.length !== 1) continue;
      byScancode.set(scs[0]!, [...(byScancode.get(scs[0]!) ?? []), code]);
    }
    const shared = [...byScancode.values()].filter((c) => c.length > 1).map((c) => c.sort().join('='));
    expect(shared.sort()).toEqual([
      'AudioVolumeDown=VolumeDown',
      'AudioVolumeUp=VolumeUp',
      'Lang3=Lang4',
      'MetaLeft=OSLeft',
      'MetaRight=OSRight',
    ]);
  });
});

describe('parseKeyCombo', () => {
  it.each([
    ['Ctrl+Alt+T', ['ControlLeft', 'AltLeft', 'KeyT']],
    ['ctrl+alt+t', ['ControlLeft', 'AltLeft', 'KeyT']],
    ['Enter', ['Enter']],
    ['a', ['KeyA']],
    ['A', ['KeyA']],
    ['Shift+F10', ['ShiftLeft', 'F10']],
    ['T+Ctrl', ['ControlLeft', 'KeyT']],
    [' Ctrl + Shift + Esc ', ['ControlLeft', 'ShiftLeft', 'Escape']],
    ['Win+R', ['MetaLeft', 'KeyR']],
    ['AltGr+Q', ['AltRight', 'KeyQ']],
    ['Ctrl+Alt+Del', ['ControlLeft', 'AltLeft', 'Delete']],
    ['NumpadEnter', ['NumpadEnter']],
    ['numpadenter', ['NumpadEnter']],
    ['PgDn', ['PageDown']],
    ['Up', ['ArrowUp']],
    ['F24', ['F24']],
    ['Ctrl++', ['ControlLeft', 'ShiftLeft', 'Equal']],
    ['Ctrl+Plus', ['ControlLeft', 'ShiftLeft', 'Equal']],
    ['+', ['ShiftLeft', 'Equal']],
    ['Ctrl+-', ['ControlLeft', 'Minus']],
    ['Shift+1', ['ShiftLeft', 'Digit1']],
    ['Ctrl+!', ['ControlLeft', 'ShiftLeft', 'Digit1']],
    ['Shift+!', ['ShiftLeft', 'Digit1']],
    ['/', ['Slash']],
    ['?', ['ShiftLeft', 'Slash']],
  ])('%j -> %j', (combo, codes) => {
    expect(parseKeyCombo(combo)).toEqual(codes);
  });

  it.each([
    ['', /empty key combo/],
    ['Ctrl+', /empty key name/],
    ['Ctrl++Alt', /empty key name/],
    ['Ctrl+Hyper', /unknown key "Hyper" in "Ctrl\+Hyper"/],
    ['F25', /unknown key "F25"/],
    ['é', /unknown key "é"/],
  ])('%j is a KeyInputError', (combo, msg) => {
    expect(() => parseKeyCombo(combo)).toThrow(KeyInputError);
    expect(() => parseKeyCombo(combo)).toThrow(msg);
  });
});

describe('comboKeyEvents', () => {
  it('presses in order and releases in reverse', () => {
    expect(comboKeyEvents('Ctrl+Alt+T')).toEqual([
      down('ControlLeft', 0x1d),
      down('AltLeft', 0x38),
      down('KeyT', 0x14),
      up('KeyT', 0x14),
      up('AltLeft', 0x38),
      up('ControlLeft', 0x1d),
    ]);
  });

  it('sends both scancodes of Pause, as upstream does', () => {
    expect(comboKeyEvents('Pause')).toEqual([
      down('Pause', 0x1d),
      down('Pause', 0x45),
      up('Pause', 0x1d),
      up('Pause', 0x45),
    ]);
  });

  it('takes a list of codes too', () => {
    expect(comboKeyEvents(['ArrowDown'])).toEqual([down('ArrowDown', 0xe050), up('ArrowDown', 0xe050)]);
  });
});

describe('textKeyEvents (US layout)', () => {
  const tap = (code: string, sc: number) => [down(code, sc), up(code, sc)];
  const SHIFT_DOWN = down('ShiftLeft', 0x2a);
  const SHIFT_UP = up('ShiftLeft', 0x2a);

  it('types lower case without Shift', () => {
    expect(textKeyEvents('ab')).toEqual([...tap('KeyA', 0x1e), ...tap('KeyB', 0x30)]);
  });

  it('holds Shift across a run of shifted characters only', () => {
    expect(textKeyEvents('aB!c')).toEqual([
      ...tap('KeyA', 0x1e),
      SHIFT_DOWN,
      ...tap('KeyB', 0x30),
      ...tap('Digit1', 0x02),
      SHIFT_UP,
      ...tap('KeyC', 0x2e),
    ]);
  });

  it('releases Shift at the end', () => {
    expect(textKeyEvents('?')).toEqual([SHIFT_DOWN, ...tap('Slash', 0x35), SHIFT_UP]);
  });

  it('types newline, CRLF and tab as Enter and Tab', () => {
    expect(textKeyEvents('\r\n\t\n')).toEqual([
      ...tap('Enter', 0x1c),
      ...tap('Tab', 0x0f),
      ...tap('Enter', 0x1c),
    ]);
  });

  it('can type every printable ASCII character', () => {
    let all = '';
    for (let c = 0x20; c < 0x7f; c++) all += String.fromCharCode(c);
    const events = textKeyEvents(all);
    const taps = events.filter((e) => e.pressed && e.code !== 'ShiftLeft');
    expect(taps).toHaveLength(95);
  });

  it('types "echo $HOME > /tmp/x" with the right shifts', () => {
    const codes = textKeyEvents('echo $HOME > /tmp/x')
      .filter((e) => e.pressed)
      .map((e) => e.code);
    expect(codes.join(' ')).toBe(
      'KeyE KeyC KeyH KeyO Space ShiftLeft Digit4 KeyH KeyO KeyM KeyE Space ShiftLeft Period Space Slash KeyT KeyM KeyP Slash KeyX',
    );
  });

  it('names the first character the layout cannot type', () => {
    expect(() => textKeyEvents('naïve')).toThrow(KeyInputError);
    expect(() => textKeyEvents('naïve')).toThrow(
      'cannot type character U+00EF "ï" (position 3) with the US keyboard layout',
    );
    expect(() => textKeyEvents('a😀')).toThrow(/U\+1F600/);
  });
});
