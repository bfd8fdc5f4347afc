// tshjs recordings ls: the session recordings of the cluster (tool/tsh/common/tsh.go
// onRecordings -> client GetPaginatedSessions -> AuthService.GetSessionEvents, newest first;
// output as tool/common/common.go ShowSessions).
//   text  table ID | Type | Participants | Hostname | Timestamp, one row per session.end
//   json  json.MarshalIndent(events, "", "    ") of the full events
//   yaml  the events as one YAML sequence (ghodss/yaml: keys sorted)
import { parseGoDuration } from '../format/duration.js';
import { goIndentJSON } from '../format/gojson.js';
import { goFormatUTC } from '../format/gotime.js';
import { YamlSequenceWriter } from '../output/printer.js';
import { Table } from '../output/table.js';
import { eventToJSON } from '../recording/events.js';
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

export const commands = [recordingsLs];

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
    { title: 'Hostname' },
    { title: 'Timestamp' },
  ]);
  for (const e of events) {
    if (e.Event?.$case !== 'SessionEnd') {
      ctx.io.stderr.write(
        `WARNING: unsupported event type: expected SessionEnd: got: ${e.Event?.$case ?? 'unknown'}\n`,
      );
      continue;
    }
    const v = e.Event.value;
    t.addRow([
      v.Session?.SessionID ?? '',
      v.Connection?.Protocol ?? '',
      v.Participants.join(', '),
      v.Server?.ServerHostname ?? '',
      humanDateSeconds(v.Metadata?.Time ?? new Date(0)),
    ]);
  }
  out.write(t.toString());
  return 0;
}
