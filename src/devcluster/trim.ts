// Oversized recording events trimmed as upstream's TrimToMaxSize (api/types/events/events.go) trims
// them before the proto stream records them, so an event that would not fit a record (64 KiB) is
// kept, shortened, instead of being lost. Of the events the dev cluster records, upstream trims:
//   session.start  InitialCommand and Invited (each element to an equal share of the room left);
//   session.end    InitialCommand;
//   print, resize  nothing (print data is cut into 32 KiB events before it gets here).
// The room left is maxSize minus 10% ballast minus the size of the event without those fields;
// each string is cut by trimStr: counting 2 for the quotes JSON adds, 2 for `"` and `\`, 1 for any
// other byte, and stopping before the count would pass the limit. Upstream counts bytes and may cut
// inside a multi-byte character; here the cut moves back to a character boundary so the field
// stays valid UTF-8 (it can only get shorter, never longer).
import { SessionEnd, SessionStart } from '../gen/teleport/legacy/types/events/events.js';

/** upstream trimStr on the UTF-8 bytes of `s`, cut at a character boundary. */
export function trimStr(s: string, n: number): string {
  const b = Buffer.from(s, 'utf8');
  let count = 2;
  for (let i = 0; i < b.length; i++) {
    if (count + 1 > n) {
      let cut = i;
      // 10xxxxxx is a continuation byte: the character started before it.
      while (cut > 0 && (b[cut] & 0xc0) === 0x80) cut--;
      return b.subarray(0, cut).toString('utf8');
    }
    count += b[i] === 0x22 || b[i] === 0x5c ? 2 : 1;
  }
  return s;
}

/** upstream maxSizePerField: an equal share of the room for each field to trim. */
function perField(room: number, fields: number): number {
  return fields === 0 ? room : Math.trunc(room / fields);
}

/** upstream adjustedMaxSize: the room left once 10% ballast and the rest of the event are counted. */
function room(maxSize: number, rest: number): number {
  return maxSize - (Math.trunc(maxSize / 10) + rest);
}

const trimAll = (strs: string[], n: number) => strs.map((s) => trimStr(s, n));

/** SessionStart.TrimToMaxSize: InitialCommand and Invited. The event itself when it fits. */
export function trimSessionStart(ev: SessionStart, maxSize: number): SessionStart {
  if (SessionStart.encode(ev).finish().length <= maxSize) return ev;
  const out: SessionStart = { ...ev, InitialCommand: [], Invited: [] };
  const left = room(maxSize, SessionStart.encode(out).finish().length);
  // nonEmptyStrsInSlice counts every element, empty or not.
  out.InitialCommand = trimAll(ev.InitialCommand, perField(left, ev.InitialCommand.length));
  out.Invited = trimAll(ev.Invited, perField(left, ev.Invited.length));
  return out;
}

/** SessionEnd.TrimToMaxSize: InitialCommand. The event itself when it fits. */
export function trimSessionEnd(ev: SessionEnd, maxSize: number): SessionEnd {
  if (SessionEnd.encode(ev).finish().length <= maxSize) return ev;
  const out: SessionEnd = { ...ev, InitialCommand: [] };
  const left = room(maxSize, SessionEnd.encode(out).finish().length);
  out.InitialCommand = trimAll(ev.InitialCommand, perField(left, ev.InitialCommand.length));
  return out;
}
