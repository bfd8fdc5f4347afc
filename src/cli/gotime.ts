// Go's time formatting as tsh prints it.

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

function offset(d: Date, sep: string): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${sign}${pad(Math.floor(Math.abs(off) / 60))}${sep}${pad(Math.abs(off) % 60)}`;
}

function zoneAbbrev(d: Date): string {
  if (
    d.getTimezoneOffset() === 0 &&
    /^(UTC|Etc\/UTC|GMT|)$/.test(Intl.DateTimeFormat().resolvedOptions().timeZone ?? '')
  ) {
    return 'UTC';
  }
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? offset(d, '');
}

/** Go Time.String() for a local time with whole seconds: "2006-01-02 15:04:05 -0700 MST". */
export function goTimeString(d: Date): string {
  const date = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time} ${offset(d, '')} ${zoneAbbrev(d)}`;
}

/** Go's JSON form of a local time.Time (RFC 3339, "Z" for UTC). */
export function goRFC3339(d: Date): string {
  const date = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const off = d.getTimezoneOffset() === 0 ? 'Z' : offset(d, ':');
  return `${date}T${time}${off}`;
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
