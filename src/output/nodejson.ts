// `tsh ls --format=json` elements rendered straight from a ListUnifiedResources page's bytes: the
// PaginatedResource's Node (types.ServerV2) written as utils.FastMarshalIndent writes the element of
// the list (json-iterator, EscapeHTML off, keys sorted in maps), without decoding it into objects
// first — at 100k nodes, decoding and JSON.stringify were most of `tshjs ls --format json`'s time.
//
// It covers the fields real nodes carry: ServerV2 kind/sub_kind/version, Metadata name/description/
// labels/expires/revision, Spec addr/hostname/rotation/use_tunnel/version/peer_addr/proxy_ids/
// public_addrs. A resource with anything else it declares (command labels, cloud or GitHub metadata,
// a sub-message given twice, an unexpected wire type, another oneof member) is declined: the caller
// renders that one through the decoded object (resourcejson.ts serverJSON), which prints the same
// bytes for what both cover. Two exceptions, where this module is exact and the decoded path is not:
// timestamps keep all nine fractional digits (decoding to Date keeps milliseconds), and string bytes
// are copied as they are (decoding replaces invalid UTF-8 with U+FFFD), as Go does.
import { goDurationString } from '../format/duration.js';
import { GoTimeJSONMemo } from '../format/gotime.js';
import { PaginatedResource } from '../gen/teleport/legacy/client/proto/authservice.js';
import { LEN, PbCursor, VARINT } from '../wire/pbcursor.js';
import { JsonBytes, lit } from './jsonbytes.js';
import { fastMarshalIndent } from './printer.js';
import { serverJSON } from './resourcejson.js';
import { byteString } from './table.js';

/** PaginatedResource's `resource` oneof members (4 and 11 are reserved; 13, 14 are not members). */
const RESOURCE_ONEOF = new Set([1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 15, 16]);
const NODE = 3;

// Go's zero time.Time, for the non-nullable times of Rotation.
const ZERO_TIME = lit('"0001-01-01T00:00:00Z"');

/** Where a string field lies in the buffer: [start, end), or start -1 when absent. */
type Span = { s: number; e: number };
const absent = (): Span => ({ s: -1, e: -1 });

/** What a rendered resource holds, reused from one resource to the next. */
class NodeFields {
  kind = absent();
  subKind = absent();
  version = absent();
  name = absent();
  description = absent();
  revision = absent();
  /** Label entries: key start, key end, value start, value end, … */
  labels: number[] = [];
  expires = absent(); // the Timestamp message
  addr = absent();
  hostname = absent();
  rotation = absent(); // the Rotation message
  useTunnel = false;
  specVersion = absent();
  peerAddr = absent();
  proxyIds: number[] = [];
  publicAddrs: number[] = [];

  reset(): void {
    for (const f of [
      this.kind,
      this.subKind,
      this.version,
      this.name,
      this.description,
      this.revision,
      this.expires,
      this.addr,
      this.hostname,
      this.rotation,
      this.specVersion,
      this.peerAddr,
    ]) {
      f.s = -1;
      f.e = -1;
    }
    this.labels.length = 0;
    this.useTunnel = false;
    this.proxyIds.length = 0;
    this.publicAddrs.length = 0;
  }
}

/** Declines a resource: the caller renders it from the decoded message. */
class Decline extends Error {}
const DECLINE = new Decline();

export class NodeJsonRenderer {
  /** The last rendered element (from its `{` to its `}`), valid until the next render. */
  readonly out = new JsonBytes(8192);
  /** The last rendered node's hostname as a byte string (one char per UTF-8 byte): its sort key. */
  hostname = '';
  private readonly f = new NodeFields();
  private buf: Buffer = Buffer.alloc(0);

