// tshjs desktop ls | screenshot | run (tsh has no equivalent; docs/desktop-commands.md):
// Windows desktops via ListResources "windows_desktop", and headless desktop sessions over
// TransportService/ProxyWindowsDesktopSession (src/tdp/).
import * as path from 'node:path';
import type { WindowsDesktopV3 } from '../gen/teleport/legacy/types/types.js';
import { formatLabels } from '../output/labels.js';
import { dedupeByName, printListing, type Format } from '../output/printer.js';
import { windowsDesktopJSON } from '../output/resourcejson.js';
import { accessChecker, formatLogins, windowsDesktopLogins, type AccessChecker } from '../client/access.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, openDesktopSession } from '../tdp/open.js';
import { runScript, type RunEvent } from '../tdp/runner.js';
import { parseDuration, parseScript } from '../tdp/script.js';
import {
  CLIPBOARD_POLICIES,
  DIRECTORY_SHARING_REFUSED,
  parseClipboardPolicy,
  type ClipboardPolicy,
} from '../tdp/policy.js';
import type { DesktopSession } from '../tdp/session.js';
import { writeFileAtomic } from '../util/fsutil.js';
import { errorLine, TshError } from '../util/errors.js';
import {
  clusterFlag,
  defineCommand,
  formatFlag,
  labelsArg,
  listingFlags,
  listingOptions,
  type FlagSpec,
} from './command.js';
import type { CommandContext } from './context.js';

export interface DesktopLsOptions extends FilterOptions {
  format: Format;
  verbose?: boolean;
}

export const desktopLs = defineCommand<DesktopLsOptions>({
  path: ['desktop', 'ls'],
  description: 'List Windows desktops',
  args: [labelsArg],
  flags: [formatFlag(), ...listingFlags],
  options: listingOptions,
  run: runDesktopLs,
});

/** What every session command shares: where to connect and how long to wait for it. */
export interface DesktopConnectOptions {
  desktop: string;
  /** WxH requested; the desktop may use its own size. */
  size?: { width: number; height: number };
  /** Bound on connecting, up to an active RDP session (ms). */
  timeoutMs: number;
  /** Which way clipboard text may go (--clipboard), whatever the service allows. */
  clipboard?: ClipboardPolicy;
  /** --idle-timeout: end the session after this long without input (ms). */
  idleTimeoutMs?: number;
}

export interface DesktopScreenshotOptions extends DesktopConnectOptions {
  /** File to write; "-" for stdout; default <desktop>-<UTC time>.png. */
  output?: string;
  /** Longest wait for the screen to settle after connecting (ms). */
  settleMs: number;
  /** How long the screen must stay unchanged to count as settled (ms). */
  idleMs: number;
}

export interface DesktopRunOptions extends DesktopConnectOptions {
  /** Script file, or "-" / undefined for stdin. */
  script?: string;
  format: 'text' | 'json';
}

export const DEFAULT_SETTLE_MS = 10_000;
export const DEFAULT_IDLE_MS = 500;

const desktopArg = { name: '<desktop>', description: 'name of the Windows desktop (see "tshjs desktop ls")' };
const sessionFlags: FlagSpec[] = [
  clusterFlag,
  { flags: '--size <WxH>', description: 'Screen size to ask for, e.g. 1280x720 (default 1024x768)' },
  {
    flags: '--timeout <duration>',
    description: `Longest wait for the desktop session to start (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s)`,
  },
  {
    flags: '--clipboard <policy>',
    description:
      'Clipboard text: both, to-remote (only to the desktop), from-remote (only from it) or off; enforced here whatever the cluster allows (default both, when the cluster shares the clipboard)',
    choices: CLIPBOARD_POLICIES,
  },
  {
    flags: '--idle-timeout <duration>',
    description: 'End the session after this long without input (keys, mouse, clipboard), e.g. 30m',
  },
  {
    flags: '--share-directory <dir>',
    description: `Refused: ${DIRECTORY_SHARING_REFUSED}`,
  },
];

export const desktopScreenshot = defineCommand<DesktopScreenshotOptions>({
  path: ['desktop', 'screenshot'],
  description: 'Connect to a Windows desktop and save a screenshot as PNG (login: --login)',
  args: [desktopArg],
  flags: [
    {
      flags: '-o, --output <file>',
      description: 'PNG file to write, "-" for stdout (default DESKTOP-TIME.png in the current directory)',
    },
    ...sessionFlags,
    {
      flags: '--settle <duration>',
      description: `Longest wait for the screen to stop changing before the shot (default ${DEFAULT_SETTLE_MS / 1000}s)`,
    },
    {
      flags: '--idle <duration>',
      description: `How long the screen must not change to count as settled (default ${DEFAULT_IDLE_MS}ms)`,
    },
  ],
  options: (args, f) => ({
    ...connectOptions(args, f),
    output: f.output as string | undefined,
    settleMs: durationFlag(f.settle, '--settle', DEFAULT_SETTLE_MS),
    idleMs: durationFlag(f.idle, '--idle', DEFAULT_IDLE_MS),
  }),
  run: runDesktopScreenshot,
});

