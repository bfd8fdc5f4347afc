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
