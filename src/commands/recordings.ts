// tshjs recordings ls: the session recordings of the cluster (tool/tsh/common/tsh.go
// onRecordings -> client GetPaginatedSessions -> AuthService.GetSessionEvents, newest first;
// output as tool/common/common.go ShowSessions).
//   text  table ID | Type | Participants | Target | Timestamp, one row per session end
//   json  json.MarshalIndent(events, "", "    ") of the full events
//   yaml  the events as one YAML sequence (ghodss/yaml: keys sorted)
// Text rows as tool/common/common.go SessionsCollection.WriteText (v17+, docs/recordings-format.md): a
// session.end is ID | Connection.Protocol | Participants | ServerHostname (KubernetesCluster for
// kube) | time; a windows.desktop.session.end is ID | "windows" | Participants | DesktopName |
// time; a db.session.end is ID | DatabaseProtocol | User | DatabaseName | time; anything else is
// skipped with a warning.
//
// tshjs recordings export SESSION_ID|FILE: a desktop session to video (src/recording/desktop-export.ts;
// docs/desktop-recordings.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseGoDuration } from '../format/duration.js';
import { goIndentJSON } from '../format/gojson.js';
import { goFormatUTC } from '../format/gotime.js';
import { YamlSequenceWriter } from '../output/printer.js';
import { Table } from '../output/table.js';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { eventToJSON } from '../recording/events.js';
import { DesktopGraphics } from '../rdp/graphics.js';
import { encodePng } from '../rdp/png.js';
import {
  FRAMES_PER_SECOND,
  NOT_DESKTOP,
  renderDesktopRecording,
  scanDesktopRecording,
  type DesktopScreen,
} from '../recording/desktop-export.js';
import { AviFileSink, PngDirSink } from '../recording/export-sinks.js';
import { RecordingFile } from '../recording/file.js';
import { isLocalRecording, isSessionId } from '../recording/player.js';
import { badParameter } from '../util/errors.js';
import { defineCommand, formatFlag } from './command.js';
import type { CommandContext } from './context.js';

/** lib/defaults TshTctlSessionListLimit / TshTctlSessionDayLimit. */
export const DEFAULT_LIMIT = 50;
export const DAY_LIMIT = 365;
const DAY_MS = 24 * 3600 * 1000;

export interface RecordingsLsOptions {
  format?: string;
  fromUtc?: string;
  toUtc?: string;
  last?: string;
  limit?: string | number;
}

export const group = {
  name: 'recordings',
  description: 'View and control session recordings',
  aliases: ['recording'],
};

export const recordingsLs = defineCommand<RecordingsLsOptions>({
  path: ['recordings', 'ls'],
  description: 'List recorded sessions',
  flags: [
    formatFlag(),
    {
      flags: '--from-utc <date>',
      description: 'Start of time range in which recordings are listed. Format 2006-01-02',
    },
    {
      flags: '--to-utc <date>',
      description: 'End of time range in which recordings are listed. Format 2006-01-02',
    },
    { flags: '--limit <n>', description: 'Maximum number of recordings to show', default: '50' },
    {
      flags: '--last <duration>',
      description: 'Duration into the past from which session recordings should be listed, e.g. 5h30m40s',
    },
  ],
  options: (_args, f) => ({
    format: f.format as string | undefined,
    fromUtc: f.fromUtc as string | undefined,
    toUtc: f.toUtc as string | undefined,
    limit: f.limit as string | undefined,
    last: f.last as string | undefined,
  }),
  run: runRecordingsLs,
});

/** Go layout "2006-01-02" in UTC (defaults.TshTctlSessionListTimeFormat). */
function parseDate(flag: string, v: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  // Date.UTC rolls over (month 13, February 30): a date that does not exist is refused, as Go's.
  if (!d || d.getUTCMonth() !== Number(m![2]) - 1 || d.getUTCDate() !== Number(m![3])) {
    throw badParameter(`parsing time "${v}" as "2006-01-02": cannot parse --${flag} (expected YYYY-MM-DD)`);
  }
  return d;
}

export function recordingsRange(o: RecordingsLsOptions, now = new Date()): { from: Date; to: Date } {
  if (o.last !== undefined) {
    if (o.fromUtc !== undefined || o.toUtc !== undefined) {
      throw badParameter("use of 'since' is mutually exclusive with 'from-utc' and 'to-utc' flags");
    }
    let ms: number;
    try {
      ms = parseGoDuration(o.last);
    } catch {
      throw badParameter(`time: invalid duration "${o.last}"`);
    }
    return { from: new Date(now.getTime() - ms), to: now };
  }
  const from = o.fromUtc !== undefined ? parseDate('from-utc', o.fromUtc) : new Date(now.getTime() - DAY_MS);
  const to = o.toUtc !== undefined ? parseDate('to-utc', o.toUtc) : now;
  const days = Math.floor((to.getTime() - from.getTime()) / DAY_MS);
  if (days > DAY_LIMIT) {
    throw badParameter(
      `date range for recording listing too large: ${days} days specified: limit ${DAY_LIMIT} days`,
    );
  }
  return { from, to };
}

