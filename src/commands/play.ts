// tshjs play <file.tar|session-id>: replay or export a session recording.
//
// As tsh (tool/tsh/common/play.go), an argument ending in ".tar" is a local file in the
// proto-stream format (the ".tar" name is historical; it is not a tar archive); so is any
// other existing file. Anything else must be a session ID (a UUID), whose events are streamed
// from the cluster (AuthService.StreamSessionEvents).
//   --format text  real-time playback: SessionPrint data to stdout, paced by each event's
//                  DelayMilliseconds (lib/player timing), --speed and --skip-idle-time.
//   --format json  file: one compact JSON object per event and line (lib/events/playback.go
//                  Export); cluster: one indented array, `uid` dropped (play.go exportSession).
//   --format yaml  refused for local files, as upstream ("json" is the only supported format);
//                  cluster: one YAML document per event, separated by "---" lines.
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { IO } from '../term/io.js';
import { goIndentJSON } from '../format/gojson.js';
import { PlaybackControls } from '../recording/playcontrols.js';
import { ClientContext } from '../client/context.js';
import { grpcError } from '../client/grpc/errors.js';
import type { ClusterClient } from '../client/cluster.js';
import { withClusterClient } from '../client/session.js';
import { yaml } from '../util/lazy.js';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { translateDatabaseSession } from '../recording/postgres.js';
import { eventDelayMs, eventToJSON, parseTerminalSize } from '../recording/events.js';
import { RecordingError, RecordingReader, type UnknownEvent } from '../recording/reader.js';
import { TshError, badParameter } from '../util/errors.js';

/** Longest pause between two outputs with --skip-idle-time (lib/player MaxIdleTime). */
export const MAX_IDLE_MS = 500;
export const MIN_SPEED = 0.5;
export const MAX_SPEED = 8;

export const DESKTOP_NOT_PLAYABLE =
  'Desktop sessions cannot be played with tshjs play. Export the recording to video with tsh recordings export or view the recording in your web browser.';
export const NOT_INTERACTIVE =
  'Interactive session replay is only supported for SSH and Kubernetes sessions. To play app or database sessions, specify --format=json.';

// OneOf members of app sessions (not declared in our events.proto subset).
const APP_SESSION_FIELDS = new Set([37 /* AppSessionStart */, 38 /* AppSessionChunk */]);

export interface PlayOptions {
  /** Session ID or path to a local recording file (*.tar). */
  target: string;
  /** text (default), json or yaml. */
  format?: string;
  /** Playback speed, 0.5 to 8 ("2" or "2x"); text format only. */
  speed?: string | number;
  /** Cap every pause at 500 ms; text format only. */
  skipIdleTime?: boolean;
  /** Injectable clock for tests. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function parseSpeed(v: string | number | undefined): number {
  if (v === undefined) return 1;
  const n = typeof v === 'number' ? v : Number(String(v).trim().replace(/x$/i, ''));
  if (!Number.isFinite(n) || n < MIN_SPEED || n > MAX_SPEED) {
    throw badParameter(`--speed must be a number between ${MIN_SPEED} and ${MAX_SPEED}, got "${v}"`);
  }
  return n;
}

/** Whether tsh treats the argument as a local file rather than a session ID. */
export function isLocalRecording(target: string): boolean {
  return path.extname(target) === '.tar';
}

async function openRecording(file: string): Promise<fsp.FileHandle> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const st = await handle.stat();
    if (st.isDirectory()) throw new TshError(`read ${file}: is a directory`, 'bad-parameter');
    if (st.size === 0) throw new RecordingError(`not a Teleport session recording: ${file} is empty`);
    return handle;
  } catch (err) {
    await handle?.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TshError(`open ${file}: no such file or directory`, 'not-found');
    if (code === 'EACCES') throw new TshError(`open ${file}: permission denied`, 'access-denied');
    if (code === 'EISDIR') throw new TshError(`read ${file}: is a directory`, 'bad-parameter');
    throw err;
  }
}

