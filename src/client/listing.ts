// Paged listing over the Auth service, as tsh's GetResourcePage / ListUnifiedResources loops:
// pages of `limit`, start key = previous NextKey, until it is empty. Yields page by page so
// callers can stream 100k resources without holding them all.
import { status, type CallOptions, type Client, type Metadata } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { grpcCode } from './grpc/errors.js';
import {
  AuthServiceService,
  PaginatedResource,
  type ListResourcesRequest,
  type ListUnifiedResourcesRequest,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import { PbCursor } from '../wire/pbcursor.js';
import type { ClusterClient } from './cluster.js';
import type { ResourceFilter } from './filter.js';

/** defaults.DefaultChunkSize */
export const DEFAULT_PAGE_SIZE = 1000;

function isTooLarge(err: unknown): boolean {
  return grpcCode(err) === status.RESOURCE_EXHAUSTED;
}

/**
 * Pages until NextKey is empty; upstream halves the page when a page exceeds the message size
 * limit (RESOURCE_EXHAUSTED).
 */
async function* paged<P>(
  pageSize: number,
  fetch: (limit: number, startKey: string) => Promise<{ Resources: P; NextKey: string }>,
  prefetch = false,
): AsyncGenerator<P> {
  let limit = pageSize;
  const get = async (startKey: string): Promise<{ Resources: P; NextKey: string }> => {
    for (;;) {
      try {
        return await fetch(limit, startKey);
      } catch (err) {
        if (isTooLarge(err) && limit > 1) {
          limit = Math.floor(limit / 2);
          continue;
        }
        throw err;
      }
    }
  };
  // With prefetch, the request for the next page (same start key, same order) goes out before the
  // caller reads this one, so reading a page overlaps the cluster's work on the next.
  let next: Promise<{ Resources: P; NextKey: string }> | undefined = get('');
  try {
    while (next) {
      const res: { Resources: P; NextKey: string } = await next;
      next = undefined;
      if (prefetch && res.NextKey) {
        next = get(res.NextKey);
        // Marked handled now (the caller may be busy when it fails); awaiting it below still throws.
        next.catch(() => undefined);
      }
      yield res.Resources;
      if (!res.NextKey) return;
      next ??= get(res.NextKey);
    }
  } finally {
    // A caller that stops early may leave a request in flight: its failure is nobody's business.
    next?.catch(() => undefined);
  }
}

/** ListResources for one resource type (apps, dbs, kube, desktops). */
export function listResources(
  cc: ClusterClient,
  resourceType: string,
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
  what = `list ${resourceType}`,
): AsyncGenerator<PaginatedResource[]> {
  return paged(pageSize, (limit, startKey) => {
    const req: ListResourcesRequest = {
      ResourceType: resourceType,
      Namespace: 'default',
      Limit: limit,
      StartKey: startKey,
      Labels: filter.labels ?? {},
      PredicateExpression: filter.predicate ?? '',
      SearchKeywords: filter.search ?? [],
      SortBy: undefined,
      NeedTotalCount: false,
      WindowsDesktopFilter: undefined,
      UseSearchAsRoles: !!filter.useSearchAsRoles,
      UsePreviewAsRoles: false,
      IncludeLogins: !!filter.includeLogins,
    };
    return cc.call(cc.auth, cc.auth.listResources, req, what);
  });
}

function unifiedRequest(
  kinds: string[],
  filter: ResourceFilter,
  limit: number,
  startKey: string,
): ListUnifiedResourcesRequest {
  return {
    Kinds: kinds,
    Limit: limit,
    StartKey: startKey,
    Labels: filter.labels ?? {},
    PredicateExpression: filter.predicate ?? '',
    SearchKeywords: filter.search ?? [],
    SortBy: { IsDesc: false, Field: 'kind' },
    WindowsDesktopFilter: undefined,
    UseSearchAsRoles: false,
    UsePreviewAsRoles: false,
    PinnedOnly: false,
    IncludeLogins: !!filter.includeLogins,
    IncludeRequestable: false,
  };
}

/** ListUnifiedResources (tsh ls): kinds, sorted by kind then name. */
export function listUnified(
  cc: ClusterClient,
  kinds: string[],
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<PaginatedResource[]> {
  return paged(pageSize, (limit, startKey) =>
    cc.call(
      cc.auth,
      cc.auth.listUnifiedResources,
      unifiedRequest(kinds, filter, limit, startKey),
      'list resources',
    ),
  );
}

/** A ListUnifiedResourcesResponse read lazily: its resources decode one at a time, when iterated. */
export interface LazyPage {
  Resources: Iterable<PaginatedResource>;
  /** The nodes of the page as NodeViews (decodeNodeView), decoded as iterated. */
  nodeViews(fields?: NodeViewFields): Iterable<NodeView>;
  NextKey: string;
  /** Number of resources on the page. */
  count: number;
  /** The encoded page and where each PaginatedResource lies in it: [start, end, start, end, …]. */
  encoded: EncodedPage;
}

/** An encoded page of resources: the message and the [start, end) of each resource in it. */
export interface EncodedPage {
  buf: Buffer;
  spans: readonly number[];
}

/**
 * Scans an encoded ListUnifiedResourcesResponse (1 repeated PaginatedResource Resources, 2 string
 * NextKey) for NextKey and where each resource is, without decoding the resources.
 */
export function lazyUnifiedPage(buf: Uint8Array): LazyPage {
  const r = new BinaryReader(buf);
  const spans: number[] = [];
  let nextKey = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const len = r.uint32();
      spans.push(r.pos, r.pos + len);
      r.pos += len;
    } else if (field === 2 && wire === 2) nextKey = r.string();
    else r.skip(wire);
  }
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    NextKey: nextKey,
    count: spans.length / 2,
    encoded: { buf: b, spans },
    Resources: {
      *[Symbol.iterator]() {
        for (let i = 0; i < spans.length; i += 2)
          yield PaginatedResource.decode(buf.subarray(spans[i], spans[i + 1]));
      },
    },
    *nodeViews(fields: NodeViewFields = 'all') {
      for (let i = 0; i < spans.length; i += 2) {
        const n = decodeNodeView(buf, spans[i], spans[i + 1], fields);
        if (n) yield n;
      }
    },
  };
}