/** --limit: a non-negative integer (0 = no limit); DEFAULT_LIMIT when not given. */
export function parseLimit(v: string | number | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0) throw badParameter(`--limit must be a non-negative integer, got "${v}"`);
  return n;
}

/** The text row of a session end event, or undefined for other events. */
export function sessionRow(e: OneOf): string[] | undefined {
  const ev = e.Event;
  if (ev?.$case === 'SessionEnd') {
    const v = ev.value;
    const protocol = v.Connection?.Protocol ?? '';
    return [
      v.Session?.SessionID ?? '',
      protocol,
      v.Participants.join(', '),
      protocol === 'kube' ? (v.KubernetesCluster?.KubernetesCluster ?? '') : (v.Server?.ServerHostname ?? ''),
      humanDateSeconds(v.Metadata?.Time ?? new Date(0)),
    ];
  }
  if (ev?.$case === 'DatabaseSessionEnd') {
    const v = ev.value;
    return [
      v.Session?.SessionID ?? '',
      v.Database?.DatabaseProtocol ?? '',
      v.User?.User ?? '',
      v.Database?.DatabaseName ?? '',
      humanDateSeconds(v.Metadata?.Time ?? new Date(0)),
    ];
  }
  if (ev?.$case === 'WindowsDesktopSessionEnd') {
    const v = ev.value;
    return [
      v.Session?.SessionID ?? '',
      'windows',
      v.Participants.join(', '),
      v.DesktopName,
      humanDateSeconds(v.Metadata?.Time ?? new Date(0)),
    ];
  }
  return undefined;
}

/** constants.HumanDateFormatSeconds: "Jan _2 15:04:05 UTC". */
export function humanDateSeconds(d: Date): string {
  return goFormatUTC(d, 'Jan _2 15:04:05 UTC');
}

export async function runRecordingsLs(o: RecordingsLsOptions, ctx: CommandContext): Promise<number> {
  const format = (o.format ?? 'text').toLowerCase();
  if (!['text', 'json', 'yaml'].includes(format)) throw badParameter(`unknown format "${format}"`);
  const { from, to } = recordingsRange(o, ctx.clock.now());
  const limit = parseLimit(o.limit);
  const events = await ctx.client().sessionEnds({ from, to, limit });
  const out = ctx.io.stdout;
  if (format === 'json') {
    const items = events.map((e) => eventToJSON(e)).filter((s): s is string => s !== undefined);
    out.write(
      items.length === 0
        ? '[]\n'
        : `[\n    ${items.map((s) => goIndentJSON(s, '    ', '    ')).join(',\n    ')}\n]\n`,
    );
    return 0;
  }
  if (format === 'yaml') {
    const w = new YamlSequenceWriter(out);
    for (const e of events) {
      const s = eventToJSON(e);
      if (s !== undefined) w.write(JSON.parse(s));
    }
    w.end();
    return 0;
  }
  const t = new Table([
    { title: 'ID' },
    { title: 'Type' },
    { title: 'Participants' },
    { title: 'Target' },
    { title: 'Timestamp' },
  ]);
  for (const e of events) {
    const row = sessionRow(e);
    if (!row) {
      ctx.io.stderr.write(
        `WARNING: unsupported event type: expected SessionEnd, WindowsDesktopSessionEnd or DatabaseSessionEnd: got: ${e.Event?.$case ?? 'unknown'}\n`,
      );
      continue;
    }
    t.addRow(row);
  }
  out.write(t.toString());
  return 0;
}

export interface RecordingsExportOptions {
  /** Session ID, or a local recording file (as `play` accepts). */
  target: string;
  /** avi (default) or png. */
  format?: string;
  /** AVI: the file (".avi" added when missing, as upstream's --out); PNG: the directory. */
  out?: string;
}

export const recordingsExport = defineCommand<RecordingsExportOptions>({
  path: ['recordings', 'export'],
  description: 'Export recorded desktop sessions to video.',
  args: [{ name: '<session-id>', description: 'ID of the session to export, or a recording file (*.tar)' }],
  flags: [
    {
      flags: '--format <format>',
      description: 'Output: avi (Motion-JPEG video) or png (numbered frames)',
      default: 'avi',
    },
    { flags: '-o, --out <file>', description: 'Override output file name (a directory for --format png)' },
  ],
  options: (args, f) => ({
    target: args[0] as string,
    format: f.format as string | undefined,
    out: f.out as string | undefined,
  }),
  run: runRecordingsExport,
});

