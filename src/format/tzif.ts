// Go's local time zone, read the way Go's time package reads it: a TZif file (tzfile(5)) chosen by
// $TZ or /etc/localtime, looked up per instant, with the POSIX TZ footer for instants after the
// last transition. Go does not ask the C library or ICU, so zone abbreviations come from tzdata
// ("CET", "IST", "JST", "AEDT"), and a $TZ that names no readable TZif file means UTC.
//
// Ported from Go's src/time: zoneinfo_read.go (LoadLocationFromTZData), zoneinfo.go (lookup,
// lookupFirstZone, tzset and helpers), zoneinfo_unix.go (initLocal). See docs/output-status.md.
import * as fs from 'node:fs';
import { TshError } from '../util/errors.js';

/** One local time type (Go's `zone`): abbreviation, seconds east of UTC, DST flag. */
export interface TzZone {
  name: string;
  offset: number;
  isDST: boolean;
}

/** A parsed TZif file (Go's `Location` without the cache). */
export interface TzLocation {
  zones: TzZone[];
  /** Transition instants (Unix seconds; -Infinity for the fake "all time" one) and zone indexes. */
  tx: { when: number; index: number }[];
  /** The POSIX TZ string of the footer (v2+), '' when absent. */
  extend: string;
}

/** What Go's (*Location).lookup returns for an instant. */
export interface ZoneAt {
  name: string;
  offset: number;
  isDST: boolean;
}

export class TzifError extends TshError {
  constructor(message = 'malformed time zone information') {
    // zoneinfo_read.go: errBadData
    super(message, 'bad-parameter');
    this.name = 'TzifError';
  }
}

/** zoneinfo_read.go maxFileSize: a bigger "zone file" (say $TZ=/dev/zero) is not read to the end. */
export const MAX_TZIF_BYTES = 10 << 20;

function readBounded(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > MAX_TZIF_BYTES) throw new TzifError(`${file} is larger than ${MAX_TZIF_BYTES} bytes`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    fs.closeSync(fd);
  }
}

class Reader {
  private pos = 0;
  bad = false;
  constructor(private readonly buf: Uint8Array) {}

