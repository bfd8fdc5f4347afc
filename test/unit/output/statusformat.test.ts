// `tsh status`: the text block (values at column 22), Go time formatting and the profileInfo
// JSON shape (docs/upstream-facts-login.md §4).
process.env.TZ = 'UTC'; // before any Date use; vitest runs each file in its own fork

import { createPublicKey } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../../src/auth/keygen.js';
import { marshalCertificateLine, signSshCertificate, USER_CERT } from '../../../src/auth/ssh/cert.js';
import { goRFC3339, goTimeString, humanValidFor } from '../../../src/format/gotime.js';
import { toJSON } from '../../../src/output/printer.js';
import { profileInfo, statusDocument, statusText } from '../../../src/output/statusformat.js';
import {
  applyEnvOverrides,
  isExpired,
  statusFromCerts,
  type ProfileStatus,
} from '../../../src/client/status.js';
import { createTlsCa, issueTlsCert } from '../../../src/devcluster/tlsca.js';
import { TshError } from '../../../src/util/errors.js';

const VALID_UNTIL = new Date('2026-01-02T15:04:05Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const before = (ms: number) => new Date(VALID_UNTIL.getTime() - ms);

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

  it('other profile, optional lines, env markers', () => {
    const s: ProfileStatus = {
      ...base,
      isActive: false,
      activeRequests: ['req-1', 'req-2'],
      databases: ['postgres', 'mysql'],
      allowedResources: ['/example.com/node/abc'],
      kubeEnabled: false,
      proxyFromEnv: 'TELEPORT_PROXY',
      clusterFromEnv: 'TELEPORT_CLUSTER',
    };
    expect(statusText(s, { now: before(10 * MIN) })).toBe(
      '  Profile URL:        https://proxy.example.com:443 (TELEPORT_PROXY)\n' +
        '  Logged in as:       alice\n' +
        '  Active requests:    req-1, req-2\n' +
        '  Cluster:            example.com (TELEPORT_CLUSTER)\n' +
        '  Roles:              access, editor\n' +
        '  Logins:             alice, root\n' +
        '  Kubernetes:         disabled\n' +
        '  Databases:          postgres, mysql\n' +
        '  Allowed Resources:  /example.com/node/abc\n' +
        '  Valid until:        2026-01-02 15:04:05 +0000 UTC [valid for 10m]\n' +
        '  Extensions:         permit-port-forwarding, permit-pty\n' +
        '\n',
    );
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

  it('--debug adds sorted traits and critical options, continuation lines at column 22', () => {
    const s: ProfileStatus = {
      ...base,
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

  it('local time zone: Go prints offset and abbreviation', () => {
    process.env.TZ = 'America/New_York';
    expect(statusText(base, { now: before(HOUR) })).toContain(
      '  Valid until:        2026-01-02 10:04:05 -0500 EST [valid for 1h0m]\n',
    );
  });
});

describe('gotime', () => {
  it('goTimeString is Go Time.String() without fractional seconds', () => {
    expect(goTimeString(VALID_UNTIL)).toBe('2026-01-02 15:04:05 +0000 UTC');
    expect(goTimeString(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31 23:59:59 +0000 UTC');
    expect(goTimeString(new Date('0999-03-04T05:06:07Z'))).toBe('0999-03-04 05:06:07 +0000 UTC');
    process.env.TZ = 'America/New_York';
    expect(goTimeString(new Date('2026-07-01T12:00:00Z'))).toBe('2026-07-01 08:00:00 -0400 EDT');
    process.env.TZ = 'Asia/Kolkata';
    expect(goTimeString(VALID_UNTIL).slice(0, 25)).toBe('2026-01-02 20:34:05 +0530');
  });

  it('goRFC3339 is Go time.Time JSON: Z for UTC, ±hh:mm otherwise', () => {
    expect(goRFC3339(VALID_UNTIL)).toBe('2026-01-02T15:04:05Z');
    expect(goRFC3339(new Date('0999-03-04T05:06:07Z'))).toBe('0999-03-04T05:06:07Z');
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
      allowedResources: ['/c/node/n'],
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
    "/c/node/n"
  ]
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
      },
    }),
  );

  it('from an SSH cert: roles sorted, -teleport- logins hidden, Teleport extensions hidden', () => {
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
      allowedResources: [],
      validUntil: new Date((now + 3600) * 1000),
      extensions: ['permit-port-forwarding', 'permit-pty', 'private-key-policy'],
      criticalOptions: { 'source-address': '10.0.0.0/8' },
      isActive: true,
    });
    expect(isExpired(s)).toBe(false);
    expect(isExpired(s, new Date((now + 3600) * 1000))).toBe(true);
  });

  it('the TLS cert sets Valid until and kube fields; the profile cluster wins', async () => {
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
      sshCert,
      tlsCert,
      isActive: false,
    });
    expect(s.validUntil).toEqual(VALID_UNTIL);
    expect(s.cluster).toBe('root');
    expect([s.kubeCluster, s.kubeUsers, s.kubeGroups]).toEqual(['kube-1', ['alice'], ['g1']]);
    expect(statusText(s, { now: before(HOUR) })).toContain('[valid for 1h0m]');
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
});
