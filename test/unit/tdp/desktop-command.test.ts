// The desktop session commands' own parts that need no cluster: option parsing, the default
// screenshot name, and a script refused before anything connects (the client must stay unused).
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TeleportClient } from '../../../src/client/teleport.js';
import {
  defaultScreenshotName,
  desktopRun,
  desktopScreenshot,
  parseSize,
  runDesktopRun,
} from '../../../src/commands/desktop.js';
import { CommandContext } from '../../../src/commands/context.js';

class UnusedClient extends TeleportClient {
  override cluster(): never {
    throw new Error('the command connected');
  }
}

function context(stdin: string, login = 'Administrator') {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const io = { stdin: Readable.from([stdin]), stdout, stderr: new PassThrough(), env: {} };
  const ctx = new CommandContext(io, { login }, undefined, { client: (c) => new UnusedClient(c) });
  return { ctx, out: () => out };
}

describe('desktop command options', () => {
  it('parses --size and refuses sizes no RDP server takes', () => {
    expect(parseSize('1280x720')).toEqual({ width: 1280, height: 720 });
    expect(parseSize('800X600')).toEqual({ width: 800, height: 600 });
    for (const bad of ['1280', '1280x', 'x720', '100x100', '9000x600', '1280 x 720']) {
      expect(() => parseSize(bad)).toThrow(/^invalid --size ".*": use WIDTHxHEIGHT, each 200 to 8192/);
    }
  });

  it('turns flags into options, with durations', () => {
    const o = desktopScreenshot.options(['win-1'], {
      settle: '2s',
      idle: '250',
      timeout: '1m',
      size: '1280x720',
    });
    expect(o).toEqual({
      desktop: 'win-1',
      size: { width: 1280, height: 720 },
      timeoutMs: 60_000,
      output: undefined,
      settleMs: 2000,
      idleMs: 250,
    });
    expect(desktopScreenshot.options(['w'], {})).toMatchObject({
      timeoutMs: 30_000,
      settleMs: 10_000,
      idleMs: 500,
    });
    expect(() => desktopScreenshot.options(['w'], { settle: 'later' })).toThrow(
      '--settle "later" is not a duration (e.g. 500, 500ms, 2s)',
    );
    expect(desktopRun.options(['w', '-'], { format: 'json' })).toMatchObject({ script: '-', format: 'json' });
  });

  it('names a screenshot after the desktop and the UTC time', () => {
    expect(defaultScreenshotName('win-1', new Date('2026-12-02T04:02:36.123Z'))).toBe(
      'win-1-20261202-040236.png',
    );
  });
});

describe('desktop run before connecting', () => {
  it('refuses a bad script with its line and never connects', async () => {
    const { ctx, out } = context('move 1 1\ntype café\n');
    const o = desktopRun.options(['win-1', '-'], { format: 'json' });
    await expect(runDesktopRun(o, ctx)).rejects.toThrow(
      'stdin:2: cannot type character U+00E9 "é" (position 4) with the US keyboard layout',
    );
    // JSON readers get the failure as the one event.
    expect(JSON.parse(out())).toEqual({
      event: 'error',
      line: 2,
      message: 'stdin:2: cannot type character U+00E9 "é" (position 4) with the US keyboard layout',
    });
  });

  it('needs a login', async () => {
    const { ctx } = context('wait 1\n', '');
    await expect(runDesktopRun(desktopRun.options(['win-1', '-'], { format: 'text' }), ctx)).rejects.toThrow(
      /^a Windows login is required to connect to win-1: add --login USER/,
    );
  });
});
