// The `tshjs desktop connect --no-browser` process the viewer e2e tests drive with Chromium: its
// output as it comes, the viewer URL once printed, and its exit status.
import { spawn, type ChildProcess } from 'node:child_process';
import { TSHJS_BIN } from './cluster.js';

/** Polls test until it returns something other than undefined/false, or fails after ms. */
export async function waitFor<T>(
  what: string,
  test: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await test();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `tshjs desktop connect` process, its output as it comes. */
export interface Viewer {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: Promise<string>;
  exit: Promise<number | null>;
}

/** `tshjs desktop connect <desktop> -l alice --no-browser [flags]` with TELEPORT_HOME=home. */
export function startViewer(home: string, desktop: string, flags: string[] = []): Viewer {
  const child = spawn(
    process.execPath,
    [TSHJS_BIN, 'desktop', 'connect', desktop, '-l', 'alice', '--no-browser', ...flags],
    { env: { PATH: process.env.PATH ?? '', TELEPORT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let exited = false;
  child.on('close', () => (exited = true));
  const url = waitFor(
    'the viewer URL',
    () => {
      if (exited) throw new Error(`tshjs exited: ${err.trim()}`);
      return /open this URL in a browser: (\S+)\n/.exec(out)?.[1];
    },
    30_000,
  );
  url.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, url, exit };
}
