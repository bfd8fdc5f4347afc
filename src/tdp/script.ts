// The line language of `tshjs desktop run`: one command a line, parsed (and every key name and
// text checked against the keyboard tables) before anything is sent, so a typo fails at once
// with its line number instead of halfway through a session.
//
//   # comment                      blank lines and lines starting with # are skipped
//   type TEXT                      the rest of the line, as is; or a JSON string: type "ls -l\n"
//   key COMBO                      Ctrl+Alt+T, Enter, Shift+F10, Win+R, Ctrl++
//   click X Y [left|right|middle]  move there, press and release (default left)
//   move X Y
//   scroll N                       N wheel notches: positive down, negative up
//   wait DURATION                  500, 500ms, 2s, 1.5s (a bare number is milliseconds)
//   wait-change [TIMEOUT]          until the screen changes (default 10s); an error on timeout
//   wait-settle [QUIET [TIMEOUT]]  until the screen is still for QUIET (500ms), at most TIMEOUT (10s)
//   screenshot FILE                the screen as a PNG
//   clipboard-set TEXT             puts TEXT (as `type` reads it) on the desktop's clipboard
//   clipboard-get [TIMEOUT]        the desktop's clipboard text (waits up to TIMEOUT, 5s, for one)
import { TshError } from '../util/errors.js';
import type { MouseButtonName } from './outgoing.js';
import { comboKeyEvents, KeyInputError, textKeyEvents, type KeyEvent } from './scancodes.js';

export type ScriptStep =
  | { op: 'type'; text: string; keys: KeyEvent[] }
  | { op: 'key'; combo: string; keys: KeyEvent[] }
  | { op: 'click'; x: number; y: number; button: MouseButtonName }
  | { op: 'move'; x: number; y: number }
  | { op: 'scroll'; notches: number }
  | { op: 'wait'; ms: number }
  | { op: 'wait-change'; timeoutMs: number }
  | { op: 'wait-settle'; quietMs: number; timeoutMs: number }
  | { op: 'screenshot'; file: string }
  | { op: 'clipboard-set'; text: string }
  | { op: 'clipboard-get'; timeoutMs: number };

/** A step with the line it came from (1-based) and that line's text. */
export type ScriptLine = ScriptStep & { line: number; source: string };

export const DEFAULT_WAIT_CHANGE_MS = 10_000;
export const DEFAULT_SETTLE_QUIET_MS = 500;
export const DEFAULT_SETTLE_TIMEOUT_MS = 10_000;
export const DEFAULT_CLIPBOARD_GET_MS = 5_000;
/** Longest wait a script may ask for: an hour. */
export const MAX_WAIT_MS = 3_600_000;
/** Largest coordinate any RDP screen can have (TS_UD_CS_CORE desktop sizes stop at 8192). */
const MAX_COORD = 8192;
/** A wheel this many notches at once is a typo. */
const MAX_NOTCHES = 1000;

/** A script that cannot run, with the line at fault. */
export class ScriptError extends TshError {
  constructor(
    readonly line: number,
    message: string,
    readonly file = 'script',
  ) {
    super(`${file}:${line}: ${message}`, 'bad-parameter');
    this.name = 'ScriptError';
  }
}

const COMMANDS = [
  'type',
  'key',
  'click',
  'move',
  'scroll',
  'wait',
  'wait-change',
  'wait-settle',
  'screenshot',
  'clipboard-set',
  'clipboard-get',
];
const BUTTONS: readonly MouseButtonName[] = ['left', 'right', 'middle'];

/** A duration: a bare number of milliseconds, or a number with ms / s / m. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`${what} ${JSON.stringify(text)} is not a duration (e.g. 500, 500ms, 2s)`);
  const unit = m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1;
  const ms = Math.round(Number(m[1]) * unit);
  if (ms > MAX_WAIT_MS) throw new Error(`${what} ${text} is longer than an hour`);
  return ms;
}

function coord(text: string | undefined, axis: string): number {
  if (text === undefined) throw new Error(`missing ${axis} coordinate`);
  if (!/^\d+$/.test(text))
    throw new Error(`${axis} coordinate ${JSON.stringify(text)} is not a whole number >= 0`);
  const v = Number(text);
  if (v >= MAX_COORD) throw new Error(`${axis} coordinate ${text} is off any screen`);
  return v;
}

function noMore(words: string[], from: number, usage: string): void {
  if (words.length > from) throw new Error(`unexpected ${JSON.stringify(words[from])}; usage: ${usage}`);
}

/** The text of a type command: a JSON string when quoted, else the rest of the line as is. */
function typeText(rest: string): string {
  if (!rest.startsWith('"')) return rest;
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    throw new Error('bad quoted text (a JSON string, e.g. "echo hi\\n")');
  }
  if (typeof v !== 'string') throw new Error('bad quoted text (a JSON string, e.g. "echo hi\\n")');
  return v;
}

function keyError(e: unknown): Error {
  return e instanceof KeyInputError ? new Error(e.message) : (e as Error);
}

