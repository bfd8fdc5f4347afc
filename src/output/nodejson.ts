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
//
// Speed (bench/ls.js, 100k nodes): nothing is allocated per node (spans and lists are reused), the
// element is written straight into the caller's buffer (the listing's spill block), and the pieces
// before the name (kind, sub_kind, version) and from the rotation to the end are kept with the raw
// bytes they came from: the next node whose bytes are the same reuses them (Memo).
import { goDurationString } from '../format/duration.js';
import { GoTimeJSONMemo } from '../format/gotime.js';
import { PaginatedResource } from '../gen/teleport/legacy/client/proto/authservice.js';
import { LEN, PbCursor, VARINT } from '../wire/pbcursor.js';
import { JsonBytes, lit } from './jsonbytes.js';
import { fastMarshalIndent } from './printer.js';
import { serverJSON } from './resourcejson.js';

/** PaginatedResource's `resource` oneof members (4 and 11 are reserved; 13, 14 are not members). */
const RESOURCE_ONEOF = new Set([1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 15, 16]);
const NODE = 3;

// Go's zero time.Time, for the non-nullable times of Rotation.
const ZERO_TIME = lit('"0001-01-01T00:00:00Z"');

/** Where a string field lies in the buffer: [start, end), or start -1 when absent. */
type Span = { s: number; e: number };
const absent = (): Span => ({ s: -1, e: -1 });

/** Ints (buffer offsets) reused from one resource to the next: `n` of them in `a`. */
class IntList {
  a = new Int32Array(16);
  n = 0;

  push(x: number, y: number): void {
    if (this.n + 2 > this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
    this.a[this.n++] = y;
  }
}

/**
 * A rendered piece of the element kept under the raw bytes it was rendered from (string fields given
 * as [start, end) pairs, absent = empty, plus a number for everything else it depends on): the nodes
 * of a listing share most of their fields, so the next node with the same bytes reuses the piece.
 */
class Memo {
  out = Buffer.alloc(0);
  private raw = Buffer.alloc(256);
  private rawLen = -1;
  private readonly lens = new IntList();
  private tag = 0;

  /** Whether buf's fields (pairs[0, n)) and tag are those of the kept piece. */
  hit(buf: Buffer, pairs: IntList, tag: number): boolean {
    if (this.rawLen < 0 || tag !== this.tag || pairs.n !== this.lens.n) return false;
    const r = this.raw;
    const p = pairs.a;
    let at = 0;
    for (let k = 0; k < pairs.n; k += 2) {
      const s = p[k];
      const len = p[k + 1] > s ? p[k + 1] - s : 0;
      if (len !== this.lens.a[k]) return false;
      for (let i = 0; i < len; i++) if (r[at + i] !== buf[s + i]) return false;
      at += len;
    }
    return true;
  }

  /** Keeps src[from, to) as the piece rendered from buf's fields (pairs) and tag. */
  keep(buf: Buffer, pairs: IntList, tag: number, src: Buffer, from: number, to: number): void {
    this.tag = tag;
    this.lens.n = 0;
    let at = 0;
    for (let k = 0; k < pairs.n; k += 2) {
      const s = pairs.a[k];
      const len = pairs.a[k + 1] > s ? pairs.a[k + 1] - s : 0;
      if (at + len > this.raw.length) {
        const r = Buffer.alloc(Math.max(at + len, this.raw.length * 2));
        this.raw.copy(r, 0, 0, at);
        this.raw = r;
      }
      if (len > 0) buf.copy(this.raw, at, s, s + len);
      at += len;
      this.lens.push(len, 0);
    }
    this.rawLen = at;
    this.out = Buffer.from(src.subarray(from, to));
  }
}

/** What a rendered resource holds, reused from one resource to the next. */
class NodeFields {
  kind = absent();
  subKind = absent();
  version = absent();
  name = absent();
  description = absent();
  revision = absent();
  /** Label entries: key start, key end, value start, value end, … */
  labels = new IntList();
  expires = absent(); // the Timestamp message
  addr = absent();
  hostname = absent();
  rotation = absent(); // the Rotation message
  useTunnel = false;
  specVersion = absent();
  peerAddr = absent();
  proxyIds = new IntList();
  publicAddrs = new IntList();
  meta = absent(); // the Metadata message
  spec = absent(); // the Spec message
  /** Where skipped or list fields are read to (no allocation per resource). */
  scratch = absent();
  key = absent();
  value = absent();
  private readonly spans = [
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
    this.meta,
    this.spec,
  ];

