// Keyboard input for desktop sessions: browser KeyboardEvent.code -> PC/AT set-1 scancodes
// (0xE0xx = extended key), the same table upstream's web client uses (its source of truth is
// FreeRDP's scancode.h); a parser for key combos such as "Ctrl+Alt+T"; and text -> key events
// for the US layout.
import { TshError } from '../util/errors.js';

/** A key name, combo or character that cannot be turned into key events. */
export class KeyInputError extends TshError {
  constructor(message: string) {
    super(message, 'bad-parameter');
    this.name = 'KeyInputError';
  }
}

function range(prefix: string, names: string, first: number): [string, number[]][] {
  return [...names].map((n, i) => [prefix + n, [first + i]]);
}
function numbered(prefix: string, from: number, to: number, first: number): [string, number[]][] {
  return Array.from({ length: to - from + 1 }, (_, i) => [`${prefix}${from + i}`, [first + i]]);
}

/** KeyboardEvent.code -> scancodes sent for it, in order (only Pause needs two). */
export const KEY_SCANCODES: Readonly<Record<string, readonly number[]>> = Object.freeze(
  Object.fromEntries<number[]>([
    ['Escape', [0x01]],
    ...numbered('Digit', 1, 9, 0x02),
    ['Digit0', [0x0b]],
    ['Minus', [0x0c]],
    ['Equal', [0x0d]],
    ['Backspace', [0x0e]],
    ['Tab', [0x0f]],
    ...range('Key', 'QWERTYUIOP', 0x10),
    ['BracketLeft', [0x1a]],
    ['BracketRight', [0x1b]],
    ['Enter', [0x1c]],
    ['ControlLeft', [0x1d]],
    ...range('Key', 'ASDFGHJKL', 0x1e),
    ['Semicolon', [0x27]],
    ['Quote', [0x28]],
    ['Backquote', [0x29]],
    ['ShiftLeft', [0x2a]],
    ['Backslash', [0x2b]],
    ...range('Key', 'ZXCVBNM', 0x2c),
    ['Comma', [0x33]],
    ['Period', [0x34]],
    ['Slash', [0x35]],
    ['ShiftRight', [0x36]],
    ['NumpadMultiply', [0x37]],
    ['AltLeft', [0x38]],
    ['Space', [0x39]],
    ['CapsLock', [0x3a]],
    ...numbered('F', 1, 10, 0x3b),
    // Pause has no scancode of its own: it is sent as Ctrl + NumLock.
    ['Pause', [0x1d, 0x45]],
    ['NumLock', [0x45]],
    ['ScrollLock', [0x46]],
    ['Numpad7', [0x47]],
    ['Numpad8', [0x48]],
    ['Numpad9', [0x49]],
    ['NumpadSubtract', [0x4a]],
    ['Numpad4', [0x4b]],
    ['Numpad5', [0x4c]],
    ['Numpad6', [0x4d]],
    ['NumpadAdd', [0x4e]],
    ['Numpad1', [0x4f]],
    ['Numpad2', [0x50]],
    ['Numpad3', [0x51]],
    ['Numpad0', [0x52]],
    ['NumpadDecimal', [0x53]],
    ['IntlBackslash', [0x56]],
    ['F11', [0x57]],
    ['F12', [0x58]],
    ['NumpadEqual', [0x59]],
    ...numbered('F', 13, 23, 0x64),
    ['KanaMode', [0x70]],
    ['IntlRo', [0x73]],
    ['F24', [0x76]],
    ['Lang4', [0x77]],
    ['Lang3', [0x77]],
    ['Convert', [0x79]],
    ['NonConvert', [0x7b]],
    ['IntlYen', [0x7d]],
    ['NumpadComma', [0x7e]],
    ['Undo', [0xe008]],
    ['Paste', [0xe00a]],
    ['MediaTrackPrevious', [0xe010]],
    ['Cut', [0xe017]],
    ['Copy', [0xe018]],
    ['MediaTrackNext', [0xe019]],
    ['NumpadEnter', [0xe01c]],
    ['ControlRight', [0xe01d]],
    ['AudioVolumeMute', [0xe020]],
    ['LaunchApp2', [0xe021]],
    ['MediaPlayPause', [0xe022]],
    ['MediaStop', [0xe024]],
    ['AudioVolumeDown', [0xe02e]],
    ['VolumeDown', [0xe02e]],
    ['AudioVolumeUp', [0xe030]],
    ['VolumeUp', [0xe030]],
    ['BrowserHome', [0xe032]],
    ['NumpadDivide', [0xe035]],
    ['PrintScreen', [0xe037]],
    ['AltRight', [0xe038]],
    ['Home', [0xe047]],
    ['ArrowUp', [0xe048]],
    ['PageUp', [0xe049]],
    ['ArrowLeft', [0xe04b]],
    ['ArrowRight', [0xe04d]],
    ['End', [0xe04f]],
    ['ArrowDown', [0xe050]],
    ['PageDown', [0xe051]],
    ['Insert', [0xe052]],
    ['Delete', [0xe053]],
    ['MetaLeft', [0xe05b]],
    ['OSLeft', [0xe05b]],
    ['MetaRight', [0xe05c]],
    ['OSRight', [0xe05c]],
    ['ContextMenu', [0xe05d]],
    ['Power', [0xe05e]],
    ['BrowserSearch', [0xe065]],
    ['BrowserFavorites', [0xe066]],
    ['BrowserRefresh', [0xe067]],
    ['BrowserStop', [0xe068]],
    ['BrowserForward', [0xe069]],
    ['BrowserBack', [0xe06a]],
    ['LaunchApp1', [0xe06b]],
    ['LaunchMail', [0xe06c]],
    ['MediaSelect', [0xe06d]],
  ]),
);