  /**
   * Renders the PaginatedResource at buf[start, end) as an element of the indented list (nested one
   * level deep). False when the resource is not a node (nothing to print) or is declined: then
   * `declined` tells which.
   */
  render(buf: Buffer, start: number, end: number): boolean {
    this.declined = false;
    this.buf = buf;
    this.out.reset();
    this.f.reset();
    try {
      const node = this.resource(this.cursor(start), end);
      if (!node) return false;
      this.node(this.cursor(node.s), node.e);
      this.write();
      this.hostname =
        this.f.hostname.s < 0 ? '' : buf.toString('latin1', this.f.hostname.s, this.f.hostname.e);
      return true;
    } catch {
      // Malformed bytes too: the decoded path reports them as the generic decoder does.
      this.declined = true;
      return false;
    }
  }

  /** Whether the last render() declined the resource (vs. it not being a node). */
  declined = false;

  /**
   * Renders the resource at buf[start, end) as an element of the list, through the decoded object
   * when render() declines it; false when it is not a node. Malformed bytes throw the decoder's error.
   */
  element(buf: Buffer, start: number, end: number): boolean {
    if (this.render(buf, start, end)) return true;
    if (!this.declined) return false;
    const r = PaginatedResource.decode(buf.subarray(start, end));
    if (r.resource?.$case !== 'Node') return false;
    const n = r.resource.value;
    // The item inside a one-element array is already indented as an element ('[\n  ' … '\n]').
    const text = Buffer.from(fastMarshalIndent([serverJSON(n)]).slice(4, -2));
    this.out.reset();
    this.out.bytes(text);
    this.hostname = byteString(n.Spec?.Hostname ?? '');
    return true;
  }

  /** The oneof's last member present counts; only a Node given once is rendered here. */
  private resource(c: PbCursor, end: number): Span | undefined {
    let node: Span | undefined;
    let nodes = 0;
    while (c.pos < end) {
      const tag = c.varint();
      const field = tag >>> 3;
      if ((tag & 7) === LEN && RESOURCE_ONEOF.has(field)) {
        const e = c.end(end);
        if (field === NODE) {
          nodes++;
          node = { s: c.pos, e };
        } else node = undefined;
        c.pos = e;
      } else c.skip(tag & 7);
    }
    if (nodes > 1) throw DECLINE; // sub-messages given twice merge
    return node;
  }

  private str(c: PbCursor, wire: number, end: number, span: Span): void {
    if (wire !== LEN) throw DECLINE;
    span.e = c.end(end);
    span.s = c.pos;
    c.pos = span.e;
  }

  private once(c: PbCursor, wire: number, end: number, span: Span): void {
    if (span.s >= 0) throw DECLINE; // a sub-message given twice merges
    this.str(c, wire, end, span);
  }