  reset(): void {
    for (const f of this.spans) {
      f.s = -1;
      f.e = -1;
    }
    this.labels.n = 0;
    this.useTunnel = false;
    this.proxyIds.n = 0;
    this.publicAddrs.n = 0;
  }
}

/** Declines a resource: the caller renders it from the decoded message. */
class Decline extends Error {}
const DECLINE = new Decline();

export class NodeJsonRenderer {
  /** The last element rendered without a target (from its `{` to its `}`), valid until the next. */
  readonly out = new JsonBytes(8192);
  /**
   * The last rendered node's hostname, its sort key: the UTF-8 bytes hostBuf[hostStart, hostEnd)
   * (in the resource's own buffer when rendered from its bytes), valid until the next render.
   */
  hostBuf: Buffer = Buffer.alloc(0);
  hostStart = 0;
  hostEnd = 0;
  private readonly f = new NodeFields();
  private buf: Buffer = Buffer.alloc(0);
  private o: JsonBytes = this.out;

  /** The last rendered node's hostname as a byte string (one char per UTF-8 byte). */
  get hostname(): string {
    return this.hostBuf.toString('latin1', this.hostStart, this.hostEnd);
  }

  /**
   * Renders the PaginatedResource at buf[start, end) as an element of the indented list (nested one
   * level deep), appended to `into` (by default: this.out, emptied first). False when the resource
   * is not a node (nothing to print) or is declined (`into` is then left as it was): `declined`
   * tells which.
   */
  render(buf: Buffer, start: number, end: number, into?: JsonBytes): boolean {
    this.declined = false;
    this.buf = buf;
    const o = (this.o = into ?? this.out);
    if (!into) o.reset();
    const mark = o.len;
    this.f.reset();
    try {
      const node = this.resource(this.cursor(start), end);
      if (!node) return false;
      this.node(this.cursor(node.s), node.e);
      this.write();
      const h = this.f.hostname;
      this.hostBuf = buf;
      this.hostStart = Math.max(h.s, 0);
      this.hostEnd = Math.max(h.e, 0);
      return true;
    } catch {
      // Malformed bytes too: the decoded path reports them as the generic decoder does.
      o.len = mark;
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
  element(buf: Buffer, start: number, end: number, into?: JsonBytes): boolean {
    if (this.render(buf, start, end, into)) return true;
    if (!this.declined) return false;
    const r = PaginatedResource.decode(buf.subarray(start, end));
    if (r.resource?.$case !== 'Node') return false;
    const n = r.resource.value;
    // The item inside a one-element array is already indented as an element ('[\n  ' … '\n]').
    const text = Buffer.from(fastMarshalIndent([serverJSON(n)]).slice(4, -2));
    const o = into ?? this.out;
    if (!into) o.reset();
    o.bytes(text);
    this.hostBuf = Buffer.from(n.Spec?.Hostname ?? '');
    this.hostStart = 0;
    this.hostEnd = this.hostBuf.length;
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
          this.once(c, wire, end, f.meta);
          break;
        case 5:
          this.once(c, wire, end, f.spec);
          break;
        default:
          c.skip(wire); // unknown to the schema: ignored, as decoding does
      }
    }
    if (f.meta.s >= 0) this.metadata(this.cursor(f.meta.s), f.meta.e);
    if (f.spec.s >= 0) this.spec(this.cursor(f.spec.s), f.spec.e);
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
          this.str(c, wire, end, f.scratch);
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

  private mapEntry(c: PbCursor, wire: number, end: number, out: IntList): void {
    if (wire !== LEN) throw DECLINE;
    const e = c.end(end);
    const { key, value } = this.f;
    key.s = key.e = value.s = value.e = -1;
    while (c.pos < e) {
      const tag = c.varint();
      if (tag === 0x0a) this.str(c, LEN, e, key);
      else if (tag === 0x12) this.str(c, LEN, e, value);
      else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw DECLINE;
      else c.skip(tag & 7);
    }
    // An absent key or value is the empty string: an empty span.
    out.push(Math.max(key.s, 0), Math.max(key.e, 0));
    out.push(Math.max(value.s, 0), Math.max(value.e, 0));
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
          const span = f.scratch;
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
    if (span.s < 0) this.o.bytes(EMPTY);
    else this.o.quoted(this.buf, span.s, span.e);
  }

  private write(): void {
    const o = this.o;
    const f = this.f;
    // From the start to the name: kind, sub_kind, version.
    const head = this.pairs;
    head.n = 0;
    head.push(f.kind.s, f.kind.e);
    head.push(f.subKind.s, f.subKind.e);
    head.push(f.version.s, f.version.e);
    if (this.head.hit(this.buf, head, 0)) o.bytes(this.head.out);
    else {
      const from = o.len;
      o.bytes(P_KIND);
      this.q(f.kind);
      if (f.subKind.e > f.subKind.s) {
        o.bytes(P_SUB_KIND);
        this.q(f.subKind);
      }
      o.bytes(P_VERSION);
      this.q(f.version);
      o.bytes(P_METADATA);
      this.head.keep(this.buf, head, 0, o.buf, from, o.len);
    }
    this.q(f.name);
    if (f.description.e > f.description.s) {
      o.bytes(P_DESCRIPTION);
      this.q(f.description);
    }
    if (f.labels.n) this.writeLabels();
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
    // From the rotation to the end.
    const tail = this.pairs;
    tail.n = 0;
    tail.push(f.rotation.s, f.rotation.e);
    tail.push(f.specVersion.s, f.specVersion.e);
    tail.push(f.peerAddr.s, f.peerAddr.e);
    for (let i = 0; i < f.proxyIds.n; i += 2) tail.push(f.proxyIds.a[i], f.proxyIds.a[i + 1]);
    for (let i = 0; i < f.publicAddrs.n; i += 2) tail.push(f.publicAddrs.a[i], f.publicAddrs.a[i + 1]);
    // Which pairs are which: the lists' lengths, and use_tunnel.
    const tag = f.proxyIds.n * 2 + (f.useTunnel ? 1 : 0);
    if (this.tail.hit(this.buf, tail, tag)) {
      o.bytes(this.tail.out);
      return;
    }
    const from = o.len;
    this.writeTail();
    this.tail.keep(this.buf, tail, tag, o.buf, from, o.len);
  }

  private readonly pairs = new IntList();
  private readonly head = new Memo();
  private readonly tail = new Memo();

  private writeTail(): void {
    const o = this.o;
    const f = this.f;
    o.bytes(P_ROTATION);
    this.rotation();
    if (f.useTunnel) o.bytes(P_USE_TUNNEL);
    o.bytes(P_SPEC_VERSION);
    this.q(f.specVersion);
    if (f.peerAddr.e > f.peerAddr.s) {
      o.bytes(P_PEER_ADDR);
      this.q(f.peerAddr);
    }
    if (f.proxyIds.n) {
      o.bytes(P_PROXY_IDS);
      this.list(f.proxyIds);
    }
    if (f.publicAddrs.n) {
      o.bytes(P_PUBLIC_ADDRS);
      this.list(f.publicAddrs);
    }
    o.bytes(P_END);
  }

  /** A []string at the spec's depth: `[`, one item per line, `]`. */
  private list(items: IntList): void {
    const o = this.o;
    o.bytes(OPEN_LIST);
    for (let i = 0; i < items.n; i += 2) {
      if (i) o.bytes(NEXT_LIST);
      o.quoted(this.buf, items.a[i], items.a[i + 1]);
    }
    o.bytes(CLOSE_LIST);
  }

  /** map[string]string: keys sorted by their bytes; a key given twice keeps its last value. */
  private writeLabels(): void {
    const o = this.o;
    const l = this.f.labels.a;
    const n = this.f.labels.n / 4;
    if (this.order.length < n) this.order = new Int32Array(n * 2);
    const order = this.order;
    // Entries usually come with their keys in order and once each: then nothing moves.
    let inOrder = true;
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (i > 0 && this.compareKeys(i - 1, i) >= 0) inOrder = false;
    }
    if (!inOrder) {
      // Insertion sort (a node has a handful of labels), stable: among equal keys the last entry
      // sorts last, and wins below.
      for (let i = 1; i < n; i++) {
        let j = i;
        while (j > 0 && this.compareKeys(order[j - 1], i) > 0) {
          order[j] = order[j - 1];
          j--;
        }
        order[j] = i;
      }
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

  private order = new Int32Array(16);

  /** Compares the keys of label entries x and y by their bytes. */
  private compareKeys(x: number, y: number): number {
    const b = this.buf;
    const l = this.f.labels.a;
    let i = l[x * 4];
    const ie = l[x * 4 + 1];
    let j = l[y * 4];
    const je = l[y * 4 + 1];
    for (; i < ie && j < je; i++, j++) if (b[i] !== b[j]) return b[i] - b[j];
    return ie - i - (je - j);
  }

  /**
   * types.Rotation (non-nullable): as resourcejson.ts rotationJSON, at the spec's depth (an empty
   * one, as nodes have, is a constant).
   */
  private rotation(): void {
    if (this.f.rotation.e <= this.f.rotation.s) this.o.bytes(ROT_ZERO);
    else this.rotationFields();
  }
  // A rotation's fields, reused from one rotation to the next.
  private readonly rot = {
    state: absent(),
    phase: absent(),
    mode: absent(),
    currentId: absent(),
    started: absent(),
    lastRotated: absent(),
    schedule: absent(),
    sched: [absent(), absent(), absent()],
  };

  private rotationFields(): void {
    const o = this.o;
    const r = this.f.rotation;
    const { state, phase, mode, currentId, started, lastRotated, schedule, sched } = this.rot;
    for (const f of [state, phase, mode, currentId, started, lastRotated, schedule, ...sched]) {
      f.s = -1;
      f.e = -1;
    }
    let grace = 0n;
    {
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
    this.optional(ROT_STATE, state);
    this.optional(ROT_PHASE, phase);
    this.optional(ROT_MODE, mode);
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

  /** A rotation string field with `omitempty`. */
  private optional(key: Buffer, s: Span): void {
    if (s.e > s.s) {
      this.o.bytes(key);
      this.q(s);
      this.o.bytes(ROT_COMMA);
    }
  }

  /** A google.protobuf.Timestamp as Go's time.Time MarshalJSON (UTC); absent = the zero time. */
  private time(ts: Span): void {
    if (ts.s < 0) {
      this.o.bytes(ZERO_TIME);
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
    this.o.bytes(this.lastTime);
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
/** The zero Rotation (absent or empty), as rotation() writes it. */
const ROT_ZERO = Buffer.concat([
  ROT_OPEN,
  ROT_CURRENT_ID,
  EMPTY,
  ROT_STARTED,
  ZERO_TIME,
  ROT_LAST_ROTATED,
  ZERO_TIME,
  ROT_SCHEDULE,
  ZERO_TIME,
  ROT_UPDATE_SERVERS,
  ZERO_TIME,
  ROT_STANDBY,
  ZERO_TIME,
  ROT_END,
]);
