import { describe, expect, it } from 'vitest';
import { parseDuration, parseScript, ScriptError } from '../../../src/tdp/script.js';

const ops = (text: string) =>
  parseScript(text).map((step) => {
    const { source: _s, ...rest } = step;
    if ('keys' in rest) {
      const { keys: _k, ...noKeys } = rest;
      return noKeys;
    }
    return rest;
  });
const err = (text: string, file?: string): string => {
  try {
    parseScript(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptError);
    return (e as Error).message;
  }
  throw new Error('parsed');
};

describe('desktop script parsing', () => {
  it('parses every command with its line number, skipping comments and blank lines', () => {
    const script = [
      '# open a terminal',
      '',
      'key Ctrl+Alt+T',
      'wait 500ms',
      'type echo hello',
      'key Enter',
      '  click 10 20',
      'click 30 40 right',
      'move 5 6',
      'scroll 3',
      'scroll -2',
      'wait-change',
      'wait-change 2s',
      'wait-settle',
      'wait-settle 250 5s',
      'screenshot out dir/shot 1.png',
    ].join('\n');
    expect(ops(script)).toEqual([
      { op: 'key', combo: 'Ctrl+Alt+T', line: 3 },
      { op: 'wait', ms: 500, line: 4 },
      { op: 'type', text: 'echo hello', line: 5 },
      { op: 'key', combo: 'Enter', line: 6 },
      { op: 'click', x: 10, y: 20, button: 'left', line: 7 },
      { op: 'click', x: 30, y: 40, button: 'right', line: 8 },
      { op: 'move', x: 5, y: 6, line: 9 },
      { op: 'scroll', notches: 3, line: 10 },
      { op: 'scroll', notches: -2, line: 11 },
      { op: 'wait-change', timeoutMs: 10_000, line: 12 },
      { op: 'wait-change', timeoutMs: 2000, line: 13 },
      { op: 'wait-settle', quietMs: 500, timeoutMs: 10_000, line: 14 },
      { op: 'wait-settle', quietMs: 250, timeoutMs: 5000, line: 15 },
      { op: 'screenshot', file: 'out dir/shot 1.png', line: 16 },
    ]);
  });

  it('types the rest of the line as is, or a JSON string with escapes', () => {
    const [a, b, c] = parseScript(
      'type  two  spaces # not a comment\ntype "ls -l\\n"\r\ntype "\\"quoted\\""\n',
    );
    expect(a).toMatchObject({ op: 'type', text: ' two  spaces # not a comment' });
    expect(b).toMatchObject({ op: 'type', text: 'ls -l\n' });
    expect(c).toMatchObject({ op: 'type', text: '"quoted"' });
  });

  it('turns text into scancodes up front, Shift held for shifted characters', () => {
    const [step] = parseScript('type Hi!\n');
    const keys = step!.op === 'type' ? step!.keys : [];
    expect(keys.map((k) => `${k.pressed ? '+' : '-'}${k.scancode.toString(16)}`)).toEqual([
      '+2a', // ShiftLeft
      '+23', // H
      '-23',
      '-2a',
      '+17', // i
      '-17',
      '+2a',
      '+2', // 1 -> !
      '-2',
      '-2a',
    ]);
  });

  it('turns a key combo into presses in order and releases in reverse', () => {
    const [step] = parseScript('key ctrl+alt+t');
    const keys = step!.op === 'key' ? step!.keys : [];
    expect(keys.map((k) => [k.scancode, k.pressed])).toEqual([
      [0x1d, true],
      [0x38, true],
      [0x14, true],
      [0x14, false],
      [0x38, false],
      [0x1d, false],
    ]);
  });

  it('accepts durations in ms, s and m', () => {
    expect(parseDuration('250', 'wait')).toBe(250);
    expect(parseDuration('250ms', 'wait')).toBe(250);
    expect(parseDuration('1.5s', 'wait')).toBe(1500);
    expect(parseDuration('2m', 'wait')).toBe(120_000);
    expect(() => parseDuration('2h', 'wait')).toThrow(/not a duration/);
    expect(() => parseDuration('61m', 'wait')).toThrow(/longer than an hour/);
  });

  it('names the file and line of the first bad line', () => {
    expect(err('wait 1\nkey Ctrl+Alt+Tee\nbogus\n', 'demo.txt')).toBe(
      'demo.txt:2: unknown key "Tee" in "Ctrl+Alt+Tee"',
    );
  });

  it.each([
    ['bogus 1', /^script:2: unknown command "bogus"; commands: type, key, click/],
    ['clik 1 2', /unknown command "clik" \(did you mean click\?\)/],
    ['type', /type needs text/],
    ['type "unterminated', /bad quoted text/],
    ['type héllo', /cannot type character U\+00E9 "é" \(position 2\)/],
    ['key', /usage: key COMBO/],
    ['key Ctrl + T', /usage: key COMBO/],
    ['click 10', /missing y coordinate/],
    ['click -1 5', /x coordinate "-1" is not a whole number >= 0/],
    ['click 1.5 5', /x coordinate "1.5"/],
    ['click 10 20 side', /unknown mouse button "side"/],
    ['click 10 20 left twice', /unexpected "twice"; usage: click X Y/],
    ['move 9000 1', /x coordinate 9000 is off any screen/],
    ['scroll', /usage: scroll N/],
    ['scroll 0', /use 1 to 1000 notches/],
    ['scroll up', /scroll "up": not a whole number/],
    ['wait', /usage: wait DURATION/],
    ['wait soon', /wait "soon" is not a duration/],
    ['wait-change 1s 2s', /unexpected "2s"/],
    ['wait-settle 1s x', /timeout "x" is not a duration/],
    ['screenshot', /usage: screenshot FILE/],
    ['screenshot -', /needs a file name/],
  ])('refuses %j', (line, message) => {
    expect(err(`# first\n${line}\n`)).toMatch(message);
    expect(err(`# first\n${line}\n`)).toMatch(/^script:2: /);
  });

  it('an empty script or only comments is no steps', () => {
    expect(parseScript('')).toEqual([]);
    expect(parseScript('# nothing\n\n   \n')).toEqual([]);
  });

  it('keeps the source text of each step', () => {
    expect(parseScript('  key Enter  \n')[0]).toMatchObject({ line: 1, source: 'key Enter' });
  });
});
