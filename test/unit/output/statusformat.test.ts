// `tsh status`: the text block (tool/tsh/common/tsh.go printStatus, values at column 22), Go time
// formatting (time.Local from tzdata, src/format/tzif.ts) and the profileInfo JSON shape
// (makeProfileInfo, serializeProfiles). Facts and sources: docs/output-status.md.
process.env.TZ = 'UTC'; // before any Date use; vitest runs each file in its own fork

import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../../src/auth/keygen.js';
import { marshalCertificateLine, signSshCertificate, USER_CERT } from '../../../src/auth/ssh/cert.js';
import { goRFC3339, goTimeString, humanValidFor } from '../../../src/format/gotime.js';
import { serialize, toJSON } from '../../../src/output/printer.js';
import {
  goQuote,
  profileInfo,
  rolesToString,
  statusDocument,
  statusText,
} from '../../../src/output/statusformat.js';
import {
  applyEnvOverrides,
  isExpired,
  kubeClusterFromContext,
  selectedKubeCluster,
  statusFromCerts,
  tshStatusEnv,
  type ProfileStatus,
} from '../../../src/client/status.js';
import { createTlsCa, issueTlsCert } from '../../../src/devcluster/tlsca.js';
import { TshError } from '../../../src/util/errors.js';

const VALID_UNTIL = new Date('2026-01-02T15:04:05Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const before = (ms: number) => new Date(VALID_UNTIL.getTime() - ms);
const haveZone = (name: string) => fs.existsSync(path.join('/usr/share/zoneinfo', name));

const base: ProfileStatus = {
  name: 'proxy.example.com',
  proxyURL: 'https://proxy.example.com:443',
  proxyHost: 'proxy.example.com:443',
  username: 'alice',
  cluster: 'example.com',
  roles: ['access', 'editor'],
  logins: ['alice', 'root'],
  traits: { logins: ['alice', 'root'], kubernetes_groups: ['viewers'] },
  activeRequests: [],
  kubeEnabled: true,
  kubeCluster: 'kube-1',
  kubeUsers: ['alice'],
  kubeGroups: ['system:masters', 'viewers'],
  databases: [],
  allowedResources: [],
  validUntil: VALID_UNTIL,
  extensions: ['permit-port-forwarding', 'permit-pty'],
  criticalOptions: {},
  isActive: true,
};

afterEach(() => {
  process.env.TZ = 'UTC';
});

describe('statusText', () => {
  it('active profile: exact block with values at column 22', () => {
    const text = statusText(base, { now: before(11 * HOUR + 59 * MIN + 30_000) });
    expect(text).toBe(
      '> Profile URL:        https://proxy.example.com:443\n' +
        '  Logged in as:       alice\n' +
        '  Cluster:            example.com\n' +
        '  Roles:              access, editor\n' +
        '  Logins:             alice, root\n' +
        '  Kubernetes:         enabled\n' +
        '  Kubernetes cluster: "kube-1"\n' +
        '  Kubernetes users:   alice\n' +
        '  Kubernetes groups:  system:masters, viewers\n' +
        '  Valid until:        2026-01-02 15:04:05 +0000 UTC [valid for 11h59m]\n' +
        '  Extensions:         permit-port-forwarding, permit-pty\n' +
        '\n',
    );
    for (const line of text.split('\n').filter(Boolean)) {
      expect(line.slice(0, 22), line).toMatch(/^[> ] [A-Z][A-Za-z ]+: +$/);
      expect(line[22], line).not.toBe(' ');
    }
  });

  it('active profile with optional lines and env markers (getProxyURLLine, getClusterLine, getKubeClusterLine)', () => {
    const s: ProfileStatus = {
      ...base,
      activeRequests: ['req-1', 'req-2'],
      databases: ['postgres', 'mysql'],
      allowedResources: ['/example.com/node/abc'],
      githubIdentity: { userID: '1234', username: 'octocat' },
      proxyFromEnv: 'TELEPORT_PROXY',
      clusterFromEnv: 'TELEPORT_CLUSTER',
      kubeClusterFromEnv: 'TELEPORT_KUBE_CLUSTER',
    };
    expect(statusText(s, { now: before(10 * MIN) })).toBe(
      '> Profile URL:        https://proxy.example.com:443 (TELEPORT_PROXY)\n' +
        '  Logged in as:       alice\n' +
        '  Active requests:    req-1, req-2\n' +
        '  Cluster:            example.com (TELEPORT_CLUSTER)\n' +
        '  Roles:              access, editor\n' +
        '  Logins:             alice, root\n' +
        '  Kubernetes:         enabled\n' +
        '  Kubernetes cluster: "kube-1 (TELEPORT_KUBE_CLUSTER)"\n' +
        '  Kubernetes users:   alice\n' +
        '  Kubernetes groups:  system:masters, viewers\n' +
        '  Databases:          postgres, mysql\n' +
        // types.ResourceIDsToString: a JSON list of "/cluster/kind/name".
        '  Allowed Resources:  ["/example.com/node/abc"]\n' +
        '  GitHub username:    octocat\n' +
        '  Valid until:        2026-01-02 15:04:05 +0000 UTC [valid for 10m]\n' +
        '  Extensions:         permit-port-forwarding, permit-pty\n' +
        '\n',
    );
  });

  it('other profiles: no env markers, Kubernetes disabled hides the cluster', () => {
    const s: ProfileStatus = {
      ...base,
      isActive: false,
      kubeEnabled: false,
      proxyFromEnv: 'TELEPORT_PROXY',
      clusterFromEnv: 'TELEPORT_CLUSTER',
    };
    expect(statusText(s, { now: before(10 * MIN) })).toBe(
      '  Profile URL:        https://proxy.example.com:443\n' +
        '  Logged in as:       alice\n' +
        '  Cluster:            example.com\n' +
        '  Roles:              access, editor\n' +
        '  Logins:             alice, root\n' +
        '  Kubernetes:         disabled\n' +
        '  Valid until:        2026-01-02 15:04:05 +0000 UTC [valid for 10m]\n' +
        '  Extensions:         permit-port-forwarding, permit-pty\n' +
        '\n',
    );
  });

  it('an env marker alone still prints the line, as upstream (the variable set but empty)', () => {
    const s = applyEnvOverrides(base, { TELEPORT_CLUSTER: '', TELEPORT_KUBE_CLUSTER: '' });
    const text = statusText(s, { now: before(HOUR) });
    expect(text).toContain('\n  Cluster:             (TELEPORT_CLUSTER)\n');
    expect(text).toContain('\n  Kubernetes cluster: " (TELEPORT_KUBE_CLUSTER)"\n');
  });

  it('empty lists: Roles and Extensions still printed, Logins and Cluster not', () => {
    const s: ProfileStatus = {
      ...base,
      cluster: '',
      roles: [],
      logins: [],
      extensions: [],
      kubeEnabled: true,
      kubeCluster: undefined,
      kubeUsers: [],
      kubeGroups: [],
    };
    expect(statusText(s, { now: VALID_UNTIL })).toBe(
      '> Profile URL:        https://proxy.example.com:443\n' +
        '  Logged in as:       alice\n' +
        '  Roles:              \n' +
        '  Kubernetes:         enabled\n' +
        '  Valid until:        2026-01-02 15:04:05 +0000 UTC [EXPIRED]\n' +
        '  Extensions:         \n' +
        '\n',
    );
  });

  it.each([
    ['EXPIRED', VALID_UNTIL],
    ['EXPIRED', before(-5 * MIN)],
    ['valid for <1m', before(59_999)],
    ['valid for <1m', before(1)],
    ['valid for 1m', before(MIN)],
    ['valid for 10m', before(10 * MIN + 59_000)],
    ['valid for 12h0m', before(12 * HOUR)],
    ['valid for 12h0m', before(12 * HOUR + 30_000)],
    ['valid for 11h59m', before(12 * HOUR - 1)],
  ])('Valid until … [%s]', (human, now) => {
    expect(statusText(base, { now })).toContain(
      `\n  Valid until:        2026-01-02 15:04:05 +0000 UTC [${human}]\n`,
    );
  });

  it('--debug adds traits (not those without values) and critical options at column 22', () => {
    const s: ProfileStatus = {
      ...base,
      traits: { ...base.traits, aws_role_arns: [], db_users: [] },
      criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': 'ls' },
    };
    const text = statusText(s, { debug: true, now: before(HOUR) });
    expect(text).toContain(
      '  Roles:              access, editor\n' +
        '  Traits:             kubernetes_groups: [viewers]\n' +
        '                      logins: [alice root]\n' +
        '  Logins:             alice, root\n',
    );
    expect(text).toContain(
      '  Extensions:         permit-port-forwarding, permit-pty\n' +
        '  Critical options:   force-command: ls\n' +
        '                      source-address: 10.0.0.0/8\n' +
        '\n',
    );
    expect(text.endsWith('source-address: 10.0.0.0/8\n\n')).toBe(true);
    // Without --debug neither appears.
    expect(statusText(s, { now: before(HOUR) })).not.toMatch(/Traits|Critical options/);
  });

  it('local time zone: Go prints offset and the tzdata abbreviation', () => {
    if (!haveZone('America/New_York')) return;
    process.env.TZ = 'America/New_York';
    expect(statusText(base, { now: before(HOUR) })).toContain(
      '  Valid until:        2026-01-02 10:04:05 -0500 EST [valid for 1h0m]\n',
    );
  });

  it('rolesToString (tsh.go): sorted, Okta access-list roles last, more than 9 squashed unless --debug', () => {
    expect(rolesToString(false, ['editor', 'access'])).toBe('access, editor');
    const okta = ['app-1-access-okta-acl-role', 'grp-reviewer-okta-acl-role'];
    expect(rolesToString(false, ['zeta', ...okta, 'alpha'])).toBe(
      'alpha, zeta, app-1-access-okta-acl-role, grp-reviewer-okta-acl-role',
    );
    const many = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', ...okta];
    expect(rolesToString(false, many)).toBe(
      'r1, r2, r3, r4, r5, r6, r7, r8, and 2 more Okta access list roles ...',
    );
    expect(rolesToString(true, many)).toBe(`r1, r2, r3, r4, r5, r6, r7, r8, ${okta.join(', ')}`);
    // Nine roles in all are not squashed.
    expect(rolesToString(false, many.slice(1))).toBe(`r2, r3, r4, r5, r6, r7, r8, ${okta.join(', ')}`);
    expect(statusText({ ...base, roles: many }, { now: before(HOUR) })).toContain(
      '  Roles:              r1, r2, r3, r4, r5, r6, r7, r8, and 2 more Okta access list roles ...\n',
    );
  });

  it('goQuote is strconv.Quote (fmt %q of "Kubernetes cluster")', () => {
    expect(goQuote('kube-1')).toBe('"kube-1"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\x07\b\f\n\r\t\v\x00\x1b\x7f')).toBe('"\\a\\b\\f\\n\\r\\t\\v\\x00\\x1b\\x7f"');
    expect(goQuote('ü café 日本')).toBe('"ü café 日本"');
    expect(goQuote('\u00a0\u200b\u2028')).toBe('"\\u00a0\\u200b\\u2028"');
    expect(goQuote('\u{1F600}\u{E0001}')).toBe('"\u{1F600}\\U000e0001"');
  });
});