async function write(io: IO, data: string | Uint8Array): Promise<void> {
  if (!io.stdout.write(data)) await once(io.stdout, 'drain');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the argument names a session (a UUID, as tsh requires) rather than a file. */
export function isSessionId(target: string): boolean {
  return UUID.test(target);
}

/** The event without its `uid`, as tsh clears it before exporting ("so output matches file export"). */
function withoutId(ev: OneOf): OneOf {
  if (!ev.Event?.value.Metadata) return ev;
  const value = { ...ev.Event.value, Metadata: { ...ev.Event.value.Metadata, ID: '' } };
  return { Event: { ...ev.Event, value } as OneOf['Event'] };
}

export async function runPlay(ioOrCtx: IO | ClientContext, o: PlayOptions): Promise<number> {
  const ctx = ioOrCtx instanceof ClientContext ? ioOrCtx : undefined;
  const io = ctx ? ctx.io : (ioOrCtx as IO);
  const format = (o.format ?? 'text').toLowerCase();
  if (!['text', 'json', 'yaml'].includes(format)) {
    throw badParameter(`unsupported format "${format}", use text, json or yaml`);
  }
  const speed = parseSpeed(o.speed);
  if (!isLocalRecording(o.target) && !fs.existsSync(o.target)) {
    if (!isSessionId(o.target)) {
      throw badParameter(`'${o.target}' is not a valid session ID (must be GUID)`);
    }
    if (!ctx) throw badParameter('playing a recording from the cluster needs a cluster context');
    return playFromCluster(ctx, o.target, format, speed, o);
  }
  if (format === 'yaml') throw badParameter('unsupported format "yaml", "json" is the only supported format');
  if (format === 'json' && o.speed !== undefined && speed !== 1) {
    io.stderr.write('WARNING: --speed is not applicable for formats other than text\n');
  }

  const handle = await openRecording(o.target);
  const unknown: UnknownEvent[] = [];
  let unknownCount = 0;
  const reader = new RecordingReader(handle.createReadStream({ highWaterMark: 64 * 1024 }), {
    onUnknown: (u) => {
      unknownCount++;
      if (unknown.length < 16) unknown.push(u);
    },
  });
  try {
    if (format === 'json') {
      for await (const ev of reader) {
        const line = eventToJSON(ev);
        if (line !== undefined) await write(io, `${line}\n`);
      }
      if (unknownCount > 0) {
        io.stderr.write(
          `WARNING: skipped ${unknownCount} event(s) of type(s) tshjs cannot decode (OneOf field ${[...new Set(unknown.map((u) => u.field))].join(', ')})\n`,
        );
      }
      return 0;
    }
    const reopened: fs.ReadStream[] = [];
    try {
      await playText(io, reader, unknown, {
        speed,
        skipIdleTime: !!o.skipIdleTime,
        sleep: o.sleep ?? realSleep,
        reopen: () => {
          const stream = fs.createReadStream(o.target, { highWaterMark: 64 * 1024 });
          reopened.push(stream);
          return new RecordingReader(stream);
        },
      });
    } finally {
      for (const s of reopened) s.destroy();
    }
    return 0;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The events of a session streamed from the cluster (StreamSessionEvents from index 0). */
async function* fromCluster(cc: ClusterClient, sid: string): AsyncGenerator<OneOf> {
  const stream = cc.auth.streamSessionEvents({ SessionID: sid, StartIndex: 0 });
  try {
    for await (const ev of stream as AsyncIterable<OneOf>) yield ev;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 5 /* NOT_FOUND */)
      throw new TshError(`Recording for session ${sid} not found.`, 'not-found');
    throw grpcError(err, 'stream session events');
  } finally {
    stream.cancel();
  }
}

async function playFromCluster(
  ctx: ClientContext,
  sid: string,
  format: string,
  speed: number,
  o: PlayOptions,
): Promise<number> {
  const io = ctx.io;
  if (format !== 'text' && o.speed !== undefined && speed !== 1) {
    io.stderr.write('WARNING: --speed is not applicable for formats other than text\n');
  }
  return withClusterClient(ctx, async (cc) => {
    const events = () => fromCluster(cc, sid);
    if (format === 'json') {
      let n = 0;
      for await (const ev of events()) {
        const compact = eventToJSON(withoutId(ev));
        if (compact === undefined) continue;
        await write(io, `${n++ === 0 ? '[\n' : ',\n'}    ${goIndentJSON(compact, '    ', '    ')}`);
      }
      await write(io, n === 0 ? '[\n]\n' : ']\n');
      return 0;
    }
    if (format === 'yaml') {
      let n = 0;
      for await (const ev of events()) {
        const compact = eventToJSON(withoutId(ev));
        if (compact === undefined) continue;
        const doc = yaml().stringify(JSON.parse(compact), { lineWidth: 0, sortMapEntries: true });
        await write(io, `${n++ === 0 ? '' : '---\n'}${doc}`);
      }
      return 0;
    }
    await playText(io, events(), [], {
      speed,
      skipIdleTime: !!o.skipIdleTime,
      sleep: o.sleep ?? realSleep,
      reopen: () => fromCluster(cc, sid),
    });
    return 0;
  });
}

/** Real-time playback of a terminal session (lib/player timing, lib/client playSession output). */
async function playText(
  io: IO,
  source: AsyncIterable<OneOf>,
  unknown: UnknownEvent[],
  o: {
    speed: number;
    skipIdleTime: boolean;
    sleep: (ms: number) => Promise<void>;
    /** Reads the recording again from the start (seeking backwards on a terminal). */
    reopen?: () => AsyncIterable<OneOf>;
  },
): Promise<void> {
  const tty = !!io.stdout.isTTY;
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
      if (tty) await write(io, '\x1b[2J\x1b[1;1H'); // clear screen, cursor to 1,1
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
            if (tty && size) await write(io, `\x1b[8;${size.height};${size.width}t`);
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
                await o.sleep(wait);
                clock = delay;
                break;
              }
              const t0 = Date.now();
              await controls.sleep(wait);
              // A key may have cut the sleep short: advance by the time that really passed.
              clock =
                capped && Date.now() - t0 >= wait
                  ? delay
                  : Math.min(delay, clock + (Date.now() - t0) * o.speed);
            }
            if (restart) break;
            if (controls?.quit) return;
            // As upstream's player, the next wait counts from this event's delay.
            clock = Math.max(delay, skipUntil);
            if (ev.Event.value.Data.length > 0) await write(io, ev.Event.value.Data);
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