/** Upstream's --out handling: a trailing .avi/.AVI (or .mp4) is dropped and ".avi" added. */
export function aviFileName(out: string | undefined, sid: string): string {
  const prefix = out ? out.replace(/\.(avi|AVI|mp4|MP4)$/, '') : sid;
  return `${prefix}.avi`;
}

/** A DesktopGraphics framebuffer as the export's screen (width x height, the largest of the recording). */
export function graphicsScreen(width: number, height: number): DesktopScreen & { graphics: DesktopGraphics } {
  const opts = { width, height, frameAcknowledge: false };
  const screen = {
    graphics: new DesktopGraphics(opts),
    reset(activation: boolean) {
      // Codec state starts over on a (re)activation; the picture is cleared on any screen spec.
      if (activation) screen.graphics.activate({ width, height });
      screen.graphics.framebuffer.fill(0, 0, width, height, 0, 0, 0);
    },
    fastPath(pdu: Buffer) {
      screen.graphics.processFastPath(pdu);
    },
    png(left: number, top: number, png: Buffer) {
      screen.graphics.drawPng(left, top, png);
    },
    rgba() {
      return screen.graphics.framebuffer.data;
    },
  };
  return screen;
}

/** A progress bar on stderr (a terminal only), redrawn when the percentage changes. */
export function progressBar(stderr: NodeJS.WritableStream, total: number): { tick(): void; done(): void } {
  let n = 0;
  let shown = -1;
  const draw = () => {
    const pct = total > 0 ? Math.min(100, Math.floor((n * 100) / total)) : 100;
    if (pct === shown) return;
    shown = pct;
    const width = 30;
    const full = Math.round((pct * width) / 100);
    stderr.write(
      `\rExporting recording [${'='.repeat(full)}${' '.repeat(width - full)}] ${String(pct).padStart(3)}%`,
    );
  };
  return {
    tick() {
      n++;
      draw();
    },
    done() {
      n = total;
      draw();
      stderr.write('\n');
    },
  };
}

export async function runRecordingsExport(o: RecordingsExportOptions, ctx: CommandContext): Promise<number> {
  const format = (o.format ?? 'avi').toLowerCase();
  if (format !== 'avi' && format !== 'png')
    throw badParameter(`unsupported format "${format}", use avi or png`);
  let source: { events(): AsyncIterable<OneOf>; sid: string; close(): Promise<void>; app(): boolean };
  if (isLocalRecording(o.target) || fs.existsSync(o.target)) {
    const rec = await RecordingFile.open(o.target);
    let first = true;
    source = {
      sid: path.basename(o.target).replace(/\.tar$/, ''),
      events: () => {
        if (!first) return rec.reopen();
        first = false;
        return rec.events();
      },
      close: () => rec.close(),
      // AppSessionStart (OneOf 37) is not in our events.proto subset: it shows as undecodable.
      app: () => rec.unknown.some((u) => u.field === 37),
    };
  } else {
    if (!isSessionId(o.target)) throw badParameter(`'${o.target}' is not a valid session ID (must be GUID)`);
    const tc = ctx.client();
    await tc.identity();
    source = {
      sid: o.target,
      events: () => tc.sessionEvents(o.target),
      close: async () => {},
      app: () => false,
    };
  }
  try {
    const info = await scanDesktopRecording(source.events());
    if (source.app()) throw badParameter(NOT_DESKTOP);
    if (info.width === 0 || info.height === 0) {
      throw badParameter(`recording ${source.sid} has no screen size (no screen spec or activation in it)`);
    }
    const screen = graphicsScreen(info.width, info.height);
    const sink =
      format === 'avi'
        ? new AviFileSink(aviFileName(o.out, source.sid), info.width, info.height, FRAMES_PER_SECOND)
        : new PngDirSink(o.out ?? source.sid, (rgba) =>
            encodePng({ width: info.width, height: info.height, data: rgba }),
          );
    const bar = ctx.io.stderr.isTTY ? progressBar(ctx.io.stderr, info.totalEvents) : undefined;
    let files: string[];
    try {
      await renderDesktopRecording(source.events(), screen, sink, bar);
      files = await sink.finish();
    } catch (err) {
      await sink.abort();
      throw err;
    } finally {
      bar?.done();
    }
    const out = ctx.io.stdout;
    if (sink.frames === 0) {
      if (format === 'avi') await fs.promises.rm(files[0]!, { force: true });
      out.write('No video was written (the recording contained no screen data).\n');
    } else if (format === 'avi') out.write(`Wrote recording to ${files[0]}\n`);
    else out.write(`Wrote ${sink.frames} frames to ${o.out ?? source.sid}\n`);
    return 0;
  } finally {
    await source.close();
  }
}

export const commands = [recordingsLs, recordingsExport];