export const desktopRun = defineCommand<DesktopRunOptions>({
  path: ['desktop', 'run'],
  description:
    'Run an input script on a Windows desktop (type, key, click, move, scroll, wait, wait-change, wait-settle, screenshot, clipboard-set, clipboard-get)',
  args: [desktopArg, { name: '[script]', description: 'script file, "-" or nothing for stdin' }],
  flags: [
    {
      flags: '-f, --format <format>',
      description: 'Output format: text, or json (one event a line)',
      choices: ['text', 'json'],
      default: 'text',
    },
    ...sessionFlags,
  ],
  options: (args, f) => ({
    ...connectOptions(args, f),
    script: args[1] as string | undefined,
    format: f.format as 'text' | 'json',
  }),
  run: runDesktopRun,
});

export interface DesktopViewerOptions extends DesktopConnectOptions {
  /** Print the URL only; do not start the system browser. */
  noBrowser: boolean;
  /** Local port of the viewer (default: any free one). */
  port?: number;
}

export const desktopConnect = defineCommand<DesktopViewerOptions>({
  path: ['desktop', 'connect'],
  description: 'Open a Windows desktop in the browser: a local viewer page on 127.0.0.1 (login: --login)',
  args: [desktopArg],
  flags: [
    { flags: '--no-browser', description: 'Print the viewer URL instead of opening the system browser' },
    { flags: '--port <port>', description: 'Local port of the viewer page (default: any free port)' },
    ...sessionFlags,
  ],
  options: (args, f) => ({
    ...connectOptions(args, f),
    noBrowser: f.browser === false,
    port: f.port === undefined ? undefined : parsePort(String(f.port)),
  }),
  run: runDesktopConnect,
});

export const group = { name: 'desktop', description: 'Windows desktops' };
export const commands = [desktopLs, desktopScreenshot, desktopRun, desktopConnect];

export async function runDesktopLs(o: DesktopLsOptions, ctx: CommandContext): Promise<number> {
  const tc = ctx.client();
  const found = await tc.collect('windows_desktop', resourceFilter(o), (r) =>
    r.resource?.$case === 'WindowsDesktop' ? r.resource.value : undefined,
  );
  const desktops = dedupeByName(found, (d) => d.Header?.Metadata?.Name ?? '');
  const name = (d: WindowsDesktopV3) => d.Header?.Metadata?.Name ?? '';
  const labels = (d: WindowsDesktopV3) => d.Header?.Metadata?.Labels ?? {};
  // The Logins column (text only: JSON/YAML keep the windows_desktop resource shape) needs the
  // user's roles, as `tsh db ls` does for Allowed Users; on failure it shows "(unknown)".
  let checker: AccessChecker | undefined;
  if (o.format === 'text' && desktops.length > 0) {
    try {
      const { user, roles } = await tc.currentUserRoles();
      checker = accessChecker(user, roles);
    } catch (err) {
      ctx.log('Failed to fetch user roles', { error: (err as Error).message });
    }
  }
  const logins = (d: WindowsDesktopV3) => formatLogins(checker && windowsDesktopLogins(checker, labels(d)));
  printListing(
    ctx.io,
    o.format,
    desktops,
    o.verbose
      ? {
          titles: ['Name', 'Address', 'Domain', 'Host ID', 'Logins', 'Labels'],
          row: (d) => [
            name(d),
            d.Spec?.Addr ?? '',
            d.Spec?.Domain ?? '',
            d.Spec?.HostID ?? '',
            logins(d),
            formatLabels(labels(d), true),
          ],
        }
      : {
          titles: ['Name', 'Address', 'Logins', 'Labels'],
          row: (d) => [name(d), d.Spec?.Addr ?? '', logins(d), formatLabels(labels(d), false)],
          truncate: 'Labels',
        },
    windowsDesktopJSON,
  );
  return 0;
}

// --- options -----------------------------------------------------------------------------------

/** "1280x720" -> { width, height }. */
export function parseSize(text: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width < 200 || height < 200 || width > 8192 || height > 8192) {
    throw new TshError(
      `invalid --size ${JSON.stringify(text)}: use WIDTHxHEIGHT, each 200 to 8192 (e.g. 1280x720)`,
      'bad-parameter',
    );
  }
  return { width, height };
}