/**
 * The fields of a node that `tsh ls` prints as text or names, in ServerV2's shape: Metadata.Name,
 * Metadata.Labels, Spec.Hostname, Spec.Addr, Spec.UseTunnel and the results of Spec.CmdLabels.
 */
export interface NodeView {
  Metadata: { Name: string; Labels: Record<string, string> };
  Spec: { Hostname: string; Addr: string; UseTunnel: boolean; CmdLabels: Record<string, { Result: string }> };
}

/** A map entry (1 key, 2 value) ending at `end`; `value` reads field 2, its length prefix included. */
function mapEntry(c: PbCursor, end: number, value: (c: PbCursor) => string): [string, string] {
  let k = '';
  let v = '';
  while (c.pos < end) {
    const tag = c.varint();
    if (tag === 0x0a) k = c.string();
    else if (tag === 0x12) v = value(c);
    else c.skip(tag & 7);
  }
  return [k, v];
}

const stringValue = (c: PbCursor): string => c.string();

/** A CommandLabelV2 message's Result (3). */
function commandLabelResult(c: PbCursor): string {
  const end = c.end();
  let result = '';
  while (c.pos < end) {
    const tag = c.varint();
    if (tag === 0x1a) result = c.string();
    else c.skip(tag & 7);
  }
  return result;
}

/** PaginatedResource's `resource` oneof members (4 and 11 are reserved; 13, 14 are not members). */
const RESOURCE_ONEOF = new Set([1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 15, 16]);

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_CMD_LABELS: Record<string, { Result: string }> = Object.freeze({}) as Record<
  string,
  { Result: string }
>;

/**
 * Which NodeView fields to decode: all of them; all but Metadata.Name ("row": what the non-verbose
 * table prints); Spec.Hostname only ("hostname"). Fields not decoded stay empty.
 */
export type NodeViewFields = 'all' | 'row' | 'hostname';

/**
 * Decodes only NodeView's fields from an encoded PaginatedResource (oneof member 3, Node: ServerV2 4
 * Metadata {1 Name, 5 Labels}, 5 Spec {1 Addr, 3 Hostname, 4 CmdLabels {3 Result}, 6 UseTunnel}),
 * skipping everything else; undefined when the resource is not a node. Sub-messages given twice
 * merge and the last scalar wins, as protobuf decoding does. `start`/`end` delimit the resource in buf.
 */
