// `tshjs desktop connect` flags to options (the session itself: test/e2e/desktop-viewer.test.ts).
import { describe, expect, it } from 'vitest';
import { desktopConnect } from '../../../src/commands/desktop.js';

describe('desktop connect options', () => {
  it('--no-browser and --port', () => {
    expect(desktopConnect.options(['win-1'], { browser: false, port: '8123' })).toMatchObject({
      desktop: 'win-1',
      noBrowser: true,
      port: 8123,
    });
    // commander gives --no-browser's default as browser: true.
    expect(desktopConnect.options(['win-1'], { browser: true })).toMatchObject({
      noBrowser: false,
      port: undefined,
    });
  });

  it('refuses a port that is not one', () => {
    for (const port of ['0', '65536', 'http', '80x']) {
      expect(() => desktopConnect.options(['win-1'], { port }), port).toThrow(
        `invalid --port "${port}": use a port number from 1 to 65535`,
      );
    }
  });
});
