// A desktop session in the browser: serves the viewer on 127.0.0.1, opens (or prints) its URL,
// joins the page's WebSocket to the session, and reports each change of state as one line.
// Ends when the page goes away (tab closed), on `stop()` (Ctrl-C), or when the session ends.
import { noLog, type Logger } from '../client/config.js';
import type { DesktopSession } from '../tdp/session.js';
import { errorLine, TshError } from '../util/errors.js';
import { CLOSE_GOING_AWAY, CLOSE_NORMAL } from '../wire/websocket.js';
import { ViewerBridge } from './bridge.js';
import { openBrowser } from './browser.js';
import { ViewerServer } from './server.js';
import type { ServerSocket } from './socket.js';

export interface ViewerOptions {
  session: DesktopSession;
  /** Local port (default: any free one). */
  port?: number;
  /** Open the system browser (false: only print the URL). */
  browser: boolean;
  env: NodeJS.ProcessEnv;
  /** One line of state for the terminal. */
  status: (line: string) => void;
  /** A warning line for the terminal. */
  warn: (line: string) => void;
  /** Called with the URL once the server listens (before the browser is started). */
  onUrl?: (url: string) => void;
  /** Give up when no page connected in this long (ms, default 5 minutes). */
  pageTimeoutMs?: number;
  log?: Logger;
}

export type ViewerEnd =
  { reason: 'page-closed' } | { reason: 'stopped' } | { reason: 'session-ended'; error?: Error };

export interface RunningViewer {
  url: string;
  server: ViewerServer;
  /** Resolves when the viewer is over (the session closed); rejects on a session error. */
  done: Promise<ViewerEnd>;
  /** Ends everything (Ctrl-C). */
  stop(): void;
}

export const DEFAULT_PAGE_TIMEOUT_MS = 5 * 60_000;

export async function startViewer(o: ViewerOptions): Promise<RunningViewer> {
  const log = o.log ?? noLog;
  const session = o.session;
  const server = await ViewerServer.start({ port: o.port, title: `${session.desktop} — tshjs` });
  let socket: ServerSocket | undefined;
  let bridge: ViewerBridge | undefined;
  let finish!: (end: ViewerEnd) => void;
  let ended = false;
  const done = new Promise<ViewerEnd>((resolve) => (finish = resolve)).then(async (end) => {
    clearTimeout(pageTimer);
    if (bridge) log('viewer: sent', { ...bridge.stats });
    if (socket?.open) {
      const error = end.reason === 'session-ended' && end.error;
      socket.sendText(
        JSON.stringify({
          type: 'end',
          error: !!error,
          text: error ? `session ended: ${errorLine(error)}` : 'session ended',
        }),
      );
      // The page answers the close (the socket gives up after 1 s): it has then read the 'end' line.
      const gone = new Promise((resolve) => socket!.once('close', resolve));
      socket.close(end.reason === 'session-ended' ? CLOSE_GOING_AWAY : CLOSE_NORMAL);
      await gone;
    }
    await session.close();
    await server.close();
    if (end.reason === 'session-ended' && end.error) throw end.error;
    return end;
  });
  // Awaited by the caller once this returns; an early session error must not count as unhandled.
  done.catch(() => undefined);
  const end = (e: ViewerEnd) => {
    if (ended) return;
    ended = true;
    finish(e);
  };

  session.once('closed', (error) => end({ reason: 'session-ended', error }));
  session.on('alert', ({ level, message }) => {
    if (level !== 'error') o.warn(`desktop ${session.desktop}: ${message}`);
  });
  session.on('activated', (a) => {
    if (a.reactivation) o.status(`desktop reactivated at ${a.width}x${a.height}`);
  });
  server.on('page', () => o.status('viewer page opened'));
  server.on('refused', ({ what, reason }) =>
    o.warn(`refused a ${what === 'page' ? 'page load' : 'WebSocket'}: ${reason}`),
  );
  server.on('socket', (s) => {
    socket = s;
    clearTimeout(pageTimer);
    o.status('browser connected');
    bridge = new ViewerBridge(session, s, log);
    s.sendText(JSON.stringify({ type: 'status', text: `${session.desktop} as ${session.login}` }));
    s.once('close', ({ code }) => {
      log('viewer: page closed', { code });
      if (!ended) o.status('browser disconnected');
      end({ reason: 'page-closed' });
    });
  });
  const pageTimeoutMs = o.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS;
  const pageTimer = setTimeout(() => {
    end({
      reason: 'session-ended',
      error: new TshError(
        `no browser opened the viewer within ${Math.round(pageTimeoutMs / 1000)}s; the session was ended`,
        'connection-problem',
      ),
    });
  }, pageTimeoutMs);

  o.onUrl?.(server.url);
  if (o.browser) {
    const failed = await openBrowser(server.url, o.env);
    if (failed) o.warn(`could not open a browser (${failed}): open the URL above yourself`);
  }
  return { url: server.url, server, done, stop: () => end({ reason: 'stopped' }) };
}
