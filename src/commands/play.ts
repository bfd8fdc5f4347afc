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
// The playback engine and the exports live in src/recording (player.ts, export.ts, file.ts).
import * as fs from 'node:fs';
import { exportRecordingJSON, exportSessionJSON, exportSessionYAML } from '../recording/export.js';
import { RecordingFile } from '../recording/file.js';
import { isLocalRecording, isSessionId, parseSpeed, playText } from '../recording/player.js';
import { badParameter } from '../util/errors.js';
import { defineCommand, formatFlag } from './command.js';
import type { CommandContext } from './context.js';

export interface PlayOptions {
  /** Session ID or path to a local recording file (*.tar). */
  target: string;
  /** text (default), json or yaml. */
  format?: string;
  /** Playback speed, 0.5 to 8 ("2" or "2x"); text format only. */
  speed?: string | number;
  /** Cap every pause at 500 ms; text format only. */
  skipIdleTime?: boolean;
}

export const play = defineCommand<PlayOptions>({
  path: ['play'],
  description: 'Replay a recorded session from the cluster or a local recording file',
  args: [{ name: '<session-id|file>', description: 'session ID, or path to a recording file (*.tar)' }],
  flags: [
    formatFlag(),
    { flags: '--speed <n>', description: 'Playback speed, 0.5 to 8 (text format)' },
    { flags: '--skip-idle-time', description: 'Cap pauses in the playback at 500 ms (text format)' },
  ],
  options: (args, f) => ({
    target: args[0] as string,
    format: f.format as string | undefined,
    speed: f.speed as string | undefined,
    skipIdleTime: f.skipIdleTime as boolean | undefined,
  }),
  run: runPlay,
});

export const commands = [play];

const SPEED_NOT_APPLICABLE = 'WARNING: --speed is not applicable for formats other than text\n';

/** Plays or exports a local recording (needs only ctx.io) or a session of the cluster. */
export async function runPlay(o: PlayOptions, ctx: CommandContext): Promise<number> {
  const format = (o.format ?? 'text').toLowerCase();
  if (!['text', 'json', 'yaml'].includes(format)) {
    throw badParameter(`unsupported format "${format}", use text, json or yaml`);
  }
  const speed = parseSpeed(o.speed);
  if (!isLocalRecording(o.target) && !fs.existsSync(o.target)) {
    if (!isSessionId(o.target)) {
      throw badParameter(`'${o.target}' is not a valid session ID (must be GUID)`);
    }
    return playSession(ctx, o.target, format, speed, o);
  }
  return playFile(ctx, o.target, format, speed, o);
}

async function playFile(
  ctx: CommandContext,
  file: string,
  format: string,
  speed: number,
  o: PlayOptions,
): Promise<number> {
  const io = ctx.io;
  if (format === 'yaml') throw badParameter('unsupported format "yaml", "json" is the only supported format');
  if (format === 'json' && o.speed !== undefined && speed !== 1) io.stderr.write(SPEED_NOT_APPLICABLE);
  const rec = await RecordingFile.open(file);
  try {
    const events = rec.events();
    if (format === 'json') {
      await exportRecordingJSON(io, events);
      const warning = rec.unknownWarning();
      if (warning) io.stderr.write(warning);
      return 0;
    }
    await playText(io, events, {
      speed,
      skipIdleTime: !!o.skipIdleTime,
      clock: ctx.clock,
      unknown: rec.unknown,
      reopen: () => rec.reopen(),
    });
    return 0;
  } finally {
    await rec.close();
  }
}

async function playSession(
  ctx: CommandContext,
  sid: string,
  format: string,
  speed: number,
  o: PlayOptions,
): Promise<number> {
  const io = ctx.io;
  if (format !== 'text' && o.speed !== undefined && speed !== 1) io.stderr.write(SPEED_NOT_APPLICABLE);
  const tc = ctx.client();
  // Credentials first: a missing login is reported before anything is written (the screen cleared).
  await tc.identity();
  const events = () => tc.sessionEvents(sid);
  if (format === 'json') await exportSessionJSON(io, events());
  else if (format === 'yaml') await exportSessionYAML(io, events());
  else {
    await playText(io, events(), {
      speed,
      skipIdleTime: !!o.skipIdleTime,
      clock: ctx.clock,
      reopen: events,
    });
  }
  return 0;
}
