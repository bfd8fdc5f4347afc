// Opening a URL in the system browser, as tsh does for SSO: the platform's opener (xdg-open,
// open, or url.dll's FileProtocolHandler on Windows, which needs no shell quoting), detached and
// not waited for. Failing to start one is not fatal: the URL is printed anyway.
import { spawn } from 'node:child_process';

/** The command that opens `url` on `platform`. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** Why no browser can be opened here, or undefined (a Linux session without a display cannot). */
export function noBrowserReason(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform === 'darwin' || platform === 'win32') return undefined;
  if (env.DISPLAY || env.WAYLAND_DISPLAY || env.BROWSER) return undefined;
  return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
}

/** Starts the browser; resolves with an error line when it could not be started. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const why = noBrowserReason(env);
  if (why) return Promise.resolve(why);
  const [cmd, args] = browserCommand(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { detached: true, stdio: 'ignore', env, windowsHide: true });
      child.once('error', (err) => resolve(`${cmd}: ${err.message}`));
      child.once('spawn', () => {
        child.unref();
        resolve(undefined);
      });
    } catch (err) {
      resolve(`${cmd}: ${(err as Error).message}`);
    }
  });
}