describe('Valid until in the local zone (Go reads TZif files; src/format/tzif.ts)', () => {
  const at = new Date('2026-01-02T15:04:05Z');
  const july = new Date('2026-07-01T12:00:00Z');
  it.each([
    ['Europe/Berlin', at, '2026-01-02 16:04:05 +0100 CET', '2026-01-02T16:04:05+01:00'],
    ['Europe/Berlin', july, '2026-07-01 14:00:00 +0200 CEST', '2026-07-01T14:00:00+02:00'],
    ['Asia/Kolkata', at, '2026-01-02 20:34:05 +0530 IST', '2026-01-02T20:34:05+05:30'],
    ['Asia/Tokyo', at, '2026-01-03 00:04:05 +0900 JST', '2026-01-03T00:04:05+09:00'],
    ['Australia/Sydney', at, '2026-01-03 02:04:05 +1100 AEDT', '2026-01-03T02:04:05+11:00'],
    ['Australia/Sydney', july, '2026-07-01 22:00:00 +1000 AEST', '2026-07-01T22:00:00+10:00'],
    ['Europe/London', at, '2026-01-02 15:04:05 +0000 GMT', '2026-01-02T15:04:05Z'],
    ['Asia/Dubai', at, '2026-01-02 19:04:05 +0400 +04', '2026-01-02T19:04:05+04:00'],
  ])('TZ=%s', (tz, d, text, json) => {
    if (!haveZone(tz)) return;
    process.env.TZ = tz;
    expect(goTimeString(d)).toBe(text);
    expect(goRFC3339(d)).toBe(json);
  });

  it.each([
    ['TZ="" means UTC', ''],
    ['TZ=UTC', 'UTC'],
    ['a zone Go cannot load means UTC (Node would use ICU)', 'Mars/Olympus'],
    ['a POSIX TZ string is not read by Go: UTC', 'CET-1CEST,M3.5.0,M10.5.0/3'],
  ])('%s', (_name, tz) => {
    process.env.TZ = tz;
    expect(goTimeString(at)).toBe('2026-01-02 15:04:05 +0000 UTC');
    expect(goRFC3339(at)).toBe('2026-01-02T15:04:05Z');
  });

  it('TZ=":Asia/Tokyo" and an absolute path', () => {
    if (!haveZone('Asia/Tokyo')) return;
    process.env.TZ = ':Asia/Tokyo';
    expect(goTimeString(at)).toBe('2026-01-03 00:04:05 +0900 JST');
    process.env.TZ = '/usr/share/zoneinfo/Asia/Tokyo';
    expect(goTimeString(at)).toBe('2026-01-03 00:04:05 +0900 JST');
  });
});

