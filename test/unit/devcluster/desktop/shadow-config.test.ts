// `desktops[].shadow` in the dev cluster config (src/devcluster/config.ts, desktop/shadow.ts).
import { describe, expect, it } from 'vitest';
import {
  demoConfig,
  demoConfigRaw,
  desktopShadow,
  normalizeConfig,
} from '../../../../src/devcluster/config.js';
import { msgShadowMissing } from '../../../../src/devcluster/desktop/shadow.js';

const desktops = (...ds: unknown[]) => normalizeConfig({ desktops: ds }).desktops;

describe('desktops[].shadow', () => {
  it('true, a size, or absent', () => {
    const [a, b, c] = desktops(
      { name: 'a', shadow: true },
      { name: 'b', shadow: { width: 800, height: 600 }, labels: { env: 'ci' } },
      { name: 'c', addr: '10.0.0.5:3389', shadow: false },
    );
    expect(desktopShadow(a)).toEqual({});
    expect(desktopShadow(b)).toEqual({ width: 800, height: 600 });
    expect(b.labels).toEqual({ env: 'ci' });
    expect(desktopShadow(c)).toBeUndefined();
    expect(c).toEqual({ name: 'c', addr: '10.0.0.5:3389' });
  });

  it('refuses an addr beside it, a bad size or an unknown key, naming the desktop', () => {
    expect(() => desktops({ name: 'x', addr: '127.0.0.1:3389', shadow: true })).toThrow(
      'config: desktops[0] (x): shadow and addr are exclusive',
    );
    expect(() => desktops({ name: 'x', shadow: 'yes' })).toThrow(
      'config: desktops[0] (x): shadow must be true or { width, height }',
    );
    expect(() => desktops({ name: 'x', shadow: { width: 10 } })).toThrow(
      'config: desktops[0] (x): shadow.width must be a whole number from 200 to 8192',
    );
    expect(() => desktops({ name: 'x', shadow: { depth: 24 } })).toThrow(
      'config: desktops[0] (x): shadow has unknown key "depth"',
    );
  });

  it('names the desktop and the apt-get command when the packages are missing', () => {
    const msg = msgShadowMissing(
      'win-ci',
      'the shadow desktop needs Xvfb (apt-get install -y xvfb freerdp2-shadow-x11 xterm x11-apps)',
    );
    expect(msg).toBe(
      'desktop "win-ci" has shadow set, but the shadow desktop needs Xvfb (apt-get install -y xvfb freerdp2-shadow-x11 xterm x11-apps)',
    );
    expect(msg).not.toContain('\n');
  });

  it('the demo cluster serves win-dev from a shadow desktop when asked (npm run demo)', () => {
    expect(desktopShadow(demoConfig({ shadowDesktop: true }).desktops[0]!)).toEqual({});
    expect(demoConfig().desktops[0]).toMatchObject({ name: 'win-dev', addr: '127.0.0.1:3389' });
    // The raw form is what a config file says: JSON of it loads as the same cluster.
    const raw = JSON.parse(JSON.stringify(demoConfigRaw({ shadowDesktop: true })));
    expect(normalizeConfig(raw)).toEqual(demoConfig({ shadowDesktop: true }));
  });
});