/** One key transition, as sent in a KeyboardButton message. */
export interface KeyEvent {
  code: string;
  scancode: number;
  pressed: boolean;
}

// US layout: character -> [code, needs Shift].
const US_CHARS = new Map<string, [string, boolean]>();
for (let c = 0; c < 26; c++) {
  const lower = String.fromCharCode(0x61 + c);
  US_CHARS.set(lower, [`Key${lower.toUpperCase()}`, false]);
  US_CHARS.set(lower.toUpperCase(), [`Key${lower.toUpperCase()}`, true]);
}
for (const [code, plain, shifted] of [
  ['Digit1', '1', '!'],
  ['Digit2', '2', '@'],
  ['Digit3', '3', '#'],
  ['Digit4', '4', '$'],
  ['Digit5', '5', '%'],
  ['Digit6', '6', '^'],
  ['Digit7', '7', '&'],
  ['Digit8', '8', '*'],
  ['Digit9', '9', '('],
  ['Digit0', '0', ')'],
  ['Backquote', '`', '~'],
  ['Minus', '-', '_'],
  ['Equal', '=', '+'],
  ['BracketLeft', '[', '{'],
  ['BracketRight', ']', '}'],
  ['Backslash', '\\', '|'],
  ['Semicolon', ';', ':'],
  ['Quote', "'", '"'],
  ['Comma', ',', '<'],
  ['Period', '.', '>'],
  ['Slash', '/', '?'],
] as const) {
  US_CHARS.set(plain, [code, false]);
  US_CHARS.set(shifted, [code, true]);
}
US_CHARS.set(' ', ['Space', false]);
US_CHARS.set('\n', ['Enter', false]);
US_CHARS.set('\r', ['Enter', false]);
US_CHARS.set('\t', ['Tab', false]);

/** Friendly key names (lower case) -> code; exact KeyboardEvent.code names are accepted too. */
const KEY_NAMES: Record<string, string> = {
  ctrl: 'ControlLeft',
  control: 'ControlLeft',
  lctrl: 'ControlLeft',
  rctrl: 'ControlRight',
  alt: 'AltLeft',
  lalt: 'AltLeft',
  ralt: 'AltRight',
  altgr: 'AltRight',
  shift: 'ShiftLeft',
  lshift: 'ShiftLeft',
  rshift: 'ShiftRight',
  win: 'MetaLeft',
  windows: 'MetaLeft',
  meta: 'MetaLeft',
  super: 'MetaLeft',
  cmd: 'MetaLeft',
  lwin: 'MetaLeft',
  rwin: 'MetaRight',
  enter: 'Enter',
  return: 'Enter',
  esc: 'Escape',
  escape: 'Escape',
  tab: 'Tab',
  space: 'Space',
  spacebar: 'Space',
  backspace: 'Backspace',
  bksp: 'Backspace',
  delete: 'Delete',
  del: 'Delete',
  insert: 'Insert',
  ins: 'Insert',
  home: 'Home',
  end: 'End',
  pageup: 'PageUp',
  pgup: 'PageUp',
  pagedown: 'PageDown',
  pgdn: 'PageDown',
  up: 'ArrowUp',
  down: 'ArrowDown',
  left: 'ArrowLeft',
  right: 'ArrowRight',
  capslock: 'CapsLock',
  caps: 'CapsLock',
  numlock: 'NumLock',
  scrolllock: 'ScrollLock',
  printscreen: 'PrintScreen',
  prtsc: 'PrintScreen',
  print: 'PrintScreen',
  pause: 'Pause',
  break: 'Pause',
  menu: 'ContextMenu',
  apps: 'ContextMenu',
  plus: 'Equal', // with Shift: see SHIFTED_NAMES
  minus: 'Minus',
};
/** Names that stand for a shifted character. */
const SHIFTED_NAMES = new Set(['plus']);
const MODIFIERS = new Set([
  'ControlLeft',
  'ControlRight',
  'AltLeft',
  'AltRight',
  'ShiftLeft',
  'ShiftRight',
  'MetaLeft',
  'MetaRight',
]);