  read(n: number): Uint8Array {
    if (this.buf.length - this.pos < n) {
      this.pos = this.buf.length;
      this.bad = true;
      return new Uint8Array(0);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  big4(): number | undefined {
    const p = this.read(4);
    if (p.length < 4) return undefined;
    return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
  }

  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }
}

function be32(p: Uint8Array, at: number): number {
  return ((p[at] << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3]) >>> 0;
}

/** Bytes up to the first NUL (zoneinfo_read.go byteString). */
function byteString(p: Uint8Array): string {
  const nul = p.indexOf(0);
  return Buffer.from(nul < 0 ? p : p.subarray(0, nul)).toString('latin1');
}

/**
 * LoadLocationFromTZData: version 1 files are read as they are; for version 2 and 3 the 32-bit
 * block is skipped and the 64-bit block read, followed by the footer ("\nTZ-string\n").
 */
export function parseTzif(data: Uint8Array): TzLocation {
  const d = new Reader(data);
  if (byteString(d.read(4)) !== 'TZif') throw new TzifError();
  const p = d.read(16);
  if (p.length !== 16) throw new TzifError();
  let version: number;
  if (p[0] === 0) version = 1;
  else if (p[0] === 0x32) version = 2;
  else if (p[0] === 0x33) version = 3;
  else throw new TzifError();

  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  const [UTC_LOCAL, STD_WALL, LEAP, TIME, ZONE, CHAR] = [0, 1, 2, 3, 4, 5];
  const readCounts = (): number[] => {
    const n: number[] = [];
    for (let i = 0; i < 6; i++) {
      const v = d.big4();
      if (v === undefined) throw new TzifError();
      n.push(v);
    }
    return n;
  };
  let n = readCounts();
  let is64 = false;
  if (version > 1) {
    const skip =
      n[TIME] * 4 + n[TIME] + n[ZONE] * 6 + n[CHAR] + n[LEAP] * 8 + n[STD_WALL] + n[UTC_LOCAL] + 4 + 16;
    d.read(skip);
    is64 = true;
    n = readCounts();
  }
  const size = is64 ? 8 : 4;
  const txtimes = d.read(n[TIME] * size);
  const txzones = d.read(n[TIME]);
  const zonedata = d.read(n[ZONE] * 6);
  const abbrev = d.read(n[CHAR]);
  d.read(n[LEAP] * (size + 4));
  d.read(n[STD_WALL]); // isstd: read, then ignored by Go
  d.read(n[UTC_LOCAL]); // isut: likewise
  if (d.bad) throw new TzifError();

  let extend = '';
  const rest = d.rest();
  if (rest.length > 2 && rest[0] === 0x0a && rest[rest.length - 1] === 0x0a) {
    extend = Buffer.from(rest.subarray(1, rest.length - 1)).toString('latin1');
  }

  if (n[ZONE] === 0) throw new TzifError();
  const zones: TzZone[] = [];
  for (let i = 0; i < n[ZONE]; i++) {
    const off = be32(zonedata, i * 6) | 0; // int32
    const isDST = zonedata[i * 6 + 4] !== 0;
    const idx = zonedata[i * 6 + 5];
    if (idx >= abbrev.length) throw new TzifError();
    zones.push({ name: byteString(abbrev.subarray(idx)), offset: off, isDST });
  }

  const tx: { when: number; index: number }[] = [];
  const view = new DataView(txtimes.buffer, txtimes.byteOffset, txtimes.byteLength);
  for (let i = 0; i < n[TIME]; i++) {
    const when = is64 ? Number(view.getBigInt64(i * 8)) : view.getInt32(i * 4);
    const index = txzones[i];
    if (index >= zones.length) throw new TzifError();
    tx.push({ when, index });
  }
  // Fixed zones such as Etc/GMT0 have no transitions: one fake transition covers all time.
  if (tx.length === 0) tx.push({ when: -Infinity, index: 0 });
  return { zones, tx, extend };
}

/** zoneinfo.go lookupFirstZone: the zone for instants before the first transition. */
function lookupFirstZone(loc: TzLocation): number {
  if (!loc.tx.some((t) => t.index === 0)) return 0;
  if (loc.tx.length > 0 && loc.zones[loc.tx[0].index].isDST) {
    for (let zi = loc.tx[0].index - 1; zi >= 0; zi--) if (!loc.zones[zi].isDST) return zi;
  }
  const std = loc.zones.findIndex((z) => !z.isDST);
  return std >= 0 ? std : 0;
}

/** zoneinfo.go (*Location).lookup for an instant in Unix seconds. */
export function lookupZone(loc: TzLocation | undefined, sec: number): ZoneAt {
  if (!loc || loc.zones.length === 0) return { name: 'UTC', offset: 0, isDST: false };
  const tx = loc.tx;
  if (tx.length === 0 || sec < tx[0].when) {
    const z = loc.zones[lookupFirstZone(loc)];
    return { name: z.name, offset: z.offset, isDST: z.isDST };
  }
  // Binary search for the last transition at or before sec.
  let lo = 0;
  let hi = tx.length;
  while (hi - lo > 1) {
    const m = lo + Math.floor((hi - lo) / 2);
    if (sec < tx[m].when) hi = m;
    else lo = m;
  }
  const z = loc.zones[tx[lo].index];
  if (lo === tx.length - 1 && loc.extend !== '') {
    const e = tzset(loc.extend, sec);
    if (e) return e;
  }
  return { name: z.name, offset: z.offset, isDST: z.isDST };
}

// ---------------------------------------------------------------------------------------------
// POSIX TZ strings (zoneinfo.go tzset, tzsetName, tzsetOffset, tzsetRule, tzsetNum, tzruleTime).

const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
// time.go daysBefore: days before the start of each month in a non-leap year.
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

interface Parsed<T> {
  value: T;
  rest: string;
}

function tzsetName(s: string): Parsed<string> | undefined {
  if (s.length === 0) return undefined;
  if (s[0] !== '<') {
    // Go ranges over runes; the stop characters are all ASCII, so byte and rune positions of
    // the check `i < 3` agree for the abbreviations tzdata writes.
    let i = 0;
    for (const r of s) {
      if ('0123456789,-+'.includes(r)) {
        if (i < 3) return undefined;
        return { value: s.slice(0, i), rest: s.slice(i) };
      }
      i += r.length;
    }
    if (s.length < 3) return undefined;
    return { value: s, rest: '' };
  }
  const end = s.indexOf('>');
  if (end < 0) return undefined;
  return { value: s.slice(1, end), rest: s.slice(end + 1) };
}

function tzsetNum(s: string, min: number, max: number): Parsed<number> | undefined {
  if (s.length === 0) return undefined;
  let num = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      if (i === 0 || num < min) return undefined;
      return { value: num, rest: s.slice(i) };
    }
    num = num * 10 + (c - 0x30);
    if (num > max) return undefined;
  }
  if (num < min) return undefined;
  return { value: num, rest: '' };
}