  private node(c: PbCursor, end: number): void {
    const f = this.f;
    let meta: Span | undefined;
    let spec: Span | undefined;
    while (c.pos < end) {
      const tag = c.varint();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.str(c, wire, end, f.kind);
          break;
        case 2:
          this.str(c, wire, end, f.subKind);
          break;
        case 3:
          this.str(c, wire, end, f.version);
          break;
        case 4:
          if (meta) throw DECLINE;
          meta = absent();
          this.str(c, wire, end, meta);
          break;
        case 5:
          if (spec) throw DECLINE;
          spec = absent();
          this.str(c, wire, end, spec);
          break;
        default:
          c.skip(wire); // unknown to the schema: ignored, as decoding does
      }
    }
    if (meta) this.metadata(this.cursor(meta.s), meta.e);
    if (spec) this.spec(this.cursor(spec.s), spec.e);
  }

  private metadata(c: PbCursor, end: number): void {
    const f = this.f;
    while (c.pos < end) {
      const tag = c.varint();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.str(c, wire, end, f.name);
          break;
        case 2: // Namespace: json:"-"
          this.str(c, wire, end, absent());
          break;
        case 3:
          this.str(c, wire, end, f.description);
          break;
        case 5:
          this.mapEntry(c, wire, end, f.labels);
          break;
        case 6:
          this.once(c, wire, end, f.expires);
          break;
        case 8:
          this.str(c, wire, end, f.revision);
          break;
        default:
          c.skip(wire);
      }
    }
  }

  private mapEntry(c: PbCursor, wire: number, end: number, out: number[]): void {
    if (wire !== LEN) throw DECLINE;
    const e = c.end(end);
    const key = absent();
    const value = absent();
    while (c.pos < e) {
      const tag = c.varint();
      if (tag === 0x0a) this.str(c, LEN, e, key);
      else if (tag === 0x12) this.str(c, LEN, e, value);
      else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw DECLINE;
      else c.skip(tag & 7);
    }
    // An absent key or value is the empty string: an empty span.
    out.push(Math.max(key.s, 0), Math.max(key.e, 0), Math.max(value.s, 0), Math.max(value.e, 0));
  }

  private spec(c: PbCursor, end: number): void {
    const f = this.f;
    while (c.pos < end) {
      const tag = c.varint();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.str(c, wire, end, f.addr);
          break;
        case 3:
          this.str(c, wire, end, f.hostname);
          break;
        case 5:
          this.once(c, wire, end, f.rotation);
          break;
        case 6:
          if (wire !== VARINT) throw DECLINE;
          f.useTunnel = c.varint() !== 0;
          break;
        case 7:
          this.str(c, wire, end, f.specVersion);
          break;
        case 11:
          this.str(c, wire, end, f.peerAddr);
          break;
        case 12:
        case 13: {
          const span = absent();
          this.str(c, wire, end, span);
          (tag >>> 3 === 12 ? f.proxyIds : f.publicAddrs).push(span.s, span.e);
          break;
        }
        case 4: // CmdLabels
        case 14: // CloudMetadata
        case 15: // git_hub
          throw DECLINE;
        default:
          c.skip(wire);
      }
    }
  }

  // --- writing -----------------------------------------------------------------------------------

  private q(span: Span): void {
    if (span.s < 0) this.out.bytes(EMPTY);
    else this.out.quoted(this.buf, span.s, span.e);
  }

  private write(): void {
    const o = this.out;
    const f = this.f;
    o.bytes(P_KIND);
    this.q(f.kind);
    if (f.subKind.e > f.subKind.s) {
      o.bytes(P_SUB_KIND);
      this.q(f.subKind);
    }
    o.bytes(P_VERSION);
    this.q(f.version);
    o.bytes(P_METADATA);
    this.q(f.name);
    if (f.description.e > f.description.s) {
      o.bytes(P_DESCRIPTION);
      this.q(f.description);
    }
    if (f.labels.length) this.writeLabels();
    if (f.expires.s >= 0) {
      o.bytes(P_EXPIRES);
      this.time(f.expires);
    }
    if (f.revision.e > f.revision.s) {
      o.bytes(P_REVISION);
      this.q(f.revision);
    }
    o.bytes(P_SPEC);
    this.q(f.addr);
    o.bytes(P_HOSTNAME);
    this.q(f.hostname);
    o.bytes(P_ROTATION);
    this.rotation();
    if (f.useTunnel) o.bytes(P_USE_TUNNEL);
    o.bytes(P_SPEC_VERSION);
    this.q(f.specVersion);
    if (f.peerAddr.e > f.peerAddr.s) {
      o.bytes(P_PEER_ADDR);
      this.q(f.peerAddr);
    }
    if (f.proxyIds.length) {
      o.bytes(P_PROXY_IDS);
      this.list(f.proxyIds);
    }
    if (f.publicAddrs.length) {
      o.bytes(P_PUBLIC_ADDRS);
      this.list(f.publicAddrs);
    }
    o.bytes(P_END);
  }

  /** A []string at the spec's depth: `[`, one item per line, `]`. */
  private list(items: number[]): void {
    const o = this.out;
    o.bytes(OPEN_LIST);
    for (let i = 0; i < items.length; i += 2) {
      if (i) o.bytes(NEXT_LIST);
      o.quoted(this.buf, items[i], items[i + 1]);
    }
    o.bytes(CLOSE_LIST);
  }

  /** map[string]string: keys sorted by their bytes; a key given twice keeps its last value. */
  private writeLabels(): void {
    const o = this.out;
    const l = this.f.labels;
    const n = l.length / 4;
    // Insertion sort (a node has a handful of labels), stable: among equal keys the last entry
    // sorts last, and wins below.
    const order = this.order;
    order.length = 0;
    for (let i = 0; i < n; i++) {
      let j = order.length;
      while (j > 0 && this.compareKeys(order[j - 1], i) > 0) j--;
      order.splice(j, 0, i);
    }
    o.bytes(P_LABELS);
    let first = true;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      if (k + 1 < n && this.compareKeys(order[k + 1], i) === 0) continue;
      o.bytes(first ? LABEL_FIRST : LABEL_NEXT);
      first = false;
      o.quoted(this.buf, l[i * 4], l[i * 4 + 1]);
      o.bytes(COLON);
      o.quoted(this.buf, l[i * 4 + 2], l[i * 4 + 3]);
    }
    o.bytes(LABELS_END);
  }

  private readonly order: number[] = [];

  /** Compares the keys of label entries x and y by their bytes. */
  private compareKeys(x: number, y: number): number {
    const b = this.buf;
    const l = this.f.labels;
    let i = l[x * 4];
    const ie = l[x * 4 + 1];
    let j = l[y * 4];
    const je = l[y * 4 + 1];
    for (; i < ie && j < je; i++, j++) if (b[i] !== b[j]) return b[i] - b[j];
    return ie - i - (je - j);
  }

  /** types.Rotation (non-nullable): as resourcejson.ts rotationJSON, at the spec's depth. */
  private rotation(): void {
    const o = this.out;
    const r = this.f.rotation;
    const state = absent();
    const phase = absent();
    const mode = absent();
    const currentId = absent();
    const started = absent();
    const lastRotated = absent();
    const schedule = absent();
    let grace = 0n;
    if (r.s >= 0) {
      const c = this.cursor(r.s);
      while (c.pos < r.e) {
        const tag = c.varint();
        const wire = tag & 7;
        switch (tag >>> 3) {
          case 1:
            this.str(c, wire, r.e, state);
            break;
          case 2:
            this.str(c, wire, r.e, phase);
            break;
          case 3:
            this.str(c, wire, r.e, mode);
            break;
          case 4:
            this.str(c, wire, r.e, currentId);
            break;
          case 5:
            this.once(c, wire, r.e, started);
            break;
          case 6:
            if (wire !== VARINT) throw DECLINE;
            grace = c.int64();
            break;
          case 7:
            this.once(c, wire, r.e, lastRotated);
            break;
          case 8:
            this.once(c, wire, r.e, schedule);
            break;
          default:
            c.skip(wire);
        }
      }
    }
    const sched = [absent(), absent(), absent()];
    if (schedule.s >= 0) {
      const c = this.cursor(schedule.s);
      while (c.pos < schedule.e) {
        const tag = c.varint();
        const field = tag >>> 3;
        if (field >= 1 && field <= 3) this.once(c, tag & 7, schedule.e, sched[field - 1]);
        else c.skip(tag & 7);
      }
    }
    o.bytes(ROT_OPEN);
    const opt = (key: Buffer, s: Span) => {
      if (s.e > s.s) {
        o.bytes(key);
        this.q(s);
        o.bytes(ROT_COMMA);
      }
    };
    opt(ROT_STATE, state);
    opt(ROT_PHASE, phase);
    opt(ROT_MODE, mode);
    o.bytes(ROT_CURRENT_ID);
    this.q(currentId);
    o.bytes(ROT_STARTED);
    this.time(started);
    if (grace !== 0n) {
      o.bytes(ROT_GRACE);
      o.ascii(JSON.stringify(goDurationString(grace)));
    }
    o.bytes(ROT_LAST_ROTATED);
    this.time(lastRotated);
    o.bytes(ROT_SCHEDULE);
    this.time(sched[0]);
    o.bytes(ROT_UPDATE_SERVERS);
    this.time(sched[1]);
    o.bytes(ROT_STANDBY);
    this.time(sched[2]);
    o.bytes(ROT_END);
  }

  /** A google.protobuf.Timestamp as Go's time.Time MarshalJSON (UTC); absent = the zero time. */
  private time(ts: Span): void {
    if (ts.s < 0) {
      this.out.bytes(ZERO_TIME);
      return;
    }
    let seconds = 0;
    let nanos = 0;
    const c = this.cursor(ts.s);
    while (c.pos < ts.e) {
      const tag = c.varint();
      if (tag === 0x08) seconds = c.int64Number();
      else if (tag === 0x10)
        nanos = c.int64Number(); // out of int32's range: declined below
      else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw DECLINE;
      else c.skip(tag & 7);
    }
    if (seconds !== this.lastSeconds || nanos !== this.lastNanos) {
      this.lastTime = lit(goTimeJSONFromTimestamp(seconds, nanos));
      this.lastSeconds = seconds;
      this.lastNanos = nanos;
    }
    this.out.bytes(this.lastTime);
  }

  // The last time rendered: nodes of a listing share their expiry more often than not.
  private lastSeconds = Number.NaN;
  private lastNanos = 0;
  private lastTime = ZERO_TIME;

  private c?: PbCursor;

  /**
   * The cursor, at pos over the current buffer. There is one: every message is read to its end
   * before the next one is (sub-messages are noted as spans and read afterwards).
   */
  private cursor(pos: number): PbCursor {
    if (this.c?.buf !== this.buf) this.c = new PbCursor(this.buf, pos);
    this.c.pos = pos;
    return this.c;
  }
}

