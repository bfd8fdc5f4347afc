// DER and identity readers on values found by `npm run fuzz` (src/auth/x509).
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeTime, readTlv } from '../../../../src/auth/x509/der.js';
import { decodeTlsIdentity } from '../../../../src/auth/x509/identity.js';
import { createTlsCa, issueTlsCert } from '../../../../src/devcluster/tlsca.js';

const tlv = (tag: number, s: string) =>
  Buffer.concat([Buffer.from([tag, s.length]), Buffer.from(s, 'latin1')]);

describe('x509 hostile input', () => {
  it('GeneralizedTime years 0000..0099 are those years, not 1900..1999', () => {
    expect(decodeTime(readTlv(tlv(0x18, '00991231235959Z'))).toISOString()).toBe('0099-12-31T23:59:59.000Z');
    expect(decodeTime(readTlv(tlv(0x18, '00010101000000Z'))).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(decodeTime(readTlv(tlv(0x17, '491231235959Z'))).toISOString()).toBe('2049-12-31T23:59:59.000Z');
  });
});

describe('identity traits', () => {
  it('a trait named "__proto__" is a trait, not the prototype of the traits object', async () => {
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const traits = JSON.parse('{"__proto__":["x"],"logins":["root"]}') as Record<string, string[]>;
    const pem = await issueTlsCert({
      caCertPem: await createTlsCa({ clusterName: 'c', key: ca }),
      caKey: ca.privateKey,
      publicKey: leaf.publicKey,
      identity: { username: 'alice', traits },
      notAfter: new Date(Date.now() + 60_000),
    });
    const id = decodeTlsIdentity(pem);
    expect(Object.getPrototypeOf(id.traits)).toBe(Object.prototype);
    expect(Object.entries(id.traits)).toEqual([
      ['__proto__', ['x']],
      ['logins', ['root']],
    ]);
  });
});