function tzsetOffset(s: string): Parsed<number> | undefined {
  if (s.length === 0) return undefined;
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    s = s.slice(1);
    neg = true;
  }
  // tzcode allows hours up to 24*7, although POSIX does not.
  const hours = tzsetNum(s, 0, 24 * 7);
  if (!hours) return undefined;
  let off = hours.value * SECONDS_PER_HOUR;
  s = hours.rest;
  if (s.length === 0 || s[0] !== ':') return { value: neg ? -off : off, rest: s };
  const mins = tzsetNum(s.slice(1), 0, 59);
  if (!mins) return undefined;
  off += mins.value * 60;
  s = mins.rest;
  if (s.length === 0 || s[0] !== ':') return { value: neg ? -off : off, rest: s };
  const secs = tzsetNum(s.slice(1), 0, 59);
  if (!secs) return undefined;
  off += secs.value;
  return { value: neg ? -off : off, rest: secs.rest };
}

type Rule =
  | { kind: 'julian'; day: number; time: number }
  | { kind: 'doy'; day: number; time: number }
  | { kind: 'mwd'; mon: number; week: number; day: number; time: number };

function tzsetRule(s: string): Parsed<Rule> | undefined {
  if (s.length === 0) return undefined;
  let rule: Rule;
  if (s[0] === 'J') {
    const jday = tzsetNum(s.slice(1), 1, 365);
    if (!jday) return undefined;
    rule = { kind: 'julian', day: jday.value, time: 0 };
    s = jday.rest;
  } else if (s[0] === 'M') {
    const mon = tzsetNum(s.slice(1), 1, 12);
    if (!mon || mon.rest[0] !== '.') return undefined;
    const week = tzsetNum(mon.rest.slice(1), 1, 5);
    if (!week || week.rest[0] !== '.') return undefined;
    const day = tzsetNum(week.rest.slice(1), 0, 6);
    if (!day) return undefined;
    rule = { kind: 'mwd', mon: mon.value, week: week.value, day: day.value, time: 0 };
    s = day.rest;
  } else {
    const day = tzsetNum(s, 0, 365);
    if (!day) return undefined;
    rule = { kind: 'doy', day: day.value, time: 0 };
    s = day.rest;
  }
  if (s.length === 0 || s[0] !== '/') {
    rule.time = 2 * SECONDS_PER_HOUR; // 2am is the default
    return { value: rule, rest: s };
  }
  const off = tzsetOffset(s.slice(1));
  if (!off) return undefined;
  rule.time = off.value;
  return { value: rule, rest: off.rest };
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysIn(mon: number, year: number): number {
  if (mon === 2 && isLeap(year)) return 29;
  return DAYS_BEFORE[mon] - DAYS_BEFORE[mon - 1];
}

/** Seconds since the start of the year (UTC) at which the rule takes effect. */
function tzruleTime(year: number, r: Rule, off: number): number {
  let s: number;
  if (r.kind === 'julian') {
    s = (r.day - 1) * SECONDS_PER_DAY;
    if (isLeap(year) && r.day >= 60) s += SECONDS_PER_DAY;
  } else if (r.kind === 'doy') {
    s = r.day * SECONDS_PER_DAY;
  } else {
    // Zeller's congruence: the weekday of the first day of r.mon.
    const m1 = ((r.mon + 9) % 12) + 1;
    let yy0 = year;
    if (r.mon <= 2) yy0--;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow =
      (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) + Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let d = r.day - dow;
    if (d < 0) d += 7;
    for (let i = 1; i < r.week; i++) {
      if (d + 7 >= daysIn(r.mon, year)) break;
      d += 7;
    }
    d += DAYS_BEFORE[r.mon - 1];
    if (isLeap(year) && r.mon > 2) d++;
    s = d * SECONDS_PER_DAY;
  }
  return s + r.time - off;
}

/**
 * zoneinfo.go tzset: the zone a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") gives for an
 * instant; undefined when the string does not parse. Like Go, the year and the position in it are
 * taken from the UTC date of the instant.
 */
export function tzset(tz: string, sec: number): ZoneAt | undefined {
  const std = tzsetName(tz);
  const stdOff = std && tzsetOffset(std.rest);
  if (!std || !stdOff) return undefined;
  let stdName = std.value;
  // POSIX offsets are added to local time to get UTC; ours are added to UTC.
  let stdOffset = 0 - stdOff.value;
  let s = stdOff.rest;
  if (s.length === 0 || s[0] === ',') return { name: stdName, offset: stdOffset, isDST: false };

  const dst = tzsetName(s);
  if (!dst) return undefined;
  let dstName = dst.value;
  let dstOffset: number;
  s = dst.rest;
  if (s.length === 0 || s[0] === ',') {
    dstOffset = stdOffset + SECONDS_PER_HOUR;
  } else {
    const off = tzsetOffset(s);
    if (!off) return undefined;
    dstOffset = 0 - off.value;
    s = off.rest;
  }
  if (s.length === 0) s = ',M3.2.0,M11.1.0'; // tzcode's default rules
  if (s[0] !== ',' && s[0] !== ';') return undefined;
  const start = tzsetRule(s.slice(1));
  if (!start || start.rest[0] !== ',') return undefined;
  const end = tzsetRule(start.rest.slice(1));
  if (!end || end.rest.length > 0) return undefined;

  const date = new Date(sec * 1000);
  const year = date.getUTCFullYear();
  const yday = Math.floor(
    (Date.UTC(year, date.getUTCMonth(), date.getUTCDate()) - Date.UTC(year, 0, 1)) / 864e5,
  );
  const ysec = yday * SECONDS_PER_DAY + (sec % SECONDS_PER_DAY);

  let startSec = tzruleTime(year, start.value, stdOffset);
  let endSec = tzruleTime(year, end.value, dstOffset);
  let dstIsDST = true;
  let stdIsDST = false;
  // Southern hemisphere: the labels are swapped, as in Go.
  if (endSec < startSec) {
    [startSec, endSec] = [endSec, startSec];
    [stdName, dstName] = [dstName, stdName];
    [stdOffset, dstOffset] = [dstOffset, stdOffset];
    [stdIsDST, dstIsDST] = [dstIsDST, stdIsDST];
  }
  if (ysec < startSec || ysec >= endSec) return { name: stdName, offset: stdOffset, isDST: stdIsDST };
  return { name: dstName, offset: dstOffset, isDST: dstIsDST };
}

// ---------------------------------------------------------------------------------------------
// time.Local (zoneinfo_unix.go initLocal).

/** Where Go looks for a zone named by $TZ (platformZoneSources). */
export const ZONE_SOURCES = [
  '/usr/share/zoneinfo/',
  '/usr/share/lib/zoneinfo/',
  '/usr/lib/locale/TZ/',
  '/etc/zoneinfo',
];

/** Go's time.Local: its name and zone data (undefined data = UTC). */
export interface LocalZone {
  name: string;
  loc?: TzLocation;
}

function loadFrom(
  name: string,
  sources: string[],
  readFile: (p: string) => Uint8Array,
): TzLocation | undefined {
  for (const source of sources) {
    const file = source === '' ? name : `${source}/${name}`;
    try {
      return parseTzif(readFile(file));
    } catch {
      // unreadable or malformed: try the next source, as loadLocation does
    }
  }
  return undefined;
}

/**
 * initLocal: no $TZ means /etc/localtime; $TZ="" or "UTC" means UTC; a leading ':' is dropped; an
 * absolute path is read as it is; any other name is looked up in the zone sources. Whatever cannot
 * be loaded falls back to UTC. ($ZONEINFO is only used by time.LoadLocation, not for Local.)
 */
export function loadLocalZone(
  tz: string | undefined,
  readFile: (p: string) => Uint8Array = readBounded,
): LocalZone {
  if (tz === undefined) {
    const loc = loadFrom('localtime', ['/etc'], readFile);
    if (loc) return { name: 'Local', loc };
  } else if (tz !== '') {
    if (tz[0] === ':') tz = tz.slice(1);
    if (tz !== '' && tz[0] === '/') {
      const loc = loadFrom(tz, [''], readFile);
      if (loc) return { name: tz === '/etc/localtime' ? 'Local' : tz, loc };
    } else if (tz !== '' && tz !== 'UTC') {
      const loc = loadFrom(tz, ZONE_SOURCES, readFile);
      if (loc) return { name: tz, loc };
    }
  }
  return { name: 'UTC' };
}

const localCache = new Map<string, LocalZone>();

/**
 * time.Local for this process's $TZ. Go reads it once; tshjs caches it per $TZ value, so a test
 * that changes process.env.TZ sees the new zone.
 */
export function localZone(env: NodeJS.ProcessEnv = process.env): LocalZone {
  const tz = env.TZ;
  const key = tz === undefined ? '\0unset' : tz;
  let z = localCache.get(key);
  if (!z) {
    z = loadLocalZone(tz);
    localCache.set(key, z);
  }
  return z;
}
