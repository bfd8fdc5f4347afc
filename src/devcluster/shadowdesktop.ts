// A real RDP desktop on this machine: the FreeRDP shadow server sharing an Xvfb display that shows an
// xterm (a shell in a temp directory) and a clock that redraws every second. Tests, `npm run demo`,
// the desktop benches and dev cluster users' CI use it as the desktop behind the Windows Desktop
// Service. Needs the Debian packages xvfb, freerdp2-shadow-x11, xterm and x11-apps;
// `shadowDesktopMissing()` says which binaries are absent, so callers can skip with that message.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SHADOW_DESKTOP_BINARIES = {
  Xvfb: '/usr/bin/Xvfb',
  'freerdp-shadow-cli': '/usr/bin/freerdp-shadow-cli',
  xterm: '/usr/bin/xterm',
  xclock: '/usr/bin/xclock',
};
export const SHADOW_DESKTOP_PACKAGES = 'xvfb freerdp2-shadow-x11 xterm x11-apps';
const STDBUF = '/usr/bin/stdbuf';

/** Why the real RDP server cannot run here, or undefined when it can. */
export function shadowDesktopMissing(): string | undefined {
  const missing = Object.entries(SHADOW_DESKTOP_BINARIES)
    .filter(([, p]) => !fs.existsSync(p))
    .map(([name]) => name);
  if (missing.length === 0) return undefined;
  return `the shadow desktop needs ${missing.join(', ')} (apt-get install -y ${SHADOW_DESKTOP_PACKAGES})`;
}

export interface ShadowDesktopOptions {
  width?: number;
  height?: number;
  /** Show the xterm (default true); it sits at the top left, 80x24 characters. */
  xterm?: boolean;
  /** Show the clock (default true), a 200x200 window at the top right. */
  clock?: boolean;
  /**
   * More X clients to run on the display (argv each, DISPLAY set), e.g. an xterm printing without
   * pause for a screen that never stops changing (the frame-rate bench).
   */
  programs?: string[][];
  /** More freerdp-shadow-cli arguments, e.g. ['/sec:rdp'] for a server that refuses TLS. */
  args?: string[];
}

export interface ShadowDesktop {
  port: number;
  /** The X display, e.g. ":57"; `env` has DISPLAY set for X clients such as xwd. */
  display: string;
  env: NodeJS.ProcessEnv;
  /** The temp dir: XDG_CONFIG_HOME (the server certificate), the xterm's working directory, logs. */
  dir: string;
  /** SHA-256 fingerprint of the server's TLS certificate (colon-separated hex). */
  fingerprint256: string;
  /** Where the xterm is, to point the mouse at before typing. */
  xtermArea: { x: number; y: number; width: number; height: number };
  /** The shadow server's log so far. */
  log(): string;
  stop(): Promise<void>;
}

// Children still running when the process exits are killed, so no Xvfb outlives its owner.
const children = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): ChildProcess {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.on('error', () => undefined); // a failed spawn shows up as an exit code below
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Starts Xvfb on a display it picks itself (-displayfd), so parallel test files never clash. */
async function startXvfb(
  dir: string,
  width: number,
  height: number,
): Promise<{ child: ChildProcess; n: number }> {
  const child = track(
    spawn(
      SHADOW_DESKTOP_BINARIES.Xvfb,
      ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'xvfb.log'), 'w'), 'pipe'] },
    ),
  );
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  const n = await new Promise<number>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10_000);
    fd3.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(Number(text.trim()));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`Xvfb exited (${code}): ${fs.readFileSync(path.join(dir, 'xvfb.log'), 'utf8').trim()}`),
      );
    });
  });
  return { child, n };
}

export async function startShadowDesktop(options: ShadowDesktopOptions = {}): Promise<ShadowDesktop> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startShadowDesktopOnce(options);
    } catch (err) {
      // Under load a display number freed and taken again at once can lose its socket to the
      // previous server's exit cleanup, and the shadow server cannot open it: a new display does.
      if (attempt >= 3 || !/failed to open display/.test((err as Error).message)) throw err;
    }
  }
}

async function startShadowDesktopOnce(options: ShadowDesktopOptions): Promise<ShadowDesktop> {
  const missing = shadowDesktopMissing();
  if (missing) throw new Error(missing);
  const width = options.width ?? 1024;
  const height = options.height ?? 768;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-rdp-'));
  const started: ChildProcess[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await stopChild(c);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const xvfb = await startXvfb(dir, width, height);
    started.push(xvfb.child);
    const display = `:${xvfb.n}`;
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display, XDG_CONFIG_HOME: dir, HOME: dir };
    const xtermArea = { x: 0, y: 0, width: 0, height: 0 };
    if (options.xterm !== false) {
      const shellEnv = { ...env, PS1: '$ ', ENV: '' };
      started.push(
        track(
          spawn(SHADOW_DESKTOP_BINARIES.xterm, ['-geometry', '80x24+0+0', '-e', '/bin/sh'], {
            cwd: dir,
            env: shellEnv,
            stdio: 'ignore',
          }),
        ),
      );
      Object.assign(xtermArea, { width: 484, height: 316 }); // 80x24 cells of the default 6x13 font
    }
    if (options.clock !== false) {
      const geometry = `200x200+${width - 200}+0`;
      started.push(
        track(
          spawn(SHADOW_DESKTOP_BINARIES.xclock, ['-update', '1', '-geometry', geometry], {
            env,
            stdio: 'ignore',
          }),
        ),
      );
    }
    for (const [cmd, ...argv] of options.programs ?? []) {
      started.push(track(spawn(cmd!, argv, { cwd: dir, env, stdio: 'ignore' })));
    }
    const port = await freePort();
    const logPath = path.join(dir, 'shadow.log');
    const logFd = fs.openSync(logPath, 'w');
    const args = [`/port:${port}`, '/bind-address:127.0.0.1', '-auth', ...(options.args ?? [])];
    // The shadow server's logs are block-buffered unless stdbuf makes them line-buffered.
    const [cmd, argv] = fs.existsSync(STDBUF)
      ? [STDBUF, ['-oL', '-eL', SHADOW_DESKTOP_BINARIES['freerdp-shadow-cli'], ...args]]
      : [SHADOW_DESKTOP_BINARIES['freerdp-shadow-cli'], args];
    const shadow = track(spawn(cmd, argv, { env, stdio: ['ignore', logFd, logFd] }));
    fs.closeSync(logFd);
    started.push(shadow);
    const log = () => fs.readFileSync(logPath, 'utf8');
    const deadline = Date.now() + 15_000;
    while (!(await listening(port))) {
      if (shadow.exitCode !== null || Date.now() > deadline) {
        throw new Error(`freerdp-shadow-cli did not start listening on ${port}: ${log().trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const crt = fs.readFileSync(path.join(dir, 'freerdp/shadow/shadow.crt'));
    return {
      port,
      display,
      env,
      dir,
      fingerprint256: new X509Certificate(crt).fingerprint256,
      xtermArea,
      log,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