describe('gotime', () => {
  it('goTimeString is Go Time.String() without fractional seconds', () => {
    expect(goTimeString(VALID_UNTIL)).toBe('2026-01-02 15:04:05 +0000 UTC');
    expect(goTimeString(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31 23:59:59 +0000 UTC');
    expect(goTimeString(new Date('0999-03-04T05:06:07Z'))).toBe('0999-03-04 05:06:07 +0000 UTC');
    if (!haveZone('America/New_York') || !haveZone('Asia/Kolkata')) return;
    process.env.TZ = 'America/New_York';
    expect(goTimeString(new Date('2026-07-01T12:00:00Z'))).toBe('2026-07-01 08:00:00 -0400 EDT');
    process.env.TZ = 'Asia/Kolkata';
    expect(goTimeString(VALID_UNTIL).slice(0, 25)).toBe('2026-01-02 20:34:05 +0530');
  });

  it('goRFC3339 is Go time.Time JSON: Z for UTC, ±hh:mm otherwise', () => {
    expect(goRFC3339(VALID_UNTIL)).toBe('2026-01-02T15:04:05Z');
    expect(goRFC3339(new Date('0999-03-04T05:06:07Z'))).toBe('0999-03-04T05:06:07Z');
    if (!haveZone('America/New_York') || !haveZone('Asia/Kolkata')) return;
    process.env.TZ = 'America/New_York';
    expect(goRFC3339(VALID_UNTIL)).toBe('2026-01-02T10:04:05-05:00');
    process.env.TZ = 'Asia/Kolkata';
    expect(goRFC3339(VALID_UNTIL)).toBe('2026-01-02T20:34:05+05:30');
  });

  it.each([
    [0, 'EXPIRED'],
    [-1, 'EXPIRED'],
    [-HOUR, 'EXPIRED'],
    [1, 'valid for <1m'],
    [59_999, 'valid for <1m'],
    [MIN, 'valid for 1m'],
    [10 * MIN, 'valid for 10m'],
    [10 * MIN + 59_999, 'valid for 10m'],
    [20 * MIN, 'valid for 20m'],
    [HOUR, 'valid for 1h0m'],
    [HOUR + MIN, 'valid for 1h1m'],
    [100 * MIN, 'valid for 1h40m'],
    [10 * HOUR, 'valid for 10h0m'],
    [12 * HOUR, 'valid for 12h0m'],
    [12 * HOUR - 1, 'valid for 11h59m'],
    [36 * HOUR + 30 * MIN, 'valid for 36h30m'],
  ])('humanValidFor(%i) = %s', (ms, want) => {
    expect(humanValidFor(ms)).toBe(want);
  });
});

describe('profileInfo / statusDocument', () => {
  it('full profile: upstream key order', () => {
    const s: ProfileStatus = {
      ...base,
      activeRequests: ['req-1'],
      databases: ['pg'],
      allowedResources: ['/c/node/n', '/c/kube_cluster/k/ns/pod'],
      githubIdentity: { userID: '1234', username: 'octocat' },
      criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': 'ls' },
    };
    const info = profileInfo(s);
    expect(Object.keys(info)).toEqual([
      'profile_url',
      'username',
      'active_requests',
      'cluster',
      'roles',
      'traits',
      'logins',
      'kubernetes_enabled',
      'kubernetes_cluster',
      'kubernetes_users',
      'kubernetes_groups',
      'databases',
      'valid_until',
      'extensions',
      'critical_options',
      'allowed_resources',
      'github_identity',
    ]);
    expect(toJSON(info)).toBe(`{
  "profile_url": "https://proxy.example.com:443",
  "username": "alice",
  "active_requests": [
    "req-1"
  ],
  "cluster": "example.com",
  "roles": [
    "access",
    "editor"
  ],
  "traits": {
    "kubernetes_groups": [
      "viewers"
    ],
    "logins": [
      "alice",
      "root"
    ]
  },
  "logins": [
    "alice",
    "root"
  ],
  "kubernetes_enabled": true,
  "kubernetes_cluster": "kube-1",
  "kubernetes_users": [
    "alice"
  ],
  "kubernetes_groups": [
    "system:masters",
    "viewers"
  ],
  "databases": [
    "pg"
  ],
  "valid_until": "2026-01-02T15:04:05Z",
  "extensions": [
    "permit-port-forwarding",
    "permit-pty"
  ],
  "critical_options": {
    "force-command": "ls",
    "source-address": "10.0.0.0/8"
  },
  "allowed_resources": [
    {
      "cluster": "c",
      "kind": "node",
      "name": "n"
    },
    {
      "cluster": "c",
      "kind": "kube_cluster",
      "name": "k",
      "sub_resource": "ns/pod"
    }
  ],
  "github_identity": {
    "UserID": "1234",
    "Username": "octocat"
  }
}
`);
  });

  it('omitempty: only profile_url, username, cluster, kubernetes_enabled, valid_until remain', () => {
    const s: ProfileStatus = {
      ...base,
      cluster: '',
      roles: [],
      logins: [],
      traits: {},
      kubeEnabled: false,
      kubeCluster: undefined,
      kubeUsers: [],
      kubeGroups: [],
      extensions: [],
    };
    expect(toJSON(profileInfo(s))).toBe(`{
  "profile_url": "https://proxy.example.com:443",
  "username": "alice",
  "cluster": "",
  "kubernetes_enabled": false,
  "valid_until": "2026-01-02T15:04:05Z"
}
`);
  });

  it('statusDocument: active omitted when none, profiles always a list, environment only if set', () => {
    expect(statusDocument(undefined, [])).toEqual({ profiles: [] });
    expect(toJSON(statusDocument(undefined, []))).toBe('{\n  "profiles": []\n}\n');
    const other = { ...base, isActive: false, name: 'other', proxyURL: 'https://other:3080' };
    const doc = statusDocument(base, [other], { TELEPORT_PROXY: 'proxy.example.com:443' });
    expect(Object.keys(doc)).toEqual(['active', 'profiles', 'environment']);
    expect(doc.active).toEqual(profileInfo(base));
    expect(doc.profiles).toEqual([profileInfo(other)]);
    expect(doc.environment).toEqual({ TELEPORT_PROXY: 'proxy.example.com:443' });
    expect(Object.keys(statusDocument(base, [], {}))).toEqual(['active', 'profiles']);
  });
});

describe('serializeProfiles bytes (fmt.Println of FastMarshalIndent / ghodss yaml.Marshal)', () => {
  const other: ProfileStatus = {
    ...base,
    isActive: false,
    name: 'other',
    proxyURL: 'https://other.example.com:3080',
    cluster: 'yes',
    roles: ['access'],
    logins: [],
    traits: {},
    kubeEnabled: false,
    kubeCluster: undefined,
    kubeUsers: [],
    kubeGroups: [],
    extensions: [],
  };
  const env = { TELEPORT_PROXY: 'proxy.example.com:443', KUBECONFIG: '/tmp/kube <1>&' };

  it('YAML: keys sorted, timestamps and YAML 1.1 words quoted, a blank line at the end', () => {
    expect(serialize('yaml', statusDocument(base, [other], env))).toBe(
      [
        'active:',
        '  cluster: example.com',
        '  extensions:',
        '  - permit-port-forwarding',
        '  - permit-pty',
        '  kubernetes_cluster: kube-1',
        '  kubernetes_enabled: true',
        '  kubernetes_groups:',
        '  - system:masters',
        '  - viewers',
        '  kubernetes_users:',
        '  - alice',
        '  logins:',
        '  - alice',
        '  - root',
        '  profile_url: https://proxy.example.com:443',
        '  roles:',
        '  - access',
        '  - editor',
        '  traits:',
        '    kubernetes_groups:',
        '    - viewers',
        '    logins:',
        '    - alice',
        '    - root',
        '  username: alice',
        '  valid_until: "2026-01-02T15:04:05Z"',
        'environment:',
        '  KUBECONFIG: /tmp/kube <1>&',
        '  TELEPORT_PROXY: proxy.example.com:443',
        'profiles:',
        '- cluster: "yes"',
        '  kubernetes_enabled: false',
        '  profile_url: https://other.example.com:3080',
        '  roles:',
        '  - access',
        '  username: alice',
        '  valid_until: "2026-01-02T15:04:05Z"',
        '',
        '',
      ].join('\n'),
    );
  });

  it('JSON: struct order, environment keys sorted, no HTML escaping (EscapeHTML off), one newline', () => {
    const out = serialize('json', statusDocument(undefined, [other], env));
    expect(out).toBe(`{
  "profiles": [
    {
      "profile_url": "https://other.example.com:3080",
      "username": "alice",
      "cluster": "yes",
      "roles": [
        "access"
      ],
      "kubernetes_enabled": false,
      "valid_until": "2026-01-02T15:04:05Z"
    }
  ],
  "environment": {
    "KUBECONFIG": "/tmp/kube <1>&",
    "TELEPORT_PROXY": "proxy.example.com:443"
  }
}
`);
    expect(serialize('json', { a: 'x\by\fz\\b' })).toBe('{\n  "a": "x\\u0008y\\u000cz\\\\b"\n}\n');
  });

  it('no profiles: "profiles: []" and the Println blank line', () => {
    expect(serialize('yaml', statusDocument(undefined, []))).toBe('profiles: []\n\n');
    expect(serialize('json', statusDocument(undefined, []))).toBe('{\n  "profiles": []\n}\n');
  });
});

describe('getTshEnv and kubeconfig selection', () => {
  it('tshStatusEnv: set variables only, empty values included (os.LookupEnv)', () => {
    expect(
      tshStatusEnv({ TELEPORT_PROXY: 'p:3080', TELEPORT_SITE: '', KUBECONFIG: '/k', TELEPORT_USER: 'bob' }),
    ).toEqual({ TELEPORT_PROXY: 'p:3080', TELEPORT_SITE: '', KUBECONFIG: '/k' });
  });

  it('kubeClusterFromContext (lib/kube/kubeconfig): extensions, legacy cluster name, context name', () => {
    const ext = (tele: string, kube: string) => ({
      cluster: 'whatever',
      extensions: [
        { name: 'kubeconfig.teleport.dev/teleport-cluster-name', extension: tele },
        { name: 'teleport.kube.name', extension: kube },
      ],
    });
    expect(kubeClusterFromContext('ctx', ext('root', 'kube-a'), 'root')).toBe('kube-a');
    expect(kubeClusterFromContext('ctx', ext('leaf', 'kube-a'), 'root')).toBe('');
    expect(kubeClusterFromContext('root-kube-b', { cluster: 'root' }, 'root')).toBe('kube-b');
    expect(kubeClusterFromContext('other', { cluster: 'root' }, 'root')).toBe('other');
    expect(kubeClusterFromContext('root-kube-b', { cluster: 'elsewhere' }, 'root')).toBe('');
    // No context entry of that name: only the "<teleport>-<kube>" name is left to go on.
    expect(kubeClusterFromContext('root-kube-c', undefined, 'root')).toBe('kube-c');
    expect(kubeClusterFromContext('kube-c', undefined, 'root')).toBe('');
  });

  it('selectedKubeCluster reads the first $KUBECONFIG file, else ~/.kube/config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-kube-'));
    const kc = path.join(dir, 'config');
    fs.writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: root.example.com-kube-1',
        'contexts:',
        '- name: root.example.com-kube-1',
        '  context:',
        '    cluster: root.example.com-kube-1',
        '    user: root.example.com-kube-1',
        '    extensions:',
        '    - name: kubeconfig.teleport.dev/teleport-cluster-name',
        '      extension: root.example.com',
        '    - name: teleport.kube.name',
        '      extension: kube-1',
        '',
      ].join('\n'),
    );
    expect(
      selectedKubeCluster({ KUBECONFIG: `${kc}${path.delimiter}/nonexistent` }, 'root.example.com'),
    ).toBe('kube-1');
    expect(selectedKubeCluster({ KUBECONFIG: kc }, 'leaf.example.com')).toBe('');
    fs.mkdirSync(path.join(dir, '.kube'));
    fs.copyFileSync(kc, path.join(dir, '.kube', 'config'));
    expect(selectedKubeCluster({ HOME: dir }, 'root.example.com')).toBe('kube-1');
    expect(selectedKubeCluster({ KUBECONFIG: path.join(dir, 'missing') }, 'root.example.com')).toBe('');
    fs.writeFileSync(kc, 'root.example.com: [unclosed\n');
    expect(selectedKubeCluster({ KUBECONFIG: kc }, 'root.example.com')).toBe('');
  });
});

