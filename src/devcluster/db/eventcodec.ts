// A hand encoder for the events a busy Postgres session records per message (db.session.query,
// db.session.result and the extended-protocol events): the same bytes as the generated
// OneOf.encode, at a fraction of its cost. The generated encoder forks a writer per nested message
// and re-encodes the session's user, session and database metadata (the same for every event of a
// session) each time; here those three are encoded once per session (`StaticFields`), the rest is
// written field by field into one reused buffer. Fields go in field-number order with proto3's
// zero values left out, as ts-proto (and Go's marshaller) write them; a unit test compares the two.
import {
  DatabaseMetadata,
  SessionMetadata,
  UserMetadata,
  type Metadata,
  type OneOf,
} from '../../gen/teleport/legacy/types/events/events.js';

type DbEvent = NonNullable<OneOf['Event']>;

/** events.OneOf field numbers of the cases encoded here (events.proto). */
const ONEOF_FIELD = {
  DatabaseSessionQuery: 42,
  PostgresParse: 61,
  PostgresBind: 62,
  PostgresExecute: 63,
  PostgresClose: 64,
  PostgresFunctionCall: 65,
  DatabaseSessionCommandResult: 159,
} as const;

type FastCase = keyof typeof ONEOF_FIELD;

/** Whether `encodeDbEvent` handles this event case. */
export function isFastDbEvent(c: DbEvent['$case']): c is FastCase {
  return Object.hasOwn(ONEOF_FIELD, c);
}

/** A growable buffer reused across events (the encoder is synchronous). */
class Bytes {
  buf = Buffer.allocUnsafe(1024);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** A non-negative integer below 2^53. */
  varint(v: number): void {
    this.room(8);
    while (v > 0x7f) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  raw(b: Uint8Array, start = 0, end = b.length): void {
    this.room(end - start);
    this.buf.set(b.subarray(start, end), this.len);
    this.len += end - start;
  }

  /** A string field; `always` for repeated elements (written even when empty). */
  string(tag: number, s: string, always = false): void {
    if (!s && !always) return;
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(tag);
    this.varint(n);
    this.room(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }
}

const inner = new Bytes();
const nested = new Bytes();

/** Appends `tag`, the length and the bytes `nested` holds. */
function flushNested(to: Bytes, tag: number): void {
  to.varint(tag);
  to.varint(nested.len);
  to.raw(nested.buf, 0, nested.len);
  nested.len = 0;
}

/** A bigint as a varint when it is a safe non-negative number, else undefined. */
function safe(v: bigint): number | undefined {
  return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** Metadata (field 1 of every event here), left in `nested`; false when it cannot be. */
function metadata(m: Metadata): boolean {
  const index = safe(m.Index);
  if (index === undefined) return false;
  if (index) {
    nested.varint(0x08);
    nested.varint(index);
  }
  nested.string(0x12, m.Type);
  nested.string(0x1a, m.ID);
  nested.string(0x22, m.Code);
  if (m.Time !== undefined) {
    // google.protobuf.Timestamp as ts-proto's toTimestamp makes it from a Date.
    const ms = m.Time.getTime();
    const seconds = Math.trunc(ms / 1000);
    const nanos = (ms % 1000) * 1_000_000;
    if (seconds < 0 || nanos < 0) return false;
    nested.varint(0x2a);
    const size = (seconds ? 1 + varintSize(seconds) : 0) + (nanos ? 1 + varintSize(nanos) : 0);
    nested.varint(size);
    if (seconds) {
      nested.varint(0x08);
      nested.varint(seconds);
    }
    if (nanos) {
      nested.varint(0x10);
      nested.varint(nanos);
    }
  }
  nested.string(0x32, m.ClusterName);
  return true;
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Status{Success, Error, UserMessage} as field `tag`. */
function status(tag: number, s: { Success: boolean; Error: string; UserMessage: string } | undefined): void {
  if (!s) return;
  if (s.Success) {
    nested.varint(0x08);
    nested.varint(1);
  }
  nested.string(0x12, s.Error);
  nested.string(0x1a, s.UserMessage);
  flushNested(inner, tag);
}

/** User (2), Session (3) and Database (4) of one session's events, encoded once. */
export type StaticFields = Buffer;

export function encodeStaticFields(
  user: UserMetadata,
  session: SessionMetadata,
  database: DatabaseMetadata,
): StaticFields {
  const field = (tag: number, b: Uint8Array) => {
    const out = new Bytes();
    out.varint(tag);
    out.varint(b.length);
    out.raw(b);
    return out.buf.subarray(0, out.len);
  };
  return Buffer.concat([
    field(0x12, UserMetadata.encode(user).finish()),
    field(0x1a, SessionMetadata.encode(session).finish()),
    field(0x22, DatabaseMetadata.encode(database).finish()),
  ]);
}

/**
 * events.OneOf bytes of a fast-case event whose User, Session and Database are `statics` (the
 * event's own are ignored) and whose Metadata is filled in; undefined when a value is out of this
 * encoder's range (the caller then uses the generated encoder).
 */
export function encodeDbEvent(ev: DbEvent, statics: StaticFields): Buffer | undefined {
  if (!isFastDbEvent(ev.$case)) return undefined;
  const v = ev.value as { Metadata?: Metadata };
  inner.len = 0;
  nested.len = 0;
  if (v.Metadata) {
    if (!metadata(v.Metadata)) return undefined;
    flushNested(inner, 0x0a);
  }
  inner.raw(statics);
  switch (ev.$case) {
    case 'DatabaseSessionQuery': {
      const e = ev.value;
      inner.string(0x2a, e.DatabaseQuery);
      for (const p of e.DatabaseQueryParameters) inner.string(0x32, p, true);
      status(0x3a, e.Status);
      break;
    }
    case 'DatabaseSessionCommandResult': {
      const e = ev.value;
      status(0x2a, e.Status);
      const n = safe(e.AffectedRecords);
      if (n === undefined) return undefined;
      if (n) {
        inner.varint(0x30);
        inner.varint(n);
      }
      break;
    }
    case 'PostgresParse':
      inner.string(0x2a, ev.value.StatementName);
      inner.string(0x32, ev.value.Query);
      break;
    case 'PostgresBind':
      inner.string(0x2a, ev.value.StatementName);
      inner.string(0x32, ev.value.PortalName);
      for (const p of ev.value.Parameters) inner.string(0x3a, p, true);
      break;
    case 'PostgresExecute':
      inner.string(0x2a, ev.value.PortalName);
      break;
    case 'PostgresClose':
      inner.string(0x2a, ev.value.StatementName);
      inner.string(0x32, ev.value.PortalName);
      break;
    case 'PostgresFunctionCall':
      if (ev.value.FunctionOID) {
        inner.varint(0x28);
        inner.varint(ev.value.FunctionOID);
      }
      for (const a of ev.value.FunctionArgs) inner.string(0x32, a, true);
      break;
  }
  const tag = ONEOF_FIELD[ev.$case] * 8 + 2;
  const out = Buffer.allocUnsafe(varintSize(tag) + varintSize(inner.len) + inner.len);
  let p = 0;
  for (let x = tag; ;) {
    if (x > 0x7f) {
      out[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    } else {
      out[p++] = x;
      break;
    }
  }
  for (let x = inner.len; ;) {
    if (x > 0x7f) {
      out[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    } else {
      out[p++] = x;
      break;
    }
  }
  inner.buf.copy(out, p, 0, inner.len);
  return out;
}