export function decodeNodeView(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
  fields: NodeViewFields = 'all',
): NodeView | undefined {
  const withName = fields === 'all';
  const hostOnly = fields === 'hostname';
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const c = new PbCursor(b, start);
  let node: NodeView | undefined;
  while (c.pos < end) {
    const tag = c.varint();
    const field = tag >>> 3;
    // The oneof's members (authservice.proto PaginatedResource): the last one present counts.
    if ((tag & 7) !== 2 || !RESOURCE_ONEOF.has(field)) {
      c.skip(tag & 7);
      continue;
    }
    const rEnd = c.end();
    if (field !== 3) {
      node = undefined;
      c.pos = rEnd;
      continue;
    }
    // Labels and CmdLabels start as one shared empty object, replaced when an entry comes.
    node ??= {
      Metadata: { Name: '', Labels: NO_LABELS },
      Spec: { Hostname: '', Addr: '', UseTunnel: false, CmdLabels: NO_CMD_LABELS },
    };
    while (c.pos < rEnd) {
      const t = c.varint();
      if (t === 0x22) {
        const mEnd = c.end();
        while (c.pos < mEnd) {
          const mt = c.varint();
          if (mt === 0x0a && withName) node.Metadata.Name = c.string();
          else if (mt === 0x2a && !hostOnly) {
            const [k, v] = mapEntry(c, c.end(), stringValue);
            if (node.Metadata.Labels === NO_LABELS) node.Metadata.Labels = {};
            node.Metadata.Labels[k] = v;
          } else c.skip(mt & 7);
        }
      } else if (t === 0x2a) {
        const sEnd = c.end();
        while (c.pos < sEnd) {
          const st = c.varint();
          if (st === 0x1a) node.Spec.Hostname = c.string();
          else if (st === 0x0a && !hostOnly) node.Spec.Addr = c.string();
          else if (st === 0x22 && !hostOnly) {
            const [k, v] = mapEntry(c, c.end(), commandLabelResult);
            if (node.Spec.CmdLabels === NO_CMD_LABELS) node.Spec.CmdLabels = {};
            node.Spec.CmdLabels[k] = { Result: v };
          } else if (st === 0x30) node.Spec.UseTunnel = c.varint() !== 0;
          else c.skip(st & 7);
        }
      } else c.skip(t & 7);
    }
  }
  return node;
}

/** AuthService.ListUnifiedResources with the response left encoded (grpc-js generic unary call). */
function listUnifiedRaw(
  this: Client,
  req: ListUnifiedResourcesRequest,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: Error | null, res: LazyPage) => void,
) {
  const m = AuthServiceService.listUnifiedResources;
  return this.makeUnaryRequest<ListUnifiedResourcesRequest, LazyPage>(
    m.path,
    m.requestSerialize,
    (b: Buffer) => lazyUnifiedPage(b),
    req,
    md,
    opts,
    (err, res) => cb(err, res as LazyPage),
  );
}

/**
 * ListUnifiedResources pages whose resources are decoded one by one as they are iterated: a listing
 * that keeps only what it prints (tsh ls over 100k nodes) then never holds a decoded page, which keeps
 * the V8 heap — and so the process — small. The next page is requested as soon as a page arrives
 * (the same requests in the same order as the plain loop), so reading one page overlaps the next.
 */
export async function* listUnifiedLazy(
  cc: ClusterClient,
  kinds: string[],
  filter: ResourceFilter,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<LazyPage> {
  yield* paged(
    pageSize,
    async (limit, startKey) => {
      const page = await cc.call(
        cc.auth,
        listUnifiedRaw,
        unifiedRequest(kinds, filter, limit, startKey),
        'list resources',
      );
      return { Resources: page, NextKey: page.NextKey };
    },
    true,
  );
}

/** Every resource of one ListResources type, mapped by `pick` (undefined = skip). */
export async function collectResources<T>(
  cc: ClusterClient,
  resourceType: string,
  filter: ResourceFilter,
  pick: (r: PaginatedResource) => T | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of listResources(cc, resourceType, filter)) {
    for (const r of page) {
      const t = pick(r);
      if (t !== undefined) out.push(t);
    }
  }
  return out;
}