function durationFlag(v: unknown, flag: string, def: number): number {
  if (v === undefined) return def;
  try {
    return parseDuration(String(v), flag);
  } catch (e) {
    throw new TshError((e as Error).message, 'bad-parameter');
  }
}

function connectOptions(args: unknown[], f: Record<string, unknown>): DesktopConnectOptions {
  return {
    desktop: args[0] as string,
    size: f.size === undefined ? undefined : parseSize(String(f.size)),
    timeoutMs: durationFlag(f.timeout, '--timeout', DEFAULT_CONNECT_TIMEOUT_MS),
    ...policyOptions(f),
  };
}

/** --clipboard, --idle-timeout; --share-directory is refused before anything connects. */
function policyOptions(
  f: Record<string, unknown>,
): Pick<DesktopConnectOptions, 'clipboard' | 'idleTimeoutMs'> {
  if (f.shareDirectory !== undefined) {
    throw new TshError(
      `cannot share ${String(f.shareDirectory)}: ${DIRECTORY_SHARING_REFUSED}`,
      'bad-parameter',
    );
  }
  const idle = durationFlag(f.idleTimeout, '--idle-timeout', 0);
  if (f.idleTimeout !== undefined && idle === 0) {
    throw new TshError('invalid --idle-timeout 0: use a duration above zero, e.g. 30m', 'bad-parameter');
  }
  return {
    // Unset: the session's default (both ways, when the service shares the clipboard).
    clipboard: f.clipboard === undefined ? undefined : parseClipboardPolicy(String(f.clipboard)),
    idleTimeoutMs: idle || undefined,
  };
}

/** The Windows login: --login (-l, TELEPORT_LOGIN); there is no sensible default. */
function windowsLogin(ctx: CommandContext, desktop: string): string {
  const login = ctx.globals.login;
  if (!login) {
    throw new TshError(
      `a Windows login is required to connect to ${desktop}: add --login USER ("tshjs desktop ls" shows the desktops)`,
      'bad-parameter',
    );
  }
  return login;
}

/** `stdinFree`: stdin may answer an MFA prompt (not when it carried the script). */
async function connect(
  o: DesktopConnectOptions,
  ctx: CommandContext,
  stdinFree = true,
): Promise<DesktopSession> {
  const session = await openDesktopSession({
    client: ctx.client(),
    desktop: o.desktop,
    login: windowsLogin(ctx, o.desktop),
    cluster: ctx.globals.cluster,
    width: o.size?.width,
    height: o.size?.height,
    timeoutMs: o.timeoutMs,
    log: ctx.log,
    prompter: stdinFree ? ctx.prompter() : undefined,
    warn: (text) => ctx.io.stderr.write(`${text}\n`),
    // In force from the first byte: the service may hand over clipboard text right at activation.
    clipboard: o.clipboard,
    idleTimeoutMs: o.idleTimeoutMs,
  });
  return session;
}

/** desktop-20261202-040236.png (UTC), safe in any file system. */
export function defaultScreenshotName(desktop: string, now: Date): string {
  const t = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return `${desktop.replace(/[^A-Za-z0-9_.-]/g, '_')}-${t}.png`;
}

function writeOut(ctx: CommandContext, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) =>
    ctx.io.stdout.write(data, (err) => (err ? reject(err) : resolve())),
  );
}

// --- screenshot --------------------------------------------------------------------------------

export async function runDesktopScreenshot(
  o: DesktopScreenshotOptions,
  ctx: CommandContext,
): Promise<number> {
  const file = o.output ?? defaultScreenshotName(o.desktop, ctx.clock.now());
  const session = await connect(o, ctx);
  try {
    // --settle 0: the screen as it is at activation, unchecked.
    const settled = o.settleMs === 0 || (await session.waitForSettle(o.idleMs, o.settleMs));
    if (!settled && session.version === 0) {
      throw new TshError(
        `desktop ${o.desktop} sent no picture within ${o.settleMs / 1000}s (--settle)`,
        'connection-problem',
      );
    }
    if (!settled) {
      // Still a screenshot (of the screen as it is now), but say so: the caller asked for a settled one.
      ctx.io.stderr.write(
        `WARNING: the screen of ${o.desktop} was still changing after ${o.settleMs / 1000}s (--settle); taking the screenshot anyway\n`,
      );
    }
    const png = session.screenshotPng();
    if (file === '-') {
      await writeOut(ctx, png);
    } else {
      try {
        writeFileAtomic(file, png, 0o644);
      } catch (err) {
        throw new TshError(`cannot write ${file}: ${errorLine(err)}`, 'bad-parameter');
      }
      ctx.io.stdout.write(`${file}\n`);
    }
  } finally {
    await session.close();
  }
  return 0;
}

