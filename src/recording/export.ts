// A recording's events as JSON or YAML, as tsh play --format json|yaml writes them:
//   a local file  one compact JSON object per event and line (lib/events/playback.go Export);
//   a session     one indented JSON array, or YAML documents separated by "---" lines, with each
//                 event's `uid` cleared (tool/tsh/common/play.go exportSession).
// Events are written as they arrive (waiting for stdout to drain), so memory stays flat.
import { once } from 'node:events';
import { goIndentJSON } from '../format/gojson.js';
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import type { IO } from '../term/io.js';
import { goYAML } from '../format/goyaml.js';
import { errorLine } from '../util/errors.js';
import { eventIndex, eventToJSON, eventType } from './events.js';
import { RecordingError } from './header.js';
import { RecordingReader } from './reader.js';

/** Writes to stdout, waiting for it to drain when its buffer is full. */
export async function writeOut(io: IO, data: string | Uint8Array): Promise<void> {
  if (!io.stdout.write(data)) await once(io.stdout, 'drain');
}

/** The event without its `uid`, as tsh clears it before exporting ("so output matches file export"). */
export function withoutId(ev: OneOf): OneOf {
  if (!ev.Event?.value.Metadata) return ev;
  const value = { ...ev.Event.value, Metadata: { ...ev.Event.value.Metadata, ID: '' } };
  return { Event: { ...ev.Event, value } as OneOf['Event'] };
}

/**
 * eventToJSON, with the event named when it cannot be written (a time out of Go's range in an
 * event that did not come from RecordingReader, which refuses those itself).
 */
function toJSON(ev: OneOf): string | undefined {
  try {
    return eventToJSON(ev);
  } catch (err) {
    throw new RecordingError(`event index ${eventIndex(ev)} (${eventType(ev)}): ${errorLine(err)}`, {
      cause: err,
    });
  }
}

/** The events of a source in batches: a reader's own, else one event each. */
async function* inBatches(events: AsyncIterable<OneOf>): AsyncGenerator<readonly OneOf[]> {
  if (events instanceof RecordingReader) yield* events.batches();
  else for await (const ev of events) yield [ev];
}

/** A recording file's events, one compact JSON object per line (lib/events/playback.go Export). */
export async function exportRecordingJSON(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  // Lines are encoded straight into a buffer written every ~64 KiB: one write per event costs more
  // than its JSON, and so does concatenating the lines into a string to encode it again.
  let buf = Buffer.allocUnsafe(EXPORT_BATCH);
  let used = 0;
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    const out = buf.subarray(0, used);
    buf = Buffer.allocUnsafe(EXPORT_BATCH); // the stream may hold on to the written one
    used = 0;
    await writeOut(io, out);
  };
  try {
    for await (const evs of inBatches(events)) {
      for (const ev of evs) {
        const line = toJSON(ev);
        if (line === undefined) continue;
        const most = line.length * 3 + 1; // UTF-8 bytes of a UTF-16 unit: at most 3
        if (used + most > buf.length) {
          await flush();
          if (most > buf.length) buf = Buffer.allocUnsafe(most);
        }
        used += buf.write(line, used);
        buf[used++] = 0x0a;
      }
    }
  } finally {
    // Also when the recording is damaged: every event before the damage is written.
    await flush();
  }
}

const EXPORT_BATCH = 64 * 1024;

/** A session's events as tsh play prints them: one array, each event indented by four spaces, no uid. */
export async function exportSessionJSON(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  let n = 0;
  for await (const ev of events) {
    const compact = toJSON(withoutId(ev));
    if (compact === undefined) continue;
    await writeOut(io, `${n++ === 0 ? '[\n' : ',\n'}    ${goIndentJSON(compact, '    ', '    ')}`);
  }
  await writeOut(io, n === 0 ? '[\n]\n' : ']\n');
}

/** A session's events as YAML documents (keys sorted), separated by "---" lines, no uid. */
export async function exportSessionYAML(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  let n = 0;
  for await (const ev of events) {
    const compact = toJSON(withoutId(ev));
    if (compact === undefined) continue;
    const doc = goYAML(JSON.parse(compact));
    await writeOut(io, `${n++ === 0 ? '' : '---\n'}${doc}`);
  }
}
