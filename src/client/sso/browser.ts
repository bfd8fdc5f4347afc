// Opening the SSO link in the system browser as lib/client/sso/redirector.go does: xdg-open on
// Linux, open on macOS, rundll32 url.dll on Windows, nothing for the browser "none".
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** teleport.BrowserNone. */
export const BROWSER_NONE = 'none';

function which(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The command that opens url, or undefined when none exists (or the browser is "none"). */
export function browserCommand(
  browser: string | undefined,
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string[] | undefined {
  if (browser === BROWSER_NONE) return undefined;
  if (platform === 'darwin') {
    const p = which('open', env);
    return p ? [p, url] : undefined;
  }
  if (platform === 'win32') {
    const p = which('rundll32.exe', env) ?? which('rundll32', env);
    return p ? [p, 'url.dll,FileProtocolHandler', url] : undefined;
  }
  const p = which('xdg-open', env);
  return p ? [p, url] : undefined;
}

/** Starts the browser without waiting for it; a failure to start is reported, not thrown. */
export function openInBrowser(
  browser: string | undefined,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const cmd = browserCommand(browser, url, process.platform, env);
  if (!cmd) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true, env });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
