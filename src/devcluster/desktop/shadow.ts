// `desktops[].shadow` (docs/devcluster.md): desktops the dev cluster runs itself, each a FreeRDP
// shadow server on its own Xvfb display (../shadowdesktop.ts), started with the cluster and
// stopped with it. The desktop gets the server's address and its certificate pinned
// (rdp_fingerprint256), so a cluster config needs no RDP server of its own: a hermetic desktop
// for CI and for `npm run demo`.
import { desktopShadow, type ResourceConfig } from '../config.js';
import { shadowDesktopMissing, startShadowDesktop, type ShadowDesktop } from '../shadowdesktop.js';

/** The one-line start failure for a shadow desktop whose packages are missing. */
export function msgShadowMissing(name: string, missing: string): string {
  return `desktop "${name}" has shadow set, but ${missing}`;
}

export interface ShadowDesktops {
  /** The config's desktops, shadow ones with their addr and rdp_fingerprint256 filled in. */
  desktops: ResourceConfig[];
  stop(): Promise<void>;
}

/** Starts the shadow desktops of a config; on any failure stops those already started. */
export async function startShadowDesktops(
  desktops: ResourceConfig[],
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<ShadowDesktops> {
  const running: ShadowDesktop[] = [];
  const stop = async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  };
  const out: ResourceConfig[] = [];
  try {
    for (const d of desktops) {
      const shadow = desktopShadow(d);
      if (!shadow) {
        out.push(d);
        continue;
      }
      const missing = shadowDesktopMissing();
      if (missing) throw new Error(msgShadowMissing(d.name, missing));
      const sd = await startShadowDesktop({ width: shadow.width, height: shadow.height });
      running.push(sd);
      log('shadow desktop started', { desktop: d.name, port: sd.port, display: sd.display });
      const { shadow: _, ...rest } = d;
      out.push({ ...rest, addr: `127.0.0.1:${sd.port}`, rdp_fingerprint256: sd.fingerprint256 });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { desktops: out, stop };
}
