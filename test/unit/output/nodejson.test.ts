// output/nodejson.ts: `tsh ls --format=json` elements from a PaginatedResource's bytes. Expected bytes
// follow lib/utils FastMarshalIndent (json-iterator SafeConfig: EscapeHTML off, SortMapKeys; string
// quoting of json-iterator/go stream_str.go WriteString) and Go's time.Time MarshalJSON
// (RFC3339Nano); where both apply they must equal the decoded path (resourcejson.ts serverJSON).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PaginatedResource } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { ServerV2 } from '../../../src/gen/teleport/legacy/types/types.js';
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
