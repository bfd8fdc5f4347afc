// Go time.Duration text ("12h0m0s", "30m", "1h30m", "500ms") in both directions.
const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * UNITS[m[2]];
    consumed += m[0].length;
  }
  if (!s || consumed !== s.length) throw new Error(`invalid duration "${s}" (expected e.g. 12h, 30m, 1h30m)`);
  return total;
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
