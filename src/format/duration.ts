// Go time.Duration text ("12h0m0s", "30m", "1h30m", "500ms") in both directions.
import { TshError } from '../util/errors.js';

/** Nanoseconds per unit (time.ParseDuration's unitMap). */
const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NS = 2n ** 63n - 1n;

/**
 * time.ParseDuration, in milliseconds (fractions kept below 1 ms): an optional sign, then "0" or
 * one or more decimal numbers each with a unit ("1.5h", ".5m", "2h45m", "-90s"). One pass over
 * the text, so any input costs linear time; a value beyond Go's int64 nanoseconds is an error.
 */
export function parseGoDuration(s: string): number {
  const invalid = () =>
    new TshError(
      `invalid duration ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s)} (expected e.g. 12h, 30m, 1h30m)`,
      'bad-parameter',
    );
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i++;
  }
  if (s.slice(i) === '0') return 0;
  if (i === s.length) throw invalid();
  let total = 0n; // nanoseconds, scaled by 10^FRAC for the fractional digits
  const FRAC = 9n; // digits of a fraction kept: below 1 ns for every unit
  const SCALE = 10n ** FRAC;
  while (i < s.length) {
    const start = i;
    let whole = 0n;
    while (i < s.length && s[i]! >= '0' && s[i]! <= '9') {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > MAX_NS) throw invalid();
      i++;
    }
    const pre = i > start;
    let frac = 0n;
    let fracDigits = 0n;
    let post = false;
    if (s[i] === '.') {
      i++;
      const fs = i;
      while (i < s.length && s[i]! >= '0' && s[i]! <= '9') {
        if (fracDigits < FRAC) {
          frac = frac * 10n + BigInt(s.charCodeAt(i) - 48);
          fracDigits++;
        }
        i++;
      }
      post = i > fs;
    }
    if (!pre && !post) throw invalid(); // no digits: ".s" or a bare unit
    const us = i;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    const unit = UNITS[s.slice(us, i)];
    if (unit === undefined) throw invalid();
    total += whole * unit * SCALE + (frac * unit * SCALE) / 10n ** fracDigits;
    if (total > MAX_NS * SCALE) throw invalid();
  }
  const ms = Number(total / 1_000_000n) / Number(SCALE);
  return neg ? -ms : ms;
}

/** Formats milliseconds like Go's Duration.String() for whole seconds ("12h0m0s", "1m30s", "45s"). */
export function formatGoDuration(ms: number): string {
  const totalSec = Math.floor(ms / 1000);
  if (totalSec === 0) return '0s';
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const sec = totalSec % 60;
  if (h) return `${h}h${m}m${sec}s`;
  if (m) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** Go time.Duration.String() of a nanosecond count ("0s", "1m0s", "1.5ms"). */
export function goDurationString(ns: bigint | number): string {
  if (typeof ns === 'number' && !Number.isFinite(ns))
    throw new TshError(`invalid duration ${ns}`, 'bad-parameter');
  let v = typeof ns === 'bigint' ? ns : BigInt(Math.trunc(ns));
  const neg = v < 0n;
  if (neg) v = -v;
  // fmtFrac: the fraction of v / 10^prec with trailing zeros (and a bare
  // point) dropped; returns the remaining integer part.
  const frac = (u: bigint, prec: number): [string, bigint] => {
    let digits = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = u % 10n;
      print = print || digit !== 0n;
      if (print) digits = digit.toString() + digits;
      u /= 10n;
    }
    return [print ? `.${digits}` : '', u];
  };
  let out: string;
  if (v < 1_000_000_000n) {
    if (v === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (v < 1_000n) {
      unit = 'ns';
      prec = 0;
    } else if (v < 1_000_000n) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const [f, ip] = frac(v, prec);
    out = `${ip}${f}${unit}`;
  } else {
    const [f, rest] = frac(v, 9);
    let s = `${rest % 60n}${f}s`;
    let u = rest / 60n;
    if (u > 0n) {
      s = `${u % 60n}m${s}`;
      u /= 60n;
      if (u > 0n) s = `${u}h${s}`;
    }
    out = s;
  }
  return neg ? `-${out}` : out;
}
