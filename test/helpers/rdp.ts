// The real RDP servers for tests: the dev cluster's shadow desktop (FreeRDP shadow server on Xvfb),
// under the names the tests use, and xrdp on Xvnc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export {
  SHADOW_DESKTOP_BINARIES as RDP_BINARIES,
  SHADOW_DESKTOP_PACKAGES as RDP_PACKAGES,
  shadowDesktopMissing as rdpMissing,
  startShadowDesktop as startRdpServer,
  type ShadowDesktop as RdpServer,
  type ShadowDesktopOptions as RdpServerOptions,
} from '../../src/devcluster/shadowdesktop.js';

// xrdp in front of TigerVNC's Xvnc: the only peer that sends interleaved RLE bitmaps (at 16 and
// 24 bpp) and the one with a clipboard channel. Logs on by itself (autorun, no sesman, no PAM).

export const XRDP_BINARIES = { Xvnc: '/usr/bin/Xvnc', xrdp: '/usr/sbin/xrdp' };

/** Why xrdp cannot run here, or undefined. */
export function xrdpMissing(): string | undefined {
  const gone = Object.entries(XRDP_BINARIES).filter(([, p]) => !fs.existsSync(p));
  if (gone.length === 0) return undefined;
  return `needs ${gone.map(([n]) => n).join(', ')} (apt-get install -y xrdp tigervnc-standalone-server)`;
}

export interface XrdpOptions {
  /** Xvnc's screen (default 800x600). */
  width?: number;
  height?: number;
  /** xrdp.ini max_bpp: caps the colour depth the client asked for (8, 15, 16, 24 or 32; default 32). */
  maxBpp?: number;
}

export interface XrdpServer {
  port: number;
  /** ":N", the X display behind it. */
  display: string;
  /** The environment for X clients on that display. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, what: string, log: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Xvnc on a free display and xrdp in front of it; `dir` holds xrdp's config and log. */
export async function startXrdp(dir: string, o: XrdpOptions = {}): Promise<XrdpServer> {
  let display = 0;
  for (let n = 120 + Math.floor(Math.random() * 200); n < 400; n++) {
    if (!fs.existsSync(`/tmp/.X11-unix/X${n}`) && !fs.existsSync(`/tmp/.X${n}-lock`)) {
      display = n;
      break;
    }
  }
  const [vncPort, rdpPort] = [await freePort(), await freePort()];
  const procs: ChildProcess[] = [];
  const logs: string[] = [];
  const start = (bin: string, args: string[]) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.on('data', (c) => logs.push(String(c)));
    p.stderr!.on('data', (c) => logs.push(String(c)));
    procs.push(p);
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      p.kill();
      await new Promise((r) => p.once('exit', r));
    }
  };
  try {
    const geometry = `${o.width ?? 800}x${o.height ?? 600}`;
    start(XRDP_BINARIES.Xvnc, [
      `:${display}`,
      '-rfbport',
      String(vncPort),
      '-SecurityTypes',
      'None',
      '-localhost',
      '-geometry',
      geometry,
      '-depth',
      '24',
    ]);
    await waitForPort(vncPort, 'Xvnc', () => logs.join(''));
    let ini = fs
      .readFileSync('/etc/xrdp/xrdp.ini', 'utf8')
      .replace(/^fork=.*$/m, 'fork=false')
      .replace(/^autorun=.*$/m, 'autorun=vnc-test')
      .replace(/^LogFile=.*$/m, `LogFile=${path.join(dir, 'xrdp.log')}`)
      .replace(/^EnableSyslog=.*$/m, 'EnableSyslog=false');
    if (o.maxBpp !== undefined) ini = ini.replace(/^max_bpp=.*$/m, `max_bpp=${o.maxBpp}`);
    const iniFile = path.join(dir, 'xrdp.ini');
    fs.writeFileSync(
      iniFile,
      `${ini}\n[vnc-test]\nname=vnc-test\nlib=libvnc.so\nip=127.0.0.1\nport=${vncPort}\nusername=na\npassword=na\n`,
    );
    fs.mkdirSync('/run/xrdp/sockdir', { recursive: true });
    start(XRDP_BINARIES.xrdp, ['--nodaemon', '--config', iniFile, '--port', String(rdpPort)]);
    await waitForPort(rdpPort, 'xrdp', () => logs.join(''));
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: rdpPort, display: `:${display}`, env: { ...process.env, DISPLAY: `:${display}` }, stop };
}

/** The X CLIPBOARD selection on a display (`env` has its DISPLAY), or '' when nobody owns it. */
export function readXClipboard(env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync('/usr/bin/xclip', ['-selection', 'clipboard', '-o'], {
      env,
      timeout: 3000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    return '';
  }
}

/** A copy in X: the returned xclip owns the selection until the next owner takes it (kill it after). */
export function copyToXClipboard(env: NodeJS.ProcessEnv, text: string): ChildProcess {
  const p = spawn('/usr/bin/xclip', ['-selection', 'clipboard', '-i', '-loops', '0'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  p.stdin!.end(text);
  return p;
}