describe('statusFromCerts / applyEnvOverrides', () => {
  const now = Math.floor(Date.now() / 1000);
  const sshKey = generateKey('ed25519');
  const sshCert = marshalCertificateLine(
    signSshCertificate({
      publicKey: createPublicKey(sshKey),
      caKey: generateKey('ed25519'),
      certType: USER_CERT,
      serial: 1n,
      keyId: 'alice',
      principals: ['root', 'alice', '-teleport-internal-join'],
      validAfter: BigInt(now - 60),
      validBefore: BigInt(now + 3600),
      criticalOptions: { 'source-address': '10.0.0.0/8' },
      extensions: {
        'permit-pty': '',
        'permit-port-forwarding': '',
        'private-key-policy': 'none',
        'teleport-roles': '{"version":"v1","roles":["editor","access"]}',
        'teleport-traits': '{"logins":["alice"]}',
        'teleport-route-to-cluster': 'leaf.example.com',
        'teleport-active-requests': '{"access_requests":["req-1"]}',
        'teleport-allowed-resources': '["/leaf.example.com/node/n1"]',
        'github-id@goteleport.com': '1234',
        'github-login@goteleport.com': 'octocat',
      },
    }),
  );

  it('from an SSH cert: roles sorted, -teleport- logins hidden, Teleport and GitHub extensions hidden', () => {
    const s = statusFromCerts({
      name: 'proxy.example.com',
      webProxyAddr: 'proxy.example.com:443',
      kubeEnabled: false,
      sshCert,
      isActive: true,
    });
    expect(s).toEqual({
      name: 'proxy.example.com',
      proxyURL: 'https://proxy.example.com:443',
      proxyHost: 'proxy.example.com:443',
      username: 'alice',
      cluster: 'leaf.example.com',
      roles: ['access', 'editor'],
      logins: ['root', 'alice'],
      traits: { logins: ['alice'] },
      activeRequests: ['req-1'],
      kubeEnabled: false,
      kubeCluster: undefined,
      kubeUsers: [],
      kubeGroups: [],
      databases: [],
      allowedResources: ['/leaf.example.com/node/n1'],
      githubIdentity: { userID: '1234', username: 'octocat' },
      validUntil: new Date((now + 3600) * 1000),
      extensions: ['permit-port-forwarding', 'permit-pty', 'private-key-policy'],
      criticalOptions: { 'source-address': '10.0.0.0/8' },
      isActive: true,
    });
    expect(isExpired(s)).toBe(false);
    expect(isExpired(s, new Date((now + 3600) * 1000))).toBe(true);
  });

  it('Valid until comes from the SSH cert (ProfileStatus); the TLS cert gives kube users/groups', async () => {
    const caKey = generateKey('ecdsa-p256');
    const caPem = await createTlsCa({
      clusterName: 'root',
      key: { privateKey: caKey, publicKey: createPublicKey(caKey) },
    });
    const tlsCert = await issueTlsCert({
      caCertPem: caPem,
      caKey,
      publicKey: createPublicKey(sshKey),
      notAfter: VALID_UNTIL,
      identity: {
        username: 'alice',
        groups: ['access'],
        principals: ['alice'],
        kubernetesCluster: 'kube-1',
        kubernetesUsers: ['alice'],
        kubernetesGroups: ['g1'],
      },
    });
    const s = statusFromCerts({
      name: 'proxy.example.com',
      webProxyAddr: 'proxy.example.com:443',
      cluster: 'root',
      kubeEnabled: true,
      kubeCluster: 'from-kubeconfig',
      sshCert,
      tlsCert,
      isActive: false,
    });
    // lib/client/profile.go: validUntil := time.Unix(int64(sshIdent.ValidBefore), 0).
    expect(s.validUntil).toEqual(new Date((now + 3600) * 1000));
    expect(s.cluster).toBe('root');
    // The TLS cert's route-to-kube cluster is not what status shows; kubeconfig's selection is.
    expect([s.kubeCluster, s.kubeUsers, s.kubeGroups]).toEqual(['from-kubeconfig', ['alice'], ['g1']]);
    expect(statusText(s, { now: new Date((now - 3600) * 1000) })).toContain('[valid for 2h0m]');
    // Without an SSH cert (an identity file holding only TLS), the TLS expiry stands in.
    const tlsOnly = statusFromCerts({
      name: 'p',
      webProxyAddr: 'p:443',
      kubeEnabled: false,
      tlsCert,
      isActive: true,
    });
    expect(tlsOnly.validUntil).toEqual(VALID_UNTIL);
  });

  it('a "never expires" SSH cert is int64(-1) seconds to Go: 1969-12-31 23:59:59 UTC', () => {
    const forever = marshalCertificateLine(
      signSshCertificate({
        publicKey: createPublicKey(sshKey),
        caKey: generateKey('ed25519'),
        certType: USER_CERT,
        serial: 2n,
        keyId: 'alice',
        principals: ['alice'],
        validAfter: 0n,
        validBefore: 2n ** 64n - 1n,
      }),
    );
    const s = statusFromCerts({
      name: 'p',
      webProxyAddr: 'p:443',
      kubeEnabled: false,
      sshCert: forever,
      isActive: true,
    });
    expect(goTimeString(s.validUntil)).toBe('1969-12-31 23:59:59 +0000 UTC');
  });

  it('corrupt or missing certificates give a TshError', () => {
    const opts = { name: 'p', webProxyAddr: 'p:443', kubeEnabled: false, isActive: true };
    expect(() => statusFromCerts({ ...opts, sshCert: 'ssh-ed25519-cert-v01@openssh.com AAAA' })).toThrow(
      TshError,
    );
    expect(() =>
      statusFromCerts({ ...opts, tlsCert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
    ).toThrow(/TLS certificate for profile p is corrupt/);
    expect(() => statusFromCerts(opts)).toThrow('no certificates for profile p; run "tshjs login"');
  });

  it('applyEnvOverrides: TELEPORT_PROXY and TELEPORT_CLUSTER (else TELEPORT_SITE)', () => {
    const s = applyEnvOverrides(base, { TELEPORT_PROXY: 'other.example.com:3080', TELEPORT_SITE: 'site' });
    expect([s.proxyURL, s.proxyFromEnv, s.cluster, s.clusterFromEnv]).toEqual([
      'https://other.example.com:3080',
      'TELEPORT_PROXY',
      'site',
      'TELEPORT_SITE',
    ]);
    const t = applyEnvOverrides(base, { TELEPORT_CLUSTER: 'c1', TELEPORT_SITE: 'site' });
    expect([t.cluster, t.clusterFromEnv, t.proxyFromEnv]).toEqual(['c1', 'TELEPORT_CLUSTER', undefined]);
    expect(applyEnvOverrides(base, {})).toEqual(base);
    expect(base.proxyFromEnv).toBeUndefined(); // not mutated
  });

  it('applyEnvOverrides: set-but-empty variables count; TELEPORT_KUBE_CLUSTER replaces the kube cluster', () => {
    const s = applyEnvOverrides(base, { TELEPORT_PROXY: '', TELEPORT_SITE: '', TELEPORT_KUBE_CLUSTER: 'k2' });
    // url.URL{Scheme: "https", Host: ""}.String() is "https:".
    expect([s.proxyURL, s.cluster, s.clusterFromEnv, s.kubeCluster, s.kubeClusterFromEnv]).toEqual([
      'https:',
      '',
      'TELEPORT_SITE',
      'k2',
      'TELEPORT_KUBE_CLUSTER',
    ]);
    expect(profileInfo(s).kubernetes_cluster).toBe('k2');
  });
});