function parseLine(text: string): ScriptStep | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const m = /^(\S+)(?:\s(.*))?$/.exec(trimmed)!;
  const cmd = m[1]!.toLowerCase();
  // Only `type` keeps spaces: one separator after the command word, the rest verbatim.
  const rawRest = /^\S+\s?(.*)$/.exec(text.replace(/^\s+/, '').replace(/\r$/, ''))![1]!;
  const words = (m[2] ?? '').trim().split(/\s+/).filter(Boolean);
  switch (cmd) {
    case 'type': {
      if (rawRest === '') throw new Error('type needs text; usage: type TEXT');
      const t = typeText(rawRest);
      try {
        return { op: 'type', text: t, keys: textKeyEvents(t) };
      } catch (e) {
        throw keyError(e);
      }
    }
    case 'key': {
      if (words.length !== 1) throw new Error('usage: key COMBO (e.g. key Ctrl+Alt+T)');
      try {
        return { op: 'key', combo: words[0]!, keys: comboKeyEvents(words[0]!) };
      } catch (e) {
        throw keyError(e);
      }
    }
    case 'click': {
      const x = coord(words[0], 'x');
      const y = coord(words[1], 'y');
      const b = (words[2] ?? 'left').toLowerCase();
      if (!BUTTONS.includes(b as MouseButtonName)) {
        throw new Error(`unknown mouse button ${JSON.stringify(words[2])} (left, right or middle)`);
      }
      noMore(words, 3, 'click X Y [left|right|middle]');
      return { op: 'click', x, y, button: b as MouseButtonName };
    }
    case 'move': {
      const x = coord(words[0], 'x');
      const y = coord(words[1], 'y');
      noMore(words, 2, 'move X Y');
      return { op: 'move', x, y };
    }
    case 'scroll': {
      if (words[0] === undefined) throw new Error('usage: scroll N (positive scrolls down)');
      if (!/^[-+]?\d+$/.test(words[0]))
        throw new Error(`scroll ${JSON.stringify(words[0])}: not a whole number`);
      const notches = Number(words[0]);
      if (notches === 0 || Math.abs(notches) > MAX_NOTCHES) {
        throw new Error(`scroll ${words[0]}: use 1 to ${MAX_NOTCHES} notches, negative to scroll up`);
      }
      noMore(words, 1, 'scroll N');
      return { op: 'scroll', notches };
    }
    case 'wait': {
      if (words[0] === undefined) throw new Error('usage: wait DURATION (e.g. wait 500ms)');
      const ms = parseDuration(words[0], 'wait');
      noMore(words, 1, 'wait DURATION');
      return { op: 'wait', ms };
    }
    case 'wait-change': {
      const timeoutMs = words[0] === undefined ? DEFAULT_WAIT_CHANGE_MS : parseDuration(words[0], 'timeout');
      noMore(words, 1, 'wait-change [TIMEOUT]');
      return { op: 'wait-change', timeoutMs };
    }
    case 'wait-settle': {
      const quietMs =
        words[0] === undefined ? DEFAULT_SETTLE_QUIET_MS : parseDuration(words[0], 'quiet time');
      const timeoutMs =
        words[1] === undefined ? DEFAULT_SETTLE_TIMEOUT_MS : parseDuration(words[1], 'timeout');
      noMore(words, 2, 'wait-settle [QUIET [TIMEOUT]]');
      return { op: 'wait-settle', quietMs, timeoutMs };
    }
    case 'screenshot': {
      const file = rawRest.trim();
      if (file === '') throw new Error('usage: screenshot FILE');
      if (file === '-') throw new Error('screenshot needs a file name (stdout carries the events)');
      return { op: 'screenshot', file };
    }
    case 'clipboard-set': {
      if (rawRest === '')
        throw new Error('usage: clipboard-set TEXT (or a JSON string: clipboard-set "a\\nb")');
      return { op: 'clipboard-set', text: typeText(rawRest) };
    }
    case 'clipboard-get': {
      const timeoutMs =
        words[0] === undefined ? DEFAULT_CLIPBOARD_GET_MS : parseDuration(words[0], 'timeout');
      noMore(words, 1, 'clipboard-get [TIMEOUT]');
      return { op: 'clipboard-get', timeoutMs };
    }
    default: {
      const hint = COMMANDS.find((c) => c.startsWith(cmd.slice(0, 3)));
      throw new Error(
        `unknown command ${JSON.stringify(m[1])}${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${COMMANDS.join(', ')}`,
      );
    }
  }
}

/** Parses a whole script; the first bad line throws a ScriptError naming it. */
export function parseScript(text: string, file = 'script'): ScriptLine[] {
  const out: ScriptLine[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, source] of lines.entries()) {
    let step: ScriptStep | undefined;
    try {
      step = parseLine(source);
    } catch (e) {
      throw new ScriptError(i + 1, (e as Error).message, file);
    }
    if (step) out.push({ ...step, line: i + 1, source: source.trim() });
  }
  return out;
}
