import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DerError,
  decodeOid,
  decodeString,
  decodeTime,
  integerHex,
  readChildren,
  readTlv,
} from '../../../../src/auth/x509/der.js';
import {
  OID,
  decodeTlsIdentity,
  goTraitsJson,
  identitySubjectAttributes,
  readCertificate,
  readCertificatesPem,
  type TlsIdentity,
} from '../../../../src/auth/x509/identity.js';
import { createTlsCa, encodeGoName, issueTlsCert } from '../../../../src/devcluster/tlsca.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Test-side DER builder, independent of the code under test. */
function tlv(tag: number, ...parts: Array<Buffer | string>): Buffer {
  const v = Buffer.concat(parts.map((p) => (typeof p === 'string' ? hex(p) : p)));
  const n = v.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), v]);
}
const str = (tag: number, s: string, enc: BufferEncoding = 'utf8') => tlv(tag, Buffer.from(s, enc));
const atv = (oidHex: string, value: Buffer) => tlv(0x30, tlv(0x06, oidHex), value);
const set = (...atvs: Buffer[]) => tlv(0x31, ...atvs);

describe('der reader', () => {
  it('reads a short-form primitive', () => {
    const t = readTlv(hex('020105'));
    expect(t).toMatchObject({ cls: 'universal', tag: 2, constructed: false, start: 0, end: 3 });
    expect(t.value).toEqual(hex('05'));
  });

  it('reads long-form lengths (1 and 2 length octets)', () => {
    const v128 = Buffer.alloc(128, 0xaa);
    const t1 = readTlv(Buffer.concat([hex('048180'), v128]));
    expect(t1.value.length).toBe(128);
    expect(t1.end).toBe(131);
    const v256 = Buffer.alloc(256, 1);
    const t2 = readTlv(Buffer.concat([hex('30820100'), v256]));
    expect(t2).toMatchObject({ tag: 16, constructed: true, end: 260 });
    expect(t2.raw.length).toBe(260);
  });

  it('reads context tags, children and high tag numbers', () => {
    const t = readTlv(hex('a003020102'));
    expect(t).toMatchObject({ cls: 'context', tag: 0, constructed: true });
    expect(readChildren(t).map((c) => c.value.toString('hex'))).toEqual(['02']);
    expect(readTlv(hex('5f810100'))).toMatchObject({ cls: 'application', tag: 129, constructed: false });
    // offsets are relative to the buffer given
    expect(readTlv(hex('ffff0500'), 2)).toMatchObject({ tag: 5, start: 2, end: 4 });
  });

  it('fails clearly on truncation and non-DER lengths', () => {
    expect(() => readTlv(Buffer.alloc(0))).toThrow(/truncated identifier/);
    expect(() => readTlv(hex('02'))).toThrow(/truncated length/);
    expect(() => readTlv(hex('020501'))).toThrow(/truncated value.*need 5 bytes, have 1/);
    expect(() => readTlv(hex('048201'))).toThrow(/truncated long-form length/);
    expect(() => readTlv(hex('1f'))).toThrow(/truncated tag number/);
    expect(() => readTlv(hex('3080'))).toThrow(/indefinite length/);
    expect(() => readTlv(hex('0485010203040500'))).toThrow(/too large/);
    expect(() => readChildren(readTlv(hex('3003020501')))).toThrow(/truncated value/);
    expect(() => readChildren(readTlv(hex('020100')))).toThrow(/constructed/);
    expect(() => readTlv(hex('02'))).toThrow(DerError);
  });

  it('decodes OIDs', () => {
    expect(decodeOid(hex('2a864886f70d01010b'))).toBe('1.2.840.113549.1.1.11');
    expect(decodeOid(hex('550403'))).toBe('2.5.4.3');
    expect(decodeOid(hex('2bce0f0101'))).toBe('1.3.9999.1.1');
    expect(decodeOid(hex('2bce0f020b'))).toBe('1.3.9999.2.11');
    expect(decodeOid(hex('883703'))).toBe('2.999.3');
    expect(() => decodeOid(hex('2a86'))).toThrow(/truncated OID/);
    expect(() => decodeOid(Buffer.alloc(0))).toThrow(/empty OID/);
  });

  it('decodes the string types', () => {
    expect(decodeString(readTlv(str(0x13, 'Root 1')))).toBe('Root 1');
    expect(decodeString(readTlv(str(0x0c, 'héllo ✓')))).toBe('héllo ✓');
    expect(decodeString(readTlv(str(0x16, 'a@b.c')))).toBe('a@b.c');
    expect(decodeString(readTlv(tlv(0x14, 'e9')))).toBe('é'); // T61 as Latin-1
    expect(decodeString(readTlv(tlv(0x1e, '00e90041')))).toBe('éA'); // BMPString is UTF-16BE
    expect(() => decodeString(readTlv(tlv(0x1e, '00e900')))).toThrow(/odd length/);
    expect(() => decodeString(readTlv(hex('020101')))).toThrow(/not a string/);
  });

  it('decodes UTCTime and GeneralizedTime', () => {
    const t = (tag: number, s: string) => decodeTime(readTlv(str(tag, s, 'ascii')));
    expect(t(0x17, '190701195426Z').toISOString()).toBe('2019-07-01T19:54:26.000Z');
    expect(t(0x17, '500101000000Z').getUTCFullYear()).toBe(1950);
    expect(t(0x17, '491231235959Z').getUTCFullYear()).toBe(2049);
    expect(t(0x18, '20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(t(0x18, '20240102030405.5Z').toISOString()).toBe('2024-01-02T03:04:05.500Z');
    expect(t(0x18, '20240102030405+0130').toISOString()).toBe('2024-01-02T01:34:05.000Z');
    expect(() => t(0x17, '1907011954Z')).toThrow(/bad UTCTime/);
    expect(() => t(0x18, '2024010203Z')).toThrow(/bad GeneralizedTime/);
    expect(() => decodeTime(readTlv(hex('020101')))).toThrow(/not a time/);
  });

  it('prints INTEGER contents as hex without sign padding', () => {
    expect(integerHex(hex('008ba6'))).toBe('8ba6');
    expect(integerHex(hex('00'))).toBe('00');
    expect(integerHex(hex('7f01'))).toBe('7f01');
  });
});

describe('decodeTlsIdentity on a hand-built certificate', () => {
  // Subject in Go order, with a multi-valued O, mixed string types, and one non-string value.
  const subject = tlv(
    0x30,
    set(atv('550407', str(0x13, 'root')), atv('550407', str(0x13, 'alice'))),
    set(atv('550409', str(0x13, 'leaf.example'))),
    set(atv('550411', str(0x0c, '{"logins":["root"],"env":["prod","dev"]}'))),
    set(atv('55040a', str(0x13, 'access')), atv('55040a', str(0x13, 'editor'))),
    set(atv('55040b', str(0x13, 'usage:kube'))),
    set(atv('550403', str(0x13, 'alice@example.com'))),
    set(atv('2bce0f0101', str(0x16, 'kube-user'))),
    set(atv('2bce0f0102', tlv(0x1e, Buffer.from('\u0000g\u0000r', 'latin1')))), // BMPString "gr"
    set(atv('2bce0f0102', str(0x0c, 'grüppe'))),
    set(atv('2bce0f0107', str(0x13, 'root.example'))),
    set(atv('2bce0f010d', str(0x13, 'true'))),
    set(atv('2bce0f010e', str(0x13, '7'))),
    set(atv('2bce0f0104', str(0x13, 'sess-1'))),
    set(atv('2bce0f0201', str(0x13, 'pg'))),
    set(atv('2bce0f0213', str(0x13, 'reader'))),
    set(atv('2bce0f020c', str(0x13, '2030-01-02T03:04:05Z'))),
    set(atv('2bce0f0301', str(0x13, 'dev-1'))),
    set(atv('2bce0f0208', tlv(0x02, '05'))), // not a string: ignored, as Go does
  );
  const issuer = tlv(
    0x30,
    set(atv('55040a', str(0x13, 'root.example'))),
    set(atv('550403', str(0x13, 'root.example'))),
  );
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, '02')),
    tlv(0x02, '008ba6efa57a0cb28f'),
    tlv(0x30, tlv(0x06, '2a8648ce3d040302')),
    issuer,
    tlv(0x30, str(0x17, '240101000000Z', 'ascii'), str(0x18, '20500101000000Z', 'ascii')),
    subject,
    tlv(0x30, tlv(0x30, tlv(0x06, '2b6570')), tlv(0x03, '00', Buffer.alloc(32))),
  );
  const der = tlv(0x30, tbs, tlv(0x30, tlv(0x06, '2a8648ce3d040302')), tlv(0x03, '00'));

  it('reads every attribute, multi-valued RDNs included', () => {
    const id = decodeTlsIdentity(der);
    expect(id).toMatchObject({
      username: 'alice@example.com',
      groups: ['access', 'editor'],
      usage: ['usage:kube'],
      principals: ['root', 'alice'],
      routeToCluster: 'leaf.example',
      traits: { logins: ['root'], env: ['prod', 'dev'] },
      kubernetesUsers: ['kube-user'],
      kubernetesGroups: ['gr', 'grüppe'],
      teleportCluster: 'root.example',
      renewable: true,
      generation: 7,
      routeToApp: { sessionId: 'sess-1', publicAddr: '', clusterName: '' },
      routeToDatabase: { serviceName: 'pg', roles: ['reader'], protocol: '' },
      activeRequests: [],
      disallowReissue: false,
      deviceExtensions: { deviceId: 'dev-1' },
      issuerCommonName: 'root.example',
      serialNumber: '8ba6efa57a0cb28f',
    });
    expect(id.previousIdentityExpires?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(id.notBefore.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(id.expires.toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  it('accepts PEM and finds all CERTIFICATE blocks', () => {
    const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
    const pem = `junk\n-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
    expect(readCertificatesPem(pem + pem)).toHaveLength(2);
    expect(readCertificatesPem(pem)[0]).toEqual(der);
    expect(decodeTlsIdentity(pem).username).toBe('alice@example.com');
    expect(decodeTlsIdentity(Buffer.from(pem)).username).toBe('alice@example.com');
    expect(() => decodeTlsIdentity('no pem here')).toThrow(/no CERTIFICATE block/);
    expect(() => decodeTlsIdentity(der.subarray(0, der.length - 1))).toThrow(/truncated/);
  });
});

describe('subject attributes (Go order)', () => {
  it('lists standard fields first, then extra names in Identity.Subject() order', () => {
    const attrs = identitySubjectAttributes({
      username: 'bob',
      groups: ['a'],
      principals: ['bob'],
      deviceExtensions: { deviceId: 'd' },
      teleportCluster: 'c',
      kubernetesUsers: ['u1', 'u2'],
      systemRoles: ['Node'],
    });
    expect(attrs.map((a) => a.oid)).toEqual([
      OID.locality,
      OID.streetAddress,
      OID.postalCode,
      OID.organization,
      OID.commonName,
      OID.systemRoles,
      OID.kubeUsers,
      OID.teleportCluster,
      OID.deviceId,
    ]);
    expect(attrs.find((a) => a.oid === OID.streetAddress)).toEqual({
      oid: OID.streetAddress,
      values: [''],
      multiValued: true,
    });
    expect(attrs.find((a) => a.oid === OID.postalCode)?.values).toEqual(['null']);
    expect(attrs.find((a) => a.oid === OID.kubeUsers)).toEqual({
      oid: OID.kubeUsers,
      values: ['u1', 'u2'],
      multiValued: false,
    });
  });

  it('writes traits like Go json.Marshal', () => {
    expect(goTraitsJson(undefined)).toBe('null');
    expect(goTraitsJson({})).toBe('{}');
    expect(goTraitsJson({ logins: ['root'], db: ['<a&b>'] })).toBe(
      '{"db":["\\u003ca\\u0026b\\u003e"],"logins":["root"]}',
    );
  });
});

describe('issue -> decode round trip', () => {
  it('keeps every field of a rich identity', async () => {
    const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const caCertPem = await createTlsCa({ clusterName: 'root.example', key: caKeys });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const identity: Partial<TlsIdentity> & { username: string } = {
      username: 'alice@example.com',
      groups: ['editor', 'access', 'auditor'],
      usage: ['usage:apps'],
      principals: ['root', 'alice', 'ubuntu'],
      routeToCluster: 'leaf.example',
      traits: { logins: ['root'], kubernetes_groups: ['system:masters'], note: ['ünïcode'] },
      kubernetesUsers: ['ku1', 'ku2'],
      kubernetesGroups: ['kg'],
      kubernetesCluster: 'kube-1',
      teleportCluster: 'root.example',
      mfaVerified: 'mfa-uuid',
      loginIp: '10.1.2.3',
      renewable: true,
      generation: 42,
      privateKeyPolicy: 'hardware_key',
      userType: 'sso',
      routeToApp: {
        sessionId: 'sid',
        clusterName: 'root.example',
        publicAddr: 'app.example.com',
        name: 'grafana',
        awsRoleArn: 'arn:aws:iam::1:role/r',
        azureIdentity: '/subscriptions/x',
        gcpServiceAccount: 'sa@p.iam.gserviceaccount.com',
      },
      awsRoleArns: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
      azureIdentities: ['/subscriptions/y'],
      gcpServiceAccounts: ['sa2@p.iam.gserviceaccount.com'],
      routeToDatabase: {
        serviceName: 'pg',
        protocol: 'postgres',
        username: 'u',
        database: 'd',
        roles: ['r1', 'r2'],
      },
      databaseNames: ['d1', '*'],
      databaseUsers: ['u1'],
      impersonator: 'bot-x',
      activeRequests: ['req-1', 'req-2'],
      disallowReissue: true,
      allowedResourceIds: '[{"cluster":"root.example","kind":"node","name":"n1"}]',
      systemRoles: ['Node', 'Proxy'],
      previousIdentityExpires: new Date('2031-05-06T07:08:09Z'),
      connectionDiagnosticId: 'diag',
      pinnedIp: '10.9.9.9',
      botName: 'robot',
      botInstanceId: 'inst-1',
      deviceExtensions: { deviceId: 'dev', assetTag: 'tag', credentialId: 'cred' },
    };
    const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
    const pem = await issueTlsCert({
      caCertPem,
      caKey: caKeys.privateKey,
      publicKey: leaf.publicKey,
      identity,
      notAfter,
    });
    const got = decodeTlsIdentity(pem);

    // Multi-valued RDNs come back in DER SET order, so compare those as sets.
    const sorted = (a: string[] | undefined) => [...(a ?? [])].sort();
    expect(sorted(got.groups)).toEqual(sorted(identity.groups));
    expect(sorted(got.principals)).toEqual(sorted(identity.principals));
    const { groups: _g, principals: _p, ...rest } = identity;
    expect(got).toMatchObject(rest);
    expect(got.expires).toEqual(notAfter);
    expect(got.issuerCommonName).toBe('root.example');
    expect(Math.abs(got.notBefore.getTime() - (Date.now() - 60_000))).toBeLessThan(5_000);

    // The subject is exactly what Go would have produced for the same pkix.Name.
    const info = readCertificate(readCertificatesPem(pem)[0]!);
    expect(info.subjectRaw).toEqual(encodeGoName(identitySubjectAttributes(identity)));
    const rdnOids = [...new Map(info.subject.map((a) => [a.rdn, a.oid])).values()];
    expect(rdnOids.slice(0, 7)).toEqual([
      OID.locality,
      OID.streetAddress,
      OID.postalCode,
      OID.organization,
      OID.organizationalUnit,
      OID.commonName,
      OID.systemRoles,
    ]);
    expect(rdnOids.at(-1)).toBe(OID.deviceCredentialId);
  });

  it('decodes a minimal identity with no traits', async () => {
    const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const caCertPem = await createTlsCa({ clusterName: 'c1', key: caKeys });
    const leaf = generateKeyPairSync('ed25519');
    const pem = await issueTlsCert({
      caCertPem,
      caKey: caKeys.privateKey,
      publicKey: leaf.publicKey,
      identity: { username: 'x', groups: ['r'] },
      notAfter: new Date(Date.now() + 60_000),
    });
    const id = decodeTlsIdentity(pem);
    expect(id).toMatchObject({
      username: 'x',
      groups: ['r'],
      traits: {},
      renewable: false,
      deviceExtensions: {},
    });
    expect(id.routeToCluster).toBeUndefined();
    expect(id.routeToApp).toBeUndefined();
    expect(id.routeToDatabase).toBeUndefined();
    expect(id.generation).toBeUndefined();
  });
});
