// Real-time playback of a recorded terminal session, as tsh play (tool/tsh/common/play.go) and
// upstream's player (lib/player timing, lib/client playSession output): SessionPrint data to
// stdout, each write paced by the event's DelayMilliseconds, --speed and --skip-idle-time; on a
// terminal the screen is cleared and resized, and PlaybackControls pause, seek and quit.
// Desktop, app and non-Postgres database sessions are refused with tsh's messages.
//
// The player knows nothing of where events come from: it takes an AsyncIterable<OneOf> (a
// RecordingReader over a file, or a cluster's StreamSessionEvents), the IO and a clock.
import * as path from 'node:path';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import type { IO } from '../term/io.js';
import { badParameter } from '../util/errors.js';
import { eventDelayMs, parseTerminalSize } from './events.js';
import { writeOut } from './export.js';
import { PlaybackControls } from './playcontrols.js';
import { translateDatabaseSession } from './postgres.js';
import type { UnknownEvent } from './reader.js';

/** Longest pause between two outputs with --skip-idle-time (lib/player MaxIdleTime). */
export const MAX_IDLE_MS = 500;
export const MIN_SPEED = 0.5;
export const MAX_SPEED = 8;

export const DESKTOP_NOT_PLAYABLE =
  'Desktop sessions cannot be played with tshjs play. Export the recording to video with tshjs recordings export or view the recording in your web browser.';
export const NOT_INTERACTIVE =
  'Interactive session replay is only supported for SSH and Kubernetes sessions. To play app or database sessions, specify --format=json.';

// OneOf members of app sessions (not declared in our events.proto subset).
const APP_SESSION_FIELDS = new Set([37 /* AppSessionStart */, 38 /* AppSessionChunk */]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Playback speed from --speed: 0.5 to 8, "2" or "2x"; 1 when not given. */
export function parseSpeed(v: string | number | undefined): number {
  if (v === undefined) return 1;
  const n = typeof v === 'number' ? v : Number(String(v).trim().replace(/x$/i, ''));
  if (!Number.isFinite(n) || n < MIN_SPEED || n > MAX_SPEED) {
    throw badParameter(`--speed must be a number between ${MIN_SPEED} and ${MAX_SPEED}, got "${v}"`);
  }
  return n;
}

/** Whether tsh treats the argument as a local file rather than a session ID (a ".tar" name). */
export function isLocalRecording(target: string): boolean {
  return path.extname(target) === '.tar';
}

/** Whether the argument names a session (a UUID, as tsh requires) rather than a file. */
export function isSessionId(target: string): boolean {
  return UUID.test(target);
}

/** The player's view of time: how it waits between outputs (tests inject a recording one). */
export interface PlaybackClock {
  sleep(ms: number): Promise<void>;
}

export interface PlayTextOptions {
  /** 0.5 to 8 (parseSpeed). */
  speed: number;
  /** Cap every pause at MAX_IDLE_MS. */
  skipIdleTime: boolean;
  /** Waits between outputs when no PlaybackControls run (stdin or stdout not a terminal). */
  clock: PlaybackClock;
  /**
   * Events the source could not decode, filled while it is read (RecordingReader onUnknown):
   * app sessions among them are refused.
   */
  unknown?: readonly UnknownEvent[];
  /** Reads the recording again from the start (seeking backwards on a terminal). */
  reopen?: () => AsyncIterable<OneOf>;
}

/** Real-time playback of a terminal session (lib/player timing, lib/client playSession output). */
export async function playText(io: IO, source: AsyncIterable<OneOf>, o: PlayTextOptions): Promise<void> {
  const tty = !!io.stdout.isTTY;
  const unknown = o.unknown ?? [];
  const controls = PlaybackControls.forIO(io);
  const checkUnknown = (): void => {
    if (unknown.some((u) => APP_SESSION_FIELDS.has(u.field))) throw badParameter(NOT_INTERACTIVE);
  };
  try {
    // Postgres sessions become terminal output first (upstream translates before playing).
    let events = translateDatabaseSession(source);
    // The recording time (ms) shown so far; output up to it is written without waiting.
    let clock = 0;
    // Seek target: output up to here is shown at once (also after reading again from the start).
    let skipUntil = 0;
    let restart = true;
    while (restart) {
      restart = false;
      if (tty) await writeOut(io, '\x1b[2J\x1b[1;1H'); // clear screen, cursor to 1,1
      clock = 0;
      for await (const ev of events) {
        checkUnknown();
        switch (ev.Event?.$case) {
          case 'WindowsDesktopSessionStart':
          case 'DesktopRecording':
            throw badParameter(DESKTOP_NOT_PLAYABLE);
          case 'DatabaseSessionStart':
            throw badParameter(NOT_INTERACTIVE);
          case 'SessionStart':
          case 'Resize': {
            const size = parseTerminalSize(ev.Event.value.TerminalSize);
            if (tty && size) await writeOut(io, `\x1b[8;${size.height};${size.width}t`);
            break;
          }
          case 'SessionPrint': {
            const delay = eventDelayMs(ev) ?? 0;
            // Up to a seek target (also when replaying from the start after seeking back): no waiting.
            if (delay <= skipUntil) clock = delay;
            while (delay > clock) {
              if (controls) {
                await controls.waitWhilePaused();
                if (controls.quit) return;
                if (controls.seek !== 0) {
                  const target = Math.max(0, clock + controls.seek);
                  controls.seek = 0;
                  if (target < clock && o.reopen) {
                    // Back: read again from the start, showing output up to the target at once.
                    skipUntil = target;
                    events = translateDatabaseSession(o.reopen());
                    restart = true;
                    break;
                  }
                  skipUntil = Math.max(skipUntil, target);
                  clock = Math.max(clock, target);
                  continue;
                }
              }
              let wait = (delay - clock) / o.speed;
              const capped = o.skipIdleTime && wait > MAX_IDLE_MS;
              if (capped) wait = MAX_IDLE_MS;
              if (!controls) {
                await o.clock.sleep(wait);
                clock = delay;
                break;
              }
              // With controls a key may cut the sleep short: they wait on the wall clock, and the
              // recording advances by the time that really passed.
              const t0 = Date.now();
              await controls.sleep(wait);
              clock =
                capped && Date.now() - t0 >= wait
                  ? delay
                  : Math.min(delay, clock + (Date.now() - t0) * o.speed);
            }
            if (restart) break;
            if (controls?.quit) return;
            // As upstream's player, the next wait counts from this event's delay.
            clock = Math.max(delay, skipUntil);
            if (ev.Event.value.Data.length > 0) await writeOut(io, ev.Event.value.Data);
            break;
          }
          default:
            break;
        }
        if (restart) break;
      }
    }
    checkUnknown();
  } finally {
    controls?.close();
  }
}