const LOWER_CODES = new Map(Object.keys(KEY_SCANCODES).map((c) => [c.toLowerCase(), c]));

/** The codes one combo token stands for (a shifted character adds ShiftLeft). */
function tokenCodes(token: string, combo: string): string[] {
  if (KEY_SCANCODES[token]) return [token];
  const lower = token.toLowerCase();
  const named = KEY_NAMES[lower];
  if (named) return SHIFTED_NAMES.has(lower) ? ['ShiftLeft', named] : [named];
  const fkey = /^f([1-9]|1\d|2[0-4])$/.exec(lower);
  if (fkey) return [`F${fkey[1]}`];
  const exact = LOWER_CODES.get(lower);
  if (exact) return [exact];
  if ([...token].length === 1) {
    const ch = US_CHARS.get(token);
    if (ch) {
      // Letters name their key whatever the case ("Ctrl+Alt+T"); symbols imply Shift.
      const letter = /^[a-z]$/i.test(token);
      return ch[1] && !letter ? ['ShiftLeft', ch[0]] : [ch[0]];
    }
  }
  throw new KeyInputError(`unknown key ${JSON.stringify(token)} in ${JSON.stringify(combo)}`);
}

/**
 * Parses a key combo ("Ctrl+Alt+T", "Enter", "a", "Shift+F10", "Ctrl++") into the codes to press
 * in order. Names are case-insensitive; exact KeyboardEvent.code names also work.
 */
export function parseKeyCombo(combo: string): string[] {
  const text = combo.trim();
  if (text === '') throw new KeyInputError('empty key combo');
  let parts: string[];
  if (text === '+') parts = ['+'];
  else if (text.endsWith('++')) parts = [...text.slice(0, -2).split('+'), '+'];
  else parts = text.split('+');
  const codes: string[] = [];
  for (const raw of parts) {
    const token = raw.trim();
    if (token === '') throw new KeyInputError(`empty key name in ${JSON.stringify(combo)}`);
    for (const code of tokenCodes(token, combo)) if (!codes.includes(code)) codes.push(code);
  }
  // Modifiers go down first whatever order they were written in.
  return [...codes.filter((c) => MODIFIERS.has(c)), ...codes.filter((c) => !MODIFIERS.has(c))];
}

function keyEvents(code: string, pressed: boolean): KeyEvent[] {
  const scancodes = KEY_SCANCODES[code];
  if (!scancodes) throw new KeyInputError(`unknown key code ${JSON.stringify(code)}`);
  return scancodes.map((scancode) => ({ code, scancode, pressed }));
}

/** Press every key of a combo in order, then release them in reverse order. */
export function comboKeyEvents(combo: string | string[]): KeyEvent[] {
  const codes = typeof combo === 'string' ? parseKeyCombo(combo) : combo;
  return [
    ...codes.flatMap((c) => keyEvents(c, true)),
    ...[...codes].reverse().flatMap((c) => keyEvents(c, false)),
  ];
}

/**
 * Key events that type `text` on a US layout. Runs of characters needing Shift are typed with
 * ShiftLeft held; "\r\n" is one Enter. Throws KeyInputError naming the first character the
 * layout cannot type.
 */
export function textKeyEvents(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  let shift = false;
  const chars = [...text.replace(/\r\n/g, '\n')];
  for (const [i, ch] of chars.entries()) {
    const key = US_CHARS.get(ch);
    if (!key) {
      const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new KeyInputError(
        `cannot type character U+${cp} ${JSON.stringify(ch)} (position ${i + 1}) with the US keyboard layout`,
      );
    }
    const [code, shifted] = key;
    if (shifted !== shift) {
      out.push(...keyEvents('ShiftLeft', shifted));
      shift = shifted;
    }
    out.push(...keyEvents(code, true), ...keyEvents(code, false));
  }
  if (shift) out.push(...keyEvents('ShiftLeft', false));
  return out;
}