const times = new GoTimeJSONMemo();

/** Go's MarshalJSON of time.Unix(seconds, nanos).UTC(): RFC 3339 with 0–9 fractional digits. */
export function goTimeJSONFromTimestamp(seconds: number, nanos: number): string {
  // Timestamps outside Go's four-digit years or with out-of-range nanos: the decoded path decides.
  if (!(nanos >= 0 && nanos <= 999_999_999 && seconds >= -62135596800 && seconds <= 253402300799))
    throw DECLINE;
  return times.quoted(seconds, nanos);
}

// The pieces of the element, as JSON.stringify([item], null, 2) nests it one level deep.
const EMPTY = lit('""');
const P_KIND = lit('{\n    "kind": ');
const P_SUB_KIND = lit(',\n    "sub_kind": ');
const P_VERSION = lit(',\n    "version": ');
const P_METADATA = lit(',\n    "metadata": {\n      "name": ');
const P_DESCRIPTION = lit(',\n      "description": ');
const P_LABELS = lit(',\n      "labels": {');
const LABEL_FIRST = lit('\n        ');
const LABEL_NEXT = lit(',\n        ');
const COLON = lit(': ');
const LABELS_END = lit('\n      }');
const P_EXPIRES = lit(',\n      "expires": ');
const P_REVISION = lit(',\n      "revision": ');
const P_SPEC = lit('\n    },\n    "spec": {\n      "addr": ');
const P_HOSTNAME = lit(',\n      "hostname": ');
const P_ROTATION = lit(',\n      "rotation": ');
const P_USE_TUNNEL = lit(',\n      "use_tunnel": true');
const P_SPEC_VERSION = lit(',\n      "version": ');
const P_PEER_ADDR = lit(',\n      "peer_addr": ');
const P_PROXY_IDS = lit(',\n      "proxy_ids": ');
const P_PUBLIC_ADDRS = lit(',\n      "public_addrs": ');
const OPEN_LIST = lit('[\n        ');
const NEXT_LIST = lit(',\n        ');
const CLOSE_LIST = lit('\n      ]');
const P_END = lit('\n    }\n  }');
const ROT_OPEN = lit('{\n        ');
const ROT_COMMA = lit(',\n        ');
const ROT_STATE = lit('"state": ');
const ROT_PHASE = lit('"phase": ');
const ROT_MODE = lit('"mode": ');
const ROT_CURRENT_ID = lit('"current_id": ');
const ROT_STARTED = lit(',\n        "started": ');
const ROT_GRACE = lit(',\n        "grace_period": ');
const ROT_LAST_ROTATED = lit(',\n        "last_rotated": ');
const ROT_SCHEDULE = lit(',\n        "schedule": {\n          "update_clients": ');
const ROT_UPDATE_SERVERS = lit(',\n          "update_servers": ');
const ROT_STANDBY = lit(',\n          "standby": ');
const ROT_END = lit('\n        }\n      }');
