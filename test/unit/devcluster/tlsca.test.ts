import { UPSTREAM_FIXTURES } from '../../helpers/fixtures.js';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OID,
  decodeTlsIdentity,
  readCertificate,
  readCertificatesPem,
} from '../../../src/auth/x509/identity.js';
import {
  CA_TTL_MS,
  createTlsCa,
  encodeGoName,
  issueServerCert,
  issueTlsCert,
} from '../../../src/devcluster/tlsca.js';

const OPENSSL = '/usr/bin/openssl';
const FIXTURES = UPSTREAM_FIXTURES;
const dir = mkdtempSync(join(tmpdir(), 'tlsca-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  return execFileSync(OPENSSL, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function save(name: string, pem: string): string {
  writeFileSync(join(dir, name), pem);
  return name;
}
const keyPair = (kind: 'rsa' | 'ec' | 'ed25519') =>
  kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');
const hour = () => new Date(Date.now() + 3600_000);

describe.each([
  { ca: 'rsa', leaf: 'ec', sig: 'sha256WithRSAEncryption' },
  { ca: 'ec', leaf: 'rsa', sig: 'ecdsa-with-SHA256' },
  { ca: 'ec', leaf: 'ed25519', sig: 'ecdsa-with-SHA256' },
] as const)('$ca CA, $leaf leaf', ({ ca, leaf, sig }) => {
  let caKeys: { privateKey: KeyObject; publicKey: KeyObject };
  let caPem: string;
  let userPem: string;

  it('creates a CA laid out like Teleport', async () => {
    caKeys = keyPair(ca);
    caPem = await createTlsCa({ clusterName: 'root.example', key: caKeys });
    const info = readCertificate(readCertificatesPem(caPem)[0]!);
    const serialDecimal = BigInt(`0x${info.serialNumber}`).toString();
    expect(info.subject.map((a) => [a.oid, a.value])).toEqual([
      [OID.organization, 'root.example'],
      [OID.commonName, 'root.example'],
      [OID.serialNumber, serialDecimal],
    ]);
    expect(info.issuerRaw).toEqual(info.subjectRaw);
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(CA_TTL_MS);
    const text = openssl('x509', '-in', save(`ca-${ca}.pem`, caPem), '-noout', '-text');
    expect(text).toContain(`Signature Algorithm: ${sig}`);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    const usage =
      ca === 'rsa'
        ? 'Digital Signature, Key Encipherment, Certificate Sign, CRL Sign'
        : 'Digital Signature, Certificate Sign, CRL Sign';
    expect(text).toMatch(new RegExp(`Key Usage: critical\\s+${usage}\\n`));
    expect(text).toContain('Subject Key Identifier');
  });

  it('issues a user cert that openssl verifies and reads', async () => {
    userPem = await issueTlsCert({
      caCertPem: caPem,
      caKey: caKeys.privateKey,
      publicKey: keyPair(leaf).publicKey,
      notAfter: hour(),
      identity: {
        username: 'alice',
        groups: ['editor', 'access'],
        principals: ['root'],
        traits: { logins: ['root'] },
        kubernetesGroups: ['system:masters'],
        teleportCluster: 'root.example',
        userType: 'local',
      },
    });
    const leafFile = save(`user-${ca}-${leaf}.pem`, userPem);
    expect(openssl('verify', '-CAfile', `ca-${ca}.pem`, leafFile).trim()).toBe(`${leafFile}: OK`);

    const subject = openssl('x509', '-in', leafFile, '-noout', '-subject', '-nameopt', 'oneline');
    expect(subject).toContain('O = access + O = editor'); // one multi-valued RDN, DER-sorted
    expect(subject).toContain('1.3.9999.1.2 = system:masters');
    expect(subject).toContain('1.3.9999.1.7 = root.example');
    expect(subject).toContain('1.3.9999.1.20 = local');
    const rfc = openssl('x509', '-in', leafFile, '-noout', '-subject', '-nameopt', 'RFC2253');
    expect(rfc).toMatch(
      /^subject=1\.3\.9999\.1\.20=#13056C6F63616C,1\.3\.9999\.1\.7=#130C726F6F742E6578616D706C65,/,
    );
    expect(rfc).toContain('CN=alice,O=editor+O=access,postalCode=');

    const text = openssl('x509', '-in', leafFile, '-noout', '-text');
    expect(text).toMatch(
      /Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/,
    );
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('Authority Key Identifier');
    expect(text).not.toContain('Subject Alternative Name'); // only when requested
    expect(decodeTlsIdentity(userPem).issuerCommonName).toBe('root.example');
  });

  it('issues a server cert with SANs', async () => {
    const pem = await issueServerCert({
      caCertPem: caPem,
      caKey: caKeys.privateKey,
      publicKey: keyPair(leaf).publicKey,
      notAfter: hour(),
      commonName: 'localhost',
      organization: 'root.example',
      dnsNames: ['localhost', '*.root.example', '192.168.1.5'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    const file = save(`server-${ca}-${leaf}.pem`, pem);
    expect(openssl('verify', '-CAfile', `ca-${ca}.pem`, file).trim()).toBe(`${file}: OK`);
    const text = openssl('x509', '-in', file, '-noout', '-text');
    expect(text).toContain('Subject: O = root.example, CN = localhost');
    expect(text).toContain(
      'DNS:localhost, DNS:*.root.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.5',
    );
  });
});

describe('encodeGoName', () => {
  it('picks PrintableString or UTF8String like encoding/asn1 and sorts SET OF', () => {
    const der = encodeGoName([
      { oid: OID.organization, values: ['editor', 'a*b', 'access'], multiValued: true },
      { oid: OID.streetAddress, values: [''], multiValued: true },
      { oid: OID.kubeUsers, values: ['x&y', 'é'], multiValued: false },
    ]);
    expect(der.toString('hex')).toBe(
      [
        '3056',
        // one RDN with three values, ordered by encoding: shorter first, then bytewise
        '312a',
        '300a060355040a0c03612a62', // "a*b" is not printable: UTF8String
        '300d060355040a1306616363657373', // access
        '300d060355040a1306656469746f72', // editor
        '3109300706035504091300', // empty street is an empty PrintableString
        '310e300c06052bce0f01010c03782679', // "x&y": UTF8String
        '310d300b06052bce0f01010c02c3a9', // each extra name is its own RDN
      ].join(''),
    );
  });

  it('rejects a CA key that does not match the CA certificate', async () => {
    const a = keyPair('ec');
    const caPem = await createTlsCa({ clusterName: 'c', key: a });
    await expect(
      issueTlsCert({
        caCertPem: caPem,
        caKey: keyPair('ec').privateKey,
        publicKey: a.publicKey,
        notAfter: hour(),
        identity: { username: 'u' },
      }),
    ).rejects.toThrow(/does not match/);
  });
});

describe('identity files written by old Teleport', () => {
  it('identity-tls.pem: decodes the TLS user cert (second PEM block) and its CA', () => {
    const text = readFileSync(join(FIXTURES, 'identity-tls.pem'), 'utf8');
    const certs = readCertificatesPem(text);
    expect(certs).toHaveLength(2);
    const id = decodeTlsIdentity(text); // first CERTIFICATE block = the user cert
    expect(id).toMatchObject({
      username: 'alice',
      groups: ['admin', 'default-implicit-role'],
      principals: ['alice'],
      usage: [],
      traits: {},
      kubernetesUsers: [],
      kubernetesGroups: [],
      renewable: false,
      issuerCommonName: 'one',
      serialNumber: '8ba6efa57a0cb28f21520f629c809a98',
    });
    expect(id.routeToCluster).toBeUndefined();
    expect(id.teleportCluster).toBeUndefined();
    expect(id.notBefore.toISOString()).toBe('2019-07-01T19:54:26.000Z');
    expect(id.expires.toISOString()).toBe('2019-08-13T11:55:26.000Z');

    const ca = readCertificate(certs[1]!);
    expect(ca.subject.map((a) => [a.oid, a.value])).toEqual([
      [OID.organization, 'one'],
      [OID.commonName, 'one'],
      [OID.serialNumber, '43514216226176088629648584599150590253'],
    ]);
    expect(BigInt(`0x${ca.serialNumber}`).toString()).toBe('43514216226176088629648584599150590253');
    expect(ca.notAfter.toISOString()).toBe('2029-06-28T19:41:34.000Z');
  });

  it('identity-key-cert-ca.pem: has no TLS certificate', () => {
    const text = readFileSync(join(FIXTURES, 'identity-key-cert-ca.pem'), 'utf8');
    expect(readCertificatesPem(text)).toEqual([]);
    expect(() => decodeTlsIdentity(text)).toThrow(/no CERTIFICATE block/);
  });
});