// --- run ---------------------------------------------------------------------------------------

async function readScript(
  o: DesktopRunOptions,
  ctx: CommandContext,
): Promise<{ text: string; name: string; fromStdin: boolean }> {
  if (o.script && o.script !== '-') {
    const fs = await import('node:fs');
    try {
      return { text: fs.readFileSync(o.script, 'utf8'), name: path.basename(o.script), fromStdin: false };
    } catch (err) {
      throw new TshError(`cannot read script ${o.script}: ${errorLine(err)}`, 'bad-parameter');
    }
  }
  if (!o.script && ctx.io.stdin.isTTY) {
    throw new TshError('no script: give a script file, or "-" to type one on stdin', 'bad-parameter');
  }
  const chunks: Buffer[] = [];
  for await (const c of ctx.io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return { text: Buffer.concat(chunks).toString('utf8'), name: 'stdin', fromStdin: true };
}

function textEvent(ev: RunEvent): string {
  switch (ev.event) {
    case 'screenshot':
      return `screenshot ${ev.path} (${ev.width}x${ev.height})`;
    case 'frames':
      return `line ${ev.line}: ${ev.updates} screen updates so far${ev.settled === false ? ' (still changing)' : ''}`;
    case 'clipboard-set':
      return `line ${ev.line}: clipboard set (${ev.bytes} bytes)`;
    case 'clipboard':
      return `clipboard ${JSON.stringify(ev.text)}`;
  }
}

export async function runDesktopRun(o: DesktopRunOptions, ctx: CommandContext): Promise<number> {
  const json = o.format === 'json';
  const emit = (obj: Record<string, unknown>, human?: string) => {
    if (json) ctx.io.stdout.write(`${JSON.stringify(obj)}\n`);
    else if (human !== undefined) ctx.io.stdout.write(`${human}\n`);
  };
  let session: DesktopSession | undefined;
  try {
    const { text, name, fromStdin } = await readScript(o, ctx);
    // Parsed (and every key and text checked) before connecting.
    const steps = parseScript(text, name);
    const s = (session = await connect(o, ctx, !fromStdin));
    emit(
      {
        event: 'activated',
        desktop: o.desktop,
        login: s.login,
        width: s.width,
        height: s.height,
        protocol: s.dialect,
      },
      `connected to ${o.desktop} as ${s.login} (${s.width}x${s.height}, ${s.dialect === 'tdpb' ? 'TDPB' : 'TDP'})`,
    );
    await runScript(s, steps, { file: name, onEvent: (ev) => emit(ev, textEvent(ev)) });
    emit(
      { event: 'done', steps: steps.length, updates: s.stats.updates, frames: s.stats.frames },
      `done: ${steps.length} steps, ${s.stats.updates} screen updates`,
    );
  } catch (err) {
    // JSON readers get the failure as an event too; the error line goes to stderr as always.
    const line = (err as { line?: number }).line;
    if (json) emit({ event: 'error', ...(line ? { line } : {}), message: errorLine(err) });
    throw err;
  } finally {
    await session?.close();
  }
  return 0;
}

// --- connect (the browser viewer, src/viewer/) ---------------------------------------------------

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new TshError(
      `invalid --port ${JSON.stringify(text)}: use a port number from 1 to 65535`,
      'bad-parameter',
    );
  }
  return n;
}

export async function runDesktopConnect(o: DesktopViewerOptions, ctx: CommandContext): Promise<number> {
  const { startViewer } = await import('../viewer/viewer.js');
  const line = (text: string) => ctx.io.stdout.write(`${text}\n`);
  const s = await connect(o, ctx);
  line(
    `connected to ${o.desktop} as ${s.login} (${s.width}x${s.height}, ${s.dialect === 'tdpb' ? 'TDPB' : 'TDP'})`,
  );
  let viewer;
  try {
    viewer = await startViewer({
      session: s,
      port: o.port,
      browser: !o.noBrowser,
      env: ctx.env,
      log: ctx.log,
      status: line,
      warn: (text) => ctx.io.stderr.write(`WARNING: ${text}\n`),
      onUrl: (url) =>
        line(
          o.noBrowser ? `open this URL in a browser: ${url}` : `opening the viewer in the browser: ${url}`,
        ),
    });
  } catch (err) {
    await s.close();
    throw err;
  }
  // Ctrl-C (or a polite kill) ends the session cleanly: exit 0.
  const stop = () => viewer.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const end = await viewer.done;
    line(end.reason === 'page-closed' ? 'viewer closed: session ended' : 'session ended');
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
