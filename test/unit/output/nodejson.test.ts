// output/nodejson.ts: `tsh ls --format=json` elements from a PaginatedResource's bytes. Expected bytes
// follow lib/utils FastMarshalIndent (json-iterator SafeConfig: EscapeHTML off, SortMapKeys; string
// quoting of json-iterator/go stream_str.go WriteString) and Go's time.Time MarshalJSON
// (RFC3339Nano); where both apply they must equal the decoded path (resourcejson.ts serverJSON).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PaginatedResource } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { ServerV2 } from '../../../src/gen/teleport/legacy/types/types.js';
import { JsonBytes } from '../../../src/output/jsonbytes.js';
import { goTimeJSONFromTimestamp, NodeJsonRenderer } from '../../../src/output/nodejson.js';
import { fastMarshalIndent } from '../../../src/output/printer.js';
import { serverJSON } from '../../../src/output/resourcejson.js';

const encode = (n: ServerV2): Buffer =>
  Buffer.from(
    PaginatedResource.encode({
      resource: { $case: 'Node', value: n },
      Logins: [],
      RequiresRequest: false,
    }).finish(),
  );

/** The element through the decoded object, as the list writer indents it. */
const decodedPath = (n: ServerV2): string => fastMarshalIndent([serverJSON(n)]).slice(4, -2);

