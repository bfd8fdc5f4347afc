// The viewer's own messages: a rectangle of the framebuffer as bytes, the page's input checked
// before anything reaches the desktop, and the command that opens a browser on each platform.
import { describe, expect, it } from 'vitest';
import { browserCommand, noBrowserReason } from '../../../src/viewer/browser.js';
import { encodeRect, parsePageInput, RECT_HEADER } from '../../../src/viewer/protocol.js';

describe('encodeRect', () => {
  it('a header, then the rectangle’s rows of RGBA', () => {
    // A 4x3 framebuffer whose pixel (x, y) is [x, y, 0, 255].
    const fb = new Uint8Array(4 * 3 * 4);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) fb.set([x, y, 0, 255], (y * 4 + x) * 4);
    const msg = encodeRect(fb, 4, { x: 1, y: 1, width: 2, height: 2 });
    expect(msg.subarray(0, RECT_HEADER).toString('hex')).toBe(
      '0100' + '0001' + '0001' + '0002' + '0002' + '0000',
    );
    expect([...msg.subarray(RECT_HEADER)]).toEqual([1, 1, 0, 255, 2, 1, 0, 255, 1, 2, 0, 255, 2, 2, 0, 255]);
  });
});

describe('parsePageInput', () => {
  it('accepts each input', () => {
    expect(parsePageInput('{"t":"key","code":"KeyA","down":true}')).toEqual({
      t: 'key',
      code: 'KeyA',
      down: true,
    });
    expect(parsePageInput('{"t":"move","x":0,"y":767}')).toEqual({ t: 'move', x: 0, y: 767 });
    expect(parsePageInput('{"t":"button","button":2,"down":false}')).toEqual({
      t: 'button',
      button: 2,
      down: false,
    });
    expect(parsePageInput('{"t":"wheel","x":0,"y":-3}')).toEqual({ t: 'wheel', x: 0, y: -3 });
    // Sizes are clamped to what a screen spec may ask for.
    expect(parsePageInput('{"t":"resize","width":100,"height":20000}')).toEqual({
      t: 'resize',
      width: 200,
      height: 8192,
    });
  });

  it('refuses anything else', () => {
    for (const text of [
      'not json',
      'null',
      '[]',
      '{"t":"key","code":"KeyA"}',
      `{"t":"key","code":"${'A'.repeat(65)}","down":true}`,
      '{"t":"move","x":-1,"y":0}',
      '{"t":"move","x":1.5,"y":0}',
      '{"t":"move","x":"1","y":0}',
      '{"t":"button","button":9,"down":true}',
      '{"t":"wheel","x":0,"y":1000}',
      '{"t":"resize","width":0,"height":10}',
      '{"t":"clipboard","data":"x"}',
    ]) {
      expect(parsePageInput(text), text).toBeUndefined();
    }
  });
});

describe('the system browser', () => {
  it('xdg-open, open, or url.dll (no shell: the URL is one argument)', () => {
    const url = 'http://127.0.0.1:1234/abc';
    expect(browserCommand(url, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, 'win32')).toEqual(['rundll32', ['url.dll,FileProtocolHandler', url]]);
  });

  it('none on a Linux session without a display', () => {
    expect(noBrowserReason({}, 'linux')).toMatch(/no display/);
    expect(noBrowserReason({ DISPLAY: ':0' }, 'linux')).toBeUndefined();
    expect(noBrowserReason({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeUndefined();
    expect(noBrowserReason({}, 'darwin')).toBeUndefined();
  });
});
