import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ListUnifiedResourcesRequest,
  PaginatedResource,
} from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import {
  ProxyWindowsDesktopSessionRequest,
  TargetHost,
} from '../../../src/gen/teleport/transport/v1/transport_service.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Hex with whitespace and `|` separators stripped, so vectors can be laid out by field. */
const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/[\s|]+/g, ''), 'hex'));

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

describe('generated protobuf code (src/gen)', () => {
  it('is up to date with proto/ (buf generate into a temp dir, byte-for-byte)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tshjs-gen-'));
    try {
      execFileSync(
        join(repo, 'node_modules', '.bin', 'buf'),
        ['generate', '--template', 'buf.gen.yaml', '--output', tmp],
        { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
      );
      const fresh = join(tmp, 'src', 'gen');
      const committed = join(repo, 'src', 'gen');
      const freshFiles = listFiles(fresh);
      const committedFiles = listFiles(committed);
      const problems: string[] = [];
      for (const f of freshFiles) {
        if (!committedFiles.includes(f)) problems.push(`missing: src/gen/${f}`);
        else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) {
          problems.push(`differs: src/gen/${f}`);
        }
      }
      for (const f of committedFiles) {
        if (!freshFiles.includes(f)) problems.push(`not generated any more: src/gen/${f}`);
      }
      expect(freshFiles.length).toBeGreaterThan(0);
      expect(problems, 'generated code is stale: run npm run gen').toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// Hand-built vectors. Tag byte = field_number << 3 | wire_type
// (wire type 0 = varint, 2 = length-delimited). Lengths are single-byte varints here.

// types.ServerV2 for node "node-1".
const metadataHex = [
  '0a 06 6e6f64652d31', //                 1 Name "node-1"
  '12 07 64656661756c74', //               2 Namespace "default"
  '2a 0b | 0a 03 656e76 | 12 04 70726f64', // 5 Labels entry {key=1 "env", value=2 "prod"}
  // 6 Expires = Timestamp{1 seconds=1735787045 (2025-01-02T03:04:05Z), 2 nanos=678000000}
  '32 0c | 08 a584d8bb06 | 10 80eba5c302',
].join(''); // 8 + 9 + 13 + 14 = 44 = 0x2c bytes
const specHex = [
  '0a 0d 31302e302e302e313a33303232', //   1 Addr "10.0.0.1:3022"
  '1a 06 6e6f64652d31', //                 3 Hostname "node-1"
  '3a 06 31372e342e32', //                 7 Version "17.4.2"
].join(''); // 15 + 8 + 8 = 31 = 0x1f bytes
const serverHex = [
  '0a 04 6e6f6465', //                     1 Kind "node"
  '1a 02 7632', //                         3 Version "v2"
  '22 2c',
  metadataHex, //                          4 Metadata
  '2a 1f',
  specHex, //                              5 Spec
].join(''); // 6 + 4 + 46 + 33 = 89 = 0x59 bytes
const paginatedNodeHex = [
  '1a 59',
  serverHex, //                            3 Node (oneof resource)
  '6a 04 726f6f74', //                     13 Logins ["root"]
  '70 01', //                              14 RequiresRequest true
].join('');

const node = {
  Kind: 'node',
  SubKind: '',
  Version: 'v2',
  Metadata: {
    Name: 'node-1',
    Namespace: 'default',
    Description: '',
    Labels: { env: 'prod' },
    Expires: new Date('2025-01-02T03:04:05.678Z'),
    Revision: '',
  },
  Spec: {
    Addr: '10.0.0.1:3022',
    Hostname: 'node-1',
    CmdLabels: {},
    Rotation: undefined,
    UseTunnel: false,
    Version: '17.4.2',
    PeerAddr: '',
    ProxyIDs: [],
    publicAddrs: [],
    CloudMetadata: undefined,
    gitHub: undefined,
  },
};
const paginatedNode: PaginatedResource = {
  resource: { $case: 'Node', value: node },
  Logins: ['root'],
  RequiresRequest: true,
};

const listRequestHex = [
  '0a 04 6e6f6465', //                     1 Kinds "node"
  '0a 0a 6170705f736572766572', //         1 Kinds "app_server"
  '10 32', //                              2 Limit 50
  '1a 02 6b31', //                         3 StartKey "k1"
  '2a 14 6c6162656c732e656e76203d3d202270726f6422', // 5 PredicateExpression `labels.env == "prod"`
  '32 03 776562', //                       6 SearchKeywords "web"
  '32 04 70726f64', //                     6 SearchKeywords "prod"
  '3a 06 | 12 04 6b696e64', //             7 SortBy{2 Field "kind"}
  '48 01', //                              9 UseSearchAsRoles true
  '70 01', //                              14 IncludeRequestable true
].join('');
const listRequest: ListUnifiedResourcesRequest = {
  Kinds: ['node', 'app_server'],
  Limit: 50,
  StartKey: 'k1',
  Labels: {},
  PredicateExpression: 'labels.env == "prod"',
  SearchKeywords: ['web', 'prod'],
  SortBy: { IsDesc: false, Field: 'kind' },
  WindowsDesktopFilter: undefined,
  UseSearchAsRoles: true,
  UsePreviewAsRoles: false,
  PinnedOnly: false,
  IncludeLogins: false,
  IncludeRequestable: true,
};

describe('proto.PaginatedResource wire format', () => {
  it('encodes a node to the hand-built bytes', () => {
    expect(hex(PaginatedResource.encode(paginatedNode).finish())).toBe(hex(h(paginatedNodeHex)));
  });

  it('decodes the hand-built bytes to the node', () => {
    expect(PaginatedResource.decode(h(paginatedNodeHex))).toEqual(paginatedNode);
  });

  it('skips unknown fields, e.g. a oneof member newer than our subset', () => {
    // 17 (unknown, LEN) {1 "x"} followed by 13 Logins ["root"].
    const decoded = PaginatedResource.decode(h('8a01 03 0a0178 | 6a 04 726f6f74'));
    expect(decoded.resource).toBeUndefined();
    expect(decoded.Logins).toEqual(['root']);
  });
});

describe('proto.ListUnifiedResourcesRequest wire format', () => {
  it('encodes to the hand-built bytes', () => {
    expect(hex(ListUnifiedResourcesRequest.encode(listRequest).finish())).toBe(hex(h(listRequestHex)));
  });

  it('decodes the hand-built bytes', () => {
    expect(ListUnifiedResourcesRequest.decode(h(listRequestHex))).toEqual(listRequest);
  });

  it('accepts the zero-length non-nullable sub-messages a Go client always sends', () => {
    // 7 SortBy {} and 8 WindowsDesktopFilter {}, as gogoproto nullable=false emits them.
    const decoded = ListUnifiedResourcesRequest.decode(h('0a 04 6e6f6465 | 3a 00 | 42 00'));
    expect(decoded.Kinds).toEqual(['node']);
    expect(decoded.SortBy).toEqual({ IsDesc: false, Field: '' });
    expect(decoded.WindowsDesktopFilter).toEqual({ HostID: '', Name: '' });
  });
});

describe('teleport.transport.v1 wire format', () => {
  it('TargetHost: host_port = 1, cluster = 2', () => {
    const bytes = h('0a 07 6e313a33303232 | 12 04 726f6f74'); // "n1:3022", "root"
    expect(hex(TargetHost.encode({ hostPort: 'n1:3022', cluster: 'root', loginName: '' }).finish())).toBe(
      hex(bytes),
    );
    expect(TargetHost.decode(bytes)).toEqual({ hostPort: 'n1:3022', cluster: 'root', loginName: '' });
  });

  it('ProxyWindowsDesktopSessionRequest: data = 1, dial_target = 2 {desktop_name = 1, cluster = 2}', () => {
    const bytes = h('0a 02 1603 | 12 0a | 0a 02 6463 | 12 04 726f6f74'); // data 16 03, {"dc", "root"}
    const msg = {
      data: Buffer.from([0x16, 0x03]),
      dialTarget: { desktopName: 'dc', cluster: 'root' },
    };
    expect(hex(ProxyWindowsDesktopSessionRequest.encode(msg).finish())).toBe(hex(bytes));
    const decoded = ProxyWindowsDesktopSessionRequest.decode(bytes);
    expect(hex(decoded.data)).toBe('1603');
    expect(decoded.dialTarget).toEqual({ desktopName: 'dc', cluster: 'root' });
  });
});
