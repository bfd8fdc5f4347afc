// Runs a parsed desktop script (script.ts) against an open session, step by step, reporting what
// happened through a callback (the command prints it as text or JSON lines).
import { writeFileAtomic } from '../util/fsutil.js';
import { TshError } from '../util/errors.js';
import type { ScriptLine } from './script.js';
import type { DesktopSession } from './session.js';

export type RunEvent =
  | { event: 'frames'; line: number; updates: number; frames: number; version: number; settled?: boolean }
  | { event: 'screenshot'; line: number; path: string; width: number; height: number; bytes: number }
  | { event: 'clipboard-set'; line: number; bytes: number }
  | { event: 'clipboard'; line: number; text: string };

export interface RunScriptOptions {
  /** The script's name in errors ("script.txt:3: …"). */
  file?: string;
  /** Where relative screenshot paths go (default: the current directory). */
  writeFile?: (file: string, data: Buffer) => void;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (ev: RunEvent) => void;
}

/** A failed step: the session's or the step's own error, with the script line in front. */
export class ScriptStepError extends TshError {
  constructor(
    readonly line: number,
    readonly stepError: Error,
    file = 'script',
  ) {
    super(
      `${file}:${line}: ${stepError.message}`,
      stepError instanceof TshError ? stepError.kind : 'connection-problem',
      1,
      { cause: stepError },
    );
    this.name = 'ScriptStepError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runScript(
  session: DesktopSession,
  steps: ScriptLine[],
  opts: RunScriptOptions = {},
): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
  const write = opts.writeFile ?? ((f, d) => writeFileAtomic(f, d, 0o644));
  const frames = (line: number, settled?: boolean): RunEvent => ({
    event: 'frames',
    line,
    updates: session.stats.updates,
    frames: session.stats.frames,
    version: session.version,
    ...(settled === undefined ? {} : { settled }),
  });
  for (const step of steps) {
    try {
      switch (step.op) {
        case 'type':
        case 'key':
          await session.keyEvents(step.keys);
          break;
        case 'click':
          await session.click(step.x, step.y, step.button);
          break;
        case 'move':
          await session.mouseMove(step.x, step.y);
          break;
        case 'scroll':
          await session.scroll(step.notches);
          break;
        case 'wait':
          await unlessClosed(session, sleep(step.ms));
          opts.onEvent?.(frames(step.line));
          break;
        case 'wait-change':
          await session.waitForChange(step.timeoutMs);
          opts.onEvent?.(frames(step.line));
          break;
        case 'wait-settle': {
          const settled = await session.waitForSettle(step.quietMs, step.timeoutMs);
          opts.onEvent?.(frames(step.line, settled));
          break;
        }
        case 'clipboard-set':
          await session.setClipboard(step.text);
          opts.onEvent?.({ event: 'clipboard-set', line: step.line, bytes: Buffer.byteLength(step.text) });
          break;
        case 'clipboard-get': {
          const text = await session.waitForClipboard(step.timeoutMs);
          opts.onEvent?.({ event: 'clipboard', line: step.line, text });
          break;
        }
        case 'screenshot': {
          const png = session.screenshotPng();
          try {
            write(step.file, png);
          } catch (err) {
            throw new TshError(`cannot write ${step.file}: ${(err as Error).message}`, 'bad-parameter');
          }
          opts.onEvent?.({
            event: 'screenshot',
            line: step.line,
            path: step.file,
            width: session.width,
            height: session.height,
            bytes: png.length,
          });
          break;
        }
      }
    } catch (err) {
      throw new ScriptStepError(step.line, err instanceof Error ? err : new Error(String(err)), opts.file);
    }
  }
}

/** Waits for `p`, or rejects as soon as the session ends. */
async function unlessClosed(session: DesktopSession, p: Promise<void>): Promise<void> {
  let off = () => {};
  const closed = new Promise<never>((_, reject) => {
    const onClosed = (err: Error | undefined) =>
      reject(
        err ?? new TshError(`the desktop session to ${session.desktop} is closed`, 'connection-problem'),
      );
    if (session.closed) return onClosed(session.error);
    session.once('closed', onClosed);
    off = () => session.off('closed', onClosed);
  });
  try {
    await Promise.race([p, closed]);
  } finally {
    off();
  }
}
