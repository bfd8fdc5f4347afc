// Go's time formatting as tsh prints it: Time.String(), RFC 3339 and time.Time's JSON form.
import { TshError } from '../util/errors.js';
import { localZone, lookupZone, type ZoneAt } from './tzif.js';

/** Go's zero time.Time (0001-01-01T00:00:00Z). */
export const GO_ZERO_TIME = new Date('0001-01-01T00:00:00Z');

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

/** Go's numeric zone ("-0700" or, with sep ':', "-07:00"); seconds of the offset are dropped. */
function numericZone(offsetSec: number, sep: string): string {
  let zone = Math.trunc(offsetSec / 60);
  let sign = '+';
  if (zone < 0) {
    sign = '-';
    zone = -zone;
  }
  return `${sign}${pad(Math.trunc(zone / 60))}${sep}${pad(zone % 60)}`;
}

/** The zone ICU reports for a Date (only used where Go does not read TZif files: Windows). */
function intlZone(d: Date): ZoneAt {
  const offset = -d.getTimezoneOffset() * 60;
  if (offset === 0 && /^(UTC|Etc\/UTC|GMT|)$/.test(Intl.DateTimeFormat().resolvedOptions().timeZone ?? '')) {
    return { name: 'UTC', offset, isDST: false };
  }
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return { name: part?.value ?? '', offset, isDST: false };
}

/**
 * The zone of Go's time.Local at instant d: the TZif data Go would load ($TZ, else
 * /etc/localtime; UTC when neither loads), see tzif.ts.
 */
export function goLocalZone(d: Date, env: NodeJS.ProcessEnv = process.env): ZoneAt {
  if (process.platform === 'win32') return intlZone(d);
  return lookupZone(localZone(env).loc, Math.floor(d.getTime() / 1000));
}

/** The wall-clock fields of d in zone z (whole seconds). */
function wallClock(d: Date, z: ZoneAt): { date: string; time: string } {
  const t = new Date((Math.floor(d.getTime() / 1000) + z.offset) * 1000);
  return {
    date: `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`,
    time: `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`,
  };
}

/**
 * Go Time.String() of a time in time.Local with whole seconds: "2006-01-02 15:04:05 -0700 MST".
 * MST is the TZif abbreviation; an empty one prints as the numeric zone (format.go stdTZ).
 */
export function goTimeString(d: Date, env: NodeJS.ProcessEnv = process.env): string {
  const z = goLocalZone(d, env);
  const { date, time } = wallClock(d, z);
  return `${date} ${time} ${numericZone(z.offset, '')} ${z.name || numericZone(z.offset, '')}`;
}

/** Go's JSON form of a time.Time in time.Local (RFC 3339, "Z" for a zero offset). */
export function goRFC3339(d: Date, env: NodeJS.ProcessEnv = process.env): string {
  const z = goLocalZone(d, env);
  const { date, time } = wallClock(d, z);
  return `${date}T${time}${z.offset === 0 ? 'Z' : numericZone(z.offset, ':')}`;
}

/** Duration.String() of a whole-minute duration with the trailing "0s" trimmed, like tsh. */
export function humanValidFor(ms: number): string {
  if (ms <= 0) return 'EXPIRED';
  if (ms < 60_000) return 'valid for <1m';
  const mins = Math.floor(ms / 60_000);
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  const s = h ? `${h}h${m}m0s` : `${m}m0s`;
  return `valid for ${s.replace(/[0s]+$/, '')}`;
}

/**
 * time.Time.MarshalJSON for a UTC time (gogoproto stdtime fields decode to
 * UTC): RFC 3339 with "Z" and the fractional part only when non-zero, trailing
 * zeros trimmed. ts-proto Dates carry millisecond precision, so sub-ms nanos
 * from the wire are already lost. `undefined` renders as the zero time.
 * Used for resource JSON and audit events alike.
 */
export function goTimeJSON(d: Date | undefined): string {
  if (d === undefined) d = GO_ZERO_TIME;
  // Go has no invalid time; a Date beyond ±275760 years (e.g. from a corrupt Timestamp) is one.
  if (Number.isNaN(d.getTime())) throw new TshError('time is out of range', 'bad-parameter');
  const iso = d.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ (UTC)
  // Four-digit years (all but the extremes) without regexes: this runs for every exported event.
  if (iso.length === 24) {
    const ms =
      iso.charCodeAt(22) !== 48 ? 3 : iso.charCodeAt(21) !== 48 ? 2 : iso.charCodeAt(20) !== 48 ? 1 : 0;
    return ms === 0 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 20 + ms)}Z`;
  }
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac ? `${m[1]}.${frac}Z` : `${m[1]}Z`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Go's Time.Format of a UTC time for the layout elements tsh's human formats use: Mon, Jan,
 * 2006, 01, 02, _2, 15, 04, 05. Everything else is copied as it is.
 */
export function goFormatUTC(d: Date, layout: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return layout.replace(/Mon|Jan|2006|01|02|_2|15|04|05/g, (el) => {
    switch (el) {
      case 'Mon':
        return DAYS[d.getUTCDay()];
      case 'Jan':
        return MONTHS[d.getUTCMonth()];
      case '2006':
        return String(d.getUTCFullYear()).padStart(4, '0');
      case '01':
        return p(d.getUTCMonth() + 1);
      case '02':
        return p(d.getUTCDate());
      case '_2':
        return String(d.getUTCDate()).padStart(2, ' ');
      case '15':
        return p(d.getUTCHours());
      case '04':
        return p(d.getUTCMinutes());
      default:
        return p(d.getUTCSeconds());
    }
  });
}

/**
 * time.Time MarshalJSON (quoted, UTC) of a time given as whole seconds since the epoch plus
 * nanoseconds (0–999,999,999), for years 0001–9999 (the caller checks the range). It keeps the
 * date and time of day of the last second it formatted: listings and recordings format many times
 * within the same second, and the date is the costly part.
 */
export class GoTimeJSONMemo {
  private second = Number.NaN;
  private prefix = '';

  quoted(seconds: number, nanos: number): string {
    if (seconds !== this.second) {
      this.prefix = `"${new Date(seconds * 1000).toISOString().slice(0, 19)}`;
      this.second = seconds;
    }
    if (nanos === 0) return `${this.prefix}Z"`;
    return `${this.prefix}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z"`;
  }
}