function fast(buf: Buffer): string | undefined {
  const r = new NodeJsonRenderer();
  return r.render(buf, 0, buf.length) ? r.out.buf.toString('latin1', 0, r.out.len) : undefined;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

// Protobuf by hand, for bytes the generated encoder cannot make.
const varint = (v: number): number[] => {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const len = (field: number, body: Buffer | number[]): Buffer =>
  Buffer.from([...varint((field << 3) | 2), ...varint(body.length), ...body]);
const str = (field: number, s: string | Buffer) => len(field, Buffer.from(s));
const node = (server: Buffer) => len(3, server);

describe('NodeJsonRenderer', () => {
  it('renders a node as the decoded path does (a real node: labels, expiry, zero rotation)', () => {
    const n = ServerV2.fromPartial({
      Kind: 'node',
      SubKind: 'teleport',
      Version: 'v2',
      Metadata: {
        Name: '8e27085d',
        Namespace: 'default',
        Labels: { shard: '0', env: 'dev' },
        Expires: new Date('2026-12-02T01:23:16.944Z'),
      },
      Spec: { Addr: '127.0.0.1:3022', Hostname: 'node-000000', Version: '18.2.0' },
    });
    const want =
      '{\n    "kind": "node",\n    "sub_kind": "teleport",\n    "version": "v2",\n    "metadata": {\n' +
      '      "name": "8e27085d",\n      "labels": {\n        "env": "dev",\n        "shard": "0"\n      },\n' +
      '      "expires": "2026-12-02T01:23:16.944Z"\n    },\n    "spec": {\n      "addr": "127.0.0.1:3022",\n' +
      '      "hostname": "node-000000",\n      "rotation": {\n        "current_id": "",\n' +
      '        "started": "0001-01-01T00:00:00Z",\n        "last_rotated": "0001-01-01T00:00:00Z",\n' +
      '        "schedule": {\n          "update_clients": "0001-01-01T00:00:00Z",\n' +
      '          "update_servers": "0001-01-01T00:00:00Z",\n          "standby": "0001-01-01T00:00:00Z"\n' +
      '        }\n      },\n      "version": "18.2.0"\n    }\n  }';
    expect(fast(encode(n))).toBe(want);
    expect(decodedPath(n)).toBe(want);
    expect(utf8(want)).toBe(want); // ASCII
  });

  it('equals the decoded path for any node both cover (property)', () => {
    // Keys that JS objects keep in insertion order (no integer-like keys: the decoded path cannot
    // order those as Go does), strings without lone surrogates, millisecond times.
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const key = text.filter((k) => !/^(0|[1-9]\d*)$/.test(k));
    // ts-proto encodes a pre-1970 time with milliseconds as negative nanos, which no server sends.
    const time = fc.oneof(
      fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
      fc.integer({ min: -62135596800, max: 0 }).map((s) => new Date(s * 1000)),
    );
    const server = fc.record({
      Kind: text,
      SubKind: text,
      Version: text,
      Metadata: fc.option(
        fc.record({
          Name: text,
          Namespace: text,
          Description: text,
          Labels: fc.dictionary(key, text, { maxKeys: 4 }),
          Expires: fc.option(time, { nil: undefined }),
          Revision: text,
        }),
        { nil: undefined },
      ),
      Spec: fc.option(
        fc.record({
          Addr: text,
          Hostname: text,
          Rotation: fc.option(
            fc.record({
              State: text,
              Phase: text,
              Mode: text,
              CurrentID: text,
              Started: fc.option(time, { nil: undefined }),
              GracePeriod: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
              LastRotated: fc.option(time, { nil: undefined }),
              Schedule: fc.option(
                fc.record({
                  UpdateClients: fc.option(time, { nil: undefined }),
                  UpdateServers: fc.option(time, { nil: undefined }),
                  Standby: fc.option(time, { nil: undefined }),
                }),
                { nil: undefined },
              ),
            }),
            { nil: undefined },
          ),
          UseTunnel: fc.boolean(),
          Version: text,
          PeerAddr: text,
          ProxyIDs: fc.array(text, { maxLength: 3 }),
          publicAddrs: fc.array(text, { maxLength: 3 }),
        }),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(server, (s) => {
        const n = ServerV2.fromPartial(s);
        expect(fast(encode(n))).toBe(utf8(decodedPath(n)));
      }),
      { numRuns: 300 },
    );
  });

  it('one renderer over many nodes: pieces kept from earlier nodes equal the decoded path (property)', () => {
    // Values from small sets, so that consecutive nodes share some pieces and differ in others.
    const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
    const rotation = {
      State: 'standby',
      Phase: '',
      Mode: 'auto',
      CurrentID: 'r1',
      Started: new Date('2025-01-02T03:04:05.678Z'),
      GracePeriod: 30_000_000_000n,
      LastRotated: undefined,
      Schedule: undefined,
    };
    const server = fc.record({
      Kind: pick('node', ''),
      SubKind: pick('teleport', 'openssh', ''),
      Version: pick('v2', 'v3'),
      Metadata: fc.record({
        Name: pick('n1', 'n2'),
        Namespace: pick('default'),
        Labels: pick({}, { env: 'dev' }, { shard: '1', env: 'prod' }),
      }),
      Spec: fc.record({
        Addr: pick('', '10.0.0.1:3022'),
        Hostname: pick('h1', 'h2'),
        Rotation: pick(undefined, rotation, { ...rotation, CurrentID: 'r2' }),
        UseTunnel: fc.boolean(),
        Version: pick('18.2.0', '17.0.0'),
        PeerAddr: pick('', '10.0.0.2:3021'),
        ProxyIDs: pick([], ['p1'], ['p2'], ['p1', 'p2']),
        publicAddrs: pick([], ['h1.example.com']),
      }),
    });
    fc.assert(
      fc.property(fc.array(server, { minLength: 2, maxLength: 16 }), (servers) => {
        const r = new NodeJsonRenderer();
        for (const s of servers) {
          const n = ServerV2.fromPartial(s);
          const b = encode(n);
          expect(r.render(b, 0, b.length)).toBe(true);
          expect(r.out.buf.toString('latin1', 0, r.out.len)).toBe(utf8(decodedPath(n)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('one renderer: a node that differs from the previous one in any single field renders as its own', () => {
    const base = {
      Kind: 'node',
      SubKind: 'teleport',
      Version: 'v2',
      Metadata: { Name: 'n1', Namespace: 'default', Labels: { env: 'dev' } },
      Spec: {
        Addr: '10.0.0.1:3022',
        Hostname: 'h1',
        Rotation: undefined as object | undefined,
        UseTunnel: false,
        Version: '18.2.0',
        PeerAddr: '',
        ProxyIDs: [] as string[],
        publicAddrs: [] as string[],
      },
    };
    const rot = { State: 'standby', CurrentID: 'r1', GracePeriod: 30_000_000_000n };
    // Same-length values, so that only the bytes (or which list holds them) tell them apart.
    const variants = [
      { Kind: 'nodf' },
      { SubKind: 'openssh_' },
      { SubKind: '' },
      { Version: 'v3' },
      { Spec: { Rotation: rot } },
      { Spec: { Rotation: { ...rot, CurrentID: 'r2' } } },
      { Spec: { UseTunnel: true } },
      { Spec: { Version: '17.2.0' } },
      { Spec: { PeerAddr: 'p1' } },
      { Spec: { ProxyIDs: ['p1'] } },
      { Spec: { ProxyIDs: ['p2'] } },
      { Spec: { publicAddrs: ['p1'] } },
      { Spec: { ProxyIDs: ['p1'], publicAddrs: ['p2'] } },
      { Spec: { ProxyIDs: ['p1', 'p2'] } },
      { Spec: { publicAddrs: ['p1', 'p2'] } },
    ];
    const r = new NodeJsonRenderer();
    const check = (n: ServerV2) => {
      const b = encode(n);
      expect(r.render(b, 0, b.length)).toBe(true);
      expect(r.out.buf.toString('latin1', 0, r.out.len)).toBe(utf8(decodedPath(n)));
    };
    for (const v of variants) {
      const n = ServerV2.fromPartial({ ...base, ...v, Spec: { ...base.Spec, ...v.Spec } });
      for (const x of [ServerV2.fromPartial(base), n, n, ServerV2.fromPartial(base)]) check(x);
    }
    for (let i = 1; i < variants.length; i++) {
      const [a, b] = [variants[i - 1], variants[i]];
      check(ServerV2.fromPartial({ ...base, ...a, Spec: { ...base.Spec, ...a.Spec } }));
      check(ServerV2.fromPartial({ ...base, ...b, Spec: { ...base.Spec, ...b.Spec } }));
    }
  });

  it('appends to a target; a declined resource leaves the target as it was', () => {
    const r = new NodeJsonRenderer();
    const into = new JsonBytes(16);
    into.ascii('[');
    const n = ServerV2.fromPartial({ Kind: 'node', Metadata: { Name: 'n' }, Spec: { Hostname: 'hé' } });
    const ok = encode(n);
    expect(r.render(ok, 0, ok.length, into)).toBe(true);
    expect(r.hostBuf.toString('utf8', r.hostStart, r.hostEnd)).toBe('hé');
    const after = into.len;
    // A timestamp out of Go's range is declined only while writing: what was written is taken back.
    const late = node(
      Buffer.concat([
        str(1, 'node'),
        len(4, Buffer.concat([str(1, 'x'), len(6, [0x08, ...varint(2 ** 40)])])),
      ]),
    );
    expect(r.render(late, 0, late.length, into)).toBe(false);
    expect(r.declined).toBe(true);
    expect(into.len).toBe(after);
    expect(into.buf.toString('utf8', 1, into.len)).toBe(decodedPath(n));
  });

  it('quotes strings as json-iterator does: <>& and U+2028 as they are, \\b as \\u0008, bytes raw', () => {
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62]); // invalid UTF-8: Go copies it
    const buf = node(
      Buffer.concat([str(1, 'node'), len(4, str(1, '<a&b>\u2028\b\f\n\t"\\\x01\x7f')), len(5, str(3, bad))]),
    );
    const out = fast(buf)!;
    expect(out).toContain(`"name": ${utf8('"<a&b>\u2028\\u0008\\u000c\\n\\t\\"\\\\\\u0001\x7f"')}`);
    expect(out).toContain(`"hostname": "a\xff\xfeb"`);
  });

  it('sorts label keys by their bytes (integer-like keys too) and keeps the last value of a repeated key', () => {
    const entry = (k: string, v: string) => len(5, Buffer.concat([str(1, k), str(2, v)]));
    const meta = Buffer.concat([entry('9', 'a'), entry('10', 'b'), entry('env', 'x'), entry('9', 'c')]);
    const out = fast(node(Buffer.concat([str(1, 'node'), len(4, meta)])))!;
    expect(out).toContain('"labels": {\n        "10": "b",\n        "9": "c",\n        "env": "x"\n      }');
  });

  it('times with all nine fractional digits, trailing zeros trimmed (time.Time MarshalJSON)', () => {
    expect(goTimeJSONFromTimestamp(1764638596, 123456789)).toBe('"2025-12-02T01:23:16.123456789Z"');
    expect(goTimeJSONFromTimestamp(1764638596, 120000000)).toBe('"2025-12-02T01:23:16.12Z"');
    expect(goTimeJSONFromTimestamp(0, 0)).toBe('"1970-01-01T00:00:00Z"');
    expect(goTimeJSONFromTimestamp(-62135596800, 0)).toBe('"0001-01-01T00:00:00Z"');
  });

  it('declines what it does not cover (command labels, a sub-message twice, malformed bytes); skips non-nodes', () => {
    const r = new NodeJsonRenderer();
    const cmd = node(len(5, len(4, str(1, 'k'))));
    expect(r.render(cmd, 0, cmd.length)).toBe(false);
    expect(r.declined).toBe(true);
    const twice = node(Buffer.concat([len(4, str(1, 'a')), len(4, str(1, 'b'))]));
    expect(r.render(twice, 0, twice.length)).toBe(false);
    expect(r.declined).toBe(true);
    const truncated = node(str(1, 'node')).subarray(0, 5);
    expect(r.render(truncated, 0, truncated.length)).toBe(false);
    expect(r.declined).toBe(true);
    const app = len(6, str(1, 'app'));
    expect(r.render(app, 0, app.length)).toBe(false);
    expect(r.declined).toBe(false);
  });

  it('element() renders declined nodes through the decoded object, and merges as decoding does', () => {
    const n = ServerV2.fromPartial({
      Kind: 'node',
      Metadata: { Name: 'n' },
      Spec: {
        Hostname: 'h',
        CmdLabels: { up: { Period: 60_000_000_000n, Command: ['uptime'], Result: 'ok' } },
      },
    });
    const r = new NodeJsonRenderer();
    const b = encode(n);
    expect(r.element(b, 0, b.length)).toBe(true);
    expect(r.out.buf.toString('utf8', 0, r.out.len)).toBe(decodedPath(n));
    expect(r.hostname).toBe('h');
  });
});
