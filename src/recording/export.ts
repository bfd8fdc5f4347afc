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
import { eventToJSON } from './events.js';

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

/** A recording file's events, one compact JSON object per line (lib/events/playback.go Export). */
export async function exportRecordingJSON(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  // Lines are written in batches of about 64 KiB: one write per event costs more than the JSON.
  let batch = '';
  try {
    for await (const ev of events) {
      const line = eventToJSON(ev);
      if (line === undefined) continue;
      batch += `${line}\n`;
      if (batch.length >= EXPORT_BATCH) {
        await writeOut(io, batch);
        batch = '';
      }
    }
  } finally {
    // Also when the recording is damaged: every event before the damage is written.
    if (batch) await writeOut(io, batch);
  }
}

const EXPORT_BATCH = 64 * 1024;

/** A session's events as tsh play prints them: one array, each event indented by four spaces, no uid. */
export async function exportSessionJSON(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  let n = 0;
  for await (const ev of events) {
    const compact = eventToJSON(withoutId(ev));
    if (compact === undefined) continue;
    await writeOut(io, `${n++ === 0 ? '[\n' : ',\n'}    ${goIndentJSON(compact, '    ', '    ')}`);
  }
  await writeOut(io, n === 0 ? '[\n]\n' : ']\n');
}

/** A session's events as YAML documents (keys sorted), separated by "---" lines, no uid. */
export async function exportSessionYAML(io: IO, events: AsyncIterable<OneOf>): Promise<void> {
  let n = 0;
  for await (const ev of events) {
    const compact = eventToJSON(withoutId(ev));
    if (compact === undefined) continue;
    const doc = goYAML(JSON.parse(compact));
    await writeOut(io, `${n++ === 0 ? '' : '---\n'}${doc}`);
  }
}
